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

extension KubectlPeerTests {
    /// Quoting and block choices for awkward strings match kubectl's; the few places where
    /// Plumb deliberately differs (escapes for U+0085, U+2028 and U+FEFF, no indentation
    /// indicator after a leading newline, "\n" double-quoted) are left out.
    func testWriterQuotesLikeKubectl() throws {
        guard (try? kubectl(["version", "--client"]))?.status == 0 else {
            throw XCTSkip("kubectl is not installed")
        }
        let strings = [
            "", " ", "yes", "No", "on", "y", "~", "null", "1", "-1", "+1", "0x1F", "0o17", "0777", "0b101",
            "1_000", "1.10", "1e3", ".5", ".inf", "1.", "2001-12-14", "2001-12-14T21:59:43Z", "12:30",
            "190:20:30", "<<", "-", "--", "---", "...", "- x", "? x", ":x", "-x", "?x", "a: b", "a #b", "a#b",
            "#c", "&a", "*a", "!t", "|", ">", "'q'", "\"dq\"", "%p", "@x", "`x", "[x]", "{x}", ",x", "x,",
            " lead", "trail ", "end:", "tab\there", "\t", "a\r\nb", "é", "日本語", "multi\nline",
            "multi\nline\n", "keep\n\n\n", "  indented\nfirst", "a\n  \nb", "trailing spaces  \nx",
            "line\n# not a comment\n", "back\\slash", "quote\"d", "nul\u{0}x", "a: ", "x:y", "?", "a,b", "a]",
        ]
        var data = ValueObject()
        for (i, s) in strings.enumerated() { data[String(format: "k%03d", i)] = .string(s) }
        var keys = ValueObject()
        // "<<" is left out: kubectl writes that key plain, which reads back as a merge key.
        for (i, s) in strings.enumerated() where !s.isEmpty && !s.contains("\n") && s != "<<" {
            keys[s] = .int(Int64(i))
        }
        let object: Value = [
            "apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "quotes"],
            "data": .object(data), "keys": .object(keys),
        ]
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plumb-kubectl-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("quotes.json").path
        try Data(try JSONWriter().bytes(object)).write(to: URL(fileURLWithPath: path))
        let result = try kubectl(["patch", "-f", path, "--local", "--type", "merge", "-p", "{}", "-o", "yaml"])
        XCTAssertEqual(result.status, 0, result.output)
        let ours = YAMLWriter(sortKeys: true).string(object)
        let theirLines = result.output.split(separator: "\n", omittingEmptySubsequences: false)
        let ourLines = ours.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(ourLines.count, theirLines.count)
        // The `keys:` map comes last; its order is go-yaml's sort, which is not transitive for
        // keys like "0777", "0b101" and "1", so only its lines are compared there, not their order.
        let split = ourLines.firstIndex(of: "keys:") ?? ourLines.count
        for (a, b) in zip(ourLines[..<split], theirLines[..<split]) where a != b {
            XCTFail("Plumb: \(a)\nkubectl: \(b)")
        }
        XCTAssertEqual(Set(ourLines[split...]), Set(theirLines[min(split, theirLines.count)...]))
    }

    /// Map keys come out in kubectl's order: digits by value, non-letters before letters.
    func testSortedKeysInKubectlOrder() throws {
        guard (try? kubectl(["version", "--client"]))?.status == 0 else {
            throw XCTSkip("kubectl is not installed")
        }
        let keys = [
            "b", "a", "B", "a-b", "ab", "a_b", "a.b", "k9", "k10", "k1", "app.kubernetes.io/name", "app",
            "app.kubernetes.io/part-of", "x1y", "x01y", "Z", "_x", "é", "z9z", "z10a", "v1beta1", "v1", "v2",
        ]
        var labels = ValueObject()
        for k in keys { labels[k] = "x" }
        let object: Value = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "order"], "data": .object(labels)]
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plumb-kubectl-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("order.json").path
        try Data(try JSONWriter().bytes(object)).write(to: URL(fileURLWithPath: path))
        let result = try kubectl(["patch", "-f", path, "--local", "--type", "merge", "-p", "{}", "-o", "yaml"])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertEqual(YAMLWriter(sortKeys: true).string(object), result.output)
    }
}
