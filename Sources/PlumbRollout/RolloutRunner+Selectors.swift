import PlumbCore
import PlumbKube

// With a traffic router (Gateway API, NGINX, Istio) the stable Service must reach only the
// stable pods, or the canary gets more than its weight. Service selectors are equality maps, so
// "app: web but not the canary" needs a label only stable pods carry. Labelling the stable pod
// template would restart every stable pod; instead, as Argo Rollouts does with
// `rollouts-pod-template-hash`, the stable Service's selector gains the `pod-template-hash` of
// the stable Deployment's current ReplicaSet (a label the Deployment controller puts on every
// pod it creates), and the canary Service's selector gains `plumb.dev/rollout-role: canary`.
// Blue/green's active Service is narrowed the same way. The terms are written by the field
// manager `plumb-rollout`, recorded in an annotation, and removed when the rollout ends.
extension RolloutExecution {
    /// The label the Deployment controller gives each pod of a ReplicaSet.
    static let templateHashLabel = "pod-template-hash"
    /// The selector terms a rollout added to a Service, as JSON (`{"pod-template-hash":"7d9f8c"}`).
    static let narrowedAnnotation = "plumb.dev/rollout-selector"

    /// The Services whose selectors the rollout narrows: the stable (or active) one and the
    /// canary one; none with the replica ratio, where one Service selecting both is the split.
    var narrowedServices: (stable: String, canary: String?)? {
        switch declaration.strategy {
        case .canary(let c):
            guard c.routing != .none, let stable = c.stableService else { return nil }
            return (stable, c.canaryService)
        case .blueGreen(let b):
            return (b.activeService, nil)  // the preview Service gains the role label in `preview`
        }
    }

    /// The stable Service selects only the stable Deployment's current pods, the canary
    /// Service only the canary's. Idempotent: a resumed rollout narrows to the same terms.
    func narrowSelectors() async throws {
        guard let services = narrowedServices else { return }
        let hash = try await stableTemplateHash()
        try await narrow(services.stable, to: [Self.templateHashLabel: .string(hash)])
        if let canary = services.canary { try await narrow(canary, to: [RolloutRunner.roleLabel: "canary"]) }
    }

    /// The Services' selectors as they were before the rollout (the terms it added removed).
    func widenSelectors() async throws {
        guard let services = narrowedServices else { return }
        for name in [services.stable] + (services.canary.map { [$0] } ?? []) { try await narrow(name, to: [:]) }
    }

    /// Sets the terms the rollout adds to a Service's selector (`[:]`: none), keeping the rest.
    func narrow(_ name: String, to terms: [String: Value]) async throws {
        let ref = ObjectRef(apiVersion: "v1", kind: "Service", namespace: declaration.target.namespace, name: name)
        guard let live = try await RouterSupport.read(client, ref) else {
            if terms.isEmpty { return }
            throw RolloutError("\(ref): not found (the rollout's Services must exist before it starts)")
        }
        let recorded = live[path: ["metadata", "annotations", Self.narrowedAnnotation]]?.stringValue
        let added = recorded.flatMap { try? JSONReader().parse($0).objectValue } ?? ValueObject()
        let selector = live[path: ["spec", "selector"]]?.objectValue ?? ValueObject()
        var base = selector
        for e in added where base[e.key] == e.value { base[e.key] = nil }
        guard !base.isEmpty else { throw RolloutError("\(ref): has no selector to narrow") }
        // Terms Git's selector already has (a canary Service selecting the role) are not the rollout's.
        var own = ValueObject()
        for (key, value) in terms.sorted(by: { $0.key < $1.key }) where base[key] != value { own[key] = value }
        var change = ValueObject()
        for e in added where own[e.key] == nil && base[e.key] == nil { change[e.key] = .null }
        for e in own where selector[e.key] != e.value { change[e.key] = e.value }
        let annotation: Value = own.isEmpty ? .null : .string(try JSONWriter(sortKeys: true).string(.object(own)))
        guard !change.isEmpty || (live[path: ["metadata", "annotations", Self.narrowedAnnotation]] ?? .null) != annotation else { return }
        // A merge patch: the selector's other keys stay, null removes a term and the annotation.
        _ = try await client.patch(
            ref, .merge(["metadata": ["annotations": [Self.narrowedAnnotation: annotation]], "spec": ["selector": .object(change)]]),
            fieldManager: RolloutRunner.fieldManager)
    }

    /// The `pod-template-hash` of the stable Deployment's current ReplicaSet: the one it owns
    /// whose template is the Deployment's (else the newest revision it owns).
    func stableTemplateHash() async throws -> String {
        let deployment = try await client.get(declaration.target)
        let uid = deployment[path: ["metadata", "uid"]]?.stringValue
        let sets = try await client.list(apiVersion: "apps/v1", kind: "ReplicaSet", namespace: declaration.target.namespace).items.filter { rs in
            rs[path: ["metadata", "ownerReferences"]]?.arrayValue?.contains { $0["uid"]?.stringValue == uid && uid != nil } ?? false
        }
        func hash(_ rs: Value) -> String? { rs[path: ["metadata", "labels", Self.templateHashLabel]]?.stringValue }
        func withoutHash(_ template: Value?) -> Value? {
            var t = template
            t?["metadata"]?["labels"]?[Self.templateHashLabel] = nil
            return t
        }
        let template = deployment[path: ["spec", "template"]]
        if let current = sets.first(where: { withoutHash($0[path: ["spec", "template"]]) == template }), let h = hash(current) { return h }
        func revision(_ rs: Value) -> Int { Int(rs[path: ["metadata", "annotations", "deployment.kubernetes.io/revision"]]?.stringValue ?? "") ?? 0 }
        func size(_ rs: Value) -> Int64 { rs[path: ["spec", "replicas"]]?.intValue ?? 0 }
        let newest = sets.filter { hash($0) != nil }.max { (revision($0), size($0)) < (revision($1), size($1)) }
        guard let newest, let h = hash(newest) else {
            throw RolloutError("\(declaration.target): no ReplicaSet with a \(Self.templateHashLabel) label yet (the stable Service cannot tell its pods from the canary's)")
        }
        return h
    }
}
