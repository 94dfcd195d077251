import Foundation
import PlumbCore

/// An Application's `status`, as the controller writes it and reads it back.
public struct ApplicationStatus: Sendable, Equatable {
    public enum SyncState: String, Sendable { case synced = "Synced", outOfSync = "OutOfSync", unknown = "Unknown" }

    /// One managed object and how it stands.
    public struct ResourceStatus: Sendable, Equatable {
        public var group: String
        public var kind: String
        public var namespace: String
        public var name: String
        public var status: SyncState
        public var health: HealthStatus.State?

        public init(group: String, kind: String, namespace: String, name: String, status: SyncState, health: HealthStatus.State?) {
            self.group = group
            self.kind = kind
            self.namespace = namespace
            self.name = name
            self.status = status
            self.health = health
        }

        public init(ref: ObjectRef, status: SyncState, health: HealthStatus.State?) {
            self.init(group: ref.group, kind: ref.kind, namespace: ref.namespace, name: ref.name, status: status, health: health)
        }
    }

    public var observedGeneration: Int64 = 0
    public var syncStatus: SyncState = .unknown
    public var syncRevision: String?
    public var health: HealthStatus.State = .unknown
    public var healthMessage: String = ""
    public var lastSyncedRevision: String?
    public var lastAttemptedRevision: String?
    public var lastAuditID: Int64?
    public var conditions: [Condition] = []
    public var resources: [ResourceStatus] = []
    /// The last `plumb.dev/reconcile-at` value handled (`lastHandledReconcileAt`, as Flux has it).
    public var lastHandledReconcileAt: String?
    /// A revision whose sync failed and was rolled back (`syncPolicy.rollbackOnFailure`): it is
    /// not synced again until a newer commit or a manual sync.
    public var rolledBackRevision: String?

    public init() {}

    /// The status read from an object's `status` (missing fields keep their defaults).
    public init(_ v: Value) {
        observedGeneration = v["observedGeneration"]?.intValue ?? 0
        syncStatus = v[path: ["sync", "status"]]?.stringValue.flatMap(SyncState.init) ?? .unknown
        syncRevision = v[path: ["sync", "revision"]]?.stringValue
        health = v[path: ["health", "status"]]?.stringValue.flatMap(HealthStatus.State.init) ?? .unknown
        healthMessage = v[path: ["health", "message"]]?.stringValue ?? ""
        lastSyncedRevision = v["lastSyncedRevision"]?.stringValue
        lastAttemptedRevision = v["lastAttemptedRevision"]?.stringValue
        lastAuditID = v["lastAuditID"]?.intValue
        lastHandledReconcileAt = v["lastHandledReconcileAt"]?.stringValue
        rolledBackRevision = v["rolledBackRevision"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        conditions = (v["conditions"]?.arrayValue ?? []).compactMap(Condition.init)
        resources = (v["resources"]?.arrayValue ?? []).compactMap { r in
            guard let kind = r["kind"]?.stringValue, let name = r["name"]?.stringValue else { return nil }
            return ResourceStatus(
                group: r["group"]?.stringValue ?? "", kind: kind, namespace: r["namespace"]?.stringValue ?? "", name: name,
                status: r["status"]?.stringValue.flatMap(SyncState.init) ?? .unknown,
                health: r["health"]?.stringValue.flatMap(HealthStatus.State.init))
        }
    }

    /// The condition of `type`, if set.
    public func condition(_ type: String) -> Condition? { conditions.first { $0.type == type } }

    /// Sets a condition; its `lastTransitionTime` moves only when its status changes.
    public mutating func set(_ condition: Condition) {
        var c = condition
        if let i = conditions.firstIndex(where: { $0.type == c.type }) {
            if conditions[i].status == c.status { c.lastTransitionTime = conditions[i].lastTransitionTime }
            conditions[i] = c
        } else {
            conditions.append(c)
        }
    }

    public mutating func remove(_ type: String) { conditions.removeAll { $0.type == type } }

    /// The status as the API object holds it.
    public var value: Value {
        var o = ValueObject()
        o["observedGeneration"] = .int(observedGeneration)
        var sync = ValueObject()
        sync["status"] = .string(syncStatus.rawValue)
        if let syncRevision { sync["revision"] = .string(syncRevision) }
        o["sync"] = .object(sync)
        var h = ValueObject()
        h["status"] = .string(health.rawValue)
        // Always written: a merge patch of the status would otherwise keep a stale message.
        h["message"] = .string(healthMessage)
        o["health"] = .object(h)
        if let lastSyncedRevision { o["lastSyncedRevision"] = .string(lastSyncedRevision) }
        if let lastAttemptedRevision { o["lastAttemptedRevision"] = .string(lastAttemptedRevision) }
        if let lastAuditID { o["lastAuditID"] = .int(lastAuditID) }
        if let lastHandledReconcileAt { o["lastHandledReconcileAt"] = .string(lastHandledReconcileAt) }
        // Always written ("" for none): a merge patch of the status would otherwise keep a stale one.
        o["rolledBackRevision"] = .string(rolledBackRevision ?? "")
        o["conditions"] = .array(conditions.map(\.value))
        o["resources"] = .array(resources.map { r in
            var v = ValueObject()
            v["group"] = .string(r.group)
            v["kind"] = .string(r.kind)
            if !r.namespace.isEmpty { v["namespace"] = .string(r.namespace) }
            v["name"] = .string(r.name)
            v["status"] = .string(r.status.rawValue)
            if let health = r.health { v["health"] = .string(health.rawValue) }
            return .object(v)
        })
        return .object(o)
    }
}

/// A condition in the shape of `metav1.Condition` (type, status, observedGeneration,
/// lastTransitionTime, reason, message).
public struct Condition: Sendable, Equatable {
    public static let ready = "Ready"
    public static let reconciling = "Reconciling"
    public static let stalled = "Stalled"

