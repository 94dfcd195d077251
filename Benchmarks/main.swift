// Dispatches `swift run -c release Benchmarks <name>`; `all` (the default) runs every benchmark.
import Foundation

let registered: [(name: String, run: () async throws -> Void)] = [
    ("yaml", runYAMLBenchmark),
    ("cluster", runClusterBenchmark),
    ("kube", runKubeBenchmark),
    ("sync", runSyncBenchmark),
    ("realworld", runRealWorldBenchmark),
    ("controller", runControllerBenchmark),
    ("controller-scale", runControllerScaleBenchmark),
    ("kustomize", runKustomizeBenchmark),
    ("ui", runUIBenchmark),
    ("node", runNodeBenchmark),
    ("rollout", runRolloutBenchmark),
]

let wanted = CommandLine.arguments.dropFirst().first ?? "all"
let selected = wanted == "all" ? registered : registered.filter { $0.name == wanted }
if selected.isEmpty {
    let names = (registered.map(\.name) + ["all"]).joined(separator: ", ")
    FileHandle.standardError.write(Data("unknown benchmark \"\(wanted)\"; choose one of: \(names)\n".utf8))
    exit(2)
}
do {
    for benchmark in selected { try await benchmark.run() }
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
