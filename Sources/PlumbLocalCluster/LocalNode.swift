import Foundation
import PlumbCore

/// The one Node of a simulating local cluster, `plumb-node`, where its simulated pods run (their
/// `spec.nodeName`), registered Ready as a kubelet registers its node, so that `kubectl get
/// nodes`, `kubectl cordon` (a patch of `spec.unschedulable`) and `kubectl drain` (cordon, then
/// an eviction of each pod on it) work as on a one-node cluster.
extension ClusterStore {
    static let nodeName = "plumb-node"
    static let nodeAddress = "10.0.0.10"

    /// Creates the node once (a restored store has it).
    func registerNode() throws(APIError) {
        guard let type = types.lookup(group: "", version: "v1", resource: "nodes"),
            get(type.groupResource, namespace: "", name: Self.nodeName) == nil
        else { return }
        let name = Value.string(Self.nodeName)
        let node: Value = [
            "apiVersion": "v1", "kind": "Node",
            "metadata": [
                "name": name,
                "labels": [
                    "beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
                    "kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
                    "node-role.kubernetes.io/control-plane": "",
                ],
            ],
            "spec": ["podCIDR": "10.244.0.0/16", "podCIDRs": ["10.244.0.0/16"]],
        ]
        let created = try create(
            Target(type: type, namespace: "", name: nil, subresource: nil), body: node, options: WriteOptions())
        var object = created
        let now = Value.string(ObjectMeta.timestamp(clock()))
        func condition(_ type: String, _ status: String, _ reason: String, _ message: String) -> Value {
            [
                "type": .string(type), "status": .string(status), "lastHeartbeatTime": now, "lastTransitionTime": now,
                "reason": .string(reason), "message": .string(message),
            ]
        }
        let resources: Value = [
            "cpu": "2", "ephemeral-storage": "100Gi", "hugepages-2Mi": "0", "memory": "24Gi", "pods": "110",
        ]
        object["status"] = [
            "capacity": resources, "allocatable": resources,
            "conditions": [
                condition(
                    "MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                condition("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
            ],
            "addresses": [
                ["type": "InternalIP", "address": .string(Self.nodeAddress)], ["type": "Hostname", "address": name],
            ],
            "daemonEndpoints": ["kubeletEndpoint": ["Port": 10250]],
            "nodeInfo": [
                "machineID": "", "systemUUID": "", "bootID": "", "kernelVersion": "", "osImage": "plumb local cluster",
                "containerRuntimeVersion": "none://0", "kubeletVersion": "v1.36.2", "kubeProxyVersion": "",
                "operatingSystem": "linux", "architecture": "amd64",
            ],
        ]
        try commit(type.groupResource, namespace: "", name: Self.nodeName, object: object, event: "MODIFIED")
    }
}
