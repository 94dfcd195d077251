import Foundation
import PlumbTesting
import PlumbGit
import XCTest

/// Clones and fetches over `git://` from a real `git daemon` on 127.0.0.1.
final class GitDaemonTests: XCTestCase {
    var tmp: TempDir!
    var fixture: Fixture!
    var daemon: Server?
    var url = ""
    var options = GitSourceOptions()

    override func setUpWithError() throws {
        tmp = try TempDir()
        fixture = try Fixture.make(tmp.sub("work"))
        let root = tmp.sub("served")
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try fixture.bare(at: root + "/repo.git")
        let port = try freePort()
        daemon = try Server(
            "/usr/bin/git",
            [
                "daemon", "--export-all", "--base-path=\(root)", "--reuseaddr", "--listen=127.0.0.1",
                "--port=\(port)", "--enable=receive-pack", root,
            ],
            log: tmp.sub("daemon.log"))
        try waitForPort(port, server: daemon)
        url = "git://127.0.0.1:\(port)/repo.git"
        options = GitSourceOptions(cacheDirectory: tmp.sub("cache"), lockTimeout: .seconds(20))
    }

    override func tearDown() {
        daemon?.stop()
        daemon = nil
        tmp = nil
    }

    /// Pushes the work repository's main branch and tags to the served bare repository.
    func publish() throws {
        try git(["push", "-q", "--tags", tmp.sub("served/repo.git"), "main"], in: fixture.work)
    }

    func cacheDir() throws -> String { try XCTUnwrap(try GitSource.cachePath(for: url, options: options)) }

    func inode(_ path: String) throws -> UInt64 {
        try XCTUnwrap((try FileManager.default.attributesOfItem(atPath: path))[.systemFileNumber] as? UInt64)
    }

    func testClonesIntoBareCacheAndResolves() throws {
        let repo = try GitSource.open(url: url, options: options)
        XCTAssertTrue(repo.isBare)
        XCTAssertEqual(repo.displayName, url)
        let dir = try cacheDir()
        XCTAssertTrue(dir.hasPrefix(tmp.sub("cache") + "/127.0.0.1-repo.git-"), dir)
        let head = try fixture.head()
        XCTAssertEqual(try repo.resolveID("HEAD").hex, head)
        XCTAssertEqual(try repo.resolveID("main").hex, head)
        XCTAssertEqual(try repo.resolveID("origin/main").hex, head)
        XCTAssertEqual(try repo.resolveID("v1").hex, head)
        XCTAssertEqual(repo.headBranch(), "main", "the cache's HEAD is unborn; origin/HEAD names the branch")
        let snap = try repo.snapshot(at: try repo.resolveID("main"))
        XCTAssertEqual(String(decoding: try snap.read("manifests/nested/cm.yaml"), as: UTF8.self), "kind: ConfigMap\n")
        XCTAssertThrowsError(try repo.resolveID("nope")) { error in
            XCTAssertEqual("\(error)", "revision \"nope\" not found in \(url) (tried branch, tag)")
        }
    }

