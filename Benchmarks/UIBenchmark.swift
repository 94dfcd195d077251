// The dashboard with 1,000 Applications: the applications page's time to first byte and size
// (targets: under 100 ms, under 500 KB), against `kubectl get applications -o json` of the same
// objects in the same run; and the CPU the live event stream costs while every Application's
// status changes once a second.
import Foundation
import Logging
import PlumbAudit
import PlumbController
import PlumbCore
import PlumbKube
import PlumbLocalCluster
import PlumbUI

#if canImport(Glibc)
    import Glibc
#endif

private let uiAppCount = 1_000
private let uiNamespace = "bench-ui"

/// CPU seconds (user + system) of the whole process so far.
private func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}

/// `curl -w` of one GET: seconds to the first byte, total seconds, bytes.
private func curlTiming(_ url: String) throws -> (ttfb: Double, total: Double, bytes: Int) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
    p.arguments = ["-sS", "-o", "/dev/null", "-w", "%{time_starttransfer} %{time_total} %{size_download}", url]
    let out = Pipe()
    p.standardOutput = out
    try p.run()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    let parts = text.split(separator: " ")
    guard parts.count == 3, let ttfb = Double(parts[0]), let total = Double(parts[1]), let bytes = Int(parts[2]) else {
        throw BenchmarkError("curl \(url): \(text)")
    }
    return (ttfb, total, bytes)
}

private func status(_ i: Int, tick: Int) -> Value {
    var s = ApplicationStatus()
    s.observedGeneration = 1
    s.syncStatus = (i + tick) % 7 == 0 ? .outOfSync : .synced
    s.syncRevision = String(repeating: String(format: "%x", (i + tick) % 16), count: 40)
    s.health = (i + tick) % 11 == 0 ? .progressing : .healthy
    s.healthMessage = tick == 0 ? "" : "tick \(tick)"
    return ["status": s.value]
}

