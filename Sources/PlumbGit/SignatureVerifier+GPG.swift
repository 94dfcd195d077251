import Foundation

extension SignatureVerifier {
    /// `gpgv --status-fd 1` against the keyrings; the verdict comes from the status lines
    /// (`GOODSIG`, `EXPKEYSIG`, `REVKEYSIG`, `BADSIG`, `ERRSIG`, ...), never from the exit
    /// code alone: gpgv exits 0 for a signature by a revoked key.
    func verifyGPG(signature: String, data: String, scratch: String) throws -> SignatureVerdict {
        guard !gpgKeyrings.isEmpty else {
            return SignatureVerdict(
                status: .unknownKey, format: .gpg,
                reason: "no OpenPGP keyring (gpgKeyring) to check an OpenPGP signature against")
        }
        let home = scratch + "/gnupg"
        try FileManager.default.createDirectory(
            atPath: home, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var arguments = ["--homedir", home, "--status-fd", "1"]
        for (i, keyring) in gpgKeyrings.enumerated() {
            arguments += ["--keyring", try Self.binaryKeyring(keyring, scratch: scratch, index: i)]
        }
        arguments += [signature, data]
        let result = try SignatureTool(name: "gnupg", timeout: timeout).run(gpgv, arguments, directory: scratch)
        return Self.gpgVerdict(statusLines: result.stdout, stderr: result.stderr)
    }

    /// gpgv reads binary keyrings and keyboxes only: an ASCII-armoured keyring is decoded
    /// into the scratch directory first.
    static func binaryKeyring(_ path: String, scratch: String, index: Int) throws -> String {
        guard let bytes = FileManager.default.contents(atPath: path) else {
            throw SignatureToolError("gpgKeyring \(path): cannot be read")
        }
        let head = String(decoding: bytes.prefix(64), as: UTF8.self)
        guard head.contains("-----BEGIN PGP") else { return path }
        guard let decoded = dearmor(String(decoding: bytes, as: UTF8.self)), !decoded.isEmpty else {
            throw SignatureToolError("gpgKeyring \(path): not a valid ASCII-armoured OpenPGP key block")
        }
        let out = scratch + "/keyring-\(index).gpg"
        try Data(decoded).write(to: URL(fileURLWithPath: out))
        return out
    }

    /// The packets of every `-----BEGIN PGP ...-----` block of `text` (RFC 4880 §6.2: armour
    /// headers up to a blank line, base64 lines, an optional `=CRC` line), concatenated.
    static func dearmor(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        var inBlock = false
        var inBody = false
        var base64 = ""
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.hasPrefix("-----BEGIN PGP") {
                inBlock = true
                inBody = false
                base64 = ""
            } else if line.hasPrefix("-----END PGP") {
                guard inBlock, let data = Data(base64Encoded: base64) else { return nil }
                out += data
                inBlock = false
            } else if inBlock && !inBody {
                if line.isEmpty {
                    inBody = true
                } else if !line.contains(":") {
                    inBody = true
                    base64 += line
                }
            } else if inBlock && inBody && !(line.hasPrefix("=") && line.count == 5) {
                base64 += line
            }
        }
        return out
    }

    /// The verdict of gpgv's status lines (see GnuPG's doc/DETAILS) for the first signature.
    static func gpgVerdict(statusLines: String, stderr: String) -> SignatureVerdict {
        var fields: [String: [String]] = [:]
        for line in statusLines.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard parts.count >= 2, parts[0] == "[GNUPG:]", fields[parts[1]] == nil else { continue }
            fields[parts[1]] = Array(parts.dropFirst(2))
        }
        // VALIDSIG <fpr> <date> <ts> <expire> <ver> <reserved> <pkalgo> <hashalgo> <class> [<primary fpr>]
        let fingerprint = fields["VALIDSIG"].flatMap { v in v.count >= 10 ? v[9] : v.first }
        func uid(_ args: [String]) -> String? { args.count >= 2 ? args.dropFirst().joined(separator: " ") : nil }
        if let args = fields["GOODSIG"] {
            let signer = uid(args)
            return SignatureVerdict(
                status: .good, format: .gpg, signer: signer, fingerprint: fingerprint ?? args.first,
                reason: "good OpenPGP signature by \(signer ?? "?")")
        }
        if let args = fields["EXPKEYSIG"] {
            return SignatureVerdict(
                status: .expiredKey, format: .gpg, signer: uid(args), fingerprint: fingerprint ?? args.first,
                reason: "signed by \(uid(args) ?? "?") with key \(fingerprint ?? args.first ?? "?"), which has expired")
        }
        if let args = fields["REVKEYSIG"] {
            return SignatureVerdict(
                status: .revokedKey, format: .gpg, signer: uid(args), fingerprint: fingerprint ?? args.first,
                reason: "signed by \(uid(args) ?? "?") with key \(fingerprint ?? args.first ?? "?"), which was revoked")
        }
        if let args = fields["EXPSIG"] {
            return SignatureVerdict(
                status: .expiredSignature, format: .gpg, signer: uid(args), fingerprint: fingerprint ?? args.first,
                reason: "the signature by \(uid(args) ?? "?") has expired")
        }
        if let args = fields["BADSIG"] {
            return SignatureVerdict(
                status: .badSignature, format: .gpg, signer: uid(args), fingerprint: args.first,
                reason:
                    "the signature by \(uid(args) ?? "?") (key \(args.first ?? "?")) does not match the commit (tampered or corrupt)"
            )
        }
        // ERRSIG <keyid> <pkalgo> <hashalgo> <class> <time> <rc> [<fpr>]; rc 9: no public key.
        if let args = fields["ERRSIG"] {
            let key = args.count >= 7 && args[6] != "-" ? args[6] : args.first ?? "?"
            if args.count >= 6 && args[5] == "9" || fields["NO_PUBKEY"] != nil {
                return SignatureVerdict(
                    status: .unknownKey, format: .gpg, fingerprint: key,
                    reason: "signed with key \(key), which is in no trusted keyring")
            }
            return SignatureVerdict(
                status: .error, format: .gpg, fingerprint: key,
                reason: "cannot check the signature of key \(key) (gpgv code \(args.count >= 6 ? args[5] : "?"))")
        }
        if let args = fields["NO_PUBKEY"] {
            return SignatureVerdict(
                status: .unknownKey, format: .gpg, fingerprint: args.first,
                reason: "signed with key \(args.first ?? "?"), which is in no trusted keyring")
        }
        let why = stderr.split(whereSeparator: \.isNewline).last.map(String.init) ?? "no verdict from gpgv"
        return SignatureVerdict(status: .error, format: .gpg, reason: "gpgv: \(why)")
    }
}
