// `swift run -c release Benchmarks realworld`: kube-prometheus (fixtures/real-world: 131
// objects, 5.7 MB, ten CRDs and custom resources of them) put into an empty local cluster by
// the `plumb` binary from a Git commit and by kubectl as the project says to apply it, in the
// same run; then both again on the unchanged cluster.
import Foundation
import PlumbLocalCluster

func runRealWorldBenchmark() async throws {
    guard let plumb = plumbBinary() else {
        print("realworld  skipped: no release plumb binary beside this one (swift build -c release --product plumb)")
        return
    }
    let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures/real-world/kube-prometheus").path
    let work = NSTemporaryDirectory() + "plumb-realworld-bench-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: work) }
    let repo = work + "/repo"
    try FileManager.default.createDirectory(atPath: repo + "/apps", withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: fixtures, toPath: repo + "/apps/kube-prometheus")
    try git(["init", "-q", repo], in: work)
    try git(["add", "-A"], in: repo)
    try git(["-c", "user.name=bench", "-c", "user.email=bench@example.com", "commit", "-q", "-m", "kube-prometheus"], in: repo)

    /// A fresh cluster per tool and round, so each starts from the same empty state.
    func freshCluster(_ name: String) async throws -> (LocalCluster, String) {
        let cluster = LocalCluster(options: .init(simulateWorkloads: false))
        try await cluster.start()
        let kubeconfig = "\(work)/\(name).kubeconfig"
        try await cluster.writeKubeconfig(to: kubeconfig)
        return (cluster, kubeconfig)
    }
    func plumbSync(_ kubeconfig: String, audit: String) throws {
        let arguments = ["sync", "--repo", repo, "--path", "apps/kube-prometheus", "--kubeconfig", kubeconfig, "--audit-db", audit]
        guard try runQuietly(plumb, arguments) == 0 else { throw BenchmarkError("plumb \(arguments.joined(separator: " ")) failed") }
    }
    /// As kube-prometheus says: the CRDs and namespace in setup/ first, wait until they are
    /// established, then the rest.
    func kubectlApply(_ kubeconfig: String, home: String) throws {
        let steps: [[String]] = [
            ["apply", "--server-side", "-f", fixtures + "/setup"],
            ["wait", "--for", "condition=Established", "--all", "customresourcedefinitions", "--timeout", "60s"],
            ["apply", "--server-side", "-f", fixtures],
        ]
        for step in steps {
            guard try kubectl(["--kubeconfig", kubeconfig] + step, home: home) == 0 else {
                throw BenchmarkError("kubectl \(step.joined(separator: " ")) failed")
            }
        }
    }

    let rounds = max(1, Int(ProcessInfo.processInfo.environment["PLUMB_BENCH_ROUNDS"] ?? "") ?? 5)
    var first: [(plumb: Double, kubectl: Double)] = []
    var again: [(plumb: Double, kubectl: Double)] = []
    for round in 1...rounds {
        let (a, plumbConfig) = try await freshCluster("plumb-\(round)")
        let audit = "\(work)/audit-\(round).db"
        let (_, plumbFirst) = try await time { try plumbSync(plumbConfig, audit: audit) }
        let (_, plumbAgain) = try await time { try plumbSync(plumbConfig, audit: audit) }
        await a.stop()
        let (b, kubectlConfig) = try await freshCluster("kubectl-\(round)")
        let home = "\(work)/kubectl-home-\(round)"
        let (_, kubectlFirst) = try await time { try kubectlApply(kubectlConfig, home: home) }
        let (_, kubectlAgain) = try await time { try kubectlApply(kubectlConfig, home: home) }
        await b.stop()
        first.append((plumbFirst, kubectlFirst))
        again.append((plumbAgain, kubectlAgain))
        print(String(format: "realworld  round %d: into an empty cluster plumb %.2fs, kubectl %.2fs (%.1fx); unchanged plumb %.2fs, kubectl %.2fs (%.1fx)",
                     round, plumbFirst, kubectlFirst, kubectlFirst / plumbFirst, plumbAgain, kubectlAgain, kubectlAgain / plumbAgain))
    }
    print(String(format: "realworld  kube-prometheus (131 objects, 5.7 MB), median of %d rounds: into an empty cluster plumb sync %.2fs, kubectl apply --server-side (setup, wait, rest) %.2fs, plumb %.1fx faster; unchanged plumb %.2fs, kubectl %.2fs, plumb %.1fx faster",
                 rounds, median(first.map(\.plumb)), median(first.map(\.kubectl)), median(first.map { $0.kubectl / $0.plumb }),
                 median(again.map(\.plumb)), median(again.map(\.kubectl)), median(again.map { $0.kubectl / $0.plumb })))
}
