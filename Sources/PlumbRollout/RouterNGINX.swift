import PlumbCore
import PlumbKube

/// NGINX Ingress (ingress-nginx): a canary Ingress beside the user's stable one, as its
/// documentation describes: the same hosts and paths, backed by the canary Service, with
/// `nginx.ingress.kubernetes.io/canary: "true"` and `nginx.ingress.kubernetes.io/canary-weight:
/// "N"` (a percent, `canary-weight-total` left at its default 100).
///
/// The canary Ingress is `<stable ingress>-canary`, labelled `app.kubernetes.io/managed-by:
/// plumb` and `plumb.dev/rollout-canary-of: <stable ingress>`; it keeps the stable one's
/// `ingressClassName` (and the `kubernetes.io/ingress.class` annotation, when that is how the
/// class is chosen), and only one canary Ingress per host and path is allowed by ingress-nginx.
/// `reset` deletes it.
public struct NGINXRouter: TrafficRouter {
    public var kind: String { "nginx" }
    let client: KubeClient
    /// The user's Ingress that routes to the stable Service.
    public var stableIngress: String

    public static let canaryAnnotation = "nginx.ingress.kubernetes.io/canary"
    public static let weightAnnotation = "nginx.ingress.kubernetes.io/canary-weight"

    public init(client: KubeClient, stableIngress: String) {
        self.client = client
        self.stableIngress = stableIngress
    }

    func ref(_ name: String, _ target: RouteTarget) -> ObjectRef {
        ObjectRef(apiVersion: "networking.k8s.io/v1", kind: "Ingress", namespace: target.namespace, name: name)
    }

    public var canaryIngress: String { stableIngress + "-canary" }

    public func setWeight(_ weight: Int, for target: RouteTarget) async throws {
        try RouterSupport.check(weight)
        guard let stable = target.stableService, let canary = target.canaryService else {
            throw RouterError(message: "the NGINX router needs a stable and a canary Service")
        }
        let stableRef = ref(stableIngress, target)
        guard let ingress = try await RouterSupport.read(client, stableRef) else {
            throw RouterError(message: "\(stableRef): not found (the NGINX router copies the stable Ingress)")
        }
        guard var spec = ingress["spec"] else { throw RouterError(message: "\(stableRef): has no spec") }
        var pointsAtStable = false
        func retarget(_ backend: inout Value) {
            guard backend[path: ["service", "name"]]?.stringValue == stable else { return }
            backend["service"]?["name"] = .string(canary)
            pointsAtStable = true
        }
        if var d = spec["defaultBackend"] {
            retarget(&d)
            spec["defaultBackend"] = d
        }
        if var rules = spec["rules"]?.arrayValue {
            for i in rules.indices {
                guard var paths = rules[i][path: ["http", "paths"]]?.arrayValue else { continue }
                for j in paths.indices {
                    guard var b = paths[j]["backend"] else { continue }
                    retarget(&b)
                    paths[j]["backend"] = b
                }
                rules[i]["http"]?["paths"] = .array(paths)
            }
            spec["rules"] = .array(rules)
        }
        guard pointsAtStable else {
            throw RouterError(message: "\(stableRef): no backend is the stable Service \(stable)")
        }
        var annotations: Value = [Self.canaryAnnotation: "true", Self.weightAnnotation: .string(String(weight))]
        if let cls = ingress[path: ["metadata", "annotations", "kubernetes.io/ingress.class"]] {
            annotations["kubernetes.io/ingress.class"] = cls
        }
        var body = RouterSupport.skeleton(ref(canaryIngress, target))
        body["metadata"]?["labels"] = [
            "app.kubernetes.io/managed-by": "plumb", "plumb.dev/rollout-canary-of": .string(stableIngress),
        ]
        body["metadata"]?["annotations"] = annotations
        body["spec"] = spec
        try await RouterSupport.apply(client, body)
    }

    public func currentWeight(for target: RouteTarget) async throws -> Int? {
        guard let canary = try await RouterSupport.read(client, ref(canaryIngress, target)) else { return nil }
        let annotations = canary[path: ["metadata", "annotations"]]
        guard annotations?[Self.canaryAnnotation]?.stringValue == "true" else { return 0 }
        return annotations?[Self.weightAnnotation]?.stringValue.flatMap { Int($0) } ?? 0
    }

    public func reset(for target: RouteTarget) async throws {
        do {
            try await client.delete(ref(canaryIngress, target))
        } catch let error as StatusError where error.reason == .notFound {}
    }
}
