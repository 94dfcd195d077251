import CGit2

/// A Git object id (SHA-1), printed as 40 lowercase hex digits.
public struct GitOID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The 40 lowercase hex digits.
    public let hex: String

    /// Parses a full 40-digit hex object id; nil when `hex` is not one.
    public init?(hex: String) {
        let lower = hex.lowercased()
        guard lower.utf8.count == 40, lower.utf8.allSatisfy(\.isHexDigit) else { return nil }
        self.hex = lower
    }

    init(_ oid: git_oid) {
        var oid = oid
        var chars = [CChar](repeating: 0, count: 41)
        git_oid_fmt(&chars, &oid)
        self.hex = String(decoding: chars.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    init(_ oid: UnsafePointer<git_oid>) {
        self.init(oid.pointee)
    }

    var raw: git_oid {
        var oid = git_oid()
        _ = git_oid_fromstr(&oid, hex)
        return oid
    }

    /// The first seven hex digits, as `git log --oneline` prints them.
    public var short: String { String(hex.prefix(7)) }

    public var description: String { hex }

    public static func < (lhs: GitOID, rhs: GitOID) -> Bool { lhs.hex < rhs.hex }
}

extension UInt8 {
    var isHexDigit: Bool {
        (0x30...0x39).contains(self) || (0x61...0x66).contains(self) || (0x41...0x46).contains(self)
    }
}
