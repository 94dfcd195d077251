/// Which files of a snapshot make the desired set.
public struct ManifestOptions: Sendable {
    /// The directory to read, relative to the repository root ("" or "." for the root).
    public var path: String
    /// When not empty, only files matching one of these are read.
    public var include: [Glob]
    /// Files matching one of these are skipped.
    public var exclude: [Glob]
    /// Files larger than this are refused (default 8 MiB).
    public var maxFileSize: Int

    public static let defaultMaxFileSize = 8 << 20

    public init(path: String, include: [Glob] = [], exclude: [Glob] = [], maxFileSize: Int = defaultMaxFileSize) {
        self.path = path
        self.include = include
        self.exclude = exclude
        self.maxFileSize = maxFileSize
    }
}

/// Reads sizes such as `8Mi`, `512Ki`, `10M` or plain bytes.
public func parseByteSize(_ text: String) -> Int? {
    let units: [(String, Int)] = [
        ("Ki", 1 << 10), ("Mi", 1 << 20), ("Gi", 1 << 30), ("k", 1000), ("K", 1000), ("M", 1_000_000), ("G", 1_000_000_000),
    ]
    for (suffix, factor) in units where text.hasSuffix(suffix) {
        guard let n = Int(text.dropLast(suffix.count)), n >= 0 else { return nil }
        return n * factor
    }
    guard let n = Int(text), n >= 0 else { return nil }
    return n
}

/// A size in the units a person reads: `8 MiB`, `12 KiB`, `100 bytes`.
public func formatByteSize(_ n: Int) -> String {
    if n >= 1 << 20 {
        let v = Double(n) / Double(1 << 20)
        return v == v.rounded() ? "\(Int(v)) MiB" : "\((v * 10).rounded() / 10) MiB"
    }
    if n >= 1 << 10 {
        let v = Double(n) / Double(1 << 10)
        return v == v.rounded() ? "\(Int(v)) KiB" : "\((v * 10).rounded() / 10) KiB"
    }
    return "\(n) bytes"
}
