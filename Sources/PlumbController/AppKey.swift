/// An Application's identity: its namespace and name, as `namespace/name`. The audit trail,
/// metrics, logs and the work queue name an Application by it.
public struct AppKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var namespace: String
    public var name: String

    public init(namespace: String, name: String) {
        self.namespace = namespace
        self.name = name
    }

    /// `namespace/name`; nil when the text is not of that form.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        self.init(namespace: String(parts[0]), name: String(parts[1]))
    }

    public var description: String { "\(namespace)/\(name)" }

    public static func < (a: AppKey, b: AppKey) -> Bool { (a.namespace, a.name) < (b.namespace, b.name) }
}
