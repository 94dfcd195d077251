import Foundation
import PlumbTesting
import XCTest

/// A work repository with a small history, and helpers to add commits.
struct Fixture {
    let work: String

    /// Creates `dir` with: manifests/app.yaml, manifests/nested/cm.yaml, run.sh (exec),
    /// link -> manifests/app.yaml, tag v1 (annotated) and light (lightweight).
    static func make(_ dir: String) throws -> Fixture {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try git(["init", "-q"], in: dir)
        try write(dir + "/manifests/app.yaml", "kind: Deployment\n")
        try write(dir + "/manifests/nested/cm.yaml", "kind: ConfigMap\n")
        try write(dir + "/run.sh", "#!/bin/sh\necho hi\n")
        chmod(dir + "/run.sh", 0o755)
        try FileManager.default.createSymbolicLink(atPath: dir + "/link", withDestinationPath: "manifests/app.yaml")
        try git(["add", "-A"], in: dir)
        try git(["commit", "-q", "-m", "First commit\n\nWith a body."], in: dir)
        try git(["tag", "-a", "v1", "-m", "release 1"], in: dir)
        try git(["tag", "light"], in: dir)
        return Fixture(work: dir)
    }

    /// Commits `text` at `path`; returns the new commit SHA.
    @discardableResult
    func commit(_ path: String, _ text: String, message: String = "change") throws -> String {
        try write(work + "/" + path, text)
        try git(["add", "-A"], in: work)
        try git(["commit", "-q", "-m", message], in: work)
        return try git(["rev-parse", "HEAD"], in: work)
    }

    func head() throws -> String { try git(["rev-parse", "HEAD"], in: work) }

    /// A bare clone of the work repository at `path`, to serve.
    func bare(at path: String) throws {
        try git(["clone", "-q", "--bare", work, path], in: (path as NSString).deletingLastPathComponent)
    }
}
