// `Benchmarks yaml`: Plumb's YAML parser against PyYAML's libyaml loader and a bare libyaml
// event loop, all on the same generated corpus in one run.
import CYAML
import Foundation
import PlumbCore
import PlumbYAML

private let objectCount = 10_000
private let perFile = 500
private let runs = 11
private let pythonRuns = 3

func runYAMLBenchmark() throws {
    let files = KubernetesCorpus.files(count: objectCount, perFile: perFile)
    let totalBytes = files.reduce(0) { $0 + $1.count }
    let megabytes = Double(totalBytes) / 1_000_000
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plumb-yaml-bench-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    var paths: [String] = []
    for (i, bytes) in files.enumerated() {
        let url = dir.appendingPathComponent(String(format: "objects-%03d.yaml", i))
        try Data(bytes).write(to: url)
        paths.append(url.path)
    }
    // Read back from disk so every contender parses the same bytes.
    let inputs = try paths.map { [UInt8](try Data(contentsOf: URL(fileURLWithPath: $0))) }
    print("yaml: \(objectCount) objects in \(files.count) files, \(String(format: "%.1f", megabytes)) MB (\(dir.path))")

    // Plumb and the bare loop alternate, so that both see the same machine load. Each file's
    // Values are released after its timed parse, and that release is timed on its own (PyYAML's
    // documents likewise), so "parse" means producing the values.
    var plumb = Double.infinity
    var plumbRelease = Double.infinity
    var bare = Double.infinity
    var events = 0
    for _ in 0..<runs {
        var documents = 0
        var parse = 0.0
        var release = 0.0
        for (i, input) in inputs.enumerated() {
            var parsed: [YAMLDocument]?
            parse += try seconds { parsed = try YAML.parseDocuments(input, file: paths[i]) }
            documents += parsed?.count ?? 0
            release += seconds { parsed = nil }
        }
        plumb = min(plumb, parse)
        plumbRelease = min(plumbRelease, release)
        guard documents == objectCount else {
            throw BenchmarkError("Plumb parsed \(documents) documents, expected \(objectCount)")
        }
        events = 0
        bare = min(bare, try seconds {
            for input in inputs { events += try bareEventLoop(input) }
        })
    }
    let python = try pyYAML(paths: paths)

    func line(_ name: String, _ seconds: Double) -> String {
        let padded = name.count < 40 ? name + String(repeating: " ", count: 40 - name.count) : name
        return "  " + padded + String(format: "%8.3f s  %7.1f MB/s", seconds, megabytes / seconds)
    }
    print("  (CPU time of the parsing thread, best of \(runs) runs; PyYAML best of \(pythonRuns))")
    print(line("Plumb YAML.parseDocuments", plumb))
    print(line("PyYAML load_all CSafeLoader", python.seconds))
    print(line("libyaml bare event loop (\(events) ev)", bare))
    print(String(format: "  releasing the Values afterwards: Plumb %.3f s, PyYAML %.3f s", plumbRelease, python.release))
    print(String(format: "  Plumb/PyYAML %.2fx (target >= 5)   Plumb/bare %.2f (target >= 0.70)", python.seconds / plumb, bare / plumb))
    print(String(format: "  with the release counted: Plumb/PyYAML %.2fx   Plumb/bare %.2f",
                 (python.seconds + python.release) / (plumb + plumbRelease), bare / (plumb + plumbRelease)))
    try runColdRender(files: files, megabytes: megabytes, objectCount: objectCount, parseSeconds: plumb)
}

struct BenchmarkError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The CPU time `body` takes on this thread, in seconds. CPU time rather than wall time, so
/// that other work on a shared machine does not count against whichever contender it hits.
func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = threadCPUTime()
    try body()
    return threadCPUTime() - start
}

private func threadCPUTime() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

/// libyaml alone: parse every event and drop it, building nothing.
private func bareEventLoop(_ input: [UInt8]) throws -> Int {
    let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
    let event = UnsafeMutablePointer<yaml_event_t>.allocate(capacity: 1)
    defer {
        parser.deallocate()
        event.deallocate()
    }
    guard yaml_parser_initialize(parser) == 1 else { throw BenchmarkError("yaml_parser_initialize failed") }
    defer { yaml_parser_delete(parser) }
    return try input.withUnsafeBufferPointer { buffer in
        yaml_parser_set_input_string(parser, buffer.baseAddress, buffer.count)
        var count = 0
        while true {
            guard yaml_parser_parse(parser, event) == 1 else { throw BenchmarkError("libyaml failed") }
            count += 1
            let done = event.pointee.type == YAML_STREAM_END_EVENT
            yaml_event_delete(event)
            if done { return count }
        }
    }
}

/// PyYAML with libyaml (`CSafeLoader`), timing only the parse inside Python.
private func pyYAML(paths: [String]) throws -> (seconds: Double, release: Double) {
    let script = """
        import sys, time, yaml
        assert yaml.__with_libyaml__, "PyYAML is not built with libyaml"
        runs = int(sys.argv[1])
        datas = [open(p, "rb").read() for p in sys.argv[2:]]
        best = best_release = float("inf")
        for _ in range(runs):
            parse = release = 0.0
            n = 0
            for d in datas:
                start = time.thread_time()
                docs = list(yaml.load_all(d, Loader=yaml.CSafeLoader))
                parsed = time.thread_time()
                n += len(docs)
                del docs
                release += time.thread_time() - parsed
                parse += parsed - start
            best = min(best, parse)
            best_release = min(best_release, release)
        print(best, best_release, n)
        """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script, String(pythonRuns)] + paths
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let text = String(decoding: output, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" })
    guard process.terminationStatus == 0, text.count == 3, let seconds = Double(text[0]),
        let release = Double(text[1]), let n = Int(text[2])
    else { throw BenchmarkError("python3/PyYAML failed (status \(process.terminationStatus))") }
    guard n == objectCount else { throw BenchmarkError("PyYAML parsed \(n) documents, expected \(objectCount)") }
    return (seconds, release)
}
