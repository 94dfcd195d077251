import Foundation
import PlumbCore
import PlumbGit
import PlumbYAML

/// A bad trust policy file, named by file and field: `trust.yaml: rules[0].paths: ...`.
public struct TrustPolicyError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Which commits may be synced, as the operator decides it (a file the operator supplies,
/// never one read from the repository it judges): the keys Plumb trusts (an OpenPGP keyring,
/// an SSH `allowed_signers` file), per path glob which keys or signers may sign a commit that
/// changes that path, and whether only the revision or every commit since the last verified
/// one is checked. See docs/governance.md, "Commit signatures".
public struct TrustPolicy: Sendable {
    /// Which commits are checked.
    public enum Mode: String, Sendable, CaseIterable {
        /// The revision to sync only; its signer answers for every path changed since the
        /// last verified revision.
        case head = "HEAD"
        /// Every first-parent commit after the last verified revision up to the one to sync,
        /// each for the paths it changes.
        case everyCommit = "every-commit"
    }

    /// Who may sign commits that change matching paths.
    public struct Rule: Sendable {
        /// The rule's place in the file, `rules[0]`, for messages.
        public var name: String
        public var paths: [Glob]
        /// OpenPGP fingerprints (40 hex digits; a 16-digit long key ID matches its end) or
        /// SSH `SHA256:...` fingerprints.
        public var keys: [String]
        /// Signer identities: e-mail addresses, allowed_signers principals or OpenPGP user IDs;
        /// globs (`*@payments.acme.dev`).
        public var signers: [Glob]

        /// Whether `path` (relative to the repository root) is one of the rule's.
        public func covers(_ path: String) -> Bool {
            paths.contains { glob in
                glob.matches(path)
                    || (!glob.pattern.contains { "*?[".contains($0) } && path.hasPrefix(glob.pattern + "/"))
            }
        }

        /// Whether the signer and key of a good signature satisfy the rule.
        public func allows(_ verdict: SignatureVerdict) -> Bool {
            if let fingerprint = verdict.fingerprint {
                let fpr = fingerprint.uppercased()
                for key in keys {
                    let k = key.replacingOccurrences(of: " ", with: "")
                    if k.hasPrefix("SHA256:") ? k == fingerprint : (k.count >= 16 && fpr.hasSuffix(k.uppercased())) {
                        return true
                    }
                }
            }
            let identities = [verdict.signerEmail, verdict.signer].compactMap { $0 }
            return signers.contains { glob in identities.contains { glob.pattern == $0 || glob.matches($0) } }
        }
    }

    /// The policy file, for messages.
    public var file: String
    public var mode: Mode
    /// The keys and the tools that check signatures against them.
    public var verifier: SignatureVerifier
    /// In file order; the first rule that covers a path decides for it.
    public var rules: [Rule]

    public init(file: String, mode: Mode, verifier: SignatureVerifier, rules: [Rule]) {
        self.file = file
        self.mode = mode
        self.verifier = verifier
        self.rules = rules
    }

    /// The first rule covering `path`.
    public func rule(for path: String) -> Rule? { rules.first { $0.covers(path) } }

    /// Reads and checks the policy at `path`; keyring paths are relative to its directory.
    public static func load(_ path: String) throws(TrustPolicyError) -> TrustPolicy {
        guard let bytes = FileManager.default.contents(atPath: path) else {
            throw TrustPolicyError("trust policy \(path): cannot be read")
        }
        let directory = (SignatureVerifier.absolute(path) as NSString).deletingLastPathComponent
        return try parse(Array(bytes), file: path, directory: directory)
    }

    /// The policy in `bytes` (YAML); `file` names it in errors, `directory` anchors relative paths.
    public static func parse(_ bytes: [UInt8], file: String, directory: String) throws(TrustPolicyError) -> TrustPolicy
    {
        let documents: [YAMLDocument]
        do {
            documents = try YAML.parseDocuments(bytes, file: file)
        } catch {
            throw TrustPolicyError("\(error)")
        }
        guard documents.count == 1, case .object(let top) = documents[0].value else {
            throw TrustPolicyError("\(file): expected one YAML mapping (mode, gpgKeyring, allowedSigners, rules)")
        }
        let known: Set<String> = [
            "apiVersion", "kind", "mode", "gpgKeyring", "gpgKeyrings", "allowedSigners", "sshRevokedKeys", "rules",
        ]
        for key in top.keys where !known.contains(key) {
            throw TrustPolicyError(
                "\(file): \(key): unknown field (expected one of \(known.sorted().joined(separator: ", ")))")
        }
        if let kind = top["kind"], kind.stringValue != "TrustPolicy" {
            throw TrustPolicyError("\(file): kind: expected TrustPolicy")
        }
        var mode = Mode.head
        if let m = top["mode"] {
            guard let text = m.stringValue,
                let parsed = Mode(rawValue: text) ?? (text.lowercased() == "head" ? .head : nil)
            else {
                throw TrustPolicyError("\(file): mode: expected HEAD or every-commit")
            }
            mode = parsed
        }
        func resolve(_ p: String) -> String { p.hasPrefix("/") ? p : directory + "/" + p }
        var keyrings: [String] = []
        for field in ["gpgKeyring", "gpgKeyrings"] {
            guard let v = top[field] else { continue }
            let list = try strings(v, "\(file): \(field)", what: "a path or a list of paths", single: true)
            keyrings += list.map(resolve)
        }
        var allowed: String?
        if let v = top["allowedSigners"] {
            guard let p = v.stringValue, !p.isEmpty else {
                throw TrustPolicyError("\(file): allowedSigners: expected a path")
            }
            allowed = resolve(p)
        }
        var revoked: String?
        if let v = top["sshRevokedKeys"] {
            guard let p = v.stringValue, !p.isEmpty else {
                throw TrustPolicyError("\(file): sshRevokedKeys: expected a path")
            }
            revoked = resolve(p)
        }
        for path in keyrings + [allowed, revoked].compactMap({ $0 })
        where !FileManager.default.isReadableFile(atPath: path) {
            throw TrustPolicyError("\(file): \(path): cannot be read")
        }
        if keyrings.isEmpty && allowed == nil {
            throw TrustPolicyError(
                "\(file): give gpgKeyring or allowedSigners (the keys signatures are checked against)")
        }
        var rules: [Rule] = []
        if let list = top["rules"] {
            guard let items = list.arrayValue else { throw TrustPolicyError("\(file): rules: must be a list") }
            for (i, item) in items.enumerated() {
                let name = "rules[\(i)]"
                guard case .object(let o) = item else {
                    throw TrustPolicyError("\(file): \(name): must be a mapping (paths, keys, signers)")
                }
                for key in o.keys where !["paths", "keys", "signers"].contains(key) {
                    throw TrustPolicyError("\(file): \(name).\(key): unknown field (expected paths, keys, signers)")
                }
                guard let p = o["paths"] else { throw TrustPolicyError("\(file): \(name).paths: required") }
                let paths = try strings(p, "\(file): \(name).paths", what: "a list of path globs")
                var keys: [String] = []
                if let v = o["keys"] {
                    keys = try strings(v, "\(file): \(name).keys", what: "a list of key fingerprints")
                }
                var signers: [String] = []
                if let v = o["signers"] {
                    signers = try strings(v, "\(file): \(name).signers", what: "a list of signer identities")
                }
                for (k, key) in keys.enumerated() where !validKey(key) {
                    throw TrustPolicyError(
                        "\(file): \(name).keys[\(k)]: \"\(key)\" is not an OpenPGP fingerprint (40 hex digits) or key ID (16), nor an SSH SHA256: fingerprint"
                    )
                }
                if keys.isEmpty && signers.isEmpty {
                    throw TrustPolicyError("\(file): \(name): give keys or signers (who may sign these paths)")
                }
                rules.append(
                    Rule(
                        name: name, paths: paths.map { Glob($0.hasPrefix("/") ? String($0.dropFirst()) : $0) },
                        keys: keys,
                        signers: signers.map(Glob.init)))
            }
        }
        return TrustPolicy(
            file: file, mode: mode,
            verifier: SignatureVerifier(gpgKeyrings: keyrings, allowedSigners: allowed, sshRevokedKeys: revoked),
            rules: rules)
    }

    static func strings(_ v: Value, _ field: String, what: String, single: Bool = false) throws(TrustPolicyError)
        -> [String]
    {
        if single, let s = v.stringValue, !s.isEmpty { return [s] }
        guard let items = v.arrayValue, !items.isEmpty else { throw TrustPolicyError("\(field): expected \(what)") }
        var out: [String] = []
        for (i, item) in items.enumerated() {
            guard let s = item.stringValue, !s.isEmpty else {
                throw TrustPolicyError("\(field)[\(i)]: expected a string")
            }
            out.append(s)
        }
        return out
    }

    static func validKey(_ key: String) -> Bool {
        if key.hasPrefix("SHA256:") { return key.count > 7 }
        let hex = key.replacingOccurrences(of: " ", with: "")
        return (hex.count == 40 || hex.count == 16) && hex.allSatisfy(\.isHexDigit)
    }
}
