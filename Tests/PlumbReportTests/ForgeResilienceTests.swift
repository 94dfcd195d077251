import Foundation
import PlumbCore
import PlumbTesting
import Synchronization
import XCTest

@testable import PlumbReport

/// Lines a forge client logged, kept for the assertions.
final class ForgeLogLines: Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    var sink: @Sendable (String) -> Void { { line in self.lines.withLock { $0.append(line) } } }
}

/// Rate limits, outages and retries, on the shared HTTP layer every forge uses.
final class ForgeResilienceTests: XCTestCase {
    let token = "ghp_exampleTOKENnotReal1234567890abcd"
    let status = CommitStatus(sha: "abc123", context: "plumb/web", state: .success, description: "synced")

    func configuration(_ url: String, kind: ForgeKind = .github, log: ForgeLogLines) -> ForgeConfiguration {
        var c = ForgeConfiguration(
            kind: kind, baseURL: url, repository: kind == .gitlab ? "group/deploy" : "acme/deploy", auth: .token(token))
        c.retry.initialBackoff = .milliseconds(50)
        c.retry.maxBackoff = .milliseconds(200)
        c.retry.maxRateLimitWait = .seconds(5)
        c.connectTimeout = .seconds(2)
        c.log = log.sink
        return c
    }

    func testA429WithRetryAfterIsWaitedForThenRetried() async throws {
        let calls = Counter()
        let server = try await ForgeMockServer.start { _ in
            calls.next() == 1
                ? .json(429, ["message": "You have exceeded a secondary rate limit"], headers: [("Retry-After", "1")])
                : .json(201, try forgeFixture("github", "status.json"))
        }
        defer { Task { await server.stop() } }
        let log = ForgeLogLines()
        let started = ContinuousClock.now
        try await makeForge(configuration(server.url, log: log)).setStatus(status)
        let waited = ContinuousClock.now - started
        XCTAssertEqual(server.requests.count, 2)
        XCTAssertGreaterThanOrEqual(waited, .milliseconds(950))
        XCTAssertLessThan(waited, .seconds(4))
        XCTAssertEqual(log.all, ["github: POST /repos/acme/deploy/statuses/abc123: rate limited (429); waiting 1s"])
    }

    func testA403RateLimitWaitsUntilXRateLimitReset() async throws {
        let calls = Counter()
        let server = try await ForgeMockServer.start { _ in
            if calls.next() == 1 {
                let reset = Int(Date().timeIntervalSince1970) + 1
                return .json(
                    403, try forgeFixture("github", "rate-limited.json"),
                    headers: [
                        ("X-RateLimit-Limit", "5000"), ("X-RateLimit-Remaining", "0"),
                        ("X-RateLimit-Reset", String(reset)),
                    ])
            }
            return .json(201, try forgeFixture("github", "status.json"))
        }
        defer { Task { await server.stop() } }
        let log = ForgeLogLines()
        let started = ContinuousClock.now
        try await makeForge(configuration(server.url, log: log)).setStatus(status)
        XCTAssertEqual(server.requests.count, 2)
        XCTAssertGreaterThanOrEqual(ContinuousClock.now - started, .milliseconds(950))
        XCTAssertEqual(log.all.count, 1)
        XCTAssertTrue(log.all[0].contains("rate limited (403)"), log.all[0])
    }

    func testAPlain403IsNotARateLimit() async throws {
        let server = try await ForgeMockServer.start { _ in
            .json(
                403, ["message": "Resource not accessible by integration"], headers: [("X-RateLimit-Remaining", "4999")]
            )
        }
        defer { Task { await server.stop() } }
        do {
            try await makeForge(configuration(server.url, log: ForgeLogLines())).setStatus(status)
            XCTFail("403 is an error")
        } catch let error as ForgeError {
            XCTAssertEqual(error.kind, .status(403))
            XCTAssertEqual(
                error.description,
                "github: POST /repos/acme/deploy/statuses/abc123: 403 Resource not accessible by integration")
        }
        XCTAssertEqual(server.requests.count, 1)
    }

    func testGitLabRateLimitResetIsHonoured() async throws {
        let calls = Counter()
        let server = try await ForgeMockServer.start { _ in
            if calls.next() == 1 {
                let reset = Int(Date().timeIntervalSince1970) + 1
                return MockAnswer(
                    429, "Retry later\n", headers: [("RateLimit-Remaining", "0"), ("RateLimit-Reset", String(reset))])
            }
            return .json(201, try forgeFixture("gitlab", "status.json"))
        }
        defer { Task { await server.stop() } }
        let started = ContinuousClock.now
        try await makeForge(configuration(server.url, kind: .gitlab, log: ForgeLogLines())).setStatus(status)
        XCTAssertEqual(server.requests.count, 2)
        XCTAssertGreaterThanOrEqual(ContinuousClock.now - started, .milliseconds(950))
    }

