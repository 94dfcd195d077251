import Crypto

/// Decryption of age v1 files (age-encryption.org/v1) with X25519 identities, on swift-crypto:
/// the header's X25519 stanzas are tried against each identity (ECDH, HKDF-SHA256,
/// ChaCha20-Poly1305 unwrap of the 16-byte file key), the header MAC (HMAC-SHA256) is checked,
/// then the payload STREAM (ChaCha20-Poly1305, 64 KiB chunks) is opened. The ASCII-armored form
/// (`-----BEGIN AGE ENCRYPTED FILE-----`, which SOPS stores) is accepted as well.
public enum Age {
    static let armorBegin = "-----BEGIN AGE ENCRYPTED FILE-----"
    static let armorEnd = "-----END AGE ENCRYPTED FILE-----"
    static let chunkSize = 64 * 1024

    /// The plaintext of `file` (binary or armored) for one of `identities`.
    public static func decrypt(_ file: [UInt8], identities: [AgeIdentity]) throws(AgeError) -> [UInt8] {
        let binary = try dearmorIfNeeded(file)
        let header = try AgeHeader.parse(binary)
        var fileKey: [UInt8]?
        for stanza in header.stanzas where stanza.type == "X25519" {
            for identity in identities {
                if let key = try unwrapX25519(stanza, identity: identity) {
                    fileKey = key
                    break
                }
            }
            if fileKey != nil { break }
        }
        guard let fileKey else {
            let types = Set(header.stanzas.map(\.type)).sorted().joined(separator: ", ")
            throw AgeError("no identity matched any of the file's recipients (stanzas: \(types))")
        }
        let macKey = hkdf(fileKey, salt: [], info: "header")
        let mac = HMAC<SHA256>.authenticationCode(for: header.macInput, using: SymmetricKey(data: macKey))
        guard Array(mac) == header.mac else { throw AgeError("header MAC mismatch") }
        return try openPayload(Array(binary[header.payloadStart...]), fileKey: fileKey)
    }

    /// The binary form of an armored file; a binary file is returned as it is.
    static func dearmorIfNeeded(_ file: [UInt8]) throws(AgeError) -> [UInt8] {
        let text = String(decoding: file, as: UTF8.self)
        let trimmed = Substring(text).trimmingWhitespace()
        guard trimmed.hasPrefix(armorBegin) else { return file }
        guard trimmed.hasSuffix(armorEnd) else { throw AgeError("armored file without its END line") }
        let body = trimmed.dropFirst(armorBegin.count).dropLast(armorEnd.count)
        var joined: [UInt8] = []
        let lines = body.split(whereSeparator: { $0 == "\n" || $0 == "\r" })
        for (i, line) in lines.enumerated() {
            guard line.utf8.count <= 64, i == lines.count - 1 || line.utf8.count == 64 else {
                throw AgeError("armored file with a line that is not 64 columns")
            }
            joined.append(contentsOf: line.utf8)
        }
        guard let bytes = Base64.decode(joined, padded: true) else { throw AgeError("armored file is not base64") }
        return bytes
    }

