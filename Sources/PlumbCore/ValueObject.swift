/// An object's members in document order. Lookups are linear below a small size, which is
/// what Kubernetes objects are made of; equality and hashing ignore order.
public struct ValueObject: Sendable {
    public struct Entry: Sendable {
        public var key: String
        public var value: Value
        public init(key: String, value: Value) {
            self.key = key
            self.value = value
        }
    }

    public private(set) var entries: [Entry]

    public init() { entries = [] }

    public init(minimumCapacity: Int) {
        entries = []
        entries.reserveCapacity(minimumCapacity)
    }

    /// Builds an object from entries whose keys the caller knows to be distinct.
    public init(uniqueEntries: [Entry]) { entries = uniqueEntries }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }
    public var keys: [String] { entries.map(\.key) }

    public func index(forKey key: String) -> Int? {
        entries.firstIndex { $0.key == key }
    }

    public subscript(key: String) -> Value? {
        get {
            for e in entries where e.key == key { return e.value }
            return nil
        }
        set {
            if let i = index(forKey: key) {
                if let v = newValue { entries[i].value = v } else { entries.remove(at: i) }
            } else if let v = newValue {
                entries.append(Entry(key: key, value: v))
            }
        }
    }

    /// Appends a member without looking for an existing one; the caller guarantees the key is new.
    public mutating func appendUnchecked(key: String, value: Value) {
        entries.append(Entry(key: key, value: value))
    }

    public mutating func removeValue(forKey key: String) -> Value? {
        guard let i = index(forKey: key) else { return nil }
        return entries.remove(at: i).value
    }

    /// The members sorted by key, for stable output.
    public var sortedEntries: [Entry] { entries.sorted { $0.key < $1.key } }
}

extension ValueObject: Equatable {
    public static func == (lhs: ValueObject, rhs: ValueObject) -> Bool {
        guard lhs.entries.count == rhs.entries.count else { return false }
        // Same order is the common case; fall back to lookups when keys are shuffled.
        var inOrder = true
        for (a, b) in zip(lhs.entries, rhs.entries) where a.key != b.key {
            inOrder = false
            break
        }
        if inOrder {
            for (a, b) in zip(lhs.entries, rhs.entries) where a.value != b.value { return false }
            return true
        }
        for e in lhs.entries {
            guard let other = rhs[e.key], other == e.value else { return false }
        }
        return true
    }
}

extension ValueObject: Hashable {
    public func hash(into hasher: inout Hasher) {
        // Order-independent: combine the members' hashes commutatively.
        var sum = 0
        for e in entries {
            var h = Hasher()
            h.combine(e.key)
            h.combine(e.value)
            sum = sum &+ h.finalize()
        }
        hasher.combine(entries.count)
        hasher.combine(sum)
    }
}

extension ValueObject: Sequence {
    public func makeIterator() -> IndexingIterator<[Entry]> { entries.makeIterator() }
}
