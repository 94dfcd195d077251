/// Hands out one shared String for text that repeats (map keys like `app.kubernetes.io/name`,
/// values like `TCP`), so a repeat costs a hash and a compare instead of building a String
/// (and, past 15 bytes, an allocation and a later free). Direct-mapped: a collision replaces.
struct StringCache: ~Copyable {
    private struct Slot {
        var hash: UInt32 = 0
        var length = -1
        var string = ""
    }

    private let slots: Int
    private let table: UnsafeMutablePointer<Slot>

    /// A cache sized for `inputBytes` of YAML: 64 to 1024 slots, so small files stay cheap.
    init(inputBytes: Int) {
        var n = 64
        while n < 1024 && n * 64 < inputBytes { n *= 2 }
        slots = n
        table = .allocate(capacity: n)
        table.initialize(repeating: Slot(), count: n)
    }

    deinit {
        table.deinitialize(count: slots)
        table.deallocate()
    }

    /// The String for `b`, whose `KeyInfo.hash` is `hash`.
    @inline(__always)
    func make(_ b: UnsafeBufferPointer<UInt8>, hash: UInt32) -> String {
        let n = b.count
        guard n <= 64 else { return String(decoding: b, as: UTF8.self) }
        let slot = table + Int(hash & UInt32(slots - 1))
        if slot.pointee.hash == hash && slot.pointee.length == n && Self.same(slot.pointee.string, b) {
            return slot.pointee.string
        }
        let s = String(decoding: b, as: UTF8.self)
        slot.pointee = Slot(hash: hash, length: n, string: s)
        return s
    }

    @inline(__always)
    private static func same(_ s: String, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = b.baseAddress else { return s.isEmpty }
        let found = s.utf8.withContiguousStorageIfAvailable { stored -> Bool in
            equal(UnsafeRawPointer(stored.baseAddress!), UnsafeRawPointer(base), b.count)
        }
        return found ?? false
    }

    /// Byte equality, eight bytes at a time: these strings are short, a call to memcmp costs more.
    @inline(__always)
    private static func equal(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ n: Int) -> Bool {
        var i = 0
        while i + 8 <= n {
            if a.loadUnaligned(fromByteOffset: i, as: UInt64.self) != b.loadUnaligned(fromByteOffset: i, as: UInt64.self) {
                return false
            }
            i += 8
        }
        while i < n {
            if a.load(fromByteOffset: i, as: UInt8.self) != b.load(fromByteOffset: i, as: UInt8.self) { return false }
            i += 1
        }
        return true
    }
}