    func testAWaitLongerThanTheCapFailsAtOnce() async throws {
        let server = try await ForgeMockServer.start { _ in
            .json(429, ["message": "slow down"], headers: [("Retry-After", "3600")])
        }
        defer { Task { await server.stop() } }
        let started = ContinuousClock.now
        do {
            try await makeForge(configuration(server.url, log: ForgeLogLines())).setStatus(status)
            XCTFail("an hour's wait is not made")
        } catch let error as ForgeError {
            XCTAssertEqual(error.kind, .rateLimited)
            XCTAssertTrue(error.isTransient)
            XCTAssertEqual(
                error.description,
                "github: POST /repos/acme/deploy/statuses/abc123: rate limited (429); the forge asks to wait 3600s, more than the 5s Plumb waits: slow down"
            )
        }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(2))
        XCTAssertEqual(server.requests.count, 1)
    }

    func testA502IsRetriedThenSucceeds() async throws {
        let calls = Counter()
        let server = try await ForgeMockServer.start { _ in
            calls.next() == 1
                ? MockAnswer(502, "<html><body><h1>502 Bad Gateway</h1></body></html>")
                : .json(201, try forgeFixture("github", "status.json"))
        }
        defer { Task { await server.stop() } }
        let log = ForgeLogLines()
        try await makeForge(configuration(server.url, log: log)).setStatus(status)
        XCTAssertEqual(server.requests.count, 2)
        XCTAssertEqual(server.requests[0].body, server.requests[1].body)
        XCTAssertEqual(log.all.count, 1)
        XCTAssertTrue(
            log.all[0].hasPrefix("github: POST /repos/acme/deploy/statuses/abc123: 502; retrying in "), log.all[0])
    }

    func testANewCommentIsNotSentTwiceAfterA5xx() async throws {
        let server = try await ForgeMockServer.start { _ in .json(500, ["message": "Server Error"]) }
        defer { Task { await server.stop() } }
        do {
            _ = try await makeForge(configuration(server.url, log: ForgeLogLines())).createComment(
                pullRequest: 7, body: "plan")
            XCTFail("500 is an error")
        } catch let error as ForgeError {
            XCTAssertEqual(error.description, "github: POST /repos/acme/deploy/issues/7/comments: 500 Server Error")
            XCTAssertTrue(error.isTransient)
        }
        XCTAssertEqual(server.requests.count, 1, "the forge may have stored the comment")
    }

    func testAPersistent503GivesUpAfterTheBoundedAttempts() async throws {
        let server = try await ForgeMockServer.start { _ in .json(503, ["message": "Service Unavailable"]) }
        defer { Task { await server.stop() } }
        do {
            _ = try await makeForge(configuration(server.url, log: ForgeLogLines())).openPullRequests(base: nil)
            XCTFail("503 is an error")
        } catch let error as ForgeError {
            XCTAssertEqual(error.kind, .status(503))
        }
        XCTAssertEqual(server.requests.count, 4)
    }

    func testAForgeThatIsDownGivesAClearErrorAfterBoundedRetries() async throws {
        let port = try freePort()
        let log = ForgeLogLines()
        let started = ContinuousClock.now
        do {
            try await makeForge(configuration("http://127.0.0.1:\(port)", log: log)).setStatus(status)
            XCTFail("nothing listens")
        } catch let error as ForgeError {
            XCTAssertEqual(error.kind, .unreachable)
            XCTAssertTrue(error.isTransient)
            XCTAssertTrue(
                error.description.hasPrefix("github: POST /repos/acme/deploy/statuses/abc123: cannot connect: "),
                error.description)
            XCTAssertTrue(error.description.hasSuffix("(4 attempts)"), error.description)
            XCTAssertFalse(error.description.contains(token))
        }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(10))
        XCTAssertEqual(log.all.count, 3)
        XCTAssertFalse(log.all.joined().contains(token))
    }

    func testTheTokenNeverAppearsInErrorsLogsOrDescriptions() async throws {
        let token = self.token
        let server = try await ForgeMockServer.start { request in
            // A forge (or a proxy) that echoes what it was sent.
            .json(
                401, ["message": .string("Bad credentials: \(request.headers["authorization"] ?? "")")],
                headers: [("Retry-After", "0")])
        }
        defer { Task { await server.stop() } }
        let log = ForgeLogLines()
        let config = configuration(server.url, log: log)
        do {
            try await makeForge(config).setStatus(status)
            XCTFail("401 is an error")
        } catch {
            XCTAssertEqual(
                "\(error)", "github: POST /repos/acme/deploy/statuses/abc123: 401 Bad credentials: Bearer <redacted>")
            XCTAssertFalse(String(reflecting: error).contains(token))
        }
        XCTAssertFalse("\(config)".contains(token), "\(config)")
        XCTAssertFalse("\(ForgeAuth.token(token))".contains(token))
        XCTAssertFalse("\(ForgeAuth.basic(username: "ada", password: token))".contains(token))
        XCTAssertFalse(log.all.joined().contains(token))
        // Printing or dumping a client shows no credential either.
        for kind in ForgeKind.allCases {
            var c = config
            c.kind = kind
            let forge = try makeForge(c)
            XCTAssertFalse(String(reflecting: forge).contains(token), String(reflecting: forge))
            var dumped = ""
            dump(forge, to: &dumped)
            XCTAssertFalse(dumped.contains(token), dumped)
        }
    }

    func testANextPageOnAnotherHostIsNotFollowed() async throws {
        let elsewhere = Counter()
        let other = try await ForgeMockServer.start { _ in
            _ = elsewhere.next()
            return .json(200, [])
        }
        defer { Task { await other.stop() } }
        let server = try await ForgeMockServer.start { _ in
            .json(200, [], headers: [("Link", "<\(other.url)/api/v3/repos/acme/deploy/pulls?page=2>; rel=\"next\"")])
        }
        defer { Task { await server.stop() } }
        do {
            _ = try await makeForge(configuration(server.url, log: ForgeLogLines())).openPullRequests(base: nil)
            XCTFail("the link leaves the forge")
        } catch let error as ForgeError {
            XCTAssertEqual(error.kind, .unexpectedAnswer)
            XCTAssertTrue(
                error.description.contains("the next page is outside \(server.url)/api/v3"), error.description)
        }
        XCTAssertEqual(elsewhere.count, 0, "the token went to another host")
    }

    func testTokenFromTheEnvironmentOrAFile() throws {
        let dir = try TempDir("plumbforge")
        let file = dir.sub("token")
        try PlumbTesting.write(file, "  file-token\n")
        guard
            case .token(let fromEnv) = try ForgeAuth.token(
                env: "PLUMB_TEST_TOKEN", file: file, environment: ["PLUMB_TEST_TOKEN": "env-token"])
        else {
            return XCTFail("a token")
        }
        XCTAssertEqual(fromEnv, "env-token")
        guard case .token(let fromFile) = try ForgeAuth.token(env: "PLUMB_TEST_TOKEN", file: file, environment: [:])
        else {
            return XCTFail("a token")
        }
        XCTAssertEqual(fromFile, "file-token")
        XCTAssertThrowsError(try ForgeAuth.token(env: "PLUMB_TEST_TOKEN", file: nil, environment: [:])) {
            XCTAssertEqual(
                "\($0)", "forge: no token: environment variable PLUMB_TEST_TOKEN is not set, no token file given")
        }
        XCTAssertThrowsError(try ForgeAuth.token(env: nil, file: dir.sub("missing"), environment: [:])) {
            XCTAssertEqual("\($0)", "forge: token file \(dir.sub("missing")) cannot be read")
        }
    }

    func testRetryAfterInSecondsOrAsAnHTTPDate() throws {
        let forge = try XCTUnwrap(
            makeForge(configuration("http://127.0.0.1:1", log: ForgeLogLines())) as? GitHubForge)
        XCTAssertEqual(forge.api.http.parseRetryAfter(" 7 "), .seconds(7))
        // RFC 9110's IMF-fixdate, 30 s after the forge's wall clock.
        let wall = forge.api.http.wallClock()
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let date = formatter.string(from: Date(timeIntervalSince1970: wall.rounded(.down) + 30))
        let wait = try XCTUnwrap(forge.api.http.parseRetryAfter(date))
        XCTAssertGreaterThan(wait, .seconds(28))
        XCTAssertLessThanOrEqual(wait, .seconds(30))
        XCTAssertNil(forge.api.http.parseRetryAfter("soon"))
    }

    func testLinkHeaderParsing() {
        XCTAssertEqual(
            ForgeHTTP.nextLink(
                #"<https://api.github.com/repositories/1/issues?page=2>; rel="next", <https://api.github.com/repositories/1/issues?page=5>; rel="last""#
            ),
            "https://api.github.com/repositories/1/issues?page=2")
        XCTAssertNil(
            ForgeHTTP.nextLink(
                #"<https://api.github.com/x?page=1>; rel="prev", <https://api.github.com/x?page=1>; rel="first""#))
        XCTAssertEqual(ForgeHTTP.settingQuery("/p?per_page=100&page=1", "page", "2"), "/p?per_page=100&page=2")
    }
}
