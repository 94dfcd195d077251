import Crypto
import PlumbCore
import PlumbYAML

/// A decrypted SOPS file: the file as sops would print it after `sops --decrypt`, and the
/// values that were encrypted (to mask them wherever they could be printed).
public struct SopsResult: Sendable {
    /// The decrypted file, in the file's own format, without its `sops` section.
    public var plaintext: [UInt8]
    /// Every value that was encrypted, in clear: a Secret value from here on.
    public var secrets: [String]

    public init(plaintext: [UInt8], secrets: [String]) {
        self.plaintext = plaintext
        self.secrets = secrets
    }
}

/// SOPS (getsops/sops) decryption in memory: YAML, JSON, dotenv and binary-store files whose values are
/// `ENC[AES256_GCM,...]`, the data key from an age recipient or from PGP through `gpg`, the MAC
/// checked before anything is returned.
public enum Sops {
    /// nil when the file has no top-level `sops:` section (YAML) / `"sops"` key (JSON and
    /// sops' binary store, used for any other extension) / `sops_` keys (dotenv); else the
    /// decrypted file. The store is chosen from the extension, as sops does; INI is refused. Throws one error naming the file when the
    /// data key cannot be recovered, a value does not open, or the MAC does not match.
    public static func decryptIfEncrypted(_ bytes: [UInt8], file: String, keys: SopsKeys) throws(ManifestError)
        -> SopsResult?
    {
        // Every file a renderer reads comes here: most are plain, so look for the word first.
        guard contains(bytes, "sops") else { return nil }
        do throws(SopsFailure) {
            switch SopsFormat(file: file) {
            case .json: return try decryptJSON(bytes, file: file, keys: keys)
            case .yaml: return try decryptYAML(bytes, file: file, keys: keys)
            case .binary: return try decryptBinary(bytes, file: file, keys: keys)
            case .dotenv: return try SopsDotenv.decrypt(bytes, file: file, keys: keys)
            case .ini:
                guard contains(bytes, "[sops]") else { return nil }
                throw SopsFailure("INI files encrypted by sops are not supported (use YAML, JSON or dotenv)")
            }
        } catch {
            throw ManifestError(file: file, message: "sops: \(error.message)")
        }
    }

    static func decryptYAML(_ bytes: [UInt8], file: String, keys: SopsKeys) throws(SopsFailure) -> SopsResult? {
        // A file that is not YAML is left to the loader, which reports it with its place.
        guard let documents = try? YAML.parseDocuments(bytes, file: file) else { return nil }
        var values = documents.map(\.value)
        guard let metadataValue = values.lazy.compactMap({ $0["sops"] }).first else { return nil }
        for i in values.indices where values[i]["sops"] != nil {
            values[i] = removingSops(values[i])
        }
        let (opened, secrets) = try decryptTree(values, metadata: try SopsMetadata.parse(metadataValue), keys: keys)
        return SopsResult(plaintext: Array(YAMLWriter().string(documents: opened).utf8), secrets: secrets)
    }

    /// sops' binary store, for any other file name (a certificate, a key, a `.txt` a
    /// generator reads): a JSON document `{"data": "ENC[...]", "sops": {...}}` whose plaintext
    /// is the `data` value itself.
    static func decryptBinary(_ bytes: [UInt8], file: String, keys: SopsKeys) throws(SopsFailure) -> SopsResult? {
        guard let value = try? JSONReader().parse(bytes), let o = value.objectValue, let metadataValue = o["sops"],
            o.count == 2, o["data"] != nil
        else { return nil }
        let (opened, secrets) = try decryptTree(
            [removingSops(value)], metadata: try SopsMetadata.parse(metadataValue), keys: keys)
        guard let data = opened[0]["data"]?.stringValue else { throw SopsFailure("the data value is not a string") }
        return SopsResult(plaintext: Array(data.utf8), secrets: secrets)
    }

    static func decryptJSON(_ bytes: [UInt8], file: String, keys: SopsKeys) throws(SopsFailure) -> SopsResult? {
        guard let value = try? JSONReader().parse(bytes), let metadataValue = value["sops"] else { return nil }
        let (opened, secrets) = try decryptTree(
            [removingSops(value)], metadata: try SopsMetadata.parse(metadataValue), keys: keys)
        guard let out = try? JSONWriter(style: .pretty(indent: 4)).bytes(opened[0]) else {
            throw SopsFailure("the decrypted document has a number JSON cannot hold")
        }
        return SopsResult(plaintext: out + [UInt8(ascii: "\n")], secrets: secrets)
    }

    /// Opens every document (sops' tree branches, in order) and checks the MAC over all of them.
    static func decryptTree(_ documents: [Value], metadata: SopsMetadata, keys: SopsKeys) throws(SopsFailure)
        -> ([Value], [String])
    {
        guard let macText = metadata.mac, !macText.isEmpty else {
            throw SopsFailure("the file has no MAC (sops refuses it without --ignore-mac; so does Plumb)")
        }
        let dataKey = try SopsDataKey.recover(metadata, keys: keys)
        var tree = try SopsTree(metadata: metadata, dataKey: dataKey)
        var opened: [Value] = []
        for document in documents { opened.append(try tree.decrypt(document)) }
        guard let enc = SopsEncryptedValue(macText),
            let stored = enc.open(key: SymmetricKey(data: dataKey), additionalData: metadata.macAdditionalData)
        else {
            throw SopsFailure("the MAC does not decrypt with the data key and lastmodified (the file was changed)")
        }
        guard String(decoding: stored, as: UTF8.self) == tree.macHex else {
            throw SopsFailure("MAC mismatch: the file's values were changed after it was encrypted")
        }
        return (opened, tree.secrets)
    }

    static func contains(_ bytes: [UInt8], _ word: String) -> Bool {
        let w = Array(word.utf8)
        guard bytes.count >= w.count else { return false }
        var i = 0
        while i <= bytes.count - w.count {
            if bytes[i] == w[0], bytes[i..<(i + w.count)].elementsEqual(w) { return true }
            i += 1
        }
        return false
    }

    static func removingSops(_ value: Value) -> Value {
        guard var o = value.objectValue else { return value }
        _ = o.removeValue(forKey: "sops")
        return .object(o)
    }
}

/// The store sops picks from the file name.
enum SopsFormat {
    case yaml, json, dotenv, ini, binary

    init(file: String) {
        if file.hasSuffix(".yaml") || file.hasSuffix(".yml") {
            self = .yaml
        } else if file.hasSuffix(".json") {
            self = .json
        } else if file.hasSuffix(".env") {
            self = .dotenv
        } else if file.hasSuffix(".ini") {
            self = .ini
        } else {
            self = .binary
        }
    }
}
