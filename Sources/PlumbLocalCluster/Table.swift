import Foundation
import PlumbCore

/// `meta.k8s.io/v1 Table` renderings, as `kubectl get` asks for them (`as=Table`).
enum Table {
    struct Column {
        var name: String
        var type: String = "string"
        var format: String = ""
        var description: String
        var priority: Int = 0
        var cell: (Value, Date) -> Value
    }

    static let nameDescription =
        "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
    static let ageDescription =
        "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"

    static func render(_ type: ResourceType, objects: [Value], resourceVersion: String, now: Date, includeColumns: Bool = true) -> Value {
        let cols = columns(for: type)
        var table = ValueObject()
        table["kind"] = "Table"
        table["apiVersion"] = "meta.k8s.io/v1"
        table["metadata"] = ["resourceVersion": .string(resourceVersion)]
        if includeColumns {
            table["columnDefinitions"] = .array(
                cols.map { c in
                    [
                        "name": .string(c.name), "type": .string(c.type), "format": .string(c.format),
                        "description": .string(c.description), "priority": .int(Int64(c.priority)),
                    ]
                })
        } else {
            table["columnDefinitions"] = nil
        }
        table["rows"] = .array(
            objects.map { object in
                var partial = ValueObject()
                partial["kind"] = "PartialObjectMetadata"
                partial["apiVersion"] = "meta.k8s.io/v1"
                partial["metadata"] = object["metadata"] ?? [:]
                return ["cells": .array(cols.map { $0.cell(object, now) }), "object": .object(partial)]
            })
        return .object(table)
    }

    static func columns(for type: ResourceType) -> [Column] {
        let name = Column(name: "Name", format: "name", description: nameDescription) { o, _ in .string(o.meta("name") ?? "") }
        let age = Column(name: "Age", description: ageDescription) { o, now in .string(Table.age(o, now: now)) }
        func int(_ o: Value, _ path: [String]) -> Int64 { o[path: path]?.intValue ?? 0 }
        switch (type.group, type.resource) {
        case ("apps", "replicasets"):
            return [
                name,
                Column(name: "Desired", type: "integer", description: "Number of desired pods.") { o, _ in .int(int(o, ["spec", "replicas"])) },
                Column(name: "Current", type: "integer", description: "Number of currently running pods.") { o, _ in .int(int(o, ["status", "replicas"])) },
                Column(name: "Ready", type: "integer", description: "Number of ready pods.") { o, _ in .int(int(o, ["status", "readyReplicas"])) },
                age,
            ]
        case ("apps", "statefulsets"):
            return [
                name,
                Column(name: "Ready", description: "Number of the pod with ready state") { o, _ in
                    .string("\(int(o, ["status", "readyReplicas"]))/\(int(o, ["spec", "replicas"]))")
                },
                age,
            ]
        case ("apps", "deployments"):
            return [
                name,
                Column(name: "Ready", description: "Number of the pod with ready state") { o, _ in
                    .string("\(int(o, ["status", "readyReplicas"]))/\(int(o, ["spec", "replicas"]))")
                },
                Column(name: "Up-to-date", description: "Total number of non-terminating pods targeted by this deployment that have the desired template spec.") { o, _ in
                    .int(int(o, ["status", "updatedReplicas"]))
                },
                Column(name: "Available", description: "Total number of available non-terminating pods (ready for at least minReadySeconds) targeted by this deployment.") { o, _ in
                    .int(int(o, ["status", "availableReplicas"]))
                },
                age,
                Column(name: "Containers", description: "Names of each container in the template.", priority: 1) { o, _ in
                    .string(containers(o).map { $0["name"]?.stringValue ?? "" }.joined(separator: ","))
                },
                Column(name: "Images", description: "Images referenced by each container in the template.", priority: 1) { o, _ in
                    .string(containers(o).map { $0["image"]?.stringValue ?? "" }.joined(separator: ","))
                },
                Column(name: "Selector", description: "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment. It must match the pod template's labels.", priority: 1) { o, _ in
                    let labels = o[path: ["spec", "selector", "matchLabels"]]?.objectValue ?? ValueObject()
                    return .string(labels.sortedEntries.map { "\($0.key)=\($0.value.stringValue ?? "")" }.joined(separator: ","))
                },
            ]
        case ("", "pods"):
            return [
                name,
                Column(name: "Ready", description: "The aggregate readiness state of this pod for accepting traffic.") { o, _ in
                    let total = o[path: ["spec", "containers"]]?.arrayValue?.count ?? 0
                    let ready = o[path: ["status", "conditions"]]?.arrayValue?.contains { $0["type"] == "Ready" && $0["status"] == "True" } ?? false
                    return .string("\(ready ? total : 0)/\(total)")
                },
                Column(name: "Status", description: "The aggregate status of the containers in this pod.") { o, _ in o[path: ["status", "phase"]] ?? "Pending" },
                Column(name: "Restarts", type: "string", description: "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.") { _, _ in "0" },
                age,
                Column(name: "IP", description: "The IP address of the pod", priority: 1) { o, _ in o[path: ["status", "podIP"]] ?? "<none>" },
                Column(name: "Node", description: "The name of the node this pod is scheduled on", priority: 1) { o, _ in o[path: ["spec", "nodeName"]] ?? "<none>" },
            ]
        case ("", "nodes"):
            // As the node printer (pkg/printers/internalversion) shows them.
            return [
                name,
                Column(name: "Status", description: "The status of the node") { o, _ in
                    let ready = o[path: ["status", "conditions"]]?.arrayValue?.first { $0["type"] == "Ready" }
                    var status = ready == nil ? "Unknown" : (ready?["status"] == "True" ? "Ready" : "NotReady")
                    if o[path: ["spec", "unschedulable"]]?.boolValue == true { status += ",SchedulingDisabled" }
                    return .string(status)
                },
                Column(name: "Roles", description: "The roles of the node") { o, _ in
                    let roles = (o[path: ["metadata", "labels"]]?.objectValue ?? ValueObject()).sortedEntries
                        .compactMap { $0.key.hasPrefix("node-role.kubernetes.io/") ? String($0.key.dropFirst(24)) : nil }
                    return .string(roles.isEmpty ? "<none>" : roles.joined(separator: ","))
                },
                age,
                Column(name: "Version", description: "Kubelet Version reported by the node.") { o, _ in
                    o[path: ["status", "nodeInfo", "kubeletVersion"]] ?? ""
                },
            ]
        case ("", "namespaces"):
            return [name, Column(name: "Status", description: "The status of the namespace") { o, _ in o[path: ["status", "phase"]] ?? "" }, age]
        case ("", "configmaps"):
            return [name, Column(name: "Data", type: "integer", description: "Number of user provided data") { o, _ in
                .int(Int64((o["data"]?.objectValue?.count ?? 0) + (o["binaryData"]?.objectValue?.count ?? 0)))
            }, age]
        case ("", "secrets"):
            return [
                name, Column(name: "Type", description: "The type of the secret") { o, _ in o["type"] ?? "" },
                Column(name: "Data", type: "integer", description: "The number of entries in the secret") { o, _ in
                    .int(Int64(o["data"]?.objectValue?.count ?? 0))
                }, age,
            ]
        case ("", "services"):
            return [
                name, Column(name: "Type", description: "The type of the service") { o, _ in o[path: ["spec", "type"]] ?? "" },
                Column(name: "Cluster-IP", description: "The IP address of the service") { o, _ in o[path: ["spec", "clusterIP"]] ?? "<none>" },
                Column(name: "External-IP", description: "The external IP address of the service") { _, _ in "<none>" },
                Column(name: "Port(s)", description: "The ports of the service") { o, _ in
                    let ports = (o[path: ["spec", "ports"]]?.arrayValue ?? []).map { p in
                        "\(p["port"]?.intValue ?? 0)/\(p["protocol"]?.stringValue ?? "TCP")"
                    }
                    return .string(ports.isEmpty ? "<none>" : ports.joined(separator: ","))
                }, age,
            ]
        case _ where !type.printerColumns.isEmpty:
            return [name] + type.printerColumns.map { printerColumn($0) }
        case ("apiextensions.k8s.io", "customresourcedefinitions"):
            return [name, Column(name: "Created At", type: "date", description: ageDescription) { o, _ in o[path: ["metadata", "creationTimestamp"]] ?? "" }]
        default:
            return [name, age]
        }
    }

