// `swift run -c release Benchmarks kube`: PlumbKube's server-side apply throughput against the
// local cluster (sequential, and 32 at once over HTTP/2 and over HTTP/1.1) next to `kubectl apply --server-side` on the same
// objects, and the live cache's memory per object.
import Foundation
import PlumbCore
import PlumbKube
import PlumbLocalCluster

func runKubeBenchmark() async throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plumb-kube-bench-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let cluster = LocalCluster(options: .init(port: 0, tls: true, simulateWorkloads: false))
    _ = try await cluster.start()
    let kubeconfig = dir.appendingPathComponent("kubeconfig").path
    try await cluster.writeKubeconfig(to: kubeconfig)
    var options = KubeClientOptions()
    options.qps = 0  // measure the transport, not the limiter
    var config = try ClientConfig.load(flags: KubeconfigFlags(kubeconfig: kubeconfig), environment: [:], home: dir.path)
    let client = try KubeClient(config: config, options: options)
    config.transport.http2 = false
    let http1Client = try KubeClient(config: config, options: options)
    for ns in ["seq", "conc", "conc-h1", "kubectl", "kubectl-novalidate", "cache"] {
        _ = try await client.apply(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(ns)]])
    }

    let count = 1000
    func objects(_ ns: String, _ n: Int = count) -> [Value] {
        (0..<n).map { i in
            [
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": [
                    "name": .string("cm-\(i)"), "namespace": .string(ns),
                    "labels": ["app.kubernetes.io/managed-by": "plumb", "plumb.dev/app": "bench"],
                ],
                "data": ["index": .string(String(i)), "payload": .string("value-\(i)")],
            ]
        }
    }

    let sequential = objects("seq")
    var start = ContinuousClock.now
    for object in sequential { _ = try await client.apply(object) }
    let seqSeconds = seconds(ContinuousClock.now - start)

    let concurrent = objects("conc")
    start = ContinuousClock.now
    try await applyAll(concurrent, client: client, inFlight: 32)
    let concSeconds = seconds(ContinuousClock.now - start)

    let concurrentH1 = objects("conc-h1")
    start = ContinuousClock.now
    try await applyAll(concurrentH1, client: http1Client, inFlight: 32)
    let concH1Seconds = seconds(ContinuousClock.now - start)

    // kubectl gets the same objects as one file (a stream of JSON documents), as it runs by
    // default (strict field validation) and with --validate=false, its fastest form.
    func kubectlApply(_ namespace: String, _ extra: [String]) throws -> Double {
        let file = dir.appendingPathComponent("\(namespace).json")
        let stream = try objects(namespace).map { try JSONWriter().string($0) }.joined(separator: "\n")
        try stream.write(to: file, atomically: true, encoding: .utf8)
        let start = ContinuousClock.now
        let status = try kubectl(
            ["--kubeconfig", kubeconfig, "apply", "--server-side", "--field-manager", "plumb"] + extra + ["-f", file.path], home: dir.path)
        guard status == 0 else { throw KubeClientError(message: "kubectl apply --server-side \(extra) exited with \(status)") }
        return seconds(ContinuousClock.now - start)
    }
    let kubectlSeconds = try kubectlApply("kubectl", [])
    let kubectlNoValidation = try kubectlApply("kubectl-novalidate", ["--validate=false"])

    func rate(_ s: Double) -> Double { Double(count) / s }
    print(String(format: "kube ssa sequential (HTTP/2):                     %5d ConfigMaps %6.2f s %7.0f objects/s", count, seqSeconds, rate(seqSeconds)))
    print(String(format: "kube ssa 32 at once, HTTP/2 (one connection):     %5d ConfigMaps %6.2f s %7.0f objects/s", count, concSeconds, rate(concSeconds)))
    print(String(format: "kube ssa 32 at once, HTTP/1.1 (keep-alive pool):  %5d ConfigMaps %6.2f s %7.0f objects/s", count, concH1Seconds, rate(concH1Seconds)))
    print(String(format: "kubectl apply --server-side (v1.32):              %5d ConfigMaps %6.2f s %7.0f objects/s", count, kubectlSeconds, rate(kubectlSeconds)))
    print(String(format: "kubectl apply --server-side --validate=false:     %5d ConfigMaps %6.2f s %7.0f objects/s", count, kubectlNoValidation, rate(kubectlNoValidation)))
    print(String(format: "ratio to kubectl apply --server-side: sequential %.2fx; 32 at once over HTTP/2 %.2fx, over HTTP/1.1 %.2fx",
                 kubectlSeconds / seqSeconds, kubectlSeconds / concSeconds, kubectlSeconds / concH1Seconds))
    print(String(format: "ratio to kubectl with --validate=false: sequential %.2fx; 32 at once over HTTP/2 %.2fx, over HTTP/1.1 %.2fx",
                 kubectlNoValidation / seqSeconds, kubectlNoValidation / concSeconds, kubectlNoValidation / concH1Seconds))

    // Live cache memory: resident memory before and after caching 10,000 objects.
    let cached = 10_000
    try await applyAll(objects("cache", cached), client: client, inFlight: 32)
    let before = residentMemory()
    let cache = LiveCache(client: client, target: WatchTarget(apiVersion: "v1", kind: "ConfigMap", namespace: "cache"))
    await cache.start()
    guard await cache.waitUntilSynced(timeout: .seconds(120)) else { throw KubeClientError(message: "live cache did not sync") }
    let size = await cache.count
    let after = residentMemory()
    await cache.stop()
    print(String(format: "live cache: %d objects, %.1f MiB resident, %.0f bytes/object (server-side managedFields included)",
                 size, Double(after - before) / 1_048_576, Double(after - before) / Double(max(size, 1))))
    await cluster.stop()
}

private func applyAll(_ objects: [Value], client: KubeClient, inFlight: Int) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        var next = 0
        while next < objects.count && next < inFlight {
            let object = objects[next]
            group.addTask { _ = try await client.apply(object) }
            next += 1
        }
        while try await group.next() != nil {
            if next < objects.count {
                let object = objects[next]
                group.addTask { _ = try await client.apply(object) }
                next += 1
            }
        }
    }
}
