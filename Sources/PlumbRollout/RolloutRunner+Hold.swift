import PlumbCore
import PlumbEngine
import PlumbKube

// While a rollout runs, the traffic router's objects carry the rollout's weights and its
// Services narrowed selectors (written by the `plumb-rollout` field manager). Git still has
// what the last promotion left, so a plain plan shows them as drift and a sync (or the
// controller's drift repair) would put all traffic back on stable mid-rollout. `prepare`
// therefore plans those objects as Git has them with the rollout's fields taken from the live
// object: every other change in Git is still applied. The router writes whole lists
// (`spec.rules`, `spec.http`, `spec.subsets` are atomic to server-side apply, as is a Service's
// selector), so a change inside them waits for the rollout's end.

extension RolloutRunner {
    /// The objects a rollout writes besides its canary, and the fields of each: the router's
    /// weights, and the selectors of the Services it narrows to the stable or canary pods.
    static func heldFields(_ declaration: RolloutDeclaration) -> [(
        group: String, kind: String, name: String, paths: [[String]]
    )] {
        let selector = [["spec", "selector"]]
        switch declaration.strategy {
        case .blueGreen(let b):
            return ([b.activeService] + (b.previewService.map { [$0] } ?? [])).map { ("", "Service", $0, selector) }
        case .canary(let c):
            let services =
                c.routing == .none
                ? [] : [c.stableService, c.canaryService].compactMap { $0 }.map { ("", "Service", $0, selector) }
            switch c.routing {
            case .none:
                return []
            case .gatewayAPI(let route):
                return [("gateway.networking.k8s.io", "HTTPRoute", route, [["spec", "rules"]])] + services
            case .nginx(let ingress):
                // Only when Git declares the canary Ingress itself: its canary annotations are the rollout's.
                let annotations = [NGINXRouter.canaryAnnotation, NGINXRouter.weightAnnotation].map {
                    ["metadata", "annotations", $0]
                }
                return [("networking.k8s.io", "Ingress", ingress + "-canary", annotations)] + services
            case .istio(let virtualService, let destinationRule):
                return [("networking.istio.io", "VirtualService", virtualService, [["spec", "http"]])]
                    + (destinationRule.map { [("networking.istio.io", "DestinationRule", $0, [["spec", "subsets"]])] }
                        ?? []) + services
            }
        }
    }

    /// The objects of `heldFields` that `plan` declares, each with those fields as they are
    /// live (objects not in the plan or not found live are left out).
    static func heldRouterObjects(_ declaration: RolloutDeclaration, in plan: Plan, client: KubeClient) async
        -> [HeldObject]
    {
        var out: [HeldObject] = []
        for (group, kind, name, paths) in heldFields(declaration) {
            let identity = ObjectRef(
                group: group, version: "", kind: kind, namespace: declaration.target.namespace, name: name
            ).identity
            guard let (s, o) = index(of: identity, in: plan) else { continue }
            let planned = plan.steps[s].objects[o].resource
            guard let live = try? await client.get(planned.ref) else { continue }
            var body = planned.body
            var changed = false
            for path in paths {
                guard let value = live[path: path] else { continue }
                body.set(path, value)
                changed = true
            }
            guard changed, let held = try? Resource(body, source: planned.source) else { continue }
            out.append(HeldObject(step: s, object: o, resource: held, live: live))
        }
        return out
    }

    /// A router object of the plan (at `steps[step].objects[object]`) with the rollout's weights.
    struct HeldObject {
        var step: Int
        var object: Int
        var resource: Resource
        var live: Value
    }

    static func index(of identity: ObjectIdentity, in plan: Plan) -> (Int, Int)? {
        for (s, step) in plan.steps.enumerated() {
            if let o = step.objects.firstIndex(where: { $0.ref.identity == identity }) { return (s, o) }
        }
        return nil
    }
}

extension Value {
    /// Sets the member at `path`, creating objects on the way.
    mutating func set(_ path: [String], _ value: Value) {
        guard let first = path.first else {
            self = value
            return
        }
        var child = self[first] ?? [:]
        child.set(Array(path.dropFirst()), value)
        self[first] = child
    }
}
