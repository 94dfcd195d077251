import Foundation

extension SignatureVerifier {
    /// `ssh-keygen -Y find-principals` names who may have signed, `-Y verify` (namespace `git`)
    /// checks the signature for each of them; `-Y check-novalidate` tells a signature by an
    /// unknown key from a broken one.
    func verifySSH(signature: String, data: String, scratch: String) throws -> SignatureVerdict {
        let tool = SignatureTool(name: "openssh-client", timeout: timeout)
        let check = try tool.run(
            sshKeygen, ["-Y", "check-novalidate", "-n", "git", "-s", signature], stdinFile: data, directory: scratch)
        let selfConsistent = check.status == 0
        let keyFingerprint = Self.sshFingerprint(check.stdout)
        guard selfConsistent else {
            return SignatureVerdict(
                status: .badSignature, format: .ssh, fingerprint: keyFingerprint,
                reason:
                    "the SSH signature does not match the commit (tampered or corrupt): \(Self.lastLine(check.stderr))")
        }
        guard let allowedSigners else {
            return SignatureVerdict(
                status: .unknownKey, format: .ssh, fingerprint: keyFingerprint,
                reason: "no allowed_signers file (allowedSigners) to check an SSH signature against")
        }
        let find = try tool.run(
            sshKeygen, ["-Y", "find-principals", "-f", allowedSigners, "-s", signature], directory: scratch)
        let principals =
            find.status == 0
            ? find.stdout.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.isEmpty } : []
        var failure = find.stderr
        for principal in principals {
            let arguments = ["-Y", "verify", "-f", allowedSigners, "-I", principal, "-n", "git", "-s", signature]
            let verify = try tool.run(
                sshKeygen, arguments + (sshRevokedKeys.map { ["-r", $0] } ?? []), stdinFile: data, directory: scratch)
            if verify.status != 0, sshRevokedKeys != nil {
                // ssh-keygen says only "Could not verify signature" for a revoked key: a
                // signature that verifies without the revocation list was made by one.
                let unrevoked = try tool.run(sshKeygen, arguments, stdinFile: data, directory: scratch)
                if unrevoked.status == 0 {
                    return SignatureVerdict(
                        status: .revokedKey, format: .ssh, signer: principal,
                        fingerprint: Self.sshFingerprint(unrevoked.stdout) ?? keyFingerprint,
                        reason: "signed by \(principal) with SSH key \(keyFingerprint ?? "?"), which was revoked")
                }
            }
            if verify.status == 0 {
                return SignatureVerdict(
                    status: .good, format: .ssh, signer: principal,
                    fingerprint: Self.sshFingerprint(verify.stdout) ?? keyFingerprint,
                    reason: "good SSH signature by \(principal)")
            }
            failure = verify.stderr + "\n" + verify.stdout
        }
        if failure.contains("key has expired") || failure.contains("key not yet valid") {
            return SignatureVerdict(
                status: .expiredKey, format: .ssh, signer: principals.first, fingerprint: keyFingerprint,
                reason: "signed with SSH key \(keyFingerprint ?? "?"), outside its validity in allowed_signers")
        }
        if failure.contains("revoked") {
            return SignatureVerdict(
                status: .revokedKey, format: .ssh, signer: principals.first, fingerprint: keyFingerprint,
                reason: "signed with SSH key \(keyFingerprint ?? "?"), which was revoked")
        }
        if principals.isEmpty {
            return SignatureVerdict(
                status: .unknownKey, format: .ssh, fingerprint: keyFingerprint,
                reason: "signed with SSH key \(keyFingerprint ?? "?"), which is not in allowed_signers")
        }
        return SignatureVerdict(
            status: .badSignature, format: .ssh, signer: principals.first, fingerprint: keyFingerprint,
            reason: "ssh-keygen -Y verify: \(Self.lastLine(failure))")
    }

    /// The `SHA256:...` of `Good "git" signature ... with ED25519 key SHA256:...`.
    static func sshFingerprint(_ output: String) -> String? {
        guard let range = output.range(of: " key SHA256:") else { return nil }
        let rest = output[range.upperBound...].prefix { !$0.isWhitespace }
        return "SHA256:" + rest
    }

    static func lastLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).last.map(String.init) ?? "no output"
    }
}
