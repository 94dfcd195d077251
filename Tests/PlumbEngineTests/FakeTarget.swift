import Foundation
import PlumbCore
import PlumbEngine

/// Errors the fake target throws; `transient` is retried.
enum FakeError: Error, CustomStringConvertible {
    case transient(String)
    case invalid(String)

    var description: String {
        switch self {
        case .transient(let m), .invalid(let m): return m
        }
    }
}

/// An in-memory `Target`: objects by identity, scripted failures and health, and a log of
/// every call in the order it happened. Objects are named uniquely per test; scripts key on names.
final class FakeTarget: Target, @unchecked Sendable {
    private let lock = NSLock()
    private var live: [ObjectIdentity: Value] = [:]
    private var appObjects: [Resource] = []
    private var dryRunErrors: [String: String] = [:]
    private var transientApplies: [String: Int] = [:]
    private var conflicts: [String: ApplyConflict] = [:]
    private var healthScripts: [String: [HealthStatus]] = [:]
    private var _log: [String] = []
    private var _applied: [Resource] = []
    private var inFlight = 0
    private var _maxInFlight = 0
    /// Real time each write takes, so that concurrent calls overlap.
    var writeDelay: Duration = .milliseconds(2)
    /// Called with the name of every object applied, before it is stored.
    var onApply: (@Sendable (String) -> Void)?

    init(live: [Value] = [], appObjects: [Value] = []) {
        for v in live {
            let r = try! Resource(v)
            self.live[r.ref.identity] = v
        }
        self.appObjects = appObjects.map { try! Resource($0) }
    }

    private func locked<R>(_ body: () -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }

    func failDryRun(_ name: String, _ message: String) { locked { dryRunErrors[name] = message } }
    func failApplyTransiently(_ name: String, times: Int) { locked { transientApplies[name] = times } }
    func conflict(_ name: String, _ conflict: ApplyConflict) { locked { conflicts[name] = conflict } }
    /// Successive health answers; the last one repeats.
    func health(_ name: String, _ script: [HealthStatus]) { locked { healthScripts[name] = script } }

    var log: [String] { locked { _log } }
    var applied: [String] { log.filter { $0.hasPrefix("apply ") }.map { String($0.dropFirst(6)) } }
    var deleted: [String] { log.filter { $0.hasPrefix("delete ") }.map { String($0.dropFirst(7)) } }
    var appliedResources: [Resource] { locked { _applied } }
    var maxInFlight: Int { locked { _maxInFlight } }

    private func enter(_ entry: String) {
        locked {
            _log.append(entry)
            inFlight += 1
            _maxInFlight = max(_maxInFlight, inFlight)
        }
    }

    private func leave() { locked { inFlight -= 1 } }

    func observe(_ desired: [Resource], app: String, pruneCandidates: Bool) async throws -> Observation {
        // Hands back every labelled object, other apps' too, so the planner's own check is what protects them.
        locked {
            Observation(live: live.filter { id, _ in desired.contains { $0.ref.identity == id } }, appObjects: appObjects)
        }
    }

    /// Configured when `spec` differs from live, unchanged when it is the same.
    func compare(_ desired: Resource, live: Value?) throws -> ObjectDiff {
        if desired.annotations["test/invalid"] != nil { throw FakeError.invalid("spec: not valid") }
        let changes = live?["spec"] == desired.body["spec"] || live == nil
            ? [] : [FieldChange(path: "spec", old: live?["spec"], new: desired.body["spec"])]
        return ObjectDiff(ref: desired.ref, changes: changes, before: live, after: desired.body)
    }

    func phase(of ref: ObjectRef) -> Int { ReconcileOrder.kubernetes.rank(of: ref) }

    func dryRun(_ resource: Resource, force: Bool) async throws {
        enter("dry-run \(resource.name)")
        defer { leave() }
        try await Task.sleep(for: writeDelay)
        if let message = locked({ dryRunErrors[resource.name] }) { throw FakeError.invalid(message) }
    }

    func apply(_ resource: Resource, force: Bool) async throws {
        enter("apply \(resource.name)")
        defer { leave() }
        onApply?(resource.name)
        try await Task.sleep(for: writeDelay)
        let failure: Error? = locked {
            if let n = transientApplies[resource.name], n > 0 {
                transientApplies[resource.name] = n - 1
                return FakeError.transient("etcdserver: request timed out")
            }
            if let c = conflicts[resource.name], !force { return ApplyError.conflict(c) }
            live[resource.ref.identity] = resource.body
            _applied.append(resource)
            return nil
        }
        if let failure { throw failure }
    }

    func delete(_ ref: ObjectRef) async throws {
        enter("delete \(ref.name)")
        defer { leave() }
        try await Task.sleep(for: writeDelay)
        _ = locked { live.removeValue(forKey: ref.identity) }
    }

    func health(of ref: ObjectRef) async throws -> HealthStatus {
        locked {
            _log.append("health \(ref.name)")
            guard var script = healthScripts[ref.name], let first = script.first else { return .healthy }
            if script.count > 1 {
                script.removeFirst()
                healthScripts[ref.name] = script
            }
            return first
        }
    }

    func isTransient(_ error: any Error) -> Bool {
        if case .transient? = error as? FakeError { return true }
        return false
    }
}

/// Virtual time: sleeping advances the clock at once and is recorded.
final class TestClock: SyncClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Duration = .zero
    private var _sleeps: [Duration] = []

    var sleeps: [Duration] {
        lock.lock()
        defer { lock.unlock() }
        return _sleeps
    }

    func now() -> Duration {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    func sleep(for duration: Duration) async throws {
        lock.withLock {
            current += duration
            _sleeps.append(duration)
        }
        await Task.yield()
    }
}

/// Records every event.
final class RecordingObserver: SyncObserver, @unchecked Sendable {
    private let lock = NSLock()
    private var _events: [SyncEvent] = []

    var events: [SyncEvent] {
        lock.lock()
        defer { lock.unlock() }
        return _events
    }

    func observe(_ event: SyncEvent) {
        lock.lock()
        _events.append(event)
        lock.unlock()
    }
}

/// A minimal object: `kind` with `apiVersion`, a name, optional namespace, annotations, labels and spec.
func object(
    _ apiVersion: String, _ kind: String, _ name: String, namespace: String? = "web",
    annotations: [String: String] = [:], labels: [String: String] = [:], spec: Value = ["x": 1]
) -> Value {
    var metadata: Value = ["name": .string(name)]
    if let namespace { metadata["namespace"] = .string(namespace) }
    if !annotations.isEmpty {
        metadata["annotations"] = .object(ValueObject(uniqueEntries: annotations.sorted { $0.key < $1.key }
            .map { ValueObject.Entry(key: $0.key, value: .string($0.value)) }))
    }
    if !labels.isEmpty {
        metadata["labels"] = .object(ValueObject(uniqueEntries: labels.sorted { $0.key < $1.key }
            .map { ValueObject.Entry(key: $0.key, value: .string($0.value)) }))
    }
    return ["apiVersion": .string(apiVersion), "kind": .string(kind), "metadata": metadata, "spec": spec]
}

func resources(_ values: [Value]) -> [Resource] { values.map { try! Resource($0) } }