    /// The file key from an X25519 stanza, nil when the stanza is for another recipient.
    static func unwrapX25519(_ stanza: AgeHeader.Stanza, identity: AgeIdentity) throws(AgeError) -> [UInt8]? {
        guard stanza.args.count == 1, let share = Base64.decode(stanza.args[0].utf8, padded: false), share.count == 32
        else { throw AgeError("invalid X25519 stanza") }
        guard stanza.body.count == 32 else { throw AgeError("invalid X25519 stanza body") }
        guard let ephemeral = try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: share),
            let shared = try? identity.privateKey.sharedSecretFromKeyAgreement(with: ephemeral)
        else { return nil }
        let secret = shared.withUnsafeBytes { Array($0) }
        // A low-order point gives an all-zero secret; age refuses it.
        guard secret.contains(where: { $0 != 0 }) else { throw AgeError("invalid X25519 recipient share") }
        let salt = share + Array(identity.privateKey.publicKey.rawRepresentation)
        let wrapKey = hkdf(secret, salt: salt, info: "age-encryption.org/v1/X25519")
        guard
            let box = try? ChaChaPoly.SealedBox(
                nonce: ChaChaPoly.Nonce(data: [UInt8](repeating: 0, count: 12)),
                ciphertext: stanza.body[0..<16], tag: stanza.body[16..<32]),
            let key = try? ChaChaPoly.open(box, using: SymmetricKey(data: wrapKey))
        else { return nil }
        return Array(key)
    }

    /// The STREAM payload: a 16-byte nonce, then chunks of up to 64 KiB sealed with a counter
    /// nonce whose last byte flags the final chunk.
    static func openPayload(_ payload: [UInt8], fileKey: [UInt8]) throws(AgeError) -> [UInt8] {
        guard payload.count >= 16 else { throw AgeError("payload too short") }
        let key = SymmetricKey(data: hkdf(fileKey, salt: Array(payload[0..<16]), info: "payload"))
        var out: [UInt8] = []
        var offset = 16
        var counter: UInt64 = 0
        let sealedChunk = chunkSize + 16
        while true {
            let remaining = payload.count - offset
            guard remaining >= 16 else { throw AgeError("payload truncated") }
            let last = remaining <= sealedChunk
            let length = last ? remaining : sealedChunk
            var nonce = [UInt8](repeating: 0, count: 12)
            for i in 0..<8 { nonce[10 - i] = UInt8(truncatingIfNeeded: counter >> (8 * UInt64(i))) }
            nonce[11] = last ? 1 : 0
            let chunk = payload[offset..<(offset + length)]
            guard
                let box = try? ChaChaPoly.SealedBox(
                    nonce: ChaChaPoly.Nonce(data: nonce), ciphertext: chunk.dropLast(16), tag: chunk.suffix(16)),
                let plain = try? ChaChaPoly.open(box, using: key)
            else { throw AgeError("payload chunk \(counter) failed authentication") }
            // Only an empty file may end with an empty chunk.
            if last, plain.isEmpty, counter > 0 { throw AgeError("payload ends with an empty chunk") }
            out.append(contentsOf: plain)
            if last { break }
            counter += 1
            offset += length
        }
        return out
    }

    static func hkdf(_ ikm: [UInt8], salt: [UInt8], info: String) -> [UInt8] {
        let key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: ikm), salt: salt, info: Array(info.utf8), outputByteCount: 32)
        return key.withUnsafeBytes { Array($0) }
    }
}

/// The text header of an age v1 file.
struct AgeHeader {
    struct Stanza {
        var type: String
        var args: [String]
        var body: [UInt8]
    }

    var stanzas: [Stanza]
    /// The header bytes up to and including `---`, which the header MAC covers.
    var macInput: [UInt8]
    var mac: [UInt8]
    var payloadStart: Int

    static func parse(_ file: [UInt8]) throws(AgeError) -> AgeHeader {
        var pos = 0
        func line() throws(AgeError) -> (start: Int, text: String) {
            guard let nl = file[pos...].firstIndex(of: UInt8(ascii: "\n")) else { throw AgeError("header truncated") }
            let start = pos
            let text = String(decoding: file[pos..<nl], as: UTF8.self)
            pos = nl + 1
            return (start, text)
        }
        guard try line().text == "age-encryption.org/v1" else {
            throw AgeError("not an age v1 file (no age-encryption.org/v1 line)")
        }
        var stanzas: [Stanza] = []
        while true {
            let (start, text) = try line()
            if text.hasPrefix("--- ") || text == "---" {
                let macText = text.dropFirst(4)
                guard let mac = Base64.decode(macText.utf8, padded: false), mac.count == 32 else {
                    throw AgeError("invalid header MAC line")
                }
                return AgeHeader(
                    stanzas: stanzas, macInput: Array(file[0..<(start + 3)]), mac: mac, payloadStart: pos)
            }
            guard text.hasPrefix("-> ") else { throw AgeError("malformed header line") }
            let parts = text.dropFirst(3).split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            guard let type = parts.first, !type.isEmpty, !parts.contains(where: \.isEmpty) else {
                throw AgeError("malformed stanza line")
            }
            var body: [UInt8] = []
            while true {
                let bodyLine = try line().text
                guard bodyLine.utf8.count <= 64, let bytes = Base64.decode(bodyLine.utf8, padded: false) else {
                    throw AgeError("malformed stanza body")
                }
                body += bytes
                if bodyLine.utf8.count < 64 { break }
            }
            stanzas.append(Stanza(type: type, args: Array(parts.dropFirst()), body: body))
        }
    }
}
