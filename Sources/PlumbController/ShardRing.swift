import Crypto

/// Consistent hashing of Applications onto replicas: each member stands at `virtualNodes`
/// points of a 64-bit ring (SHA-256 of `member#i`), and an Application (SHA-256 of
/// `namespace/name`) belongs to the first point at or after it. The hash is SHA-256, not
/// Swift's `Hasher` (seeded per process), so every replica computes the same owner. A member
/// that leaves hands only its own Applications to the others; one that joins takes only
/// Applications from the others, about 1/N of them.
public struct ShardRing: Sendable, Equatable {
    /// The members, sorted.
    public let members: [String]
    private let points: [UInt64]
    private let owners: [Int]

    public init(members: some Sequence<String>, virtualNodes: Int = 128) {
        let sorted = Array(Set(members)).sorted()
        var all: [(UInt64, Int)] = []
        all.reserveCapacity(sorted.count * virtualNodes)
        for (index, member) in sorted.enumerated() {
            for v in 0..<max(1, virtualNodes) { all.append((Self.hash("\(member)#\(v)"), index)) }
        }
        // Ties (vanishingly rare) go to the smaller member name, the same on every replica.
        all.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        self.members = sorted
        points = all.map(\.0)
        owners = all.map(\.1)
    }

    /// The member that owns `key` (`namespace/name`), or nil for an empty ring.
    public func owner(of key: String) -> String? {
        guard !points.isEmpty else { return nil }
        let h = Self.hash(key)
        // The first point >= h, wrapping around to the first point.
        var low = 0
        var high = points.count
        while low < high {
            let mid = (low + high) / 2
            if points[mid] < h { low = mid + 1 } else { high = mid }
        }
        return members[owners[low == points.count ? 0 : low]]
    }

    /// The member that owns the Application.
    public func owner(of key: AppKey) -> String? { owner(of: key.description) }

    /// The first 8 bytes of SHA-256, big-endian.
    static func hash(_ text: String) -> UInt64 {
        let digest = SHA256.hash(data: Array(text.utf8))
        var value: UInt64 = 0
        for byte in digest.prefix(8) { value = value << 8 | UInt64(byte) }
        return value
    }

    public static func == (a: ShardRing, b: ShardRing) -> Bool {
        a.members == b.members && a.points.count == b.points.count
    }
}
