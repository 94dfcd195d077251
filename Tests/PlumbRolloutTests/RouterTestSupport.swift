import Foundation
import PlumbCore
import PlumbKube
import PlumbLocalCluster
import PlumbTesting
import PlumbYAML

/// The local cluster for router and job-provider tests: a client as Plumb's sync has it, the
/// real CRDs of fixtures/crds installed on demand, and `kubectl` as the judge.
struct RouterCluster {
    let cluster: LocalCluster
    let dir: TempDir
    let kubeconfig: String
    let client: KubeClient

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func start(simulateWorkloads: Bool = false) async throws -> RouterCluster {
        let dir = try TempDir("plumb-router")
        let cluster = LocalCluster(
            options: LocalCluster.Options(
                port: 0, tls: true, simulateWorkloads: simulateWorkloads, workloadDelay: .milliseconds(50)))
        _ = try await cluster.start()
        let kubeconfig = dir.sub("kubeconfig")
        try await cluster.writeKubeconfig(to: kubeconfig)
        let config = try ClientConfig.load(
            flags: KubeconfigFlags(kubeconfig: kubeconfig), environment: [:], home: dir.path)
        return RouterCluster(cluster: cluster, dir: dir, kubeconfig: kubeconfig, client: try KubeClient(config: config))
    }

    func stop() async { await cluster.stop() }

    /// Installs CRDs from fixtures/crds (`gateway-api/httproutes.yaml`, ...) and waits until
    /// their kinds are served.
    func installCRDs(_ files: [String]) async throws {
        for file in files {
            let path = Self.repository.appendingPathComponent("fixtures/crds/\(file)").path
            let text = try String(contentsOfFile: path, encoding: .utf8)
            for doc in try YAML.parseDocuments(text, file: path) where !doc.value.isNull {
                let crd = try await client.apply(doc.value, fieldManager: "plumb")
                let group = crd[path: ["spec", "group"]]?.stringValue ?? ""
                let kind = crd[path: ["spec", "names", "kind"]]?.stringValue ?? ""
                let version =
                    (crd[path: ["spec", "versions"]]?.arrayValue ?? []).first { $0["storage"]?.boolValue == true }?[
                        "name"]?
                    .stringValue ?? ""
                try await waitUntil("\(kind) served") {
                    (try? await client.list(apiVersion: "\(group)/\(version)", kind: kind, namespace: "default")) != nil
                }
            }
        }
    }

    /// Applies objects as Plumb's sync does (field manager `plumb`).
    func apply(_ objects: Value...) async throws {
        for o in objects { try await client.applyDiscardingResult(o, fieldManager: "plumb") }
    }

    func namespace(_ name: String) async throws {
        try await apply(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name)]])
    }

    /// `kubectl --kubeconfig ... <args>`; throws on a non-zero exit.
    @discardableResult
    func kubectl(_ args: [String]) throws -> String {
        try runTool(
            "/usr/bin/kubectl", ["--kubeconfig", kubeconfig] + args, env: ["HOME": dir.path, "PATH": "/usr/bin:/bin"]
        )
        .stdout
    }

    /// `kubectl get <what> -o json`, parsed.
    func kubectlJSON(_ args: [String]) throws -> Value {
        try JSONReader().parse(try kubectl(["get"] + args + ["-o", "json"]))
    }

    func waitUntil(_ what: String, timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async throws
    {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestFailure("\(what): not within \(timeout)")
    }
}

/// A Service selecting `selector` on port 80.
func service(_ name: String, _ namespace: String, selector: Value) -> Value {
    [
        "apiVersion": "v1", "kind": "Service", "metadata": ["name": .string(name), "namespace": .string(namespace)],
        "spec": ["selector": selector, "ports": [["name": "http", "port": 80, "targetPort": 8080]]],
    ]
}
