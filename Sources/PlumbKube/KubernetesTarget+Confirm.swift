import PlumbCore
import PlumbEngine
import Synchronization

extension KubernetesTarget {
    /// The server's answer to a predicted update: a server-side apply dry-run of `desired`,
    /// compared with `live`. kube-apiserver drops zero values of `omitempty` fields, defaults
    /// inside lists and runs admission, none of which a local prediction can know for every
    /// kind; the dry-run can. The answer is kept for this object's desired state and live
    /// resourceVersion, so `compare` gives it again without a request while neither moves.
    public func confirm(_ desired: Resource, live: Value) async -> ObjectDiff? {
        let result: Value
        do {
            result = try await serverSideApply(desired, force: false, dryRun: true)
        } catch {
            // A conflict, an invalid object, an outage: the sync's validation says why.
            return nil
        }
        // A dry-run answers with the stored object's resourceVersion. Another version means the
        // object moved since it was observed (a controller annotated it, scaled it): compare
        // with the object as it is now, or its writer's change would read as Plumb's.
        var current = live
        let rv = { (v: Value) in v[path: ["metadata", "resourceVersion"]]?.stringValue }
        if let answered = rv(result), answered != rv(live), let fresh = try? await client.get(desired.ref),
            rv(fresh) == answered
        {
            current = fresh
        }
        let exact = ApplyDiff.exact(ref: desired.ref, live: current, result: result, ignoring: ignoring)
        confirmed.remember(exact, desired: desired, live: current)
        return exact
    }
}

/// Server answers to predicted updates, by object: valid while the desired object and the
/// live resourceVersion are those it was given for. Thread safe.
final class ConfirmedDiffs: Sendable {
    private struct Entry {
        var desired: Int
        var resourceVersion: String
        var diff: ObjectDiff
    }

    private let entries = Mutex<[ObjectIdentity: Entry]>([:])

    func remember(_ diff: ObjectDiff, desired: Resource, live: Value) {
        guard let rv = live[path: ["metadata", "resourceVersion"]]?.stringValue else { return }
        let entry = Entry(desired: desired.body.hashValue, resourceVersion: rv, diff: diff)
        entries.withLock { $0[desired.ref.identity] = entry }
    }

    /// The server's answer for `desired` over `live`, when it was asked for exactly these.
    func answer(desired: Resource, live: Value) -> ObjectDiff? {
        guard let rv = live[path: ["metadata", "resourceVersion"]]?.stringValue else { return nil }
        return entries.withLock { all in
            guard let entry = all[desired.ref.identity], entry.resourceVersion == rv else { return nil }
            return entry.desired == desired.body.hashValue ? entry.diff : nil
        }
    }
}
