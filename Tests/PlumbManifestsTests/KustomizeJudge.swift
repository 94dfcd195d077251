import Foundation
import PlumbCore
import PlumbGit
import PlumbManifests
import PlumbTesting
import PlumbYAML
import XCTest

/// Renders kustomizations with both `kubectl kustomize` (the judge) and Plumb's native
/// renderer, from the same files committed to a Git repository, and compares the objects.
enum KustomizeJudge {
    static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static var kubectl: String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let path = "\(dir)/kubectl"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// A Git repository holding a copy of `source` (a folder of the Plumb checkout), committed.
    static func repository(copying source: String, into dir: TempDir) throws -> (String, GitSnapshotReader) {
        let work = dir.sub("repo")
        try FileManager.default.copyItem(atPath: source, toPath: work)
        try git(["init", "-q"], in: work)
        try git(["add", "-A"], in: work)
        try git(["commit", "-q", "-m", "fixture"], in: work)
        let repo = try GitRepository.open(path: work)
        return (work, GitSnapshotReader(try repo.snapshot(at: try repo.resolveID("HEAD"))))
    }

    /// Every folder below `root` (relative, "" for root) that holds a kustomization, not a Component.
    static func kustomizationRoots(in root: String) throws -> [String] {
        var out: [String] = []
        let enumerator = FileManager.default.enumerator(atPath: root)
        var paths = [""]
        while let item = enumerator?.nextObject() as? String { paths.append(item) }
        for rel in paths.sorted() {
            let dir = rel.isEmpty ? root : root + "/" + rel
            for name in Kustomize.fileNames {
                let file = dir + "/" + name
                guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
                if !text.contains("kind: Component") { out.append(rel) }
                break
            }
        }
        return out
    }

    /// The judge's objects for the kustomization in `dir`, keyed by apiVersion/kind/namespace/name.
    static func judge(_ dir: String) throws -> [String: Value] {
        guard let kubectl else { throw TestFailure("kubectl is not on PATH") }
        let env = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": NSTemporaryDirectory(),
        ]
        let result = try runTool(kubectl, ["kustomize", dir], env: env)
        let documents = try YAML.parseDocuments(result.stdout, file: "kubectl-kustomize")
        return try keyed(documents.map(\.value))
    }

    static func plumb(_ directory: String, _ snapshot: some SnapshotReader) throws -> ([String: Value], KustomizeOutput)
    {
        let output = try Kustomize.render(directory: directory, snapshot: snapshot, read: { try snapshot.read($0) })
        return (try keyed(output.documents.map(\.0)), output)
    }

    static func key(_ v: Value) -> String {
        let meta = v["metadata"]
        return [
            v["apiVersion"]?.stringValue ?? "", v["kind"]?.stringValue ?? "", meta?["namespace"]?.stringValue ?? "",
            meta?["name"]?.stringValue ?? "",
        ].joined(separator: " ")
    }

    static func keyed(_ values: [Value]) throws -> [String: Value] {
        var out: [String: Value] = [:]
        for v in values {
            let k = key(v)
            if out[k] != nil { throw TestFailure("\(k) appears twice") }
            out[k] = v
        }
        return out
    }

    /// The differences between the judge's and Plumb's objects, one readable block each.
    static func differences(judge: [String: Value], plumb: [String: Value]) -> [String] {
        var out: [String] = []
        let writer = YAMLWriter(sortKeys: true)
        for k in Set(judge.keys).union(plumb.keys).sorted() {
            switch (judge[k], plumb[k]) {
            case (let j?, nil): out.append("only kubectl has \(k):\n\(writer.string(j))")
            case (nil, let p?): out.append("only Plumb has \(k):\n\(writer.string(p))")
            case (let j?, let p?) where j != p:
                out.append("\(k) differs:\n--- kubectl\n\(writer.string(j))--- plumb\n\(writer.string(p))")
            default: break
            }
        }
        return out
    }
}
