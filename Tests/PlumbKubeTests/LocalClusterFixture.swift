import Foundation
import PlumbLocalCluster

@testable import PlumbKube

/// A local cluster in this process (no simulated workloads) and the kubeconfig that reaches it.
struct LocalClusterFixture {
    let cluster: LocalCluster
    let kubeconfig: String
    let home: String

    static func start(_ label: String) async throws -> LocalClusterFixture {
        let dir = try makeTempDir(label)
        let cluster = LocalCluster(options: LocalCluster.Options(port: 0, tls: true, simulateWorkloads: false))
        _ = try await cluster.start()
        let kubeconfig = dir.appendingPathComponent("kubeconfig").path
        try await cluster.writeKubeconfig(to: kubeconfig)
        return LocalClusterFixture(cluster: cluster, kubeconfig: kubeconfig, home: dir.path)
    }

    /// The configuration kubectl would build from the kubeconfig, with `namespace` as the default.
    func config(namespace: String? = nil) throws -> ClientConfig {
        try ClientConfig.load(flags: KubeconfigFlags(kubeconfig: kubeconfig, namespace: namespace), environment: [:], home: home)
    }

    func client(namespace: String? = nil, options: KubeClientOptions = KubeClientOptions()) throws -> KubeClient {
        try KubeClient(config: config(namespace: namespace), options: options)
    }
}
