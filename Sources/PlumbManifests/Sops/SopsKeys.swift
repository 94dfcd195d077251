/// The keys Plumb may open SOPS files with: age X25519 identities and a GnuPG home for PGP.
/// Nothing here is ever printed; `description` names only how many keys there are.
public struct SopsKeys: Sendable, CustomStringConvertible {
    /// age identities, tried against every age recipient of a file.
    public var ageIdentities: [AgeIdentity]
    /// The GNUPGHOME `gpg --decrypt` runs with for PGP recipients; nil uses gpg's default.
    public var gnupgHome: String?
    /// Whether PGP recipients may be tried at all (`gpg` on the PATH, or an explicit home).
    public var pgpEnabled: Bool
    /// The `gpg` executable.
    public var gpgPath: String

    public init(
        ageIdentities: [AgeIdentity] = [], gnupgHome: String? = nil, pgpEnabled: Bool = true, gpgPath: String = "gpg"
    ) {
        self.ageIdentities = ageIdentities
        self.gnupgHome = gnupgHome
        self.pgpEnabled = pgpEnabled
        self.gpgPath = gpgPath
    }

    /// No keys: an encrypted file is an error naming the file.
    public static let none = SopsKeys(pgpEnabled: false)

    /// The keys as sops finds them: age identities from `ageKeyFiles` (explicit files, e.g.
    /// `--sops-age-key-file` or a mounted Secret), `SOPS_AGE_KEY_FILE` and `SOPS_AGE_KEY`
    /// (identities inline, one a line), else sops' default `$XDG_CONFIG_HOME/sops/age/keys.txt`
    /// (`~/.config/sops/age/keys.txt`) when it exists; the PGP home from `gnupgHome` or `GNUPGHOME`.
    /// Throws a message naming the file or variable that holds something that is not a key.
    public static func fromEnvironment(
        _ environment: [String: String], ageKeyFiles: [String] = [], gnupgHome: String? = nil,
        readFile: (String) throws -> [UInt8]
    ) throws(ManifestError) -> SopsKeys {
        var identities: [AgeIdentity] = []
        var files = ageKeyFiles
        if let f = environment["SOPS_AGE_KEY_FILE"], !f.isEmpty { files.append(f) }
        // sops' default identity file, read when it exists and nothing else names one.
        var optional: String?
        if files.isEmpty && (environment["SOPS_AGE_KEY"] ?? "").isEmpty {
            if let config = environment["XDG_CONFIG_HOME"], !config.isEmpty {
                optional = config + "/sops/age/keys.txt"
            } else if let home = environment["HOME"], !home.isEmpty {
                optional = home + "/.config/sops/age/keys.txt"
            }
            if let optional { files.append(optional) }
        }
        for file in files {
            let bytes: [UInt8]
            do {
                bytes = try readFile(file)
            } catch {
                if file == optional { continue }
                throw ManifestError(file: file, message: "cannot read the age key file: \(error)")
            }
            do {
                identities += try AgeIdentity.parseFile(String(decoding: bytes, as: UTF8.self))
            } catch {
                throw ManifestError(file: file, message: error.description)
            }
        }
        if let inline = environment["SOPS_AGE_KEY"], !inline.isEmpty {
            do {
                identities += try AgeIdentity.parseFile(inline)
            } catch {
                throw ManifestError(file: "SOPS_AGE_KEY", message: error.description)
            }
        }
        let home = gnupgHome ?? environment["GNUPGHOME"].flatMap { $0.isEmpty ? nil : $0 }
        return SopsKeys(ageIdentities: identities, gnupgHome: home, pgpEnabled: true)
    }

    public var description: String {
        "SopsKeys(\(ageIdentities.count) age identities, gnupghome: \(gnupgHome ?? "default"))"
    }
}
