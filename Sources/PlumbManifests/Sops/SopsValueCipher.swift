import Crypto

/// One `ENC[AES256_GCM,data:...,iv:...,tag:...,type:...]` value as sops writes it: AES-256-GCM
/// with a 32-byte IV, the value's tree path (`key:key:...:`) as additional data.
struct SopsEncryptedValue {
    var data: [UInt8]
    var iv: [UInt8]
    var tag: [UInt8]
    var type: String

    /// Parses `text`; nil when it is not in sops' value format.
    init?(_ text: String) {
        guard text.hasPrefix("ENC[AES256_GCM,"), text.hasSuffix("]") else { return nil }
        let inner = text.dropFirst("ENC[AES256_GCM,".count).dropLast()
        var fields: [String: Substring] = [:]
        for part in inner.split(separator: ",", omittingEmptySubsequences: false) {
            guard let colon = part.firstIndex(of: ":") else { return nil }
            fields[String(part[..<colon])] = part[part.index(after: colon)...]
        }
        guard let d = fields["data"], let i = fields["iv"], let t = fields["tag"], let ty = fields["type"],
            let data = Base64.decode(d.utf8, padded: true), let iv = Base64.decode(i.utf8, padded: true),
            let tag = Base64.decode(t.utf8, padded: true), !iv.isEmpty, tag.count == 16
        else { return nil }
        self.data = data
        self.iv = iv
        self.tag = tag
        self.type = String(ty)
    }

    /// The plaintext bytes, or nil when the key, the path or the value does not authenticate.
    func open(key: SymmetricKey, additionalData: String) -> [UInt8]? {
        guard let nonce = try? AES.GCM.Nonce(data: iv),
            let box = try? AES.GCM.SealedBox(nonce: nonce, ciphertext: data, tag: tag),
            let plain = try? AES.GCM.open(box, using: key, authenticating: Array(additionalData.utf8))
        else { return nil }
        return Array(plain)
    }
}
