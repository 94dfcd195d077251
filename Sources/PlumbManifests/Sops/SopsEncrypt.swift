import Crypto
import PlumbCore

extension Sops {
    /// An age recipient and the file's data key wrapped for it (an armored age file, as
    /// `age -r RECIPIENT -a` writes it).
    public struct AgeStanza: Sendable {
        public var recipient: String
        public var enc: String

        public init(recipient: String, enc: String) {
            self.recipient = recipient
            self.enc = enc
        }
    }

    /// Encrypts a YAML document as sops does with the same rules: each value the rule selects
    /// becomes `ENC[AES256_GCM,...]` under `dataKey` with its path as additional data, the MAC
    /// (SHA-512 of the values in order) is encrypted with `lastModified`, and a `sops` section
    /// names the age recipients. Used to make encrypted fixtures; `encryptedRegex` as sops'
    /// `--encrypted-regex` (e.g. `^(data|stringData)$` for Kubernetes objects).
    public static func encrypt(
        _ document: Value, dataKey: [UInt8], age: [AgeStanza], lastModified: String, encryptedRegex: String? = nil,
        macOnlyEncrypted: Bool = false
    ) throws(ManifestError) -> Value {
        let metadata = SopsMetadata(
            keyGroups: [], lastModified: lastModified, mac: nil,
            unencryptedSuffix: encryptedRegex == nil ? "_unencrypted" : nil,
            encryptedSuffix: nil, unencryptedRegex: nil, encryptedRegex: encryptedRegex,
            macOnlyEncrypted: macOnlyEncrypted)
        let key = SymmetricKey(data: dataKey)
        let tree: SopsTree
        do {
            tree = try SopsTree(metadata: metadata, dataKey: dataKey)
        } catch {
            throw ManifestError(file: "sops", message: error.message)
        }
        var hash = SHA512()
        if macOnlyEncrypted { hash.update(data: SopsTree.macOnlyEncryptedInitialization) }
        func seal(_ plain: String, _ type: String, _ aad: String) -> String {
            let nonce = try! AES.GCM.Nonce(data: (0..<32).map { _ in UInt8.random(in: 0...255) })
            let box = try! AES.GCM.seal(Array(plain.utf8), using: key, nonce: nonce, authenticating: Array(aad.utf8))
            return
                "ENC[AES256_GCM,data:\(SecretData.base64Encode(Array(box.ciphertext))),iv:\(SecretData.base64Encode(Array(nonce))),tag:\(SecretData.base64Encode(Array(box.tag))),type:\(type)]"
        }
        func walk(_ value: Value, _ path: [String]) -> Value {
            switch value {
            case .object(let o):
                var out = ValueObject(minimumCapacity: o.count)
                for e in o.entries { out.appendUnchecked(key: e.key, value: walk(e.value, path + [e.key])) }
                return .object(out)
            case .array(let a): return .array(a.map { walk($0, path) })
            case .null: return .null
            default:
                let text = SopsTree.macBytes(value)
                let encrypted = tree.shouldBeEncrypted(path)
                if !macOnlyEncrypted || encrypted { hash.update(data: Array(text.utf8)) }
                guard encrypted, !(value.stringValue?.isEmpty ?? false) else { return value }
                let type: String
                switch value {
                case .int: type = "int"
                case .double: type = "float"
                case .bool: type = "bool"
                default: type = "str"
                }
                return .string(seal(text, type, path.joined(separator: ":") + ":"))
            }
        }
        var out = walk(document, [])
        let hex = Array("0123456789ABCDEF")
        let mac = String(hash.finalize().flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 15)]] })
        var sops = ValueObject()
        sops["age"] = .array(age.map { ["recipient": .string($0.recipient), "enc": .string($0.enc)] })
        sops["lastmodified"] = .string(lastModified)
        sops["mac"] = .string(seal(mac, "str", metadata.macAdditionalData))
        if let encryptedRegex {
            sops["encrypted_regex"] = .string(encryptedRegex)
        } else {
            sops["unencrypted_suffix"] = "_unencrypted"
        }
        if macOnlyEncrypted { sops["mac_only_encrypted"] = true }
        sops["version"] = "3.9.0"
        out["sops"] = .object(sops)
        return out
    }
}
