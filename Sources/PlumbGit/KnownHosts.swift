import Foundation

/// An OpenSSH `known_hosts` file: plain (`host`, `[host]:port`, wildcards, `!negation`)
/// and hashed (`|1|salt|hash`, HMAC-SHA1) host patterns, `@revoked` markers; keys are
/// compared byte for byte with the raw key the server offered.
struct KnownHosts: Sendable {
    enum Marker: Sendable { case none, revoked, certAuthority }

    enum Pattern: Sendable {
        case plain(String, negated: Bool)
        case hashed(salt: [UInt8], hash: [UInt8])
    }

    struct Entry: Sendable {
        var marker: Marker
        var patterns: [Pattern]
        var keyType: String
        var key: [UInt8]
    }

    /// The outcome of looking up a host's key.
    enum Verdict: Equatable, Sendable { case match, mismatch, unknown, revoked }

    var entries: [Entry]

    /// Parses `text`, skipping comments, blank and malformed lines.
    init(parsing text: String) {
        entries = text.split(whereSeparator: \.isNewline).compactMap { KnownHosts.parseLine(String($0)) }
    }

    /// Loads the file at `path`; a missing file is an empty list (every host is unknown).
    init(path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            self.init(parsing: "")
            return
        }
        do {
            self.init(parsing: try String(contentsOfFile: path, encoding: .utf8))
        } catch {
            throw GitError(.io, "ssh: cannot read known_hosts \(path): \(error.localizedDescription)")
        }
    }

    /// How OpenSSH names a host in known_hosts: `host` on port 22, else `[host]:port`.
    static func hostName(_ host: String, port: Int) -> String {
        port == 22 ? host : "[\(host)]:\(port)"
    }

    /// Checks `key` (SSH wire format, as in the file's base64 field) for `host`:`port`.
    func check(host: String, port: Int, key: [UInt8]) -> Verdict {
        let name = KnownHosts.hostName(host, port: port)
        var sawHost = false
        var matched = false
        for entry in entries where entry.marker != .certAuthority && KnownHosts.matches(entry.patterns, name) {
            if entry.key == key {
                if entry.marker == .revoked { return .revoked }
                matched = true
            } else if entry.marker == .none {
                sawHost = true
            }
        }
        if matched { return .match }
        return sawHost ? .mismatch : .unknown
    }

    /// The key type named inside an SSH wire-format key (`ssh-ed25519`, `ssh-rsa`, ...).
    static func keyType(of key: [UInt8]) -> String? {
        guard key.count >= 4 else { return nil }
        let length = Int(key[0]) << 24 | Int(key[1]) << 16 | Int(key[2]) << 8 | Int(key[3])
        guard length > 0, key.count >= 4 + length else { return nil }
        return String(decoding: key[4..<(4 + length)], as: UTF8.self)
    }

    static func parseLine(_ line: String) -> Entry? {
        var fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard let first = fields.first, !first.hasPrefix("#") else { return nil }
        var marker = Marker.none
        if first == "@revoked" || first == "@cert-authority" {
            marker = first == "@revoked" ? .revoked : .certAuthority
            fields.removeFirst()
        }
        guard fields.count >= 3, let key = Data(base64Encoded: fields[2]) else { return nil }
        let patterns = fields[0].split(separator: ",").compactMap { parsePattern(String($0)) }
        guard !patterns.isEmpty else { return nil }
        return Entry(marker: marker, patterns: patterns, keyType: fields[1], key: Array(key))
    }

    static func parsePattern(_ text: String) -> Pattern? {
        if text.hasPrefix("|1|") {
            let parts = text.split(separator: "|", omittingEmptySubsequences: false)
            guard parts.count == 4, let salt = Data(base64Encoded: String(parts[2])),
                let hash = Data(base64Encoded: String(parts[3]))
            else { return nil }
            return .hashed(salt: Array(salt), hash: Array(hash))
        }
        if text.hasPrefix("!") { return .plain(String(text.dropFirst()).lowercased(), negated: true) }
        return text.isEmpty ? nil : .plain(text.lowercased(), negated: false)
    }

    /// OpenSSH semantics: a negated match vetoes the line; otherwise any positive match counts.
    static func matches(_ patterns: [Pattern], _ name: String) -> Bool {
        let lower = name.lowercased()
        var positive = false
        for pattern in patterns {
            switch pattern {
            case .plain(let glob, let negated):
                if wildcardMatch(Array(glob.utf8), Array(lower.utf8)) {
                    if negated { return false }
                    positive = true
                }
            case .hashed(let salt, let hash):
                if SHA1.hmac(key: salt, message: Array(lower.utf8)) == hash { positive = true }
            }
        }
        return positive
    }

    /// `*` and `?` globbing, as in OpenSSH's `match_pattern`.
    static func wildcardMatch(_ pattern: [UInt8], _ text: [UInt8]) -> Bool {
        var p = 0
        var t = 0
        var starP = -1
        var starT = 0
        while t < text.count {
            if p < pattern.count && (pattern[p] == UInt8(ascii: "?") || pattern[p] == text[t]) {
                p += 1
                t += 1
            } else if p < pattern.count && pattern[p] == UInt8(ascii: "*") {
                starP = p
                starT = t
                p += 1
            } else if starP >= 0 {
                p = starP + 1
                starT += 1
                t = starT
            } else {
                return false
            }
        }
        while p < pattern.count && pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.count
    }
}
