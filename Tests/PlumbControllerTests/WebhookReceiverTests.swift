import Foundation
import PlumbController
import XCTest

/// Each forge's documented payload and signature scheme, judged without I/O; the URL forms
/// that name one repository; which revisions a push moves.
final class WebhookReceiverTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("fixtures/webhooks").path
    let secret = Array("s3cr3t-for-tests".utf8)
    let receiver = WebhookReceiver()

    static func fixture(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: fixtures + "/" + name)))
    }

    func judge(_ kind: WebhookKind, _ headers: [String: String], _ body: [UInt8], secret: [UInt8]? = nil) -> WebhookReceiver.Verdict {
        let lower = Dictionary(uniqueKeysWithValues: headers.map { ($0.key.lowercased(), $0.value) })
        return receiver.judge(kind, header: { lower[$0.lowercased()] }, body: body, secret: secret ?? self.secret)
    }

    func hexSignature(_ body: [UInt8]) -> String { String(WebhookReceiver.signature(body, secret: secret).dropFirst(7)) }

    /// GitHub's documented test values ("Validating webhook deliveries").
    func testGitHubDocumentedSignatureExample() {
        let body = Array("Hello, World!".utf8)
        let secret = Array("It's a Secret to Everybody".utf8)
        let documented = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        XCTAssertEqual(WebhookReceiver.signature(body, secret: secret), documented)
        XCTAssertEqual(
            judge(.github, ["X-Hub-Signature-256": documented, "X-GitHub-Event": "ping"], body, secret: secret), .ignored("ping"))
        var wrong = documented
        wrong.removeLast()
        wrong += "f"
        guard case .unauthorized = judge(.github, ["X-Hub-Signature-256": wrong, "X-GitHub-Event": "ping"], body, secret: secret) else {
            return XCTFail("a signature off by one digit is refused")
        }
    }

    func testEachForgesPushIsReadWhenSignedAndRefusedOtherwise() throws {
        let cases: [(WebhookKind, String, (String) -> [String: String], WebhookPush)] = [
            (
                .github, "github-push.json", { ["X-Hub-Signature-256": $0, "X-GitHub-Event": "push"] },
                WebhookPush(
                    repositoryURLs: [
                        "https://github.com/octo-org/hello-world.git", "git@github.com:octo-org/hello-world.git",
                        "https://github.com/octo-org/hello-world", "git://github.com/octo-org/hello-world.git",
                        "https://github.com/octo-org/hello-world",
                    ], ref: "refs/heads/main", defaultBranch: "main", commit: "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c")
            ),
            (
                .gitlab, "gitlab-push.json", { _ in ["X-Gitlab-Token": "s3cr3t-for-tests", "X-Gitlab-Event": "Push Hook"] },
                WebhookPush(
                    repositoryURLs: [
                        "http://example.com/mike/diaspora.git", "git@example.com:mike/diaspora.git", "http://example.com/mike/diaspora",
                        "http://example.com/mike/diaspora.git", "git@example.com:mike/diaspora.git",
                        "http://example.com/mike/diaspora.git", "git@example.com:mike/diaspora.git", "http://example.com/mike/diaspora",
                    ], ref: "refs/heads/master", defaultBranch: "master", commit: "da1560886d4f094c3e6c9ef40349f7d38b5d27d7")
            ),
            (
                .gitea, "gitea-push.json", { ["X-Gitea-Signature": String($0.dropFirst(7)), "X-Gitea-Event": "push"] },
                WebhookPush(
                    repositoryURLs: [
                        "http://localhost:3000/gitea/webhooks.git", "ssh://gitea@localhost:2222/gitea/webhooks.git",
                        "http://localhost:3000/gitea/webhooks",
                    ], ref: "refs/heads/develop", defaultBranch: "master", commit: "bffeb74224043ba2feb48d137756c8a9331c449a")
            ),
            (
                .bitbucket, "bitbucket-push.json", { ["X-Hub-Signature": $0, "X-Event-Key": "repo:push"] },
                WebhookPush(
                    repositoryURLs: ["https://bitbucket.org/acme/deploy"], ref: "refs/heads/main", defaultBranch: "main",
                    commit: "709d658dc5b6d6afcd46049c2f332ee3f515a67d")
            ),
            (
                .generic, "generic-push.json", { ["X-Plumb-Signature-256": $0] },
                WebhookPush(
                    repositoryURLs: ["https://git.example.com/platform/deploy.git"], ref: "refs/tags/v1.4.0",
                    commit: "3f9c2ab7d1e04c5a8b6f0e2d9c1a7b3e5f4d2c10")
            ),
        ]
        for (kind, file, headers, expected) in cases {
            let body = try Self.fixture(file)
            let signature = WebhookReceiver.signature(body, secret: secret)
            XCTAssertEqual(judge(kind, headers(signature), body), .push([expected]), "\(kind)")
            // Unsigned: every header but the event one.
            let unsigned = headers(signature).filter { !$0.key.contains("Signature") && !$0.key.contains("Token") }
            guard case .unauthorized = judge(kind, unsigned, body) else { return XCTFail("\(kind): an unsigned push is refused") }
            // Signed with another secret.
            let forged = headers(WebhookReceiver.signature(body, secret: Array("other".utf8)))
                .mapValues { $0 == "s3cr3t-for-tests" ? "other" : $0 }
            guard case .unauthorized = judge(kind, forged, body) else { return XCTFail("\(kind): a wrongly signed push is refused") }
            // The right signature of another body.
            var tampered = body
            tampered[tampered.count / 2] ^= 0x01
            if kind != .gitlab {
                guard case .unauthorized = judge(kind, headers(signature), tampered) else { return XCTFail("\(kind): a changed body is refused") }
            }
            // No secret configured: nothing is accepted.
            guard case .unauthorized = receiver.judge(kind, header: { headers(signature)[$0] }, body: body, secret: nil) else {
                return XCTFail("\(kind): without a secret every delivery is refused")
            }
        }
    }

    func testForgejoSignatureHeaderAndPingsOfEachForge() throws {
        let body = try Self.fixture("gitea-push.json")
        let push = judge(.gitea, ["X-Forgejo-Signature": hexSignature(body), "X-Forgejo-Event": "push"], body)
        guard case .push(let pushes) = push else { return XCTFail("Forgejo's headers are read: \(push)") }
        XCTAssertEqual(pushes.first?.ref, "refs/heads/develop")

        let ping = try Self.fixture("github-ping.json")
        XCTAssertEqual(judge(.github, ["X-Hub-Signature-256": WebhookReceiver.signature(ping, secret: secret), "X-GitHub-Event": "ping"], ping), .ignored("ping"))
        let diagnostics = Array("{}".utf8)
        XCTAssertEqual(
            judge(.bitbucket, ["X-Hub-Signature": WebhookReceiver.signature(diagnostics, secret: secret), "X-Event-Key": "diagnostics:ping"], diagnostics),
            .ignored("ping"))
        XCTAssertEqual(
            judge(.gitlab, ["X-Gitlab-Token": "s3cr3t-for-tests", "X-Gitlab-Event": "Issue Hook"], diagnostics), .ignored("event Issue Hook"))
        // A GitLab tag push.
        let tag = Array(#"{"ref":"refs/tags/v1.0.0","checkout_sha":"82b3d5ae55f7080f1e6022629cdb57bfae7cccc7","project":{"git_http_url":"https://gitlab.com/a/b.git"}}"#.utf8)
        XCTAssertEqual(
            judge(.gitlab, ["X-Gitlab-Token": "s3cr3t-for-tests", "X-Gitlab-Event": "Tag Push Hook"], tag),
            .push([WebhookPush(repositoryURLs: ["https://gitlab.com/a/b.git"], ref: "refs/tags/v1.0.0", commit: "82b3d5ae55f7080f1e6022629cdb57bfae7cccc7")]))
        // A signed generic body without a ref is a 400, not a push.
        let bad = Array(#"{"repository":"https://x/y"}"#.utf8)
        XCTAssertEqual(
            judge(.generic, ["X-Plumb-Signature-256": WebhookReceiver.signature(bad, secret: secret)], bad),
            .malformed("ref: expected refs/heads/<branch> or refs/tags/<tag>"))
    }

    func testURLFormsOfOneRepositoryShareOneKey() {
        let same = [
            "https://github.com/Octo-Org/app", "https://github.com/Octo-Org/app.git", "https://GitHub.com/Octo-Org/app/",
            "https://token@github.com/Octo-Org/app.git", "ssh://git@github.com/Octo-Org/app.git", "ssh://git@github.com:22/Octo-Org/app.git",
            "git@github.com:Octo-Org/app.git", "github.com:Octo-Org/app", "git://github.com/Octo-Org/app.git", "http://github.com/Octo-Org/app.git/",
        ]
        for url in same { XCTAssertEqual(RepositoryURL.key(url), "github.com/Octo-Org/app", url) }
        XCTAssertNotEqual(RepositoryURL.key("https://github.com/octo-org/app2"), RepositoryURL.key("https://github.com/octo-org/app"))
        XCTAssertNotEqual(RepositoryURL.key("https://gitlab.com/octo-org/app"), RepositoryURL.key("https://github.com/octo-org/app"))
        XCTAssertEqual(RepositoryURL.key("git://127.0.0.1:9418/repo.git"), "127.0.0.1/repo")
        XCTAssertNil(RepositoryURL.key("/srv/git/repo.git"))
        XCTAssertNil(RepositoryURL.key("https://github.com/"))
    }

    func testWhichRevisionsAPushMoves() {
        let push = WebhookPush(repositoryURLs: ["https://github.com/o/r.git"], ref: "refs/heads/main", defaultBranch: "main")
        XCTAssertTrue(push.matches(repoURL: "git@github.com:o/r.git", revision: "main"))
        XCTAssertTrue(push.matches(repoURL: "https://github.com/o/r", revision: "refs/heads/main"))
        XCTAssertTrue(push.matches(repoURL: "https://github.com/o/r", revision: "HEAD"))
        XCTAssertFalse(push.matches(repoURL: "https://github.com/o/r", revision: "develop"))
        XCTAssertFalse(push.matches(repoURL: "https://github.com/o/other", revision: "main"))
        let feature = WebhookPush(repositoryURLs: ["https://github.com/o/r.git"], ref: "refs/heads/feature", defaultBranch: "main")
        XCTAssertFalse(feature.matches(repoURL: "https://github.com/o/r", revision: "HEAD"), "HEAD follows the default branch only")
        let tag = WebhookPush(repositoryURLs: ["https://github.com/o/r.git"], ref: "refs/tags/v1", defaultBranch: "main")
        XCTAssertTrue(tag.matches(repoURL: "https://github.com/o/r", revision: "v1"))
        XCTAssertTrue(tag.matches(repoURL: "https://github.com/o/r", revision: "refs/tags/v1"))
        XCTAssertFalse(tag.matches(repoURL: "https://github.com/o/r", revision: "HEAD"))
        let unknownDefault = WebhookPush(repositoryURLs: ["https://git.example.com/o/r"], ref: "refs/heads/trunk")
        XCTAssertTrue(unknownDefault.matches(repoURL: "https://git.example.com/o/r.git", revision: "HEAD"))
    }
}
