/// Base64 decoding for SOPS values (standard, padded) and age headers (standard, unpadded).
enum Base64 {
    private static let table: [Int8] = {
        var t = [Int8](repeating: -1, count: 256)
        for (i, c) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            t[Int(c)] = Int8(i)
        }
        return t
    }()

    /// Decodes `text`; `padded` requires `=` padding to a multiple of 4, otherwise padding is
    /// refused (age's canonical unpadded form). Nil on any other character or non-canonical
    /// trailing bits.
    static func decode<S: Sequence>(_ text: S, padded: Bool) -> [UInt8]? where S.Element == UInt8 {
        var chars = Array(text)
        if padded {
            guard chars.count % 4 == 0 else { return nil }
            var padding = 0
            while padding < 2, chars.last == UInt8(ascii: "=") {
                chars.removeLast()
                padding += 1
            }
        } else if chars.contains(UInt8(ascii: "=")) {
            return nil
        }
        guard chars.count % 4 != 1 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count * 3 / 4)
        var acc: UInt32 = 0
        var bits = 0
        for c in chars {
            let v = table[Int(c)]
            guard v >= 0 else { return nil }
            acc = acc << 6 | UInt32(v)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: acc >> UInt32(bits)))
            }
        }
        // Leftover bits must be zero (canonical encoding), as Go's strict decoders require.
        if bits > 0, acc & ((1 << UInt32(bits)) - 1) != 0 { return nil }
        return out
    }
}
