import Crypto

/// An age X25519 identity (`AGE-SECRET-KEY-1...`): the private key that opens files
/// encrypted to its `age1...` recipient.
public struct AgeIdentity: Sendable {
    /// The raw scalar; swift-crypto's key type is not Sendable, so it is made when needed.
    private let scalar: [UInt8]

    var privateKey: Curve25519.KeyAgreement.PrivateKey {
        // The scalar was accepted by the same initializer in init?.
        try! Curve25519.KeyAgreement.PrivateKey(rawRepresentation: scalar)
    }

    /// Parses one `AGE-SECRET-KEY-1...` string; nil when it is not a valid identity.
    public init?(_ text: String) {
        guard let (hrp, data) = Bech32.decode(text), hrp == "age-secret-key-", data.count == 32,
            (try? Curve25519.KeyAgreement.PrivateKey(rawRepresentation: data)) != nil
        else { return nil }
        scalar = data
    }

    /// The `age1...` recipient of this identity.
    public var recipient: String {
        Bech32.encode(hrp: "age", data: Array(privateKey.publicKey.rawRepresentation))
    }

    /// The identities of an age identity file's text: one `AGE-SECRET-KEY-1...` a line, blank
    /// lines and `#` comments skipped (as `age-keygen` writes them). Throws a message naming the
    /// line of anything else, without echoing it (it may be a key).
    public static func parseFile(_ text: String) throws(AgeError) -> [AgeIdentity] {
        var out: [AgeIdentity] = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard line.hasPrefix("AGE-SECRET-KEY-1"), let identity = AgeIdentity(line) else {
                throw AgeError("line \(i + 1) is not an age X25519 identity (AGE-SECRET-KEY-1...)")
            }
            out.append(identity)
        }
        return out
    }
}

/// Why an age file could not be opened.
public struct AgeError: Error, Sendable, CustomStringConvertible, Equatable {
    public var description: String
    init(_ description: String) { self.description = description }
}

extension Substring {
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[start...end])
    }
}

extension Bech32 {
    /// Encodes `data` under `hrp`, lowercase (age's recipient form).
    static func encode(hrp: String, data: [UInt8]) -> String {
        let charset = Array("qpzry9x8gf2tvdw0s3jn54khce6mua7l".utf8)
        var values: [UInt8] = []
        var acc = 0
        var bits = 0
        for b in data {
            acc = (acc << 8) | Int(b)
            bits += 8
            while bits >= 5 {
                bits -= 5
                values.append(UInt8((acc >> bits) & 31))
            }
        }
        if bits > 0 { values.append(UInt8((acc << (5 - bits)) & 31)) }
        let h = Array(hrp.utf8)
        let expanded = h.map { $0 >> 5 } + [0] + h.map { $0 & 31 }
        let generator: [UInt32] = [0x3b6a_57b2, 0x2650_8e6d, 0x1ea1_19fa, 0x3d42_33dd, 0x2a14_62b3]
        var chk: UInt32 = 1
        for v in expanded + values + [0, 0, 0, 0, 0, 0] {
            let top = chk >> 25
            chk = (chk & 0x1ff_ffff) << 5 ^ UInt32(v)
            for i in 0..<5 where (top >> UInt32(i)) & 1 == 1 { chk ^= generator[i] }
        }
        chk ^= 1
        for i in 0..<6 { values.append(UInt8((chk >> UInt32(5 * (5 - i))) & 31)) }
        return hrp + "1" + String(decoding: values.map { charset[Int($0)] }, as: UTF8.self)
    }
}
