// `swift run -c release Benchmarks controller`: `plumb controller` (ApplicationController, run in
// this process) against the local cluster (also in this process) and one repository served by a
// real `git daemon` on 127.0.0.1: 1,000 Applications of 10 objects each (9 ConfigMaps and one
// Deployment, which the cluster's simulated controllers make available after 300 ms), every one
// automated with selfHeal, no prune, `wait: false`, and a 5 s interval (the default is 3m; a short
// one puts five rounds of 1,000 reconciles in the steady-state window).
// `PLUMB_BENCH_SCALE=0.02` shrinks the Application count for a quick check in a debug build.
import Foundation
import Logging
import PlumbAudit
import PlumbController
import PlumbCore
import PlumbGit
import PlumbKube
import PlumbLocalCluster

#if canImport(Glibc)
    import Glibc
#endif

private let scale = Double(ProcessInfo.processInfo.environment["PLUMB_BENCH_SCALE"] ?? "") ?? 1
/// The Applications' `spec.interval`, in seconds (`PLUMB_BENCH_INTERVAL`, default 5).
private let intervalSeconds = max(1, Int(ProcessInfo.processInfo.environment["PLUMB_BENCH_INTERVAL"] ?? "") ?? 5)
/// `--concurrency` of the controller (`PLUMB_BENCH_CONCURRENCY`, default 4 as `plumb controller`).
private let concurrency = max(1, Int(ProcessInfo.processInfo.environment["PLUMB_BENCH_CONCURRENCY"] ?? "") ?? 4)
private let benchNamespace = "bench"
private let objectsPerApp = 10

/// Breaks the controller -> managed objects -> controller cycle (the caches call back into it).
private final class ControllerBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: ApplicationController?
    var controller: ApplicationController? {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
}

/// When each Git fetch of the controller finished.
private final class FetchLog: @unchecked Sendable {
    private let lock = NSLock()
    private var ends: [(at: ContinuousClock.Instant, failed: Bool)] = []
    func add(_ failed: Bool) { lock.withLock { ends.append((ContinuousClock.now, failed)) } }
    /// The first successful fetch that finished after `instant`.
    func firstSuccess(after instant: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        lock.withLock { ends.first { $0.at > instant && !$0.failed }?.at }
    }
}

private func appName(_ i: Int) -> String { String(format: "app-%04d", i) }

/// The ten manifests of Application `i`: nine ConfigMaps and a Deployment.
private func appFiles(_ i: Int, value: String) -> [String: String] {
    let app = appName(i)
    var files: [String: String] = [:]
    for j in 0..<(objectsPerApp - 1) {
        files["cm-\(j).yaml"] = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: \(app)-cm-\(j)
            data:
              app: \(app)
              index: "\(j)"
              value: "\(j == 0 ? value : "v1")"

            """
    }
    files["deployment.yaml"] = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: \(app)-web
        spec:
          replicas: 1
          selector:
            matchLabels: {app: \(app)}
          template:
            metadata:
              labels: {app: \(app)}
            spec:
              containers:
              - name: web
                image: nginx:1.27
                ports:
                - containerPort: 80

        """
    return files
}

private func application(_ i: Int, url: String) -> Value {
    [
        "apiVersion": "plumb.dev/v1alpha1", "kind": "Application",
        "metadata": ["name": .string(appName(i)), "namespace": .string(benchNamespace)],
        "spec": [
            "source": ["repoURL": .string(url), "path": .string("apps/\(appName(i))")],
            "destination": ["namespace": .string(benchNamespace)],
            "interval": .string("\(intervalSeconds)s"),
            "syncPolicy": ["automated": true, "prune": false, "selfHeal": true],
        ],
    ]
}

/// A free TCP port on 127.0.0.1 (bound to port 0, then released).
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw BenchmarkError("socket failed") }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
    }
    guard ok else { throw BenchmarkError("bind failed") }
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// CPU seconds (user + system) of the whole process so far.
private func processCPU() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}

