import Foundation
import PlumbController
import PlumbCore
import PlumbGit
import PlumbReport
import PlumbTesting
import PlumbYAML
import XCTest

/// A forge in memory: records statuses and comments, serves the open pull requests it is given.
private actor MemoryForge: Forge {
    nonisolated var commentLimit: Int { 65_536 }
    var statuses: [CommitStatus] = []
    var comments: [Int: [ForgeComment]] = [:]
    var open: [PullRequest] = []
    var tokens: [String] = []

    func setStatus(_ status: CommitStatus) async throws { statuses.append(status) }
    func comments(pullRequest: Int) async throws -> [ForgeComment] { comments[pullRequest] ?? [] }
    func createComment(pullRequest: Int, body: String) async throws -> ForgeComment {
        let c = ForgeComment(id: "\(pullRequest)-\(comments[pullRequest]?.count ?? 0)", body: body)
        comments[pullRequest, default: []].append(c)
        return c
    }
    func editComment(pullRequest: Int, id: String, body: String) async throws {
        comments[pullRequest] = comments[pullRequest]?.map { $0.id == id ? ForgeComment(id: id, body: body) : $0 }
    }
    func openPullRequests(base: String?) async throws -> [PullRequest] {
        open.filter { base == nil || $0.baseBranch == base }
    }
    func setOpen(_ prs: [PullRequest]) { open = prs }
    func made(with token: String) { tokens.append(token) }
}

/// The controller's commit statuses (spec.notify) and pull-request previews (spec.previews),
/// recorded by a forge in memory, with the controller's own reconcile against the local cluster.
final class ForgeReportingTests: ControllerTestCase {
    private let forge = MemoryForge()

    private func reconciler() -> (Reconciler, ForgeReporting) {
        let forge = self.forge
        var settings = Reconciler.Settings(
            git: GitSourceOptions(cacheDirectory: tmp.sub("cache"), lockTimeout: .seconds(20), environment: [:]),
            scratchDirectory: tmp.sub("scratch"), targetName: "kube:test")
        settings.cacheSyncTimeout = .seconds(5)
        var notifierSettings = StatusNotifier.Settings()
        notifierSettings.initialBackoff = .milliseconds(10)
        let reporting = ForgeReporting(
            makeForge: { kind, _, repository, token in
                guard kind == "github", repository == "acme/deploy" else {
                    throw TestFailure("unexpected forge \(kind) \(repository)")
                }
                Task { await forge.made(with: token) }
                return forge
            }, notifier: StatusNotifier(settings: notifierSettings, log: { _ in }), log: { _ in })
        settings.reporting = reporting
        let holder = ControllerHolder()
        holders.append(holder)
        let objects = ManagedObjects(client: client, namespace: nil) { holder.controller?.managedObjectChanged($0) }
        return (
            Reconciler(
                client: client, git: GitSources(cacheDirectory: tmp.sub("cache")), objects: objects, audit: audit,
                settings: settings), reporting
        )
    }

    private func notifyingApplication(previews: Bool = false) throws {
        try kubectlOK([
            "create", "secret", "generic", "forge-token", "-n", namespace, "--from-literal=token=s3cr3t-forge-token",
        ])
        try applyApplication(
            "web", interval: "1h",
            extra: """
                  notify:
                    forge: github
                    repository: acme/deploy
                    tokenSecretRef: {name: forge-token}
                  previews: \(previews)
                """)
    }

    /// One reconcile, its status written back as the controller writes it.
    @discardableResult
    private func step(_ reconciler: Reconciler) async throws -> Outcome {
        let app = try await application("web")
        let out = await reconciler.reconcile(app)
        _ = try await client.patch(app.ref, .merge(["status": out.status.value]), subresource: "status")
        return out
    }

    private func statuses(settled reporting: ForgeReporting) async throws -> [CommitStatus] {
        let idle = await reporting.notifier.waitUntilIdle(timeout: .seconds(10))
        XCTAssertTrue(idle)
        return await forge.statuses
    }

    func testASyncedAndHealthyRevisionGoesPendingThenSuccess() async throws {
        try notifyingApplication()
        let (reconciler, reporting) = reconciler()
        let revision = try head()
        let out = try await step(reconciler)
        XCTAssertEqual(out.sync?.result.succeeded, true, "\(out.status.conditions)")
        // Success once the watch cache shows the object healthy (this or a next reconcile).
        try await eventually("success") {
            if await self.forge.statuses.count < 2 { try await self.step(reconciler) }
            return await self.forge.statuses.count >= 2
        }
        let statuses = try await statuses(settled: reporting)
        XCTAssertEqual(statuses.map(\.state), [.pending, .success])
        XCTAssertEqual(statuses.map(\.sha), [revision, revision])
        XCTAssertEqual(statuses.map(\.context), ["plumb/team-a.web", "plumb/team-a.web"])
        XCTAssertEqual(statuses.map(\.description), ["syncing: 1 to create", "synced and healthy"])
        let tokens = await forge.tokens
        XCTAssertEqual(tokens.first, "s3cr3t-forge-token", "the token comes from the Secret")
        // A reconcile with nothing to do sends nothing more.
        try await step(reconciler)
        let after = try await self.statuses(settled: reporting)
        XCTAssertEqual(after.count, 2)
    }

