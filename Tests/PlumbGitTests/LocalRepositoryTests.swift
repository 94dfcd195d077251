import Foundation
import PlumbTesting
import PlumbGit
import XCTest

final class LocalRepositoryTests: XCTestCase {
    var tmp: TempDir!
    var fixture: Fixture!

    override func setUpWithError() throws {
        tmp = try TempDir()
        fixture = try Fixture.make(tmp.sub("work"))
    }

    override func tearDown() { tmp = nil }

    func testOpensWorkTreeSubdirectoryBareAndFileURL() throws {
        let head = try fixture.head()
        let inside = try GitRepository.open(path: fixture.work + "/manifests/nested")
        XCTAssertFalse(inside.isBare)
        XCTAssertEqual(try inside.resolveID("HEAD").hex, head)

        try fixture.bare(at: tmp.sub("bare.git"))
        let bare = try GitRepository.open(path: tmp.sub("bare.git"))
        XCTAssertTrue(bare.isBare)
        XCTAssertEqual(try bare.resolveID("main").hex, head)

        let viaURL = try GitSource.open(url: "file://" + tmp.sub("bare.git"))
        XCTAssertEqual(try viaURL.resolveID("HEAD").hex, head)
        let viaPath = try GitSource.open(url: fixture.work)
        XCTAssertEqual(try viaPath.resolveID("main").hex, head)
    }