    func testFetchIsIncrementalAndPrunes() throws {
        try git(["branch", "doomed"], in: fixture.work)
        try git(["push", "-q", tmp.sub("served/repo.git"), "doomed"], in: fixture.work)
        let first = try GitSource.open(url: url, options: options)
        XCTAssertNoThrow(try first.resolveID("doomed"))
        let dir = try cacheDir()
        let inodeBefore = try inode(dir)
        try "x".write(toFile: dir + "/marker", atomically: false, encoding: .utf8)
        let objectsBefore = try git(["count-objects", "-v"], in: dir)

        let newHead = try fixture.commit("manifests/app.yaml", "kind: Deployment\nreplicas: 5\n")
        try git(["tag", "v2"], in: fixture.work)
        try publish()
        try git(["push", "-q", tmp.sub("served/repo.git"), ":doomed"], in: fixture.work)

        let second = try GitSource.open(url: url, options: options)
        XCTAssertEqual(try second.resolveID("main").hex, newHead)
        XCTAssertEqual(try second.resolveID("HEAD").hex, newHead)
        XCTAssertEqual(try second.resolveID("v2").hex, newHead)
        XCTAssertThrowsError(try second.resolveID("doomed"), "deleted branch is pruned")
        XCTAssertEqual(try inode(dir), inodeBefore, "cache directory is reused, not re-cloned")
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/marker"), "cache directory is reused")
        let packsBefore = objectsBefore.split(separator: "\n").first { $0.hasPrefix("packs:") }
        let packsAfter = try git(["count-objects", "-v"], in: dir).split(separator: "\n").first {
            $0.hasPrefix("packs:")
        }
        XCTAssertEqual(packsBefore, "packs: 1")
        XCTAssertEqual(packsAfter, "packs: 2", "second fetch adds a small pack next to the first")
        let changes = try second.changedPaths(from: try second.resolveID("v1"), to: try second.resolveID("v2"))
        XCTAssertEqual(changes, [GitChange(kind: .modified, path: "manifests/app.yaml")])
    }

    func testConcurrentUpdatesOfOneCacheBothSucceed() throws {
        let url = self.url
        let options = self.options
        func openConcurrently() -> [Result<String, Error>] {
            let results = ResultBox()
            DispatchQueue.concurrentPerform(iterations: 4) { _ in
                do {
                    let repo = try GitSource.open(url: url, options: options)
                    results.append(.success(try repo.resolveID("main").hex))
                } catch {
                    results.append(.failure(error))
                }
            }
            return results.values
        }
        // First round: all four race to create the cache; second round: all four fetch.
        for round in 0..<2 {
            let expected = round == 0 ? try fixture.head() : try fixture.commit("b.txt", "b\n")
            try publish()
            let all = openConcurrently()
            XCTAssertEqual(all.count, 4)
            for result in all {
                XCTAssertEqual(try result.get(), expected)
            }
            // The cache is still valid: git itself agrees.
            try git(["fsck", "--no-progress"], in: try cacheDir())
        }
        let entries = try FileManager.default.contentsOfDirectory(atPath: tmp.sub("cache"))
        XCTAssertEqual(entries.count, 2, "one cache and its lock file, no leftovers: \(entries)")
    }

    func testLockTimeoutIsAClearError() throws {
        _ = try GitSource.open(url: url, options: options)
        let lockPath = try cacheDir() + ".lock"
        // Hold the lock on a separate open file description: flock excludes it like another process.
        let fd = open(lockPath, O_RDWR)
        XCTAssertGreaterThanOrEqual(fd, 0)
        XCTAssertEqual(flock(fd, LOCK_EX), 0)
        defer { close(fd) }
        var short = options
        short.lockTimeout = .milliseconds(300)
        let started = Date()
        var caught: Error?
        XCTAssertThrowsError(try GitSource.open(url: url, options: short)) { caught = $0 }
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        let error = try XCTUnwrap(caught as? GitError)
        XCTAssertEqual(error.kind, .locked)
        XCTAssertTrue(error.isTransient)
        XCTAssertTrue(error.message.hasPrefix("\(url): cache "), error.message)
        XCTAssertTrue(error.message.contains("locked by another process"), error.message)
    }

