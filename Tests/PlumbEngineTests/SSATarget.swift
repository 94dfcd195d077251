import Foundation
import PlumbCore
import PlumbEngine

/// A target that keeps objects in memory and writes them with the real server-side apply
/// of PlumbCore (as manager `plumb`), so that plans can be checked against what applying
/// actually produced. Health is always Healthy; nothing is defaulted.
final class SSATarget: Target, @unchecked Sendable {
    private let lock = NSLock()
    private var objects: [ObjectIdentity: Value] = [:]
    private var tick = 0

    private func locked<R>(_ body: () throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    private func nextTime() -> String {
        tick += 1
        return "2026-11-21T20:00:\(tick < 10 ? "0" : "")\(tick)Z"
    }

    /// The stored object, managedFields included.
    func live(_ ref: ObjectRef) -> Value? { locked { objects[ref.identity] } }

    /// Another manager's non-apply write (as `kubectl scale` does): `edit` changes the object.
    func update(_ ref: ObjectRef, manager: String, _ edit: (inout Value) -> Void) throws {
        try locked {
            guard let old = objects[ref.identity] else { return }
            var new = old
            edit(&new)
            let managed = try ManagedFieldsEntry.update(
                old: old, new: new, manager: manager, managedFields: ManagedFieldsEntry.decode(old[path: ["metadata", "managedFields"]]),
                schema: MergeSchema.forObject(new), time: nextTime())
            new["metadata"]?["managedFields"] = ManagedFieldsEntry.encode(managed)
            objects[ref.identity] = new
        }
    }

    func observe(_ desired: [Resource], app: String, pruneCandidates: Bool) async throws -> Observation {
        locked {
            Observation(
                live: objects.filter { id, _ in desired.contains { $0.ref.identity == id } },
                appObjects: objects.values.compactMap { try? Resource($0) }.filter { $0.labels[SyncLabels.app] == app })
        }
    }

    func compare(_ desired: Resource, live: Value?) throws -> ObjectDiff {
        try ApplyDiff.predict(desired: desired, live: live).diff
    }

    func phase(of ref: ObjectRef) -> Int { ReconcileOrder.kubernetes.rank(of: ref) }

    func dryRun(_ resource: Resource, force: Bool) async throws {
        _ = try locked { try write(resource, force: force) }
    }

    func apply(_ resource: Resource, force: Bool) async throws {
        try locked {
            objects[resource.ref.identity] = try write(resource, force: force)
        }
    }

    private func write(_ resource: Resource, force: Bool) throws -> Value {
        let live = objects[resource.ref.identity]
        var (merged, managed) = try ServerSideApply.apply(
            live: live, config: resource.body, manager: "plumb", force: force,
            managedFields: ManagedFieldsEntry.decode(live?[path: ["metadata", "managedFields"]]),
            schema: MergeSchema.forObject(resource.body), time: nextTime())
        if SecretData.isSecret(resource.ref) { merged = SecretData.foldStringData(merged) }
        merged["metadata"]?["managedFields"] = ManagedFieldsEntry.encode(managed)
        return merged
    }

    func delete(_ ref: ObjectRef) async throws { _ = locked { objects.removeValue(forKey: ref.identity) } }

    func health(of ref: ObjectRef) async throws -> HealthStatus { .healthy }

    func isTransient(_ error: any Error) -> Bool { false }
}

extension ManagedFieldsEntry {
    /// `ServerSideApply.update`, shaped for the test target.
    static func update(
        old: Value, new: Value, manager: String, managedFields: [ManagedFieldsEntry], schema: MergeSchema, time: String
    ) throws -> [ManagedFieldsEntry] {
        try ServerSideApply.update(old: old, new: new, manager: manager, managedFields: managedFields, schema: schema, time: time)
    }
}