    func testARevisionThatFailsItsDryRunGoesPendingThenFailure() async throws {
        try notifyingApplication()
        let (reconciler, reporting) = reconciler()
        let first = try await step(reconciler)
        XCTAssertEqual(first.sync?.result.succeeded, true)
        let bad = try commit(["apps/web/bad.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n"])
        // The fetch is due once an hour: ask for it as `plumb app reconcile` does.
        try kubectlOK([
            "annotate", "application", "web", "-n", namespace, "--overwrite",
            "plumb.dev/reconcile-at=\(Date().timeIntervalSince1970)",
        ])
        let forced = try await step(reconciler)
        XCTAssertEqual(forced.status.condition("Ready")?.reason, "DryRunFailed", "\(forced.status.conditions)")
        let statuses = try await statuses(settled: reporting)
        XCTAssertEqual(statuses.filter { $0.sha == bad }.map(\.state), [.pending, .failure])
        let failure = try XCTUnwrap(statuses.last)
        XCTAssertTrue(failure.description.contains("ConfigMap team-a/Bad_Name: dry-run failed"), failure.description)
        let color = await configMapData("web")?["color"]
        XCTAssertEqual(color, "blue", "nothing applied")
    }

    func testARevisionThatDoesNotPlanGoesFailureOnce() async throws {
        try notifyingApplication()
        let (reconciler, reporting) = reconciler()
        let first = try await step(reconciler)
        XCTAssertEqual(first.sync?.result.succeeded, true)
        let bad = try commit([
            "apps/web/cm.yaml":
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  annotations:\n    plumb.dev/sync-wave: soon\ndata:\n  color: red\n"
        ])
        try kubectlOK([
            "annotate", "application", "web", "-n", namespace, "--overwrite",
            "plumb.dev/reconcile-at=\(Date().timeIntervalSince1970)",
        ])
        let refused = try await step(reconciler)
        XCTAssertEqual(refused.status.condition("Ready")?.reason, "RenderFailed", "\(refused.status.conditions)")
        try await step(reconciler)  // the retry: no second status
        let statuses = try await statuses(settled: reporting).filter { $0.sha == bad }
        XCTAssertEqual(statuses.map(\.state), [.failure], "no sync started: no pending, one failure")
        XCTAssertTrue(
            statuses.first?.description.contains("plumb.dev/sync-wave") ?? false, statuses.first?.description ?? "")
    }

    func testPreviewsFollowAPullRequestWhoseHeadMoves() async throws {
        try notifyingApplication(previews: true)
        let (reconciler, reporting) = reconciler()
        let first = try await step(reconciler)
        XCTAssertEqual(first.sync?.result.succeeded, true)
        // A pull request's branch, pushed to the served repository.
        try git(["checkout", "-q", "-b", "topic"], in: work)
        try write(work + "/apps/web/cm.yaml", configMap("web", ["color": "green"]))
        try git(["commit", "-q", "-am", "web: green"], in: work)
        try git(["push", "-q", tmp.sub("served/repo.git"), "topic"], in: work)
        let head1 = try head()
        await forge.setOpen([PullRequest(number: 5, headSHA: head1, headBranch: "topic", baseBranch: "main")])
        try await step(reconciler)
        try await eventually("the preview of the first head") {
            await self.forge.statuses.contains { $0.sha == head1 && $0.context == "plumb/team-a.web/preview" }
        }
        var comments = await forge.comments[5] ?? []
        XCTAssertEqual(comments.count, 1)
        XCTAssertTrue(comments[0].body.contains("data.color                         blue → green"), comments[0].body)
        // The head moves: the same comment now shows the new plan, the new head gets the status.
        try write(work + "/apps/web/cm.yaml", configMap("web", ["color": "red"]))
        try git(["commit", "-q", "-am", "web: red"], in: work)
        try git(["push", "-q", tmp.sub("served/repo.git"), "topic"], in: work)
        let head2 = try head()
        await forge.setOpen([PullRequest(number: 5, headSHA: head2, headBranch: "topic", baseBranch: "main")])
        try await step(reconciler)
        try await eventually("the preview of the moved head") {
            await self.forge.statuses.contains { $0.sha == head2 && $0.context == "plumb/team-a.web/preview" }
        }
        comments = await forge.comments[5] ?? []
        XCTAssertEqual(comments.count, 1, "edited in place")
        XCTAssertTrue(comments[0].body.contains("data.color                         blue → red"), comments[0].body)
        let preview = await forge.statuses.filter { $0.context.hasSuffix("/preview") }
        XCTAssertEqual(preview.map(\.sha), [head1, head2])
        XCTAssertEqual(preview.map(\.state), [.success, .success])
        XCTAssertEqual(preview.map(\.description), ["1 to update", "1 to update"])
        // Nothing of the pull request was applied, and main's status is untouched by previews.
        let color = await configMapData("web")?["color"]
        XCTAssertEqual(color, "blue")
        XCTAssertEqual(reporting.previews.remembered(app: "team-a.web"), [5: head2])
        // Closed: forgotten.
        await forge.setOpen([])
        try await step(reconciler)
        try await eventually("the closed pull request forgotten") {
            reporting.previews.remembered(app: "team-a.web").isEmpty
        }
    }
}

