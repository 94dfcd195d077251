import Foundation

/// Verifies commit signatures against keys the operator trusts: OpenPGP signatures with
/// GnuPG's `gpgv` against the given keyrings, SSH signatures with `ssh-keygen -Y verify`
/// against an `allowed_signers` file (namespace `git`, as `git verify-commit` does). Whether
/// a key is expired or revoked is judged at the time of verification, not at the commit's
/// own (forgeable) date. The keys never come from the repository being judged.
///
/// Thread safe: each verification works in a scratch directory of its own.
public struct SignatureVerifier: Sendable {
    /// OpenPGP keyrings: binary (`gpg --export`), ASCII-armoured (`gpg --export --armor`) or keybox files.
    public var gpgKeyrings: [String]
    /// An OpenSSH `allowed_signers` file (see ssh-keygen(1), ALLOWED SIGNERS).
    public var allowedSigners: String?
    /// Revoked SSH keys: a KRL or a file of public keys (ssh-keygen(1) `-r`).
    public var sshRevokedKeys: String?
    /// The `gpgv` program (a path, or a name looked up in `PATH`).
    public var gpgv: String = "gpgv"
    /// The `ssh-keygen` program.
    public var sshKeygen: String = "ssh-keygen"
    /// How long one tool run may take.
    public var timeout: Duration = .seconds(30)

    public init(gpgKeyrings: [String] = [], allowedSigners: String? = nil, sshRevokedKeys: String? = nil) {
        self.gpgKeyrings = gpgKeyrings.map(Self.absolute)
        self.allowedSigners = allowedSigners.map(Self.absolute)
        self.sshRevokedKeys = sshRevokedKeys.map(Self.absolute)
    }

    /// The verdict on one commit's signature (nil: the commit is unsigned).
    public func verify(_ signature: GitCommitSignature?) -> SignatureVerdict {
        guard let signature else { return SignatureVerdict(status: .unsigned, reason: "the commit is not signed") }
        let text = String(decoding: signature.signature, as: UTF8.self)
        let format: SignatureVerdict.Format
        if text.hasPrefix("-----BEGIN PGP SIGNATURE-----") {
            format = .gpg
        } else if text.hasPrefix("-----BEGIN SSH SIGNATURE-----") {
            format = .ssh
        } else {
            let first = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            return SignatureVerdict(status: .error, reason: "unsupported signature format \(first.prefix(40))")
        }
        let scratch: String
        do {
            scratch = try Self.scratchDirectory()
        } catch {
            return SignatureVerdict(status: .error, format: format, reason: "\(error)")
        }
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        do {
            let sigFile = scratch + "/commit.sig"
            let dataFile = scratch + "/commit.payload"
            try Data(signature.signature).write(to: URL(fileURLWithPath: sigFile))
            try Data(signature.signedData).write(to: URL(fileURLWithPath: dataFile))
            switch format {
            case .gpg: return try verifyGPG(signature: sigFile, data: dataFile, scratch: scratch)
            case .ssh: return try verifySSH(signature: sigFile, data: dataFile, scratch: scratch)
            }
        } catch let error as SignatureToolError {
            return SignatureVerdict(status: .error, format: format, reason: error.description)
        } catch {
            return SignatureVerdict(status: .error, format: format, reason: "\(error.localizedDescription)")
        }
    }

    /// `path` made absolute against the working directory.
    public static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }

    /// A private directory for one verification.
    static func scratchDirectory() throws(SignatureToolError) -> String {
        var template = Array("\(NSTemporaryDirectory())/plumb-verify-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw SignatureToolError("cannot create a scratch directory in \(NSTemporaryDirectory())")
        }
        return String(cString: made)
    }
}
