// Part of `Benchmarks yaml`: a cold `render` of the same corpus from a Git commit — open the
// repository, resolve HEAD, read every blob from the object database, parse and check them.
import Foundation
import PlumbGit
import PlumbManifests

private let renderRuns = 5

/// Commits `files` into a new repository and times loading them back as a desired set.
func runColdRender(files: [[UInt8]], megabytes: Double, objectCount: Int, parseSeconds: Double) throws {
    let repo = FileManager.default.temporaryDirectory.appendingPathComponent("plumb-render-bench-\(getpid())")
    try FileManager.default.createDirectory(at: repo.appendingPathComponent("apps"), withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: repo) }
    for (i, bytes) in files.enumerated() {
        try Data(bytes).write(to: repo.appendingPathComponent(String(format: "apps/objects-%03d.yaml", i)))
    }
    try git(["init", "-q", "-b", "main"], in: repo.path)
    try git(["add", "-A"], in: repo.path)
    try git(["-c", "user.name=bench", "-c", "user.email=bench@plumb", "commit", "-q", "-m", "corpus"], in: repo.path)

    var best = Double.infinity
    for _ in 0..<renderRuns {
        let start = DispatchTime.now().uptimeNanoseconds
        // A new repository handle each run: nothing is cached in Plumb between runs.
        let repository = try GitSource.open(url: repo.path)
        let commit = try repository.resolve("HEAD")
        let snapshot = try repository.snapshot(at: commit.id)
        let desired = try ManifestLoader(options: ManifestOptions(path: "apps")).load(from: GitSnapshotReader(snapshot))
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        guard desired.count == objectCount else {
            throw BenchmarkError("render loaded \(desired.count) objects, expected \(objectCount)")
        }
        best = min(best, elapsed)
    }
    print("render: cold load of the corpus from a Git commit (open, resolve HEAD, read blobs, parse, check, sort)")
    print(String(format: "  plumb render (in process, wall time, best of %d)   %8.3f s  %7.1f MB/s", renderRuns, best, megabytes / best))
    print(String(format: "  render/parse-only %.2fx (Git reads, object checks and ordering on top of parsing)", best / parseSeconds))
}
