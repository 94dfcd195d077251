// `Benchmarks yaml`: Plumb's YAML parser against PyYAML's libyaml loader and a bare libyaml
// event loop, all on the same generated corpus in one run.
import CYAML
import Foundation
import PlumbCore
import PlumbYAML

private let objectCount = 10_000
private let perFile = 500
private let runs = 7
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

    // Plumb and the bare loop alternate, so that both see the same machine load.
    var plumb = Double.infinity
    var bare = Double.infinity
    var events = 0
    for _ in 0..<runs {
        var documents = 0
        plumb = min(plumb, try seconds {
            for (i, input) in inputs.enumerated() {
                documents += try YAML.parseDocuments(input, file: paths[i]).count
            }
        })
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
    print(line("Plumb YAML.parseDocuments", plumb))
    print(line("PyYAML load_all CSafeLoader", python.seconds))
    print(line("libyaml bare event loop (\(events) ev)", bare))
    let vsPython = python.seconds / plumb
    let vsBare = bare / plumb
    print(String(format: "  Plumb/PyYAML %.2fx (target >= 5)   Plumb/bare %.2f (target >= 0.70)", vsPython, vsBare))
}

struct BenchmarkError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// How long `body` takes, in seconds.
private func seconds(_ body: () throws -> Void) throws -> Double {
    let start = ContinuousClock.now
    try body()
    let d = ContinuousClock.now - start
    return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
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
private func pyYAML(paths: [String]) throws -> (seconds: Double, documents: Int) {
    let script = """
        import sys, time, yaml
        assert yaml.__with_libyaml__, "PyYAML is not built with libyaml"
        runs = int(sys.argv[1])
        datas = [open(p, "rb").read() for p in sys.argv[2:]]
        best = float("inf")
        for _ in range(runs):
            start = time.perf_counter()
            n = 0
            for d in datas:
                for doc in yaml.load_all(d, Loader=yaml.CSafeLoader):
                    n += 1
            best = min(best, time.perf_counter() - start)
        print(best, n)
        """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script, String(pythonRuns)] + paths
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let text = String(decoding: output, as: UTF8.self).split(separator: " ")
    guard process.terminationStatus == 0, text.count == 2, let seconds = Double(text[0]),
        let n = Int(text[1].trimmingCharacters(in: .whitespacesAndNewlines))
    else { throw BenchmarkError("python3/PyYAML failed (status \(process.terminationStatus))") }
    guard n == objectCount else { throw BenchmarkError("PyYAML parsed \(n) documents, expected \(objectCount)") }
    return (seconds, n)
}