/// CPU seconds of the live threads whose name starts with `prefix` (from /proc/self/task).
private func threadCPU(prefix: String) -> Double {
    let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
    var total = 0.0
    for tid in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? [] {
        guard let stat = try? String(contentsOfFile: "/proc/self/task/\(tid)/stat", encoding: .utf8),
            let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")")
        else { continue }
        guard stat[stat.index(after: open)..<close].hasPrefix(prefix) else { continue }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the name: state is field 3, utime 14 and stime 15 (1-based over the whole line).
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { continue }
        total += (user + system) / ticks
    }
    return total
}

private func ms(_ d: Duration) -> String { String(format: "%.0f", seconds(d) * 1000) }

private func medianOf(_ values: [Duration]) -> Duration { values.sorted()[values.count / 2] }

func runControllerBenchmark() async throws {
    let appCount = max(4, Int((1_000 * scale).rounded()))
    let interval = Duration.seconds(intervalSeconds)
    let work = NSTemporaryDirectory() + "plumb-controller-bench-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: work) }

    // The repository: apps/app-NNNN/ with ten manifests each, one commit, served by git-daemon.
    let repo = work + "/repo"
    for i in 0..<appCount {
        let dir = "\(repo)/apps/\(appName(i))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (file, text) in appFiles(i, value: "v1") { try text.write(toFile: "\(dir)/\(file)", atomically: false, encoding: .utf8) }
    }
    let identity = ["-c", "user.name=bench", "-c", "user.email=bench@example.com"]
    try git(["init", "-q", "-b", "main", repo], in: work)
    try git(["add", "-A"], in: repo)
    try git(identity + ["commit", "-q", "-m", "\(appCount) applications"], in: repo)
    let served = work + "/served"
    try FileManager.default.createDirectory(atPath: served, withIntermediateDirectories: true)
    try git(["clone", "-q", "--bare", repo, served + "/repo.git"], in: work)
    let port = try freePort()
    let daemon = Process()
    daemon.executableURL = URL(fileURLWithPath: "/usr/lib/git-core/git-daemon")
    daemon.arguments = ["--export-all", "--base-path=\(served)", "--reuseaddr", "--listen=127.0.0.1", "--port=\(port)", served]
    daemon.standardOutput = FileHandle.nullDevice
    daemon.standardError = FileHandle.nullDevice
    try daemon.run()
    defer {
        // git-daemon takes 2 s to act on SIGTERM; nothing of it is needed any more.
        kill(daemon.processIdentifier, SIGKILL)
        daemon.waitUntilExit()
    }
    let url = "git://127.0.0.1:\(port)/repo.git"
    var listening = false
    for _ in 0..<100 where !listening {
        listening = try runQuietly("git", ["ls-remote", url]) == 0
        if !listening { try await Task.sleep(for: .milliseconds(50)) }
    }
    guard listening else { throw BenchmarkError("git-daemon does not answer on \(url)") }
    /// Commits new text for Application `i`'s first ConfigMap and pushes it; returns the SHA.
    func commit(app i: Int, value: String) throws -> String {
        let dir = "\(repo)/apps/\(appName(i))"
        try appFiles(i, value: value)["cm-0.yaml"]!.write(toFile: dir + "/cm-0.yaml", atomically: false, encoding: .utf8)
        try git(identity + ["commit", "-q", "-a", "-m", "\(appName(i)): \(value)"], in: repo)
        try git(["push", "-q", served + "/repo.git", "main"], in: repo)
        let head = Pipe()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["git", "rev-parse", "HEAD"]
        p.currentDirectoryURL = URL(fileURLWithPath: repo)
        p.standardOutput = head
        try p.run()
        let sha = String(decoding: head.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        p.waitUntilExit()
        return sha
    }

    // The cluster, the CRD, the namespace and the Applications, all through the benchmark's own
    // client (`bench`); the controller has a client of its own whose every request is counted.
    let cluster = LocalCluster(options: .init(simulateWorkloads: true))
    try await cluster.start()
    let kubeconfig = work + "/kubeconfig"
    try await cluster.writeKubeconfig(to: kubeconfig)
    let config = try ClientConfig.load(flags: KubeconfigFlags(kubeconfig: kubeconfig))
    var benchOptions = KubeClientOptions()
    benchOptions.fieldManager = "bench"
    benchOptions.qps = 10_000
    benchOptions.burst = 10_000
    let bench = try KubeClient(config: config, options: benchOptions)
    var editOptions = KubeClientOptions()
    editOptions.fieldManager = "kubectl-edit"
    let editor = try KubeClient(config: config, options: editOptions)
    try await bench.applyDiscardingResult(InstallManifests.applicationCRD)
    try await bench.applyDiscardingResult(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(benchNamespace)]])
    var established = false
    for _ in 0..<100 where !established {
        established = (try? await bench.list(apiVersion: Application.apiVersion, kind: Application.kind, namespace: benchNamespace)) != nil
        if !established { try await Task.sleep(for: .milliseconds(50)) }
    }
    guard established else { throw BenchmarkError("the Application CRD is not served") }
    try await withThrowingTaskGroup(of: Void.self) { group in
        for lane in 0..<16 {
            group.addTask {
                for i in stride(from: lane, to: appCount, by: 16) { try await bench.applyDiscardingResult(application(i, url: url)) }
            }
        }
        try await group.waitForAll()
    }

    // The controller, as `plumb controller` builds it (no metrics, no probes, logs discarded).
    let counter = CountingTransport(try CurlTransport(options: config.transport))
    let client = KubeClient(transport: counter, credentials: config.credentialProvider(), defaultNamespace: config.namespace)
    let audit = try SQLiteAuditStore(path: work + "/audit.db")
    let box = ControllerBox()
    let gitSources = GitSources(cacheDirectory: work + "/cache")
    let fetchLog = FetchLog()
    await gitSources.setOnFetch { _, _, failed in fetchLog.add(failed) }
    let objects = ManagedObjects(client: client) { box.controller?.managedObjectChanged($0) }
    let settings = Reconciler.Settings(
        git: GitSourceOptions(cacheDirectory: work + "/cache", environment: [:]), scratchDirectory: work + "/scratch",
        targetName: "kube:bench")
    let reconciler = Reconciler(client: client, git: gitSources, objects: objects, audit: audit, settings: settings)
    let quiet = Logger(label: "plumb.controller.bench") { _ in SwiftLogNoOpLogHandler() }
    let controller = ApplicationController(client: client, reconciler: reconciler, concurrency: concurrency, logger: quiet)
    box.controller = controller
    print("controller  \(appCount) Applications × \(objectsPerApp) objects (9 ConfigMaps + 1 Deployment, simulated ready after 300 ms) = \(appCount * objectsPerApp) objects on one git:// repository; interval \(intervalSeconds)s, --concurrency \(concurrency), selfHeal, no prune, no wait")

    // 1. From the controller's start to every Application Synced and Healthy.
    let started = ContinuousClock.now
    let cpuAtStart = processCPU()
    let run = Task { try await controller.run() }
    func statuses() async throws -> [String: ApplicationStatus] {
        var out: [String: ApplicationStatus] = [:]
        for item in try await bench.list(apiVersion: Application.apiVersion, kind: Application.kind, namespace: benchNamespace).items {
            if let app = Application(item) { out[app.key.name] = app.status }
        }
        return out
    }
    let startBound = Duration.seconds(max(120, appCount))
    var ready = 0
    while ContinuousClock.now - started < startBound {
        ready = try await statuses().values.filter { $0.syncStatus == .synced && $0.health == .healthy }.count
        if ready == appCount { break }
        try await Task.sleep(for: .milliseconds(250))
    }
    let startTime = ContinuousClock.now - started
    guard ready == appCount else {
        controller.shutDown()
        _ = try? await run.value
        await cluster.stop()
        throw BenchmarkError("only \(ready) of \(appCount) Applications Synced+Healthy after \(ms(startBound)) ms")
    }
    let startCPU = processCPU() - cpuAtStart
    let (lists, watches) = await objects.requests()
    print(String(
        format: "controller  start to all %d Applications Synced+Healthy: %.1fs (%d reconciles, %d API requests by the controller, %d kinds watched with %d lists; %.1f CPU-s of the process, cluster included); target: none set (Argo CD, Flux: minutes at this size)",
        appCount, seconds(startTime), controller.reconciles, counter.requests, objects.count, lists, startCPU))
    _ = watches

    // 2. Steady state, no drift: settle two intervals, then count over five.
    try await Task.sleep(for: interval * 2)
    let rounds = 5
    let fetchesBefore = await gitSources.fetches[url] ?? 0
    let reconcilesBefore = controller.reconciles
    let requestsBefore = counter.requests
    let cpuBefore = processCPU()
    let nioBefore = threadCPU(prefix: "NIO-ELT")
    let windowStart = ContinuousClock.now
    try await Task.sleep(for: interval * rounds)
    let window = seconds(ContinuousClock.now - windowStart)
    let cpu = processCPU() - cpuBefore
    let nio = threadCPU(prefix: "NIO-ELT") - nioBefore
    let sent = counter.requests(from: requestsBefore)
    let fetches = (await gitSources.fetches[url] ?? 0) - fetchesBefore
    let reconciles = controller.reconciles - reconcilesBefore
    let streams = sent.filter { $0.hasSuffix("(stream)") }
    let plain = sent.filter { !$0.hasSuffix("(stream)") }
    var byKind: [String: Int] = [:]
    for request in plain {
        // `PATCH /apis/plumb.dev/v1alpha1/namespaces/bench/applications` without the name and query.
        let parts = request.split(separator: "?")[0].split(separator: "/")
        byKind[parts.dropLast().joined(separator: "/"), default: 0] += 1
    }
    let kinds = byKind.sorted { $0.value > $1.value }.prefix(4).map { "\($0.value)× \($0.key)/…" }.joined(separator: ", ")
    let perInterval = Double(rounds)
    print(String(
        format: "controller  steady state, no drift, %d intervals of %ds (%.1fs): %d reconciles (%.0f per interval); %d watch streams held open (Applications and %d managed kinds); per interval %.1f API requests (%.1f watch streams opened anew, %.1f other%@) and %.1f Git fetches; target: the watch streams and 1 fetch, 0 per-object requests",
        rounds, intervalSeconds, window, reconciles, Double(reconciles) / perInterval, objects.count + 1, objects.count, Double(sent.count) / perInterval,
        Double(streams.count) / perInterval, Double(plain.count) / perInterval, plain.isEmpty ? "" : ": \(kinds)", Double(fetches) / perInterval))
    // At the default 3m interval the same round of reconciles runs once per 180 s.
    let perRound = reconciles > 0 ? cpu / Double(reconciles) * Double(appCount) : 0
    print(String(
        format: "controller  steady state CPU: %.2f CPU-s per %ds interval = %.1f%% of one core (whole process, the local cluster included; its NIO event-loop threads used %.2f CPU-s per interval, the rest %.2f); one round of %d no-drift reconciles %.2f CPU-s = %.2f%% of one core at the default 3m interval; target: under 1%% of one core",
        cpu / perInterval, intervalSeconds, cpu / window * 100, nio / perInterval, (cpu - nio) / perInterval, appCount, perRound, perRound / 180 * 100))
    print(String(
        format: "controller  resident memory: %.0f MiB now, peak %.0f MiB since the process started (the local cluster and its %d objects, watch caches, Git clone, audit database all in this process); target: under 256 MiB",
        Double(residentMemory()) / 1_048_576, Double(peakResidentMemory()) / 1_048_576, appCount * objectsPerApp))

    // 3 and 4 run twice: first at the 5 s interval, where every Application is due every 5 s and
    // the work queue is never empty (so an event waits behind the due Applications), then after
    // every Application is switched to the default interval (3m), where the queue is idle between
    // rounds, as it is in a cluster run with the defaults.
    func measureDrift(_ label: String, samples: Int, offset: Int) async throws {
        var drifts: [Duration] = []
        for sample in 0..<samples {
            let i = (appCount / samples * sample + offset) % appCount
            let ref = ObjectRef(apiVersion: "v1", kind: "ConfigMap", namespace: benchNamespace, name: "\(appName(i))-cm-1")
            let edited = ContinuousClock.now
            _ = try await editor.patch(ref, .merge(["data": ["value": "edited"]]))
            var reverted = false
            while !reverted && ContinuousClock.now - edited < .seconds(60) {
                reverted = try await bench.get(ref)[path: ["data", "value"]]?.stringValue == "v1"
                if !reverted { try await Task.sleep(for: .milliseconds(5)) }
            }
            guard reverted else { throw BenchmarkError("\(ref): the edit was not reverted within 60 s") }
            drifts.append(ContinuousClock.now - edited)
            try await Task.sleep(for: .milliseconds(500))
        }
        print("controller  drift (\(label)): merge patch by field manager kubectl-edit to the revert visible to a GET (5 ms polling), \(samples) objects: median \(ms(medianOf(drifts))) ms, max \(ms(drifts.max()!)) ms (\(drifts.map(ms).joined(separator: ", ")) ms); target: under 300 ms")
    }
    func waitSynced(_ i: Int, sha: String, value: String) async throws -> (applied: ContinuousClock.Instant, status: ContinuousClock.Instant) {
        let cm = ObjectRef(apiVersion: "v1", kind: "ConfigMap", namespace: benchNamespace, name: "\(appName(i))-cm-0")
        let app = ObjectRef(apiVersion: Application.apiVersion, kind: Application.kind, namespace: benchNamespace, name: appName(i))
        var applied: ContinuousClock.Instant?
        let begin = ContinuousClock.now
        while ContinuousClock.now - begin < interval * 4 + .seconds(60) {
            if applied == nil, try await bench.get(cm)[path: ["data", "value"]]?.stringValue == value { applied = .now }
            if let applied, let status = Application(try await bench.get(app))?.status, status.lastSyncedRevision == sha {
                return (applied, .now)
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw BenchmarkError("\(appName(i)): commit \(sha) not synced")
    }
    /// A commit to one Application, then `plumb app sync` (a new `plumb.dev/reconcile-at`):
    /// its reconcile fetches at once. Timed from the end of that fetch (GitSources' callback) to
    /// the changed ConfigMap visible to a GET and to the Application's status naming the commit.
    func measureCommit(_ label: String, samples: Int, offset: Int) async throws {
        struct Sample { var trigger: Duration; var fetchToApplied: Duration; var fetchToStatus: Duration; var triggerToStatus: Duration }
        var taken: [Sample] = []
        for sample in 0..<samples {
            let i = (appCount / samples * sample + offset) % appCount
            let value = "requested-\(offset)-\(sample)"
            let sha = try commit(app: i, value: value)
            let trigger = ContinuousClock.now
            let ref = ObjectRef(apiVersion: Application.apiVersion, kind: Application.kind, namespace: benchNamespace, name: appName(i))
            _ = try await bench.patch(ref, .merge(["metadata": ["annotations": [Application.reconcileAtAnnotation: .string("bench-\(UUID().uuidString)")]]]))
            let (applied, status) = try await waitSynced(i, sha: sha, value: value)
            guard let fetched = fetchLog.firstSuccess(after: trigger) else { throw BenchmarkError("no fetch after the trigger") }
            taken.append(Sample(trigger: fetched - trigger, fetchToApplied: applied - fetched, fetchToStatus: status - fetched, triggerToStatus: status - trigger))
            try await Task.sleep(for: .seconds(1))
        }
        print("controller  new commit, one Application (\(label)), plumb.dev/reconcile-at set after the push, median of \(samples): its fetch finished \(ms(medianOf(taken.map(\.trigger)))) ms after the annotation; from the fetch to its objects applied \(ms(medianOf(taken.map(\.fetchToApplied)))) ms, to its status Synced at the commit \(ms(medianOf(taken.map(\.fetchToStatus)))) ms (samples \(taken.map { ms($0.fetchToStatus) }.joined(separator: ", ")) ms); annotation to status \(ms(medianOf(taken.map(\.triggerToStatus)))) ms; target: fetch to sync finished under 200 ms")
    }

    let saturated = "\(intervalSeconds)s interval, queue never empty"
    try await measureDrift(saturated, samples: 3, offset: appCount / 10)
    try await measureCommit(saturated, samples: 2, offset: appCount / 7)
    var polled: [(push: Duration, fetch: Duration)] = []
    for sample in 0..<2 {
        let i = (appCount / 2 * sample + appCount / 5) % appCount
        let value = "interval-\(sample)"
        let sha = try commit(app: i, value: value)
        let pushed = ContinuousClock.now
        let (_, status) = try await waitSynced(i, sha: sha, value: value)
        guard let fetched = fetchLog.firstSuccess(after: pushed) else { throw BenchmarkError("no fetch after the push") }
        polled.append((status - pushed, status - fetched))
    }
    print("controller  new commit, one Application (\(saturated)), no trigger, 2 samples: push to status Synced \(polled.map { ms($0.push) }.joined(separator: ", ")) ms, of which from the fetch \(polled.map { ms($0.fetch) }.joined(separator: ", ")) ms (the fetch is made by whichever Application reconciles first once the last fetch is an interval old; the changed one comes in its own turn); bound: two intervals (\(intervalSeconds * 2)s) when the queue keeps up")

    // The default interval: every Application's spec.interval set to 3m (a new generation, so
    // one more round of reconciles), then the queue is idle until the next round.
    try await withThrowingTaskGroup(of: Void.self) { group in
        for lane in 0..<16 {
            group.addTask {
                for i in stride(from: lane, to: appCount, by: 16) {
                    let ref = ObjectRef(apiVersion: Application.apiVersion, kind: Application.kind, namespace: benchNamespace, name: appName(i))
                    _ = try await bench.patch(ref, .merge(["spec": ["interval": "3m"]]))
                }
            }
        }
        try await group.waitForAll()
    }
    let switched = ContinuousClock.now
    var observed = false
    while !observed && ContinuousClock.now - switched < .seconds(max(120, appCount / 4)) {
        try await Task.sleep(for: .milliseconds(500))
        let items = try await bench.list(apiVersion: Application.apiVersion, kind: Application.kind, namespace: benchNamespace).items
        observed = items.compactMap(Application.init).allSatisfy { $0.status.observedGeneration == $0.generation }
    }
    guard observed else { throw BenchmarkError("the 3m interval was not observed by every Application") }
    let roundTime = ContinuousClock.now - switched
    var last = controller.reconciles
    repeat {
        last = controller.reconciles
        try await Task.sleep(for: .seconds(2))
    } while controller.reconciles != last
    let idleRequests = counter.requests
    let idleCPUStart = processCPU()
    let idleStart = ContinuousClock.now
    try await Task.sleep(for: .seconds(10))
    let idleSeconds = seconds(ContinuousClock.now - idleStart)
    let idleCPU = (processCPU() - idleCPUStart) / idleSeconds
    let estimate = (perRound + idleCPU * 180) / 180
    print(String(
        format: "controller  default 3m interval: all %d Applications had reconciled the change %.1fs after it; between rounds %.3f CPU-s per second (%.2f%% of one core) and %d API requests in %.0fs; so at 3m about %.2f CPU-s per interval = %.1f%% of one core (one no-drift round %.2f CPU-s + idle); target: under 1%% of one core",
        appCount, seconds(roundTime), idleCPU, idleCPU * 100, counter.requests - idleRequests, idleSeconds,
        estimate * 180, estimate * 100, perRound))
    let idle = "default 3m interval, queue idle"
    try await measureDrift(idle, samples: 5, offset: appCount / 10 + 1)
    try await measureCommit(idle, samples: 3, offset: appCount / 7 + 1)
    print(String(format: "controller  peak resident memory of the whole run: %.0f MiB; target: under 256 MiB", Double(peakResidentMemory()) / 1_048_576))

    controller.shutDown()
    _ = try? await run.value
    box.controller = nil
    await cluster.stop()
}
