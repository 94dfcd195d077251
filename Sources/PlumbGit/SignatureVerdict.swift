import Foundation

/// What verifying one commit's signature found: a good signature (who signed, with which
/// key, in which format) or why not, in one line.
public struct SignatureVerdict: Sendable, Hashable, CustomStringConvertible {
    /// The closed set of outcomes, as the audit trail spells them.
    public enum Status: String, Sendable, Hashable, CaseIterable {
        /// A valid signature by a key of the operator's keyrings (and allowed, once a policy judged it).
        case good
        /// The commit carries no signature.
        case unsigned
        /// Signed by a key that is in none of the operator's keyrings.
        case unknownKey = "unknown-key"
        /// The signature does not match the commit (tampered with, or corrupt).
        case badSignature = "bad-signature"
        /// Signed by a key that had expired.
        case expiredKey = "expired-key"
        /// The signature itself has expired.
        case expiredSignature = "expired-signature"
        /// Signed by a key its owner revoked.
        case revokedKey = "revoked-key"
        /// A good signature, but by a signer the trust policy does not allow for a path the commit changes.
        case notAllowed = "not-allowed"
        /// The signature could not be checked (unknown format, the verifying tool failed).
        case error
    }

    /// How the commit was signed.
    public enum Format: String, Sendable, Hashable, CaseIterable {
        /// OpenPGP (`-----BEGIN PGP SIGNATURE-----`), checked with GnuPG's `gpgv`.
        case gpg
        /// SSH (`-----BEGIN SSH SIGNATURE-----`), checked with `ssh-keygen -Y verify`.
        case ssh
    }

    public var status: Status
    public var format: Format?
    /// Who signed: the key's user ID (`Ada <ada@acme.dev>`) or the allowed_signers principal.
    public var signer: String?
    /// The signing key: the OpenPGP primary key's fingerprint (40 hex digits) or the SSH
    /// key's `SHA256:...` fingerprint.
    public var fingerprint: String?
    /// Why, on one line (for `good`, what was checked).
    public var reason: String

    public init(
        status: Status, format: Format? = nil, signer: String? = nil, fingerprint: String? = nil, reason: String
    ) {
        self.status = status
        self.format = format
        self.signer = signer
        self.fingerprint = fingerprint
        self.reason = Self.oneLine(reason)
    }

    /// Whether the signature is good.
    public var isGood: Bool { status == .good }

    /// `good gpg signature by Ada <ada@acme.dev> (key DB4F...4454)` or `unknown-key: ...`.
    public var description: String {
        guard isGood else { return "\(status.rawValue): \(reason)" }
        return "good \(format?.rawValue ?? "") signature by \(signer ?? "?") (key \(fingerprint ?? "?"))"
    }

    /// The signer's e-mail address: the part in `<...>` of a user ID, or a principal that looks like one.
    public var signerEmail: String? {
        guard let signer else { return nil }
        if let open = signer.lastIndex(of: "<"), let close = signer.lastIndex(of: ">"), open < close {
            return String(signer[signer.index(after: open)..<close])
        }
        return signer
    }

    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            .joined(separator: "; ")
    }
}