    public enum Status: String, Sendable { case `true` = "True", `false` = "False", unknown = "Unknown" }

    public var type: String
    public var status: Status
    public var observedGeneration: Int64
    /// RFC 3339, seconds (as metav1.Time is written).
    public var lastTransitionTime: String
    public var reason: String
    public var message: String

    public init(type: String, status: Status, observedGeneration: Int64, reason: String, message: String, now: Date = Date()) {
        self.type = type
        self.status = status
        self.observedGeneration = observedGeneration
        self.lastTransitionTime = Self.timestamp(now)
        self.reason = reason
        // metav1.Condition.message: maxLength 32768.
        self.message = message.count > 32768 ? String(message.prefix(32760)) + " ..." : message
    }

    init?(_ v: Value) {
        guard let type = v["type"]?.stringValue, let status = v["status"]?.stringValue.flatMap(Status.init) else { return nil }
        self.type = type
        self.status = status
        observedGeneration = v["observedGeneration"]?.intValue ?? 0
        lastTransitionTime = v["lastTransitionTime"]?.stringValue ?? ""
        reason = v["reason"]?.stringValue ?? ""
        message = v["message"]?.stringValue ?? ""
    }

    var value: Value {
        [
            "type": .string(type), "status": .string(status.rawValue), "observedGeneration": .int(observedGeneration),
            "lastTransitionTime": .string(lastTransitionTime), "reason": .string(reason), "message": .string(message),
        ]
    }

    static func timestamp(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: date)
    }
}

/// The reasons of the Ready condition (and of Stalled for a bad spec).
public enum ConditionReason {
    public static let succeeded = "Succeeded"
    public static let gitFetchFailed = "GitFetchFailed"
    public static let renderFailed = "RenderFailed"
    public static let dryRunFailed = "DryRunFailed"
    public static let syncFailed = "SyncFailed"
    public static let healthCheckFailed = "HealthCheckFailed"
    public static let invalidSpec = "InvalidSpec"
    public static let suspended = "Suspended"
    public static let outOfSync = "OutOfSync"
    public static let progressing = "Progressing"
    public static let kubernetesUnreachable = "KubernetesUnreachable"
    /// The revision failed the trust policy (docs/governance.md): nothing was synced.
    public static let signatureVerificationFailed = "SignatureVerificationFailed"
    /// An object of the revision is outside the tenancy allowance of the Application's
    /// namespace (docs/governance.md, "Tenancy"): nothing was synced.
    public static let notPermitted = "NotPermitted"
}
