import PlumbController
import PlumbCore
import PlumbKube

/// One object of an Application's tree: a managed object (with its sync status) or an object
/// it owns through `ownerReferences` (Deployment → ReplicaSet → Pod), each with its health.
struct TreeNode: Sendable, Equatable {
    var kind: String
    var namespace: String
    var name: String
    var sync: String?
    var health: String?
    var message: String
    var children: [TreeNode] = []

    var context: [String: Any] {
        // Every key is set (false when absent): a Mustache section looks a missing key up in
        // the enclosing object, so a Pod would show its Deployment's sync status.
        var c: [String: Any] = [
            "kind": kind, "name": namespace.isEmpty ? name : "\(namespace)/\(name)",
            "message": message.isEmpty ? false : message, "children": children.map(\.context),
            "hasChildren": !children.isEmpty, "sync": false, "health": false,
        ]
        if let sync {
            c["sync"] = sync
            c["syncClass"] = AppView.cssClass(sync)
            c["syncIcon"] = AppView.syncIcon(sync)
        }
        if let health {
            c["health"] = health
            c["healthClass"] = AppView.cssClass(health)
            c["healthIcon"] = AppView.healthIcon(health)
        }
        return c
    }
}

/// Builds the tree from the Application's `status.resources` and the live objects: the
/// ReplicaSets and Pods of each namespace are listed once and hung under their owners by UID.
enum ResourceTree {
    /// Kinds whose owned objects are looked for, and what they own.
    static let owned: [String: [(apiVersion: String, kind: String)]] = [
        "Deployment": [("apps/v1", "ReplicaSet")],
        "ReplicaSet": [("v1", "Pod")],
        "StatefulSet": [("v1", "Pod")],
        "DaemonSet": [("v1", "Pod")],
        "Job": [("v1", "Pod")],
        "CronJob": [("batch/v1", "Job")],
    ]

    static func build(_ app: Application, client: KubeClient) async throws -> [TreeNode] {
        var lists: [String: [Value]] = [:]
        func children(of object: Value, depth: Int) async throws -> [TreeNode] {
            guard depth < 4, let kind = object["kind"]?.stringValue, let kinds = owned[kind],
                let uid = object[path: ["metadata", "uid"]]?.stringValue, !uid.isEmpty
            else { return [] }
            let namespace = object[path: ["metadata", "namespace"]]?.stringValue ?? ""
            var out: [TreeNode] = []
            for child in kinds {
                let key = "\(namespace)\u{0}\(child.apiVersion)\u{0}\(child.kind)"
                if lists[key] == nil {
                    lists[key] = (try? await client.list(apiVersion: child.apiVersion, kind: child.kind, namespace: namespace).items) ?? []
                }
                let mine = (lists[key] ?? []).filter { item in
                    (item[path: ["metadata", "ownerReferences"]]?.arrayValue ?? []).contains {
                        $0["uid"]?.stringValue == uid
                    }
                }
                for item in mine.sorted(by: { ($0.meta("name") ?? "") < ($1.meta("name") ?? "") }) {
                    var node = node(item, sync: nil)
                    node.children = try await children(of: item, depth: depth + 1)
                    out.append(node)
                }
            }
            return out
        }
        var tree: [TreeNode] = []
        for resource in app.status.resources {
            let ref = ObjectRef(
                group: resource.group, version: "", kind: resource.kind, namespace: resource.namespace, name: resource.name)
            var item = TreeNode(
                kind: resource.kind, namespace: resource.namespace, name: resource.name,
                sync: resource.status.rawValue, health: resource.health?.rawValue, message: "")
            if owned[resource.kind] != nil, let live = try? await get(ref, client: client) {
                let health = KubeHealth.assess(live)
                item.health = health.state.rawValue
                item.message = health.message
                item.children = try await children(of: live, depth: 0)
            }
            tree.append(item)
        }
        return tree
    }

    static func node(_ object: Value, sync: String?) -> TreeNode {
        let health = KubeHealth.assess(object)
        var message = health.message
        if object["kind"]?.stringValue == "Pod" {
            let phase = object[path: ["status", "phase"]]?.stringValue ?? ""
            if !phase.isEmpty { message = message.isEmpty ? phase : "\(phase): \(message)" }
        }
        return TreeNode(
            kind: object["kind"]?.stringValue ?? "", namespace: object.meta("namespace") ?? "",
            name: object.meta("name") ?? "", sync: sync, health: health.state.rawValue, message: message)
    }

    /// Reads a managed object whose version the status does not keep: the group's preferred one.
    static func get(_ ref: ObjectRef, client: KubeClient) async throws -> Value {
        let versions: [String: String] = ["apps": "apps/v1", "batch": "batch/v1", "": "v1"]
        let apiVersion = versions[ref.group] ?? "\(ref.group)/v1"
        return try await client.get(ObjectRef(apiVersion: apiVersion, kind: ref.kind, namespace: ref.namespace, name: ref.name))
    }
}

extension Value {
    /// `metadata.<field>` as a string.
    func meta(_ field: String) -> String? { self[path: ["metadata", field]]?.stringValue }
}
