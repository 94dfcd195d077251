/// Recovering a SOPS file's 32-byte data key from its key group: age recipients first, then
/// PGP, as sops' default decryption order.
enum SopsDataKey {
    static func recover(_ metadata: SopsMetadata, keys: SopsKeys) throws(SopsFailure) -> [UInt8] {
        guard metadata.keyGroups.count == 1, let group = metadata.keyGroups.first else {
            throw SopsFailure(
                "the data key is split across \(metadata.keyGroups.count) key groups (Shamir's secret sharing), which Plumb does not support"
            )
        }
        var reasons: [String] = []
        for age in group.age {
            if keys.ageIdentities.isEmpty {
                reasons.append(
                    "age \(age.recipient): no age identity given (--sops-age-key-file, SOPS_AGE_KEY_FILE or SOPS_AGE_KEY)"
                )
                continue
            }
            do throws(AgeError) {
                let key = try Age.decrypt(Array(age.enc.utf8), identities: keys.ageIdentities)
                guard key.count == 32 else { throw AgeError("the data key is \(key.count) bytes, not 32") }
                return key
            } catch {
                reasons.append("age \(age.recipient): \(error.description)")
            }
        }
        for pgp in group.pgp {
            guard keys.pgpEnabled else {
                reasons.append("pgp \(pgp.fingerprint): PGP is not enabled")
                continue
            }
            switch SopsGPG.decrypt(pgp.enc, keys: keys) {
            case .success(let key) where key.count == 32:
                return key
            case .success(let key):
                reasons.append("pgp \(pgp.fingerprint): the data key is \(key.count) bytes, not 32")
            case .failure(let f):
                reasons.append("pgp \(pgp.fingerprint): \(f.message)")
            }
        }
        for other in group.others { reasons.append("\(other): not supported by Plumb") }
        if reasons.isEmpty { reasons.append("the file names no recipient") }
        throw SopsFailure("cannot decrypt the data key: " + reasons.joined(separator: "; "))
    }
}
