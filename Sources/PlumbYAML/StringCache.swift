import CYAML

/// Hands out one shared String for text that repeats (map keys like `app.kubernetes.io/name`,
/// label values), so a repeat costs a retain instead of an allocation and a later free.
/// Short strings are stored inline by Swift and skip the cache.
struct StringCache {
    private static let slots = 1024
    private var table: [String?] = Array(repeating: nil, count: StringCache.slots)

    @inline(__always)
    mutating func make(_ b: UnsafeBufferPointer<UInt8>) -> String {
        let n = b.count
        guard n > 15 && n <= 64 else { return String(decoding: b, as: UTF8.self) }
        var h: UInt32 = 2_166_136_261
        for c in b { h = (h ^ UInt32(c)) &* 16_777_619 }
        let slot = Int(h) & (Self.slots - 1)
        if let cached = table[slot], Self.same(cached, b) { return cached }
        let s = String(decoding: b, as: UTF8.self)
        table[slot] = s
        return s
    }

    @inline(__always)
    private static func same(_ s: String, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        let found = s.utf8.withContiguousStorageIfAvailable { stored -> Bool in
            stored.count == b.count && memcmp(stored.baseAddress!, b.baseAddress!, b.count) == 0
        }
        return found ?? false
    }
}
