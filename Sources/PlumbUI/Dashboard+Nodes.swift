import Foundation
import Hummingbird
import PlumbController
import PlumbCore
import PlumbKube
import PlumbNode

extension Dashboard {
    /// `GET /ui/nodes`: every NodeConfig (cluster-scoped) with, per node, the revision applied,
    /// the state (done, in progress, failed, degraded pool) and the last error, from the
    /// `status.nodes` the node agents write. With a login, the caller must be allowed to
    /// `list` `nodeconfigs`.
    func nodesPage(_ request: Request) async -> Response {
        let caller: Caller
        switch self.caller(request) {
        case .success(let c): caller = c
        case .failure(let response): return response
        }
        if let refusal = await authorize(caller, "list", namespace: "", resource: "nodeconfigs") { return refusal }
        var c = common(caller, title: "Nodes", page: "nodes")
        let objects: [Value]
        do {
            objects = try await client.list(apiVersion: KubeNodeAgentCluster.nodeConfigAPIVersion, kind: NodeConfig.kind).items
        } catch {
            let missing: Bool
            switch error {
            case let e as KubeClientError: missing = e.message.hasSuffix("does not serve this kind")
            case let e as StatusError: missing = e.reason == .notFound
            default: missing = false
            }
            guard missing else { return apiError(error, caller: caller) }
            // No NodeConfig CRD: nothing to show, and the page says why.
            c["nodesNote"] = "The NodeConfig resource is not installed in this cluster (see docs/nodes.md)."
            c["configs"] = [] as [Any]
            return Self.html(Templates.render("nodes", c))
        }
        let configs = objects.map(NodeConfigRolloutStatus.init).sorted { $0.name < $1.name }
        c["configs"] = configs.map(Self.nodeConfigContext)
        return Self.html(Templates.render("nodes", c))
    }

    static func nodeConfigContext(_ s: NodeConfigRolloutStatus) -> [String: Any] {
        [
            "name": s.name, "revision": s.revision, "selector": s.selector, "maxUnavailable": s.maxUnavailable,
            "pool": s.pool.word, "poolClass": AppView.cssClass(s.pool.word), "summary": s.summary,
            "nodes": s.nodes.map { node -> [String: Any] in
                [
                    "node": node.name, "nodeRevision": node.entry.revision, "behind": !node.current,
                    "phase": node.entry.phase.rawValue, "state": node.state.rawValue,
                    "stateClass": AppView.cssClass(node.state.rawValue), "changed": node.entry.changed ? "yes" : "no",
                    "error": node.entry.message.isEmpty ? false : node.entry.message,
                    "since": node.entry.lastTransitionTime == .distantPast ? "-" : NodeAgentStatus.formatTime(node.entry.lastTransitionTime),
                ]
            },
        ]
    }
}