    func testCorruptCachesAreDetectedAndRecloned() throws {
        let head = try fixture.head()
        let corruptions: [(String, (String) throws -> Void)] = [
            (
                "garbage HEAD",
                { dir in try "garbage\n".write(toFile: dir + "/HEAD", atomically: false, encoding: .utf8) }
            ),
            (
                "garbage config",
                { dir in try "[[[ not config".write(toFile: dir + "/config", atomically: false, encoding: .utf8) }
            ),
            (
                "other origin URL",
                { dir in try git(["remote", "set-url", "origin", "git://127.0.0.1:1/other.git"], in: dir) }
            ),
            (
                "deleted pack",
                { dir in
                    for pack in try self.files(in: dir + "/objects/pack", suffix: ".pack") {
                        try FileManager.default.removeItem(atPath: pack)
                    }
                }
            ),
            (
                "truncated pack",
                { dir in
                    for pack in try self.files(in: dir + "/objects/pack", suffix: ".pack") {
                        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: pack))
                        try handle.truncate(atOffset: 40)
                        try handle.close()
                    }
                }
            ),
            (
                "deleted loose object",
                { dir in
                    // Unpack, then remove the blob of manifests/app.yaml.
                    let blob = try git(["rev-parse", "refs/remotes/origin/main:manifests/app.yaml"], in: dir)
                    for pack in try self.files(in: dir + "/objects/pack", suffix: ".pack") {
                        let data = try XCTUnwrap(FileManager.default.contents(atPath: pack))
                        for file in try self.files(in: dir + "/objects/pack", suffix: "") {
                            try FileManager.default.removeItem(atPath: file)
                        }
                        try runTool("/usr/bin/git", ["unpack-objects", "-q"], cwd: dir, input: Array(data))
                    }
                    let object = dir + "/objects/" + blob.prefix(2) + "/" + blob.dropFirst(2)
                    XCTAssertTrue(FileManager.default.fileExists(atPath: object))
                    try FileManager.default.removeItem(atPath: object)
                }
            ),
        ]
        for (name, corrupt) in corruptions {
            _ = try GitSource.open(url: url, options: options)
            let dir = try cacheDir()
            // A stray file marks this clone: a re-clone does not have it.
            try "x".write(toFile: dir + "/marker", atomically: false, encoding: .utf8)
            try corrupt(dir)
            let repo: GitRepository
            do {
                repo = try GitSource.open(url: url, options: options)
            } catch {
                XCTFail("\(name): \(error)")
                continue
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/marker"), "\(name): cache was re-cloned")
            XCTAssertEqual(try repo.resolveID("main").hex, head, name)
            let snap = try repo.snapshot(at: try repo.resolveID("main"))
            XCTAssertEqual(try snap.read("manifests/app.yaml").count, 17, name)
            try git(["fsck", "--no-progress"], in: dir)
        }
    }

    func files(in dir: String, suffix: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(suffix) }.map { dir + "/" + $0 }
    }

    func testAbandonedTemporaryCloneIsRemoved() throws {
        let dir = try cacheDir()
        try FileManager.default.createDirectory(
            atPath: dir + ".tmp-999999-1/objects", withIntermediateDirectories: true)
        _ = try GitSource.open(url: url, options: options)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + ".tmp-999999-1"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/objects"))
    }

    func testNetworkErrorKeepsAGoodCache() throws {
        _ = try GitSource.open(url: url, options: options)
        let dir = try cacheDir()
        try "x".write(toFile: dir + "/marker", atomically: false, encoding: .utf8)
        daemon?.stop()
        XCTAssertThrowsError(try GitSource.open(url: url, options: options)) { error in
            XCTAssertEqual((error as? GitError)?.kind, .network, "\(error)")
            XCTAssertEqual((error as? GitError)?.isTransient, true)
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/marker"), "cache kept")
        XCTAssertEqual(try GitRepository.open(path: dir).resolveID("origin/main").hex, try fixture.head())
    }

    func testUnreachableRemoteIsANetworkErrorAndLeavesNoCache() throws {
        daemon?.stop()
        XCTAssertThrowsError(try GitSource.open(url: url, options: options)) { error in
            let gitError = error as? GitError
            XCTAssertEqual(gitError?.kind, .network, "\(error)")
            XCTAssertTrue("\(error)".hasPrefix("\(url): git_remote_fetch failed"), "\(error)")
        }
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: tmp.sub("cache"))) ?? []
        XCTAssertEqual(leftovers.filter { !$0.hasSuffix(".lock") }, [])
    }
}

/// Collects results from concurrent threads.
final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [Result<String, Error>] = []

    func append(_ result: Result<String, Error>) { lock.withLock { stored.append(result) } }
    var values: [Result<String, Error>] { lock.withLock { stored } }
}