    func testOpenMissingPathNamesThePathAndTheCall() throws {
        let missing = tmp.sub("nope")
        XCTAssertThrowsError(try GitRepository.open(path: missing)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("\(missing): git_repository_open_ext failed"), text)
            XCTAssertEqual((error as? GitError)?.kind, .notFound)
        }
    }

    func testResolvesBranchesTagsShasAndHead() throws {
        let first = try fixture.head()
        let second = try fixture.commit("manifests/app.yaml", "kind: Deployment\nreplicas: 2\n")
        try git(["branch", "feature", first], in: fixture.work)
        let repo = try GitRepository.open(path: fixture.work)
        XCTAssertEqual(try repo.resolveID("HEAD").hex, second)
        XCTAssertEqual(try repo.resolveID("main").hex, second)
        XCTAssertEqual(try repo.resolveID("feature").hex, first)
        XCTAssertEqual(try repo.resolveID("refs/heads/feature").hex, first)
        XCTAssertEqual(try repo.resolveID("v1").hex, first, "annotated tag is peeled to its commit")
        XCTAssertEqual(try repo.resolveID("light").hex, first)
        XCTAssertEqual(try repo.resolveID(first).hex, first)
        XCTAssertEqual(try repo.resolveID(String(first.prefix(8))).hex, first)
        XCTAssertEqual(try repo.resolveID(first.uppercased()).hex, first)
        XCTAssertEqual(repo.headBranch(), "main")
        try git(["checkout", "-q", "--detach", first], in: fixture.work)
        XCTAssertNil(try GitRepository.open(path: fixture.work).headBranch(), "a detached HEAD names no branch")
        try git(["checkout", "-q", "feature"], in: fixture.work)
        XCTAssertEqual(try GitRepository.open(path: fixture.work).headBranch(), "feature")
        XCTAssertThrowsError(try repo.resolveID("nope")) { error in
            XCTAssertEqual(
                "\(error)", "revision \"nope\" not found in \(fixture.work) (tried branch, tag)")
            XCTAssertEqual((error as? GitError)?.kind, .notFound)
        }
        XCTAssertThrowsError(try repo.resolveID("deadbeef")) { error in
            XCTAssertEqual(
                "\(error)", "revision \"deadbeef\" not found in \(fixture.work) (tried branch, tag, commit)")
        }
    }

    func testAmbiguousShortShaIsReported() throws {
        // Write enough blobs that two share a 4-digit prefix (birthday bound ~ 300).
        var stream = ""
        for i in 0..<2000 {
            let body = "blob \(i)\n"
            stream += "blob\nmark :\(i + 1)\ndata \(body.utf8.count)\n\(body)\n"
        }
        try git(["fast-import", "--quiet", "--export-marks=\(tmp.sub("marks"))"], in: fixture.work, input: stream)
        let ids = try String(contentsOfFile: tmp.sub("marks"), encoding: .utf8)
            .split(separator: "\n").compactMap { $0.split(separator: " ").last.map(String.init) }
        XCTAssertEqual(ids.count, 2000)
        var seen: [Substring: Int] = [:]
        let prefix = ids.map { $0.prefix(4) }.first { p in
            seen[p, default: 0] += 1
            return seen[p]! > 1
        }
        let ambiguous = try XCTUnwrap(prefix.map(String.init), "no 4-digit collision among 2000 blobs")
        let repo = try GitRepository.open(path: fixture.work)
        XCTAssertThrowsError(try repo.resolveID(ambiguous)) { error in
            XCTAssertEqual((error as? GitError)?.kind, .ambiguous)
            XCTAssertTrue("\(error)".hasPrefix("revision \"\(ambiguous)\" is ambiguous in"), "\(error)")
        }
    }

    func testSnapshotListsAndReadsFilesWithModes() throws {
        let sub = try Fixture.make(tmp.sub("sub"))
        let subHead = try sub.head()
        try git(["update-index", "--add", "--cacheinfo", "160000,\(subHead),vendor/lib"], in: fixture.work)
        try git(["commit", "-q", "-m", "add submodule entry"], in: fixture.work)
        let repo = try GitRepository.open(path: fixture.work)
        let head = try repo.resolve("HEAD")
        let snap = try repo.snapshot(at: head.id)
        XCTAssertEqual(snap.commit, head.id)
        XCTAssertEqual(snap.tree, head.tree)

        let all = try snap.files()
        XCTAssertEqual(
            all.map(\.path),
            ["link", "manifests/app.yaml", "manifests/nested/cm.yaml", "run.sh", "vendor/lib"])
        let byPath = Dictionary(uniqueKeysWithValues: all.map { ($0.path, $0) })
        XCTAssertEqual(byPath["manifests/app.yaml"]?.mode, .file)
        XCTAssertEqual(byPath["manifests/app.yaml"]?.size, 17)
        XCTAssertEqual(byPath["run.sh"]?.mode, .executable)
        XCTAssertEqual(byPath["link"]?.mode, .symlink)
        XCTAssertEqual(byPath["vendor/lib"]?.mode, .submodule)
        XCTAssertEqual(byPath["vendor/lib"]?.id.hex, subHead)
        XCTAssertNil(byPath["vendor/lib"]?.size)
        let blobID = try git(["rev-parse", "HEAD:manifests/app.yaml"], in: fixture.work)
        XCTAssertEqual(byPath["manifests/app.yaml"]?.id.hex, blobID)

        XCTAssertEqual(
            try snap.files(under: "manifests/").map(\.path), ["manifests/app.yaml", "manifests/nested/cm.yaml"])
        XCTAssertEqual(try snap.files(under: "./manifests/nested").map(\.path), ["manifests/nested/cm.yaml"])
        XCTAssertEqual(try snap.files(under: "run.sh").map(\.path), ["run.sh"])
        XCTAssertEqual(String(decoding: try snap.read("manifests/app.yaml"), as: UTF8.self), "kind: Deployment\n")
        XCTAssertEqual(try snap.symlinkTarget("link"), "manifests/app.yaml")
        XCTAssertNil(try snap.entry("missing.yaml"))
        XCTAssertThrowsError(try snap.read("missing.yaml")) { error in
            XCTAssertEqual("\(error)", "\(fixture.work)@\(head.id.short): path \"missing.yaml\" not found")
        }
        XCTAssertThrowsError(try snap.read("vendor/lib")) { error in
            XCTAssertTrue("\(error)".contains("is a submodule"), "\(error)")
        }
        XCTAssertThrowsError(try snap.read("manifests")) { error in
            XCTAssertTrue("\(error)".contains("is a directory"), "\(error)")
        }
        XCTAssertThrowsError(try snap.symlinkTarget("run.sh"))
    }

    func testCommitMetadata() throws {
        let repo = try GitRepository.open(path: fixture.work)
        let first = try repo.resolve("v1")
        let second = try repo.resolve(try fixture.commit("a.txt", "a\n", message: "Second\n\nbody"))
        XCTAssertEqual(first.summary, "First commit")
        XCTAssertEqual(first.message, "First commit\n\nWith a body.\n")
        XCTAssertEqual(first.parents, [])
        XCTAssertEqual(second.parents, [first.id])
        XCTAssertEqual(second.summary, "Second")
        XCTAssertEqual(first.author.name, "Ada Author")
        XCTAssertEqual(first.author.email, "ada@example.com")
        XCTAssertEqual(first.author.utcOffsetMinutes, 120)
        XCTAssertEqual(first.author.date, ISO8601DateFormatter().date(from: "2024-03-01T10:00:00Z"))
        XCTAssertEqual(first.committer.name, "Carl Committer")
        XCTAssertEqual(first.committer.utcOffsetMinutes, -300)
        XCTAssertEqual(first.committer.date, ISO8601DateFormatter().date(from: "2024-03-01T18:00:00Z"))
    }

    func testChangedPathsBetweenCommits() throws {
        let before = try fixture.head()
        try write(fixture.work + "/manifests/app.yaml", "kind: Deployment\nreplicas: 3\n")
        try write(fixture.work + "/new.yaml", "kind: Service\n")
        try FileManager.default.removeItem(atPath: fixture.work + "/run.sh")
        try git(["mv", "manifests/nested/cm.yaml", "manifests/configmap.yaml"], in: fixture.work)
        try git(["add", "-A"], in: fixture.work)
        try git(["commit", "-q", "-m", "mixed"], in: fixture.work)
        let repo = try GitRepository.open(path: fixture.work)
        let changes = try repo.changedPaths(from: try repo.resolveID(before), to: try repo.resolveID("HEAD"))
        XCTAssertEqual(
            changes,
            [
                GitChange(kind: .modified, path: "manifests/app.yaml"),
                GitChange(kind: .renamed, path: "manifests/configmap.yaml", oldPath: "manifests/nested/cm.yaml"),
                GitChange(kind: .added, path: "new.yaml"),
                GitChange(kind: .deleted, path: "run.sh"),
            ])
        XCTAssertEqual(try repo.changedPaths(from: try repo.resolveID("HEAD"), to: try repo.resolveID("HEAD")), [])
    }

    func testSignatureExtraction() throws {
        let repo = try GitRepository.open(path: fixture.work)
        let head = try repo.resolve("HEAD")
        XCTAssertNil(try repo.signature(of: head.id))

        let sig = "-----BEGIN PGP SIGNATURE-----\n\niQEzBAABCAAdFiEE\n=abcd\n-----END PGP SIGNATURE-----"
        let indented = sig.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\n ")
        let header =
            "tree \(head.tree.hex)\nauthor Ada Author <ada@example.com> 1709287200 +0200\n"
            + "committer Carl Committer <carl@example.com> 1709316000 -0500\n"
        let object = header + "gpgsig \(indented)\n\nSigned commit\n"
        let id = try git(["hash-object", "-t", "commit", "-w", "--stdin"], in: fixture.work, input: object)
        let signed = try XCTUnwrap(try repo.signature(of: XCTUnwrap(GitOID(hex: id))))
        XCTAssertEqual(String(decoding: signed.signature, as: UTF8.self), sig)
        XCTAssertEqual(String(decoding: signed.signedData, as: UTF8.self), header + "\nSigned commit\n")

        XCTAssertThrowsError(try repo.signature(of: XCTUnwrap(GitOID(hex: String(repeating: "ab", count: 20)))))
    }
}
