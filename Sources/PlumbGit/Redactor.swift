import Foundation

/// Removes secrets from text before it reaches an error message: the literal secret values
/// Plumb loaded, and the user-info part of any `scheme://user:pass@host` URL.
struct Redactor: Sendable {
    var secrets: [String] = []

    func redact(_ text: String) -> String {
        var out = Redactor.stripURLUserInfo(text)
        for secret in secrets where !secret.isEmpty {
            out = out.replacingAll(secret, with: "***")
        }
        return out
    }

    /// Drops `user:password@` (or a bare token used as user) from every URL in `text`.
    /// SSH user names are kept: they are not secret and say who connected.
    static func stripURLUserInfo(_ text: String) -> String {
        var result = ""
        var rest = Substring(text)
        while let schemeEnd = rest.range(of: "://") {
            let scheme = rest[..<schemeEnd.lowerBound].reversed().prefix { $0.isLetter || $0 == "+" }
            result += rest[..<schemeEnd.upperBound]
            rest = rest[schemeEnd.upperBound...]
            let authorityEnd =
                rest.firstIndex { $0 == "/" || $0 == " " || $0 == "'" || $0 == "\"" }
                ?? rest.endIndex
            let authority = rest[..<authorityEnd]
            if let at = authority.lastIndex(of: "@") {
                let userInfo = authority[..<at]
                let isSSH = String(scheme.reversed()).lowercased().hasPrefix("ssh")
                if isSSH && !userInfo.contains(":") {
                    result += authority
                } else {
                    result += authority[authority.index(after: at)...]
                }
            } else {
                result += authority
            }
            rest = rest[authorityEnd...]
        }
        return result + rest
    }

    /// Collapses line breaks so that an error stays one line.
    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters() }.joined(separator: " ")
    }
}

extension StringProtocol {
    func trimmingCharacters() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = Substring(self)
        while let r = rest.range(of: target) {
            result += rest[..<r.lowerBound]
            result += replacement
            rest = rest[r.upperBound...]
        }
        return result + rest
    }
}
