import PlumbCore
import PlumbKube

/// Gateway API: the weights of the stable and canary `backendRefs` in the user's `HTTPRoute`s,
/// as Argo Rollouts' Gateway API plugin sets them (canary `weight: N`, stable `100 - N`).
///
/// Every rule of the route that has a backendRef to the stable Service (a `Service` in the
/// core group, the default) is changed; a rule without a backendRef to the canary Service gets
/// one, copied from the stable one (port included) and marked in the route's annotation
/// `plumb.dev/rollout-canary-backend: added` so that `reset` removes it again. Rules are an
/// atomic list in the CRD, so the whole `spec.rules` is applied by `plumb-rollout`.
public struct GatewayAPIRouter: TrafficRouter {
    public var kind: String { "gatewayAPI" }
    let client: KubeClient
    /// The HTTPRoutes to change (in the target's namespace).
    public var httpRoutes: [String]

    static let addedAnnotation = "plumb.dev/rollout-canary-backend"

    public init(client: KubeClient, httpRoutes: [String]) {
        self.client = client
        self.httpRoutes = httpRoutes
    }

    func ref(_ name: String, _ target: RouteTarget) -> ObjectRef {
        ObjectRef(
            apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", namespace: target.namespace, name: name)
    }

    static func isService(_ backend: Value, named name: String) -> Bool {
        backend["name"]?.stringValue == name && (backend["kind"]?.stringValue ?? "Service") == "Service"
            && (backend["group"]?.stringValue ?? "") == ""
    }

    static func services(_ target: RouteTarget) throws -> (String, String) {
        guard let stable = target.stableService, let canary = target.canaryService else {
            throw RouterError(message: "the Gateway API router needs a stable and a canary Service")
        }
        return (stable, canary)
    }

    public func setWeight(_ weight: Int, for target: RouteTarget) async throws {
        try RouterSupport.check(weight)
        try await write(target) { rules, stable, canary, added in
            try Self.weigh(&rules, weight: weight, stable: stable, canary: canary, added: &added)
        }
    }

    public func reset(for target: RouteTarget) async throws {
        try await write(target) { rules, stable, canary, added in
            if added {
                // Drop the canary backendRefs Plumb added; the stable one takes all traffic.
                rules = rules.map { rule in
                    var r = rule
                    let refs = (rule["backendRefs"]?.arrayValue ?? []).filter { !Self.isService($0, named: canary) }
                    r["backendRefs"] = .array(refs)
                    return r
                }
                added = false
            }
            try Self.weigh(&rules, weight: 0, stable: stable, canary: canary, added: &added)
        }
    }

    private func write(
        _ target: RouteTarget, _ change: (inout [Value], String, String, inout Bool) throws -> Void
    ) async throws {
        let (stable, canary) = try Self.services(target)
        for name in httpRoutes {
            let ref = ref(name, target)
            guard let route = try await RouterSupport.read(client, ref) else {
                throw RouterError(message: "\(ref): not found (the Gateway API router changes an existing HTTPRoute)")
            }
            var rules = route[path: ["spec", "rules"]]?.arrayValue ?? []
            var added = route[path: ["metadata", "annotations", Self.addedAnnotation]]?.stringValue == "added"
            do {
                try change(&rules, stable, canary, &added)
            } catch let error as RouterError {
                throw RouterError(message: "\(ref): \(error.message)")
            }
            var body = RouterSupport.skeleton(ref)
            if added { body["metadata"]?["annotations"] = [Self.addedAnnotation: "added"] }
            body["spec"] = ["rules": .array(rules)]
            try await RouterSupport.apply(client, body)
        }
    }

    /// Sets the weights in every rule with the stable backend; adds the canary backend where missing.
    static func weigh(_ rules: inout [Value], weight: Int, stable: String, canary: String, added: inout Bool) throws {
        var touched = false
        for i in rules.indices {
            var refs = rules[i]["backendRefs"]?.arrayValue ?? []
            guard let s = refs.firstIndex(where: { isService($0, named: stable) }) else { continue }
            touched = true
            if !refs.contains(where: { isService($0, named: canary) }), weight > 0 || added {
                var copy = refs[s]
                copy["name"] = .string(canary)
                refs.append(copy)
                added = true
            }
            for j in refs.indices {
                if isService(refs[j], named: stable) { refs[j]["weight"] = .int(Int64(100 - weight)) }
                if isService(refs[j], named: canary) { refs[j]["weight"] = .int(Int64(weight)) }
            }
            rules[i]["backendRefs"] = .array(refs)
        }
        guard touched else { throw RouterError(message: "no rule has a backendRef to the stable Service \(stable)") }
    }

    public func currentWeight(for target: RouteTarget) async throws -> Int? {
        let (stable, canary) = try Self.services(target)
        guard let name = httpRoutes.first, let route = try await RouterSupport.read(client, ref(name, target)) else {
            return nil
        }
        for rule in route[path: ["spec", "rules"]]?.arrayValue ?? [] {
            let refs = rule["backendRefs"]?.arrayValue ?? []
            guard let s = refs.first(where: { Self.isService($0, named: stable) }) else { continue }
            // A backendRef without weight has weight 1 (the CRD's default).
            let c = refs.first(where: { Self.isService($0, named: canary) }).map { $0["weight"]?.intValue ?? 1 } ?? 0
            return RouterSupport.percent(canary: c, stable: s["weight"]?.intValue ?? 1)
        }
        return nil
    }
}
