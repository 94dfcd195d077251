import CGit2

/// An error from Plumb's Git layer: one line, starting with its subject (a path or a URL
/// without credentials), naming the libgit2 call that failed where there is one.
public struct GitError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, coarsely; `isTransient` is derived from it.
    public enum Kind: Sendable, Equatable {
        case notFound, ambiguous, invalidArgument, authentication, hostKey, certificate
        case network, locked, corrupt, io, library
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = Redactor.oneLine(message)
    }

    public var description: String { message }

    /// Whether retrying later may succeed (network trouble, a held lock); other errors are terminal.
    public var isTransient: Bool { kind == .network || kind == .locked }

    /// The funnel every libgit2 return code goes through: negative codes become a `GitError`
    /// naming `call` and carrying `git_error_last()`'s text with secrets removed.
    @discardableResult
    static func check(
        _ code: Int32, _ call: String, subject: String, redactor: Redactor = Redactor()
    ) throws -> Int32 {
        guard code < 0 else { return code }
        var detail = ""
        var klass: Int32 = 0
        if let last = git_error_last() {
            klass = last.pointee.klass
            if let msg = last.pointee.message { detail = String(cString: msg) }
        }
        let kind = Kind(code: code, klass: klass)
        var text = "\(subject): \(call) failed"
        if !detail.isEmpty { text += ": \(detail)" }
        throw GitError(kind, redactor.redact(text))
    }
}

extension GitError.Kind {
    init(code: Int32, klass: Int32) {
        switch code {
        case GIT_ENOTFOUND.rawValue: self = .notFound
        case GIT_EAMBIGUOUS.rawValue: self = .ambiguous
        case GIT_EAUTH.rawValue: self = .authentication
        case GIT_ECERTIFICATE.rawValue: self = .certificate
        case GIT_ELOCKED.rawValue: self = .locked
        case GIT_EINVALIDSPEC.rawValue, GIT_EINVALID.rawValue: self = .invalidArgument
        default:
            switch UInt32(bitPattern: klass) {
            case GIT_ERROR_NET.rawValue, GIT_ERROR_SSH.rawValue, GIT_ERROR_HTTP.rawValue,
                GIT_ERROR_SSL.rawValue:
                self = .network
            case GIT_ERROR_ODB.rawValue, GIT_ERROR_ZLIB.rawValue, GIT_ERROR_OBJECT.rawValue:
                self = .corrupt
            case GIT_ERROR_OS.rawValue: self = .io
            default: self = .library
            }
        }
    }
}
