import Foundation
import PlumbCore

/// What the store checks and cleans before it keeps a record: only field paths, never values
/// (Secret values must not reach the audit trail), URLs without credentials, one-line errors.
enum AuditSafety {
    /// The longest path segment kept; longer ones look like data, not a field name.
    static let maxSegment = 253
    static let maxPath = 1024
    static let maxError = 2000

    /// Refuses a field path that could carry a value: only letters, digits and `. _ - / [ ]`,
    /// segments no longer than a Kubernetes name. `data.password` passes; `data.password=hunter2`,
    /// `data.password: aHVudGVy` and base64 blobs do not.
    static func checkPath(_ path: String, of ref: ObjectRef) throws {
        let allowed = path.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
                || c == UInt8(ascii: ".") || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
                || c == UInt8(ascii: "/") || c == UInt8(ascii: "[") || c == UInt8(ascii: "]")
        }
        let segments = path.split(whereSeparator: { $0 == "." || $0 == "[" || $0 == "]" })
        guard !path.isEmpty, path.utf8.count <= maxPath, allowed, segments.allSatisfy({ $0.utf8.count <= maxSegment })
        else {
            // The path itself is not repeated: it may be the very value that must not be stored.
            throw AuditError.refused("\(ref): a changed field must be a path such as spec.replicas, not a value")
        }
    }

    /// Refuses options that carry a credential (any key naming a password, token, secret,
    /// passphrase or credential holding a string) and non-finite numbers.
    static func checkOptions(_ options: Value, path: String = "options") throws {
        switch options {
        case .object(let o):
            for e in o {
                let key = e.key.lowercased()
                let sensitive = ["password", "token", "secret", "passphrase", "credential"].contains {
                    key.contains($0)
                }
                if sensitive, case .string = e.value {
                    throw AuditError.refused("\(path).\(e.key): options must not hold credentials")
                }
                try checkOptions(e.value, path: "\(path).\(e.key)")
            }
        case .array(let items):
            for (i, item) in items.enumerated() { try checkOptions(item, path: "\(path)[\(i)]") }
        case .double(let d) where !d.isFinite:
            throw AuditError.refused("\(path): NaN and infinity cannot be recorded")
        default:
            break
        }
    }

    /// The URL without user info (http, https, git, file) or without the password (ssh), and
    /// without query or fragment for http(s), where tokens are sometimes passed.
    static func stripCredentials(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return url }  // user@host:path keeps its user
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        var rest = String(url[schemeEnd.upperBound...])
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") {
            let user = authority[..<at]
            let host = authority[authority.index(after: at)...]
            var kept = ""
            if scheme == "ssh", let name = user.split(separator: ":", omittingEmptySubsequences: false).first,
                !name.isEmpty
            {
                kept = "\(name)@"
            }
            rest = kept + host + rest[authorityEnd...]
        }
        if scheme == "http" || scheme == "https", let cut = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) {
            rest = String(rest[..<cut])
        }
        return url[..<schemeEnd.upperBound] + rest
    }

    /// The first line of an error, bounded in length.
    static func oneLine(_ text: String?) -> String? {
        guard let text else { return nil }
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        return trimmed.count > maxError ? String(trimmed.prefix(maxError)) + "…" : trimmed
    }

    /// The record as it will be kept: URL cleaned, error on one line; refuses unsafe options.
    static func cleaned(_ record: AuditRecord) throws -> AuditRecord {
        var r = record
        try checkOptions(r.options)
        guard case .object = r.options else { throw AuditError.refused("options must be an object") }
        r.repo = stripCredentials(r.repo)
        r.error = oneLine(r.error)
        return r
    }

    /// The objects as they will be kept: paths checked, errors on one line.
    static func cleaned(_ objects: [AuditObjectEntry]) throws -> [AuditObjectEntry] {
        try objects.map { entry in
            var e = entry
            for path in e.changedPaths { try checkPath(path, of: e.ref) }
            e.error = oneLine(e.error)
            e.warnings = e.warnings.compactMap(oneLine)
            return e
        }
    }
}
