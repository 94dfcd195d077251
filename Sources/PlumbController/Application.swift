import PlumbAudit
import PlumbCore
import PlumbManifests

/// `plumb.dev/v1alpha1` Application: a path of a Git repository kept synced to the cluster.
public struct Application: Sendable {
    public static let apiVersion = "plumb.dev/v1alpha1"
    public static let kind = "Application"
    /// The annotation whose every new value asks for an immediate reconcile (`flux reconcile`).
    public static let reconcileAtAnnotation = "plumb.dev/reconcile-at"
    /// Who asked for a reconcile (the dashboard's user), as `<reconcile-at value> <user>`: the
    /// initiator of the audit record when that reconcile syncs. It names the request it belongs
    /// to, so a later request that does not set it (`plumb app sync`) is not credited to the user.
    public static let reconcileByAnnotation = "plumb.dev/reconcile-by"

    /// The value of `plumb.dev/reconcile-by` for a request at `at` by `user`.
    public static func reconcileBy(at: String, user: String) -> String { "\(at) \(user)" }

    public var key: AppKey
    public var uid: String
    public var generation: Int64
    public var resourceVersion: String
    /// The object as read (its `status` is the status last written).
    public var object: Value

    /// An Application object; nil when it has no name or namespace.
    public init?(_ object: Value) {
        guard let name = object[path: ["metadata", "name"]]?.stringValue, !name.isEmpty,
            let namespace = object[path: ["metadata", "namespace"]]?.stringValue, !namespace.isEmpty
        else { return nil }
        self.key = AppKey(namespace: namespace, name: name)
        self.uid = object[path: ["metadata", "uid"]]?.stringValue ?? ""
        self.generation = object[path: ["metadata", "generation"]]?.intValue ?? 0
        self.resourceVersion = object[path: ["metadata", "resourceVersion"]]?.stringValue ?? ""
        self.object = object
    }

    public var ref: ObjectRef { ObjectRef(apiVersion: Self.apiVersion, kind: Self.kind, namespace: key.namespace, name: key.name) }

    /// The `plumb.dev/reconcile-at` annotation, if set.
    public var reconcileAt: String? { object[path: ["metadata", "annotations", Self.reconcileAtAnnotation]]?.stringValue }

    /// The user of `plumb.dev/reconcile-by` when it belongs to the current `plumb.dev/reconcile-at`.
    public var reconcileBy: String? {
        guard let at = reconcileAt, !at.isEmpty,
            let value = object[path: ["metadata", "annotations", Self.reconcileByAnnotation]]?.stringValue,
            value.hasPrefix(at + " ")
        else { return nil }
        let user = String(value.dropFirst(at.count + 1))
        return user.isEmpty ? nil : user
    }

    /// Who a sync of this reconcile is recorded as started by: the user who asked for a
    /// reconcile not yet handled (`plumb.dev/reconcile-by`), else the controller.
    public var initiator: String {
        guard let at = reconcileAt, at != status.lastHandledReconcileAt, let by = reconcileBy else {
            return AuditInitiator.controller
        }
        return by
    }

    /// The spec, or the first problem with it (naming the field).
    public func spec() -> Result<ApplicationSpec, SpecError> {
        Result { () throws(SpecError) in try ApplicationSpec(object["spec"] ?? .null, namespace: key.namespace) }
    }

    /// The status last written, as read back.
    public var status: ApplicationStatus { ApplicationStatus(object["status"] ?? .null) }

    /// The value of `plumb.dev/app` on this Application's objects: `<namespace>.<name>`. A label
    /// value cannot hold `/`; a namespace (an RFC 1123 label) holds no `.`, so the first `.`
    /// splits it back and two Applications of one name in two namespaces never share objects.
    /// Over the 63 characters a label value may have, the tail is replaced by a hash.
    public var labelValue: String { Self.labelValue(key) }

    public static func labelValue(_ key: AppKey) -> String {
        let full = "\(key.namespace).\(key.name)"
        guard full.utf8.count > 63 else { return full }
        // FNV-1a: stable across processes and builds (Swift's Hasher is seeded per process).
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in full.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let digest = String(hash, radix: 16)
        return String(full.prefix(62 - digest.count)).trimmingCharactersNotAlphanumericAtEnd() + "-" + digest
    }
}

/// A problem with an Application's spec, naming the field: `spec.interval: "3 minutes" is not
/// a duration such as 30s, 3m or 1h`.
public struct SpecError: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var message: String
    public init(_ field: String, _ message: String) {
        self.field = field
        self.message = message
    }
    public var description: String { "\(field): \(message)" }
}

extension String {
    func trimmingCharactersNotAlphanumericAtEnd() -> String {
        var s = Substring(self)
        while let last = s.last, !(last.isASCII && (last.isLetter || last.isNumber)) { s = s.dropLast() }
        return String(s)
    }
}
