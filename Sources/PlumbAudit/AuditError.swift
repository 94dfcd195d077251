/// A failure of the audit trail. All are terminal for the call that got them: retrying the
/// same call gives the same answer, except `database`, which may be transient (a busy lock).
public enum AuditError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No audit database at this path.
    case notFound(path: String)
    /// No record with this id.
    case noSuchRecord(Int64)
    /// The record was already completed (or found interrupted) and cannot be completed again.
    case notInProgress(id: Int64, result: AuditResult)
    /// A value the store refuses to keep, such as a field path that may carry a Secret's value.
    case refused(String)
    /// SQLite failed.
    case database(path: String, message: String)

    public var description: String {
        switch self {
        case .notFound(let path):
            return "audit database \(path) does not exist (no sync has been recorded there)"
        case .noSuchRecord(let id):
            return "no audit record #\(id)"
        case .notInProgress(let id, let result):
            return "audit record #\(id) is \(result.rawValue), not started: it cannot be completed again"
        case .refused(let why):
            return "audit record refused: \(why)"
        case .database(let path, let message):
            return "audit database \(path): \(message)"
        }
    }
}
