import Foundation
import PlumbCore
import PlumbYAML
import XCTest

/// The scalar table checked against the real peer: `kubectl patch --local` decodes a file with
/// kubectl's own YAML path (sigs.k8s.io/yaml) and prints the JSON it made of it.
final class KubectlPeerTests: XCTestCase {
    func kubectl(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["kubectl"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = Pipe()
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Equal as kubectl's JSON sees numbers: an integral double and the same integer agree.
    private func sameAsJSON(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case let (.double(d), .int(i)), let (.int(i), .double(d)): return Double(i) == d
        case let (.array(x), .array(y)): return x.count == y.count && zip(x, y).allSatisfy { sameAsJSON($0, $1) }
        case let (.object(x), .object(y)):
            return x.count == y.count && x.allSatisfy { e in y[e.key].map { sameAsJSON(e.value, $0) } ?? false }
        default: return a == b
        }
    }

    func testScalarTableMatchesKubectl() throws {
        guard (try? kubectl(["version", "--client"]))?.status == 0 else {
            throw XCTSkip("kubectl is not installed")
        }
        var yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: scalars\nextra:\n"
        var rows: [String] = []
        for (i, row) in ScalarTypingTests.table.enumerated() {
            // JSON has no NaN or infinity: kubectl refuses those, so they are not compared here.
            if case .double(let d) = row.expected, !d.isFinite { continue }
            if row.yaml.contains("\n") {
                yaml += "  k\(i): \(row.yaml.replacingOccurrences(of: "\n", with: "\n    "))\n"
            } else {
                yaml += "  k\(i): \(row.yaml)\n"
            }
            rows.append("k\(i)")
        }
        yaml += "  1: int key\n  y: yes key\n  1.5: float key\n  1e6: exp key\n  0x10: hex key\n"
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plumb-kubectl-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("scalars.yaml").path
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: path))

        let result = try kubectl(["patch", "-f", path, "--local", "--type", "merge", "-p", "{}", "-o", "json"])
        XCTAssertEqual(result.status, 0, result.output)
        let theirs = try JSONReader().parse(result.output)
        let ours = try YAML.parseDocuments(yaml, file: path)[0].value
        XCTAssertGreaterThan(rows.count, 100)
        for key in rows + ["1", "true", "1.5", "1e+06", "16"] {
            let a = ours["extra"]?[key] ?? nil
            let b = theirs["extra"]?[key] ?? nil
            XCTAssertTrue(sameAsJSON(a, b), "\(key): Plumb \(a), kubectl \(b)")
        }
        XCTAssertEqual(ours["extra"]?.objectValue?.count, theirs["extra"]?.objectValue?.count)
    }
}

extension KubectlPeerTests {
    /// YAMLWriter with sorted keys prints what `kubectl -o yaml` prints for the same object.
    func testWriterMatchesKubectlOutput() throws {
        guard (try? kubectl(["version", "--client"]))?.status == 0 else {
            throw XCTSkip("kubectl is not installed")
        }
        let yaml = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              labels: {app: web, tier: "1"}
              annotations:
                note: "it's: here"
                multi: |
                  line one
                  line two
                empty: ""
                yes: "yes"
                hash: "a #b"
                lead: " x"
            spec:
              replicas: 3
              selector:
                matchLabels: {app: web}
              template:
                metadata:
                  labels: {app: web}
                spec:
                  containers:
                  - name: web
                    image: nginx:1.25
                    args: ["--port", "80", "-v", "-", "- x", "*a", "x: y"]
                    env:
                    - {name: A, value: "on"}
                    - {name: B, value: "0x1F"}
                    - {name: C, value: "1.10"}
                    - {name: D, value: "2001-12-14"}
                    - {name: E, value: "190:20:30"}
                    - {name: F, value: "null"}
                    - {name: G, value: "~"}
                    - {name: H, value: "-1"}
                    resources: {}
                  tolerations: []

            """
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plumb-kubectl-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("web.yaml").path
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: path))
        let result = try kubectl(["patch", "-f", path, "--local", "--type", "merge", "-p", "{}", "-o", "yaml"])
        XCTAssertEqual(result.status, 0, result.output)
        let ours = YAMLWriter(sortKeys: true).string(try YAML.parseDocuments(yaml, file: path)[0].value)
        XCTAssertEqual(ours, result.output)
    }
}
