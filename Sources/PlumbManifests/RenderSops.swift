/// The SOPS step of every read a renderer makes: a file with a `sops:` section is decrypted in
/// memory (its MAC checked) before anything parses it; other files pass unchanged.
enum RenderSops {
    /// The plaintext of `bytes` and the values decrypted from it (none for a plain file).
    static func decrypt(_ bytes: [UInt8], file: String, keys: SopsKeys) throws(ManifestError) -> (
        bytes: [UInt8], secrets: [String]
    ) {
        guard let result = try Sops.decryptIfEncrypted(bytes, file: file, keys: keys) else { return (bytes, []) }
        return (result.plaintext, result.secrets)
    }
}