    /// A CRD's additional printer column; `jsonPath` is the simple dotted form (`.spec.size`).
    static func printerColumn(_ c: Value) -> Column {
        let type = c["type"]?.stringValue ?? "string"
        let path = (c["jsonPath"]?.stringValue ?? "").split(separator: ".").map(String.init)
        return Column(
            name: c["name"]?.stringValue ?? "", type: type, format: c["format"]?.stringValue ?? "",
            description: c["description"]?.stringValue ?? "", priority: Int(c["priority"]?.intValue ?? 0)
        ) { o, now in
            guard let v = o[path: path] else { return .null }
            if type == "date", let s = v.stringValue, let d = ObjectMeta.parseTimestamp(s) {
                return .string(age(["metadata": ["creationTimestamp": .string(ObjectMeta.timestamp(d))]], now: now))
            }
            return v
        }
    }

    private static func containers(_ o: Value) -> [Value] {
        o[path: ["spec", "template", "spec", "containers"]]?.arrayValue ?? []
    }

    /// kubectl's short human duration: `5s`, `3m2s`, `12m`, `4h3m`, `20h`, `3d4h`, `45d`, `2y30d`.
    static func age(_ o: Value, now: Date) -> String {
        guard let ts = o.meta("creationTimestamp"), let created = ObjectMeta.parseTimestamp(ts) else { return "<unknown>" }
        let seconds = max(0, Int(now.timeIntervalSince(created)))
        let minutes = seconds / 60, hours = seconds / 3600, days = seconds / 86400
        if seconds < 120 { return "\(seconds)s" }
        if minutes < 10 { return seconds % 60 == 0 ? "\(minutes)m" : "\(minutes)m\(seconds % 60)s" }
        if minutes < 180 { return "\(minutes)m" }
        if hours < 8 { return minutes % 60 == 0 ? "\(hours)h" : "\(hours)h\(minutes % 60)m" }
        if hours < 48 { return "\(hours)h" }
        if hours < 192 { return hours % 24 == 0 ? "\(days)d" : "\(days)d\(hours % 24)h" }
        if days < 365 * 2 { return "\(days)d" }
        return "\(days / 365)y\(days % 365)d"
    }
}
