import Foundation
import PlumbTesting
import PlumbGit
import XCTest

/// Clones over HTTP from `git http-backend` behind basic auth.
final class HTTPTests: XCTestCase {
    static let user = "deployer"
    static let password = "pa55-Wörd-\(UInt32.random(in: 0...UInt32.max))"

    var tmp: TempDir!
    var fixture: Fixture!
    var server: Server?
    var url = ""

    override func setUpWithError() throws {
        tmp = try TempDir()
        fixture = try Fixture.make(tmp.sub("work"))
        let root = tmp.sub("served")
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try fixture.bare(at: root + "/repo.git")
        let script = tmp.sub("server.py")
        try gitHTTPServerScript.write(toFile: script, atomically: true, encoding: .utf8)
        server = try Server(
            "/usr/bin/env", ["python3", "-u", script, root, Self.user, Self.password], log: tmp.sub("http.log"))
        let deadline = Date().addingTimeInterval(10)
        var port: Int?
        while port == nil && Date() < deadline {
            port = server?.output.split(separator: "\n").first.flatMap { Int($0) }
            if port == nil {
                guard server?.isRunning == true else {
                    throw TestFailure("http server exited: \(server?.output ?? "")")
                }
                usleep(50_000)
            }
        }
        let bound = try XCTUnwrap(port, "http server did not report its port: \(server?.output ?? "")")
        try waitForPort(bound, server: server)
        url = "http://127.0.0.1:\(bound)/repo.git"
    }

    override func tearDown() {
        server?.stop()
        server = nil
        tmp = nil
    }

    func options(_ credentials: GitCredentials, env: [String: String] = [:]) -> GitSourceOptions {
        GitSourceOptions(cacheDirectory: tmp.sub("cache"), credentials: credentials, environment: env)
    }

    func testBasicCredentialsFromEnvironment() throws {
        let opts = options(
            .basic(username: Self.user, password: .environment("GIT_PW")), env: ["GIT_PW": Self.password])
        let repo = try GitSource.open(url: url, options: opts)
        XCTAssertEqual(try repo.resolveID("main").hex, try fixture.head())
        XCTAssertEqual(repo.displayName, url)
        let config = try String(
            contentsOfFile: try XCTUnwrap(GitSource.cachePath(for: url, options: opts)) + "/config", encoding: .utf8)
        XCTAssertFalse(config.contains(Self.password))
    }

    func testTokenFromFile() throws {
        // The server accepts the token as the password of any configured user name.
        let file = tmp.sub("token")
        try (Self.password + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let repo = try GitSource.open(url: url, options: options(.token(.file(file), username: Self.user)))
        XCTAssertEqual(try repo.resolveID("v1").hex, try fixture.head())
    }

    func testCredentialsInURLAreUsedButNeverStoredOrPrinted() throws {
        let withCreds = url.replacingOccurrences(of: "http://", with: "http://\(Self.user):\(Self.password)@")
            .addingPercentEncoding(withAllowedCharacters: .urlFragmentAllowed)!
        let opts = options(.none)
        let repo = try GitSource.open(url: withCreds, options: opts)
        XCTAssertEqual(repo.displayName, url)
        let dir = try XCTUnwrap(GitSource.cachePath(for: withCreds, options: opts))
        XCTAssertFalse(dir.contains(Self.user))
        let config = try String(contentsOfFile: dir + "/config", encoding: .utf8)
        XCTAssertFalse(config.contains(Self.password))
        XCTAssertTrue(config.contains(url), config)
    }

    func testWrongPasswordFailsWithoutLeakingIt() throws {
        let wrong = "wrong-\(Self.password)"
        let opts = options(.basic(username: Self.user, password: .environment("GIT_PW")), env: ["GIT_PW": wrong])
        XCTAssertThrowsError(try GitSource.open(url: url, options: opts)) { error in
            let text = "\(error)"
            XCTAssertEqual((error as? GitError)?.kind, .authentication, text)
            XCTAssertTrue(text.hasPrefix("\(url): authentication failed"), text)
            XCTAssertFalse(text.contains(wrong), text)
            XCTAssertFalse(text.contains(Self.password), text)
        }
        let withCreds = url.replacingOccurrences(of: "http://", with: "http://\(Self.user):\(wrong)@")
        XCTAssertThrowsError(try GitSource.open(url: withCreds, options: options(.none))) { error in
            XCTAssertFalse("\(error)".contains(wrong), "\(error)")
            XCTAssertFalse("\(error)".contains(Self.password), "\(error)")
        }
    }

    func testMissingCredentialsAndMissingSecret() throws {
        XCTAssertThrowsError(try GitSource.open(url: url, options: options(.none))) { error in
            XCTAssertEqual("\(error)", "\(url): authentication required but no credentials configured")
        }
        XCTAssertThrowsError(
            try GitSource.open(url: url, options: options(.basic(username: "u", password: .environment("NOPE"))))
        ) { error in
            XCTAssertEqual("\(error)", "credentials: environment variable NOPE is not set")
        }
        XCTAssertThrowsError(
            try GitSource.open(url: url, options: options(.token(.file(tmp.sub("missing")))))
        ) { error in
            XCTAssertEqual("\(error)", "credentials: cannot read file \(tmp.sub("missing"))")
        }
    }
}
