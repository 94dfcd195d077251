import Foundation
import Logging
import PlumbController
import PlumbKube
import PlumbTesting
import ServiceLifecycle
import Synchronization
import XCTest

/// The receivers over real HTTP on 127.0.0.1, served by the probe server as in the controller:
/// what is answered, and what reaches the controller (the `onPush` calls).
final class WebhookEndpointTests: XCTestCase {
    let secret = "s3cr3t-for-tests"
    var group: ServiceGroup!
    var running: Task<Void, any Error>!
    var http: CurlTransport!
    let received = Deliveries()

    override func setUp() async throws {
        var quiet = Logger(label: "test.webhooks")
        quiet.logLevel = .critical
        let received = self.received
        let endpoint = WebhookEndpoint(secrets: WebhookSecrets(secret: secret), logger: quiet) { pushes in
            received.state.withLock { $0.append(pushes) }
            return [AppKey(namespace: "team-a", name: "web")]
        }
        let server = ProbeServer(
            address: ProbeServer.Address(host: "127.0.0.1", port: 0), metrics: ControllerMetrics(), logger: quiet, webhooks: endpoint,
            readiness: { .ready })
        group = ServiceGroup(configuration: .init(services: [server], gracefulShutdownSignals: [], logger: quiet))
        let group = self.group!
        running = Task { try await group.run() }
        let bound = await server.boundPort()
        let port = try XCTUnwrap(bound)
        http = try CurlTransport(options: TransportOptions(server: "http://127.0.0.1:\(port)"))
    }

    override func tearDown() async throws {
        await group.triggerGracefulShutdown()
        _ = try? await running.value
    }

    func post(_ kind: String, _ headers: [String: String], _ body: [UInt8]) async throws -> (Int, String) {
        let response = try await http.send(
            KubeRequest(
                method: "POST", path: "/hooks/\(kind)",
                headers: headers.map { HTTPHeader($0.key, $0.value) } + [HTTPHeader("Content-Type", "application/json")], body: body))
        return (response.status, String(decoding: response.body, as: UTF8.self))
    }

    func testSignedPushOfEachForgeIsAcceptedAndReachesTheController() async throws {
        let deliveries: [(String, String, ([UInt8]) -> [String: String])] = [
            ("github", "github-push.json", { ["X-Hub-Signature-256": WebhookReceiver.signature($0, secret: Array(self.secret.utf8)), "X-GitHub-Event": "push"] }),
            ("gitlab", "gitlab-push.json", { _ in ["X-Gitlab-Token": self.secret, "X-Gitlab-Event": "Push Hook"] }),
            ("gitea", "gitea-push.json", { ["X-Gitea-Signature": String(WebhookReceiver.signature($0, secret: Array(self.secret.utf8)).dropFirst(7)), "X-Gitea-Event": "push"] }),
            ("bitbucket", "bitbucket-push.json", { ["X-Hub-Signature": WebhookReceiver.signature($0, secret: Array(self.secret.utf8)), "X-Event-Key": "repo:push"] }),
            ("generic", "generic-push.json", { ["X-Plumb-Signature-256": WebhookReceiver.signature($0, secret: Array(self.secret.utf8))] }),
        ]
        for (index, (kind, file, headers)) in deliveries.enumerated() {
            let body = try WebhookReceiverTests.fixture(file)
            let (status, text) = try await post(kind, headers(body), body)
            XCTAssertEqual(status, 200, "\(kind): \(text)")
            XCTAssertTrue(text.contains("1 Application enqueued\n  team-a/web\n"), text)
            XCTAssertEqual(received.state.withLock { $0.count }, index + 1, "\(kind) reached the controller once")
        }
        let refs = received.state.withLock { $0.map { $0.map(\.ref) } }
        XCTAssertEqual(refs, [["refs/heads/main"], ["refs/heads/master"], ["refs/heads/develop"], ["refs/heads/main"], ["refs/tags/v1.4.0"]])
    }

    func testUnsignedOrWronglySignedIs401AndChangesNothing() async throws {
        let body = try WebhookReceiverTests.fixture("github-push.json")
        let unsigned = try await post("github", ["X-GitHub-Event": "push"], body)
        XCTAssertEqual(unsigned.0, 401)
        let wrong = try await post("github", ["X-GitHub-Event": "push", "X-Hub-Signature-256": WebhookReceiver.signature(body, secret: Array("guess".utf8))], body)
        XCTAssertEqual(wrong.0, 401)
        XCTAssertFalse(wrong.1.contains(secret), "the answer never carries the secret")
        let token = try await post("gitlab", ["X-Gitlab-Event": "Push Hook", "X-Gitlab-Token": secret + "x"], try WebhookReceiverTests.fixture("gitlab-push.json"))
        XCTAssertEqual(token.0, 401)
        let gitea = try await post("gitea", ["X-Gitea-Event": "push", "X-Gitea-Signature": "zz"], try WebhookReceiverTests.fixture("gitea-push.json"))
        XCTAssertEqual(gitea.0, 401)
        XCTAssertEqual(received.state.withLock { $0.count }, 0, "nothing reached the controller")
    }

    func testBodyOverOneMebibyteIs413() async throws {
        let big = [UInt8](repeating: UInt8(ascii: " "), count: (1 << 20) + 1)
        let (status, _) = try await post("generic", ["X-Plumb-Signature-256": WebhookReceiver.signature(big, secret: Array(secret.utf8))], big)
        XCTAssertEqual(status, 413)
        // Exactly 1 MiB is read (and refused as not a payload, signed correctly: 400).
        let limit = [UInt8](repeating: UInt8(ascii: " "), count: 1 << 20)
        let (atLimit, _) = try await post("generic", ["X-Plumb-Signature-256": WebhookReceiver.signature(limit, secret: Array(secret.utf8))], limit)
        XCTAssertEqual(atLimit, 400)
        XCTAssertEqual(received.state.withLock { $0.count }, 0)
    }

    func testPingsAre200AndUnknownReceiversAre404() async throws {
        let ping = try WebhookReceiverTests.fixture("github-ping.json")
        let github = try await post("github", ["X-GitHub-Event": "ping", "X-Hub-Signature-256": WebhookReceiver.signature(ping, secret: Array(secret.utf8))], ping)
        XCTAssertEqual(github.0, 200, github.1)
        let diagnostics = Array("{}".utf8)
        let bitbucket = try await post(
            "bitbucket", ["X-Event-Key": "diagnostics:ping", "X-Hub-Signature": WebhookReceiver.signature(diagnostics, secret: Array(secret.utf8))], diagnostics)
        XCTAssertEqual(bitbucket.0, 200, bitbucket.1)
        let unknown = try await post("svn", [:], diagnostics)
        XCTAssertEqual(unknown.0, 404)
        XCTAssertEqual(received.state.withLock { $0.count }, 0)
    }
}

/// The pushes that reached the controller.
final class Deliveries: Sendable {
    let state = Mutex<[[WebhookPush]]>([])
}
