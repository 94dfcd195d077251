import PlumbCore

/// The `sops:` section of an encrypted file: who can open its data key, which values are
/// encrypted, and the encrypted MAC.
struct SopsMetadata {
    struct AgeRecipient {
        var recipient: String
        var enc: String
    }

    struct PGPRecipient {
        var fingerprint: String
        var enc: String
    }

    struct KeyGroup {
        var age: [AgeRecipient] = []
        var pgp: [PGPRecipient] = []
        /// Key services Plumb cannot use (kms, gcp_kms, azure_kv, hc_vault, ...), by name.
        var others: [String] = []
    }

    var keyGroups: [KeyGroup]
    var lastModified: String
    var mac: String?
    var unencryptedSuffix: String?
    var encryptedSuffix: String?
    var unencryptedRegex: String?
    var encryptedRegex: String?
    var macOnlyEncrypted: Bool

    static let keyServices = [
        "kms", "gcp_kms", "azure_kv", "hc_vault", "age", "pgp", "hckms", "barbican", "aliyun_kms",
    ]

    /// Reads the section, or throws a message for what sops would refuse too.
    static func parse(_ value: Value) throws(SopsFailure) -> SopsMetadata {
        guard let o = value.objectValue else { throw SopsFailure("the sops section is not a map") }
        func string(_ key: String) -> String? {
            switch o[key] {
            case .string(let s)?: return s
            case .int(let i)?: return String(i)
            case .bool(let b)?: return String(b)
            default: return nil
            }
        }
        for key in ["unencrypted_comment_regex", "encrypted_comment_regex"] where string(key)?.isEmpty == false {
            throw SopsFailure("\(key) is not supported (Plumb reads YAML without its comments)")
        }
        var groups: [KeyGroup] = []
        if let list = o["key_groups"]?.arrayValue, !list.isEmpty {
            for g in list { groups.append(try group(g)) }
        } else {
            groups = [try group(value)]
        }
        guard let lastModified = string("lastmodified") else {
            throw SopsFailure("the sops section has no lastmodified")
        }
        var regexCount = 0
        for key in ["unencrypted_suffix", "encrypted_suffix", "unencrypted_regex", "encrypted_regex"]
        where string(key)?.isEmpty == false {
            regexCount += 1
        }
        guard regexCount <= 1 else {
            throw SopsFailure(
                "more than one of unencrypted_suffix, encrypted_suffix, unencrypted_regex, encrypted_regex is set")
        }
        let suffix = string("unencrypted_suffix")
        return SopsMetadata(
            keyGroups: groups, lastModified: lastModified, mac: string("mac"),
            // Files written before sops 2 name no rule: sops then uses its default suffix.
            unencryptedSuffix: regexCount == 0 ? (suffix ?? "_unencrypted") : suffix,
            encryptedSuffix: string("encrypted_suffix"), unencryptedRegex: string("unencrypted_regex"),
            encryptedRegex: string("encrypted_regex"),
            macOnlyEncrypted: o["mac_only_encrypted"]?.boolValue ?? (string("mac_only_encrypted") == "true"))
    }

    private static func group(_ value: Value) throws(SopsFailure) -> KeyGroup {
        guard let o = value.objectValue else { throw SopsFailure("a key group is not a map") }
        var g = KeyGroup()
        for e in o.entries {
            guard keyServices.contains(e.key) else { continue }
            let entries = e.value.arrayValue ?? []
            switch e.key {
            case "age":
                for a in entries {
                    guard let r = a["recipient"]?.stringValue, let enc = a["enc"]?.stringValue else {
                        throw SopsFailure("an age entry has no recipient or enc")
                    }
                    g.age.append(AgeRecipient(recipient: r, enc: enc))
                }
            case "pgp":
                for p in entries {
                    guard let enc = p["enc"]?.stringValue else { throw SopsFailure("a pgp entry has no enc") }
                    g.pgp.append(PGPRecipient(fingerprint: p["fp"]?.stringValue ?? "", enc: enc))
                }
            default:
                if !entries.isEmpty { g.others.append(e.key) }
            }
        }
        return g
    }

    /// `lastmodified` as sops formats it for the MAC's additional data: Go's RFC 3339 (no
    /// fractional seconds, `Z` for a zero offset).
    var macAdditionalData: String {
        var s = Substring(lastModified)
        if let dot = s.firstIndex(of: "."),
            let zone = s[dot...].firstIndex(where: { $0 == "Z" || $0 == "+" || $0 == "-" })
        {
            s = s[..<dot] + s[zone...]
        }
        var out = String(s)
        if out.hasSuffix("+00:00") || out.hasSuffix("-00:00") { out = String(out.dropLast(6)) + "Z" }
        return out
    }
}

/// A SOPS problem without its file; `Sops` adds the file when it throws.
struct SopsFailure: Error {
    var message: String
    init(_ message: String) { self.message = message }
}
