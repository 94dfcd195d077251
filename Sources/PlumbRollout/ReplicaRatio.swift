import PlumbCore
import PlumbKube

/// The `none` router: no traffic object, the stable and canary pods sit behind one Service
/// and the share is their replica ratio. The canary gets ceil(total × weight / 100) replicas
/// and the stable Deployment the rest, so the total stays what Git declares.
public struct ReplicaRatioRouter: TrafficRouter {
    public let client: KubeClient

    public init(client: KubeClient) { self.client = client }

    public var kind: String { "none" }

    /// Canary replicas for `weight` of `total`: ceil(total × weight / 100).
    public static func canaryReplicas(total: Int, weight: Int) -> Int {
        let w = min(max(weight, 0), 100)
        return (total * w + 99) / 100
    }

    public func setWeight(_ weight: Int, for target: RouteTarget) async throws {
        let canary = Self.canaryReplicas(total: target.totalReplicas, weight: weight)
        // Canary first: the total may go above Git's for a moment, never below it.
        try await scale(target.canaryName, in: target.namespace, to: canary)
        try await scale(target.stableName, in: target.namespace, to: target.totalReplicas - canary)
    }

    public func currentWeight(for target: RouteTarget) async throws -> Int? {
        guard let canary = try await replicas(target.canaryName, in: target.namespace) else { return nil }
        guard target.totalReplicas > 0 else { return 0 }
        return min(100, canary * 100 / target.totalReplicas)
    }

    func scale(_ name: String, in namespace: String, to replicas: Int) async throws {
        let ref = ObjectRef(apiVersion: "apps/v1", kind: "Deployment", namespace: namespace, name: name)
        _ = try await client.patch(ref, .merge(["spec": ["replicas": .int(Int64(replicas))]]))
    }

    func replicas(_ name: String, in namespace: String) async throws -> Int? {
        let ref = ObjectRef(apiVersion: "apps/v1", kind: "Deployment", namespace: namespace, name: name)
        do {
            let live = try await client.get(ref)
            return Int(live[path: ["spec", "replicas"]]?.intValue ?? 1)
        } catch let error as StatusError where error.reason == .notFound {
            return nil
        }
    }
}
