import Foundation
import PlumbCore

/// Metadata rules shared by the write verbs: identity, timestamps, generation, key order.
enum ObjectMeta {
    /// The order kube-apiserver writes metadata members in.
    static let metadataOrder = [
        "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
        "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations",
        "ownerReferences", "finalizers", "managedFields",
    ]

    static func timestamp(_ date: Date) -> String {
        var t = time_t(date.timeIntervalSince1970)
        var tm = tm()
        gmtime_r(&t, &tm)
        // RFC 3339 in UTC without String(format:), which is slow, and every write stamps a time.
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(tm.tm_year + 1900, 4))-\(pad(tm.tm_mon + 1, 2))-\(pad(tm.tm_mday, 2))T"
            + "\(pad(tm.tm_hour, 2)):\(pad(tm.tm_min, 2)):\(pad(tm.tm_sec, 2))Z"
    }

    static func parseTimestamp(_ s: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.date(from: s)
    }

    /// A random (version 4) UUID in lower case, from the system generator (getrandom), without
    /// Foundation's UUID, which opens /dev/urandom for each one.
    static func uid() -> String {
        var rng = SystemRandomNumberGenerator()
        var bytes = (0..<2).flatMap { _ in withUnsafeBytes(of: rng.next() as UInt64) { Array($0) } }
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(36)
        for (i, b) in bytes.enumerated() {
            if i == 4 || i == 6 || i == 8 || i == 10 { out.append(UInt8(ascii: "-")) }
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Five characters from the alphabet Kubernetes uses for generateName suffixes.
    static func randomSuffix() -> String {
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        return String((0..<5).map { _ in alphabet.randomElement()! })
    }

    /// Whether the type keeps `metadata.generation` (types whose spec a controller acts on).
    static func tracksGeneration(_ type: ResourceType) -> Bool {
        if type.definedBy != nil { return true }
        switch type.group {
        case "apps", "batch", "networking.k8s.io", "apiextensions.k8s.io": return true
        default: return false
        }
    }

    /// kind, apiVersion and metadata first, metadata members in the server's order.
    static func normalized(_ object: Value) -> Value {
        guard case .object(let o) = object else { return object }
        var out = ValueObject(minimumCapacity: o.count)
        for key in ["kind", "apiVersion"] { if let v = o[key] { out.appendUnchecked(key: key, value: v) } }
        if case .object(let meta)? = o["metadata"] {
            var m = ValueObject(minimumCapacity: meta.count)
            for key in metadataOrder { if let v = meta[key] { m.appendUnchecked(key: key, value: v) } }
            for e in meta where !metadataOrder.contains(e.key) { m.appendUnchecked(key: e.key, value: e.value) }
            out.appendUnchecked(key: "metadata", value: .object(m))
        }
        for e in o where e.key != "kind" && e.key != "apiVersion" && e.key != "metadata" {
            out.appendUnchecked(key: e.key, value: e.value)
        }
        return .object(out)
    }

    /// Everything but metadata and status: what `generation` counts changes of.
    static func specPart(_ object: Value) -> Value {
        guard case .object(var o) = object else { return object }
        o["metadata"] = nil
        o["status"] = nil
        o["kind"] = nil
        o["apiVersion"] = nil
        return .object(o)
    }

    /// The object without the fields that change on every write, for no-op detection.
    static func comparable(_ object: Value) -> Value {
        var o = object
        setMeta(&o, "resourceVersion", nil)
        setMeta(&o, "managedFields", nil)
        return o
    }
}

/// Hands out Service cluster IPs from 10.96.0.0/12, never twice.
struct ClusterIPAllocator: Sendable {
    private var used: Set<UInt32> = []
    private static let base: UInt32 = (10 << 24) | (96 << 16)
    private static let size: UInt32 = 1 << 20

    mutating func reserve(_ ip: String) {
        if let n = Self.parse(ip) { used.insert(n) }
    }

    mutating func release(_ ip: String) {
        if let n = Self.parse(ip) { used.remove(n) }
    }

    /// A free address, random like the real allocator, skipping the network and the first (kubernetes) address.
    mutating func allocate() -> String? {
        for _ in 0..<10_000 {
            let n = Self.base + UInt32.random(in: 2..<(Self.size - 1))
            if used.insert(n).inserted { return Self.format(n) }
        }
        return nil
    }

    func isInRange(_ ip: String) -> Bool {
        guard let n = Self.parse(ip) else { return false }
        return n >= Self.base && n < Self.base + Self.size
    }

    func isUsed(_ ip: String) -> Bool { Self.parse(ip).map { used.contains($0) } ?? false }

    static func parse(_ ip: String) -> UInt32? {
        let parts = ip.split(separator: ".")
        guard parts.count == 4 else { return nil }
        var n: UInt32 = 0
        for p in parts {
            guard let b = UInt8(p) else { return nil }
            n = n << 8 | UInt32(b)
        }
        return n
    }

    static func format(_ n: UInt32) -> String {
        "\(n >> 24).\((n >> 16) & 255).\((n >> 8) & 255).\(n & 255)"
    }
}