/// `spec.notify` and `spec.previews` as the controller parses them and as the CRD's schema
/// checks them.
final class NotifySpecTests: XCTestCase {
    func spec(_ yaml: String) throws -> Value { try YAML.parseDocuments(Array(yaml.utf8), file: "app.yaml")[0].value }

    func testNotifyIsParsed() throws {
        let parsed = try ApplicationSpec(
            try spec(
                "source: {repoURL: r}\nnotify: {forge: gitlab, repository: acme/deploy, baseURL: 'https://git.example.com', tokenSecretRef: {name: t}}\npreviews: true"
            ),
            namespace: "a")
        let notify = try XCTUnwrap(parsed.notify)
        XCTAssertEqual(notify.forge, "gitlab")
        XCTAssertEqual(notify.baseURL, "https://git.example.com")
        XCTAssertEqual(notify.repository, "acme/deploy")
        XCTAssertEqual(notify.tokenSecretName, "t")
        XCTAssertEqual(notify.tokenSecretKey, "token", "the key defaults to token")
        XCTAssertTrue(parsed.previews)
        let plain = try ApplicationSpec(try spec("source: {repoURL: r}"), namespace: "a")
        XCTAssertNil(plain.notify)
        XCTAssertFalse(plain.previews)
    }

    func testProblemsNameTheField() throws {
        let cases: [(String, String)] = [
            ("notify: {forge: gitee, repository: a/b, tokenSecretRef: {name: t}}", "spec.notify.forge"),
            ("notify: {forge: github, tokenSecretRef: {name: t}}", "spec.notify.repository"),
            ("notify: {forge: github, repository: a/b}", "spec.notify.tokenSecretRef"),
            ("notify: {forge: github, repository: a/b, tokenSecretRef: {key: k}}", "spec.notify.tokenSecretRef.name"),
            (
                "notify: {forge: github, repository: a/b, baseURL: ftp://x, tokenSecretRef: {name: t}}",
                "spec.notify.baseURL"
            ),
            ("notify: {forge: gitea, repository: a/b, tokenSecretRef: {name: t}}", "spec.notify.baseURL"),
            ("previews: true", "spec.previews"),
        ]
        for (yaml, field) in cases {
            XCTAssertThrowsError(try ApplicationSpec(try spec("source: {repoURL: r}\n" + yaml), namespace: "a"), yaml) {
                error in
                XCTAssertEqual((error as? SpecError)?.field, field, "\(yaml): \(error)")
            }
        }
    }

    func testTheSchemaRefusesWhatTheControllerRefuses() throws {
        let schema =
            InstallManifests.applicationCRD[path: ["spec", "versions"]]?.arrayValue?.first?[path: [
                "schema", "openAPIV3Schema",
            ]] ?? .null
        func app(_ yaml: String) throws -> Value {
            [
                "apiVersion": "plumb.dev/v1alpha1", "kind": "Application", "metadata": ["name": "web"],
                "spec": try spec("source: {repoURL: r}\n" + yaml),
            ]
        }
        XCTAssertEqual(
            SchemaCheck.errors(
                try app("notify: {forge: github, repository: a/b, tokenSecretRef: {name: t, key: k}}\npreviews: true"),
                schema), [])
        XCTAssertFalse(
            SchemaCheck.errors(try app("notify: {forge: gitee, repository: a/b, tokenSecretRef: {name: t}}"), schema)
                .isEmpty)
        XCTAssertFalse(SchemaCheck.errors(try app("notify: {forge: github, repository: a/b}"), schema).isEmpty)
        XCTAssertFalse(SchemaCheck.errors(try app("previews: 'yes'"), schema).isEmpty)
    }
}
