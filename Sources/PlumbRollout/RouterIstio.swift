import PlumbCore
import PlumbKube

/// Istio: the route weights of the user's `VirtualService`, as Argo Rollouts sets them.
///
/// With a `DestinationRule` (subset-level routing), each chosen HTTP route sends `100 - N` to
/// the `stable` subset and `N` to the `canary` subset of its host (a Service that selects the
/// pods of both), and the DestinationRule's two subsets select the pods by the labels of the
/// stable and the canary Service's selectors (the pod labels that tell the two apart). Without one (host-level routing), the routes'
/// destinations are the stable and the canary Service. A route without the canary destination
/// gets one, copied from the stable destination. `http` and `subsets` are untyped lists in
/// Istio's CRDs (atomic to server-side apply), so the whole list is applied by `plumb-rollout`.
public struct IstioRouter: TrafficRouter {
    public var kind: String { "istio" }
    let client: KubeClient
    public var virtualService: String
    /// Names of the HTTP routes to change; empty changes every route to the stable host.
    public var routes: [String]
    /// Subset-level routing when set.
    public var destinationRule: String?
    public var stableSubset: String
    public var canarySubset: String

    public init(
        client: KubeClient, virtualService: String, routes: [String] = [], destinationRule: String? = nil,
        stableSubset: String = "stable", canarySubset: String = "canary"
    ) {
        self.client = client
        self.virtualService = virtualService
        self.routes = routes
        self.destinationRule = destinationRule
        self.stableSubset = stableSubset
        self.canarySubset = canarySubset
    }

    func ref(_ kind: String, _ name: String, _ target: RouteTarget) -> ObjectRef {
        ObjectRef(apiVersion: "networking.istio.io/v1", kind: kind, namespace: target.namespace, name: name)
    }

    static func names(_ host: String?, _ service: String) -> Bool {
        guard let host else { return false }
        return host == service || host.hasPrefix(service + ".")
    }

    /// Whether the destination is the stable (true) or canary (false) one, nil for neither.
    func role(_ route: Value, _ stable: String, _ canary: String) -> Bool? {
        let d = route["destination"]
        if destinationRule != nil {
            // The host is the user's (a Service selecting both tracks); the subsets split it.
            switch d?["subset"]?.stringValue {
            case stableSubset: return true
            case canarySubset: return false
            default: return nil
            }
        }
        if Self.names(d?["host"]?.stringValue, stable) { return true }
        if Self.names(d?["host"]?.stringValue, canary) { return false }
        return nil
    }

    public func setWeight(_ weight: Int, for target: RouteTarget) async throws {
        try RouterSupport.check(weight)
        guard let stable = target.stableService, let canary = target.canaryService else {
            throw RouterError(message: "the Istio router needs a stable and a canary Service")
        }
        if let destinationRule { try await writeSubsets(destinationRule, stable: stable, canary: canary, target) }
        let vsRef = ref("VirtualService", virtualService, target)
        guard let vs = try await RouterSupport.read(client, vsRef) else {
            throw RouterError(message: "\(vsRef): not found (the Istio router changes an existing VirtualService)")
        }
        var http = vs[path: ["spec", "http"]]?.arrayValue ?? []
        var touched = false
        for i in http.indices {
            if !routes.isEmpty, !routes.contains(http[i]["name"]?.stringValue ?? "") { continue }
            var dests = http[i]["route"]?.arrayValue ?? []
            guard let s = dests.firstIndex(where: { role($0, stable, canary) == true }) else { continue }
            touched = true
            if !dests.contains(where: { role($0, stable, canary) == false }) {
                var copy = dests[s]
                if destinationRule != nil {
                    copy["destination"]?["subset"] = .string(canarySubset)
                } else {
                    copy["destination"]?["host"] = .string(canary)
                }
                dests.append(copy)
            }
            for j in dests.indices {
                switch role(dests[j], stable, canary) {
                case true: dests[j]["weight"] = .int(Int64(100 - weight))
                case false: dests[j]["weight"] = .int(Int64(weight))
                default: break
                }
            }
            http[i]["route"] = .array(dests)
        }
        guard touched else {
            let what = destinationRule != nil ? "the \(stableSubset) subset" : "the stable Service \(stable)"
            throw RouterError(
                message:
                    "\(vsRef): no HTTP route\(routes.isEmpty ? "" : " named \(routes.joined(separator: ", "))") goes to \(what)"
            )
        }
        var body = RouterSupport.skeleton(vsRef)
        body["spec"] = ["http": .array(http)]
        try await RouterSupport.apply(client, body)
    }

    /// The DestinationRule's stable and canary subsets select the pods of each Service.
    func writeSubsets(_ name: String, stable: String, canary: String, _ target: RouteTarget) async throws {
        let drRef = ref("DestinationRule", name, target)
        guard let dr = try await RouterSupport.read(client, drRef) else {
            throw RouterError(message: "\(drRef): not found (the Istio router changes an existing DestinationRule)")
        }
        var labels: [String: Value] = [:]
        for (role, service) in [(stableSubset, stable), (canarySubset, canary)] {
            let svcRef = ObjectRef(apiVersion: "v1", kind: "Service", namespace: target.namespace, name: service)
            guard let svc = try await RouterSupport.read(client, svcRef),
                let selector = svc[path: ["spec", "selector"]],
                selector.objectValue?.isEmpty == false
            else {
                throw RouterError(
                    message: "\(svcRef): not found or selects no pods (its selector names the \(role) pods)")
            }
            labels[role] = selector
        }
        var subsets = dr[path: ["spec", "subsets"]]?.arrayValue ?? []
        for role in [stableSubset, canarySubset] {
            if let i = subsets.firstIndex(where: { $0["name"]?.stringValue == role }) {
                subsets[i]["labels"] = labels[role]
            } else {
                subsets.append(["name": .string(role), "labels": labels[role] ?? [:]])
            }
        }
        guard subsets != dr[path: ["spec", "subsets"]]?.arrayValue else { return }
        var body = RouterSupport.skeleton(drRef)
        body["spec"] = ["subsets": .array(subsets)]
        try await RouterSupport.apply(client, body)
    }

    public func currentWeight(for target: RouteTarget) async throws -> Int? {
        guard let stable = target.stableService, let canary = target.canaryService,
            let vs = try await RouterSupport.read(client, ref("VirtualService", virtualService, target))
        else { return nil }
        for route in vs[path: ["spec", "http"]]?.arrayValue ?? [] {
            if !routes.isEmpty, !routes.contains(route["name"]?.stringValue ?? "") { continue }
            let dests = route["route"]?.arrayValue ?? []
            guard let s = dests.first(where: { role($0, stable, canary) == true }) else { continue }
            // A lone destination without weight takes all traffic.
            let c = dests.first(where: { role($0, stable, canary) == false })
            let cw = c.map { $0["weight"]?.intValue ?? 0 } ?? 0
            let sw = s["weight"]?.intValue ?? (c == nil ? 100 : 0)
            return RouterSupport.percent(canary: cw, stable: sw)
        }
        return nil
    }
}