func runUIBenchmark() async throws {
    let work = NSTemporaryDirectory() + "/plumb-bench-ui-\(getpid())"
    try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: work) }
    let cluster = LocalCluster(options: .init(simulateWorkloads: false))
    try await cluster.start()
    let kubeconfig = work + "/kubeconfig"
    try await cluster.writeKubeconfig(to: kubeconfig)
    let config = try ClientConfig.load(flags: KubeconfigFlags(kubeconfig: kubeconfig))
    var options = KubeClientOptions()
    options.qps = 10_000
    options.burst = 10_000
    let client = try KubeClient(config: config, options: options)
    try await client.applyDiscardingResult(InstallManifests.applicationCRD)
    try await client.applyDiscardingResult(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(uiNamespace)]])
    var established = false
    for _ in 0..<100 where !established {
        established = (try? await client.list(apiVersion: Application.apiVersion, kind: Application.kind, namespace: uiNamespace)) != nil
        if !established { try await Task.sleep(for: .milliseconds(50)) }
    }
    guard established else { throw BenchmarkError("the Application CRD is not served") }
    func ref(_ i: Int) -> ObjectRef {
        ObjectRef(apiVersion: Application.apiVersion, kind: Application.kind, namespace: uiNamespace, name: String(format: "app-%04d", i))
    }
    // 1,000 Applications with statuses, and an audit record each (the commit subjects).
    let audit = try SQLiteAuditStore(path: work + "/audit.db")
    try await withThrowingTaskGroup(of: Void.self) { group in
        for lane in 0..<16 {
            group.addTask {
                for i in stride(from: lane, to: uiAppCount, by: 16) {
                    let app: Value = [
                        "apiVersion": .string(Application.apiVersion), "kind": .string(Application.kind),
                        "metadata": ["name": .string(ref(i).name), "namespace": .string(uiNamespace)],
                        "spec": [
                            "source": ["repoURL": "https://git.example/acme/deploy.git", "path": .string("apps/\(ref(i).name)")],
                            "destination": ["namespace": .string(uiNamespace)],
                            "syncPolicy": ["automated": true],
                        ],
                    ]
                    try await client.applyDiscardingResult(app)
                    _ = try await client.patch(ref(i), .merge(status(i, tick: 0)), subresource: "status")
                }
            }
        }
        try await group.waitForAll()
    }
    for i in 0..<uiAppCount {
        let revision = String(repeating: String(format: "%x", i % 16), count: 40)
        let id = try audit.begin(
            AuditRecord(
                app: "\(uiNamespace)/\(ref(i).name)", target: "kube:bench", repo: "https://git.example/acme/deploy.git",
                revision: revision, author: "Ada <ada@acme.dev>", committer: "Ada <ada@acme.dev>",
                message: "Bump \(ref(i).name) to 1.\(i % 30)", signature: .absent, previousRevision: nil, initiator: "controller"))
        try audit.complete(id, result: .synced, endedAt: .now(), objects: [], error: nil)
    }

    let quiet = Logger(label: "plumb.ui.bench") { _ in SwiftLogNoOpLogHandler() }
    let dashboard = Dashboard(
        client: client, audit: audit, diff: nil, access: .kubeconfig(Viewer(name: "bench")), pollInterval: .seconds(1),
        logger: quiet)
    let (bound, continuation) = AsyncStream<Int>.makeStream()
    let server = Task { try await dashboard.serve(host: "127.0.0.1", port: 0) { continuation.yield($0) } }
    var port = 0
    for await p in bound {
        port = p
        break
    }
    print("ui  \(uiAppCount) Applications in one namespace, each with an audit record; the dashboard in process (plumb ui)")

    // 1. The applications page: time to first byte and size; kubectl's JSON list of the same objects.
    _ = try curlTiming("http://127.0.0.1:\(port)/ui/")
    var samples: [(ttfb: Double, total: Double, bytes: Int)] = []
    for _ in 0..<15 { samples.append(try curlTiming("http://127.0.0.1:\(port)/ui/")) }
    let ttfb = samples.map(\.ttfb).sorted()
    let totals = samples.map(\.total).sorted()
    let home = work + "/kubectl-home"
    var kubectlTimes: [Double] = []
    for _ in 0..<5 {
        let (_, t) = try await time {
            try kubectl(["--kubeconfig", kubeconfig, "get", "applications.plumb.dev", "-n", uiNamespace, "-o", "json"], home: home)
        }
        kubectlTimes.append(t)
    }
    kubectlTimes.sort()
    let median = ttfb[ttfb.count / 2]
    print(
        String(
            format: "  applications page: first byte %.0f ms median (p90 %.0f ms), whole page %.0f ms, %d KB (targets: < 100 ms, < 500 KB)",
            median * 1000, ttfb[ttfb.count * 9 / 10] * 1000, totals[totals.count / 2] * 1000, samples[0].bytes / 1024))
    print(
        String(
            format: "  kubectl get applications -o json: %.0f ms median; page first byte / kubectl = %.2f",
            kubectlTimes[kubectlTimes.count / 2] * 1000, median / kubectlTimes[kubectlTimes.count / 2]))

    // 2. The event stream while every Application's status changes once a second: the process's
    // CPU with the changes alone, then with browsers connected; the difference is the stream's.
    let seconds = 10
    func churn(_ duration: Int) async throws -> (cpu: Double, changes: Int) {
        let start = cpuSeconds()
        var changes = 0
        for tick in 1...duration {
            let began = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for lane in 0..<16 {
                    group.addTask {
                        for i in stride(from: lane, to: uiAppCount, by: 16) {
                            _ = try await client.patch(ref(i), .merge(status(i, tick: tick)), subresource: "status")
                        }
                    }
                }
                try await group.waitForAll()
            }
            changes += uiAppCount
            let rest = Duration.seconds(1) - (ContinuousClock.now - began)
            if rest > .zero { try await Task.sleep(for: rest) }
        }
        return (cpuSeconds() - start, changes)
    }
    let (baseline, baseChanges) = try await churn(seconds)
    var streamed: [String: Double] = [:]
    for browsers in [1, 10] {
        var streams: [Process] = []
        for _ in 0..<browsers {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
            p.arguments = ["-sS", "-N", "-o", "/dev/null", "--max-time", String(seconds + 30), "http://127.0.0.1:\(port)/ui/events"]
            try p.run()
            streams.append(p)
        }
        try await Task.sleep(for: .seconds(2))
        let (cpu, _) = try await churn(seconds)
        streamed["\(browsers)"] = cpu
        for p in streams { p.terminate() }
        for p in streams { p.waitUntilExit() }
    }
    print(
        String(
            format: "  event stream, %d status changes a second for %d s: process CPU %.2f s/s with no browser (the API server's and the writer's share), %.2f s/s with 1 browser, %.2f s/s with 10",
            baseChanges / seconds, seconds, baseline / Double(seconds), (streamed["1"] ?? 0) / Double(seconds),
            (streamed["10"] ?? 0) / Double(seconds)))
    print(
        String(
            format: "  the stream's own cost: %.0f ms of CPU per second with 1 browser, %.0f ms with 10 (one shared list a second)",
            max(0, (streamed["1"] ?? 0) - baseline) / Double(seconds) * 1000,
            max(0, (streamed["10"] ?? 0) - baseline) / Double(seconds) * 1000))
    server.cancel()
    _ = try? await server.value
    await cluster.stop()
}
