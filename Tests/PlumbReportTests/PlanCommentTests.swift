import PlumbCore
import PlumbEngine
import PlumbReport
import XCTest

final class PlanCommentTests: XCTestCase {
    let sha = "3f9c2ab4e5d6f7a8b9c0d1e2f3a4b5c6d7e8f9a0"

    func report(_ plan: Plan, warnings: [ServerWarning] = []) -> PlanReport {
        PlanReport(app: plan.app, plan: plan, revision: sha, branch: "main", signed: true, warnings: warnings)
    }

    func testTheCommentSaysWhatThePlanDoes() {
        let warning = ServerWarning(
            object: ObjectRef(apiVersion: "apps/v1", kind: "Deployment", namespace: "web", name: "web"),
            text: "spec.template.spec.containers[0].ports: duplicate port")
        let text = PlanComment(report: report(PlanFixtures.web, warnings: [warning])).render()
        XCTAssertTrue(text.hasPrefix("<!-- plumb:app=web -->\n"), text)
        XCTAssertTrue(text.contains("Plumb plan for web: 1 to create, 2 to update, 1 to prune, 1 unchanged"), text)
        XCTAssertTrue(text.contains("revision `3f9c2ab4e5d6` (main) · signed: yes"), text)
        // The table: one row per kind.
        XCTAssertTrue(text.contains("| ConfigMap | 1 | 0 | 1 | 0 |"), text)
        XCTAssertTrue(text.contains("| Deployment (apps) | 0 | 1 | 0 | 0 |"), text)
        XCTAssertTrue(text.contains("| Secret | 0 | 1 | 0 | 0 |"), text)
        XCTAssertTrue(text.contains("| Service | 0 | 0 | 0 | 1 |"), text)
        // The field view of plumb diff, collapsed per object.
        XCTAssertTrue(
            text.contains("<details><summary>🟡 update <code>apps/v1 Deployment web/web</code>: 2 fields</summary>"),
            text)
        XCTAssertTrue(text.contains("spec.replicas                      2 → 3"), text)
        XCTAssertTrue(
            text.contains(
                "spec.template.spec.containers[web].image\n                                   nginx:1.25 → nginx:1.26"),
            text)
        XCTAssertTrue(text.contains("data.password                      (changed, 12 → 16 bytes masked)"), text)
        XCTAssertTrue(text.contains("- 🔴 prune <code>v1 ConfigMap web/legacy</code>"), text)
        // The blast radius.
        XCTAssertTrue(text.contains("- **Namespaces touched:** `web`"), text)
        XCTAssertTrue(text.contains("- **Pods replaced:** 3 in 1 workload"), text)
        XCTAssertTrue(text.contains("Deployment web/web: 3 pods (`spec.template.spec.containers[web].image`)"), text)
        XCTAssertTrue(text.contains("- **Objects deleted:** 1: ConfigMap web/legacy"), text)
        XCTAssertTrue(
            text.contains("⚠️ apps/v1 Deployment web/web: spec.template.spec.containers\\[0\\].ports\\: duplicate port"),
            text)
        XCTAssertEqual(
            text.components(separatedBy: "<details>").count, text.components(separatedBy: "</details>").count)
    }

    func testAVerifiedSignatureIsShownAsItsVerdict() {
        var r = report(PlanFixtures.web)
        r.signature = "revision 3f9c2ab: good gpg signature by Ada <ada@acme.dev> (key DB4F), 1 commit checked"
        let text = PlanComment(report: r).render()
        XCTAssertTrue(
            text.contains(
                "· signature: revision 3f9c2ab\\: good gpg signature by Ada &lt;ada\\@acme.dev&gt; (key DB4F), 1 commit checked ·"
            ), text)
        XCTAssertFalse(text.contains("signed: yes"))
    }

    func testBitbucketGetsMarkdownWithoutHTML() {
        let text = PlanComment(report: report(PlanFixtures.web), style: .markdown).render()
        XCTAssertFalse(text.contains("<details>"), text)
        XCTAssertFalse(text.contains("<code>"), text)
        XCTAssertTrue(text.contains("**🟡 update** `apps/v1 Deployment web/web`: 2 fields\n\n```\nspec.replicas"), text)
        XCTAssertTrue(text.contains("- 🔴 prune `v1 ConfigMap web/legacy`"), text)
        XCTAssertTrue(text.contains("data.password                      (changed, 12 → 16 bytes masked)"), text)
    }

    func testTheBlastRadiusCountsPodsFromGitOrTheLiveObject() {
        let plan = PlanFixtures.web
        let radius = BlastRadius(plan)
        XCTAssertEqual(radius.namespaces, ["web"])
        XCTAssertEqual(radius.rollouts.map(\.ref.name), ["web"])
        XCTAssertEqual(radius.podsReplaced, 3)
        XCTAssertEqual(radius.deleted.map(\.name), ["legacy"])
        // A replicas change alone rolls nothing.
        let scaled = PlanFixtures.object(
            PlanFixtures.resource("apps/v1", "StatefulSet", "db", "pg", spec: ["replicas": 5]),
            [FieldChange(path: "spec.replicas", old: 3, new: 5)], action: .configured)
        let daemon = PlanFixtures.object(
            PlanFixtures.resource("apps/v1", "DaemonSet", "kube-system", "agent"),
            [FieldChange(path: "spec.template.metadata.labels.v", old: "1", new: "2")], action: .configured)
        let namespace = PlanFixtures.object(PlanFixtures.resource("v1", "Namespace", "", "team"), [], action: .created)
        let other = BlastRadius(
            Plan(app: "x", steps: [PlanStep(syncWave: 0, phase: 0, objects: [scaled, daemon, namespace])]))
        XCTAssertEqual(other.rollouts.map(\.ref.name), ["agent"])
        XCTAssertNil(other.rollouts.first?.pods, "a DaemonSet runs one pod per node")
        XCTAssertEqual(other.namespaces, ["db", "kube-system", "team"])
        XCTAssertEqual(other.clusterScoped, 1)
    }

    func testNamesAndValuesFromGitCannotBreakTheComment() {
        let hostile = "x</code></summary></details><script>alert(1)</script>"
        let evil = PlanFixtures.object(
            PlanFixtures.resource("v1", "ConfigMap", "web", "evil"),
            [
                FieldChange(path: "data.note", old: "```\n</details>\n@admin [link](http://x)", new: .string(hostile)),
                FieldChange(path: "data[\"`\"]", old: nil, new: "````"),
            ], action: .configured)
        var plan = Plan(app: "a|b*_<c>", steps: [PlanStep(syncWave: 0, phase: 0, objects: [evil])])
        plan.prune = [
            PlannedPrune(
                ref: ObjectRef(apiVersion: "v1", kind: "ConfigMap", namespace: "web", name: hostile), syncWave: 0,
                phase: 0)
        ]
        let text = PlanComment(report: PlanReport(app: plan.app, plan: plan, revision: sha, branch: "<b>main</b>"))
            .render()
        XCTAssertFalse(Self.outsideCode(text).contains("<script>"), text)
        XCTAssertFalse(text.contains("<b>main"), text)
        XCTAssertTrue(text.contains("Plumb plan for a\\|b\\*\\_&lt;c&gt;:"), text)
        XCTAssertTrue(
            text.contains("<code>v1 ConfigMap web/x&lt;/code&gt;&lt;/summary&gt;&lt;/details&gt;&lt;script&gt;"), text)
        // Values sit in a fence longer than any backtick run inside it.
        XCTAssertTrue(text.contains("\n`````\ndata.note"), text)
        XCTAssertEqual(text.components(separatedBy: "<details>").count, 2)
        XCTAssertEqual(
            text.components(separatedBy: "</details>\n").count, 2, "only the comment's own </details> closes a block")
        // The marker of a hostile app name stays one HTML comment.
        let marker = PlanComment.marker(app: "x-->y")
        XCTAssertEqual(marker.components(separatedBy: "-->").count, 2, marker)
    }

    /// The comment without its fenced code blocks (whose text is shown, never read as HTML).
    static func outsideCode(_ text: String) -> String {
        var out: [Substring] = []
        var fence: Substring?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if let open = fence {
                if line == open { fence = nil }
            } else if line.hasPrefix("```") {
                fence = line.prefix { $0 == "`" }
            } else {
                out.append(line)
            }
        }
        return out.joined(separator: "\n")
    }

    func testAnOversizedCommentIsCutAtAnObjectBoundary() {
        let plan = PlanFixtures.many(300)
        let full = PlanComment(report: report(plan), limit: 10_000_000).render()
        XCTAssertGreaterThan(full.utf8.count, 65_536)
        let limit = 65_536
        let text = PlanComment(report: report(plan), limit: limit, localCommand: "plumb diff --repo . --path apps/big")
            .render()
        XCTAssertLessThanOrEqual(text.utf8.count, limit)
        let shown = text.components(separatedBy: "<details>").count - 1
        XCTAssertEqual(shown, text.components(separatedBy: "</details>").count - 1, "every block shown is whole")
        XCTAssertGreaterThan(shown, 100)
        XCTAssertTrue(text.contains("> ✂️ \(300 - shown) objects left out"), text.suffix(500).description)
        XCTAssertTrue(text.contains("Run `plumb diff --repo . --path apps/big` locally"), text.suffix(500).description)
        // The summary and the blast radius come before any object and are never cut.
        XCTAssertTrue(text.contains("0 to create, 300 to update, 0 to prune, 0 unchanged"))
        XCTAssertTrue(text.contains("- **Namespaces touched:** `big`"))
        // A long value is shortened in the comment (plumb diff shows it whole).
        let long = PlanComment(report: report(PlanFixtures.many(1, size: 5000))).render()
        XCTAssertTrue(long.contains("… (5000 characters)"), long)
    }

    func testAFailedPlanSaysWhyAndFailsTheStatus() {
        let failed = PlanReport(
            app: "web", plan: nil,
            error: "apps/v1 Deployment web/web: dry-run failed: spec.replicas: Invalid value: -1", revision: sha)
        let text = PlanComment(report: failed).render()
        XCTAssertTrue(text.contains("### ❌ Plumb plan for web failed"), text)
        XCTAssertTrue(
            text.contains("```\napps/v1 Deployment web/web: dry-run failed: spec.replicas: Invalid value: -1\n```"),
            text)
        let status = failed.commitStatus()
        XCTAssertEqual(status.state, .failure)
        XCTAssertEqual(status.context, "plumb/web")
        XCTAssertEqual(
            status.description,
            "plan failed: apps/v1 Deployment web/web: dry-run failed: spec.replicas: Invalid value: -1")
        let ok = report(PlanFixtures.web).commitStatus()
        XCTAssertEqual(ok.state, .success)
        XCTAssertEqual(ok.description, "1 to create, 2 to update, 1 to prune")
        XCTAssertEqual(report(PlanFixtures.unchanged).commitStatus().description, "no changes")
    }

    func testPublishingEditsTheStickyCommentAndSetsTheStatus() async throws {
        let forge = RecordingForge()
        await forge.addComment(pullRequest: 7, body: "LGTM")
        let destination = PlanDestination(pullRequest: 7, sha: "abc1234def", runURL: "https://ci.example/run/1")
        let first = await report(PlanFixtures.web).publish(on: forge, to: destination)
        XCTAssertEqual(first, PublishResult(comment: .created, statusSet: true, problems: []))
        let second = await report(PlanFixtures.unchanged).publish(on: forge, to: destination)
        XCTAssertEqual(second.comment, .edited)
        let again = await report(PlanFixtures.unchanged).publish(on: forge, to: destination)
        XCTAssertEqual(again.comment, .unchanged)
        let comments = await forge.comments[7] ?? []
        XCTAssertEqual(comments.count, 2, "one sticky comment beside the human's")
        XCTAssertTrue(comments[1].body.contains("no changes"))
        let statuses = await forge.statuses
        XCTAssertEqual(statuses.map(\.sha), ["abc1234def", "abc1234def", "abc1234def"])
        XCTAssertEqual(statuses.map(\.context), ["plumb/web", "plumb/web", "plumb/web"])
        XCTAssertEqual(
            statuses.map(\.description), ["1 to create, 2 to update, 1 to prune", "no changes", "no changes"])
        XCTAssertEqual(statuses.first?.targetURL, "https://ci.example/run/1")
    }

    func testOnlyOnChangesSkipsANewCommentButUpdatesAnOldOne() async throws {
        let forge = RecordingForge()
        let quiet = PlanDestination(pullRequest: 3, sha: "abc1234", onlyOnChanges: true)
        let skipped = await report(PlanFixtures.unchanged).publish(on: forge, to: quiet)
        XCTAssertEqual(skipped.comment, .skipped)
        XCTAssertTrue(skipped.statusSet, "the status is set either way")
        var count = await forge.comments[3]?.count ?? 0
        XCTAssertEqual(count, 0)
        _ = await report(PlanFixtures.web).publish(on: forge, to: quiet)
        let updated = await report(PlanFixtures.unchanged).publish(on: forge, to: quiet)
        XCTAssertEqual(updated.comment, .edited, "the earlier plan's comment now says nothing changes")
        count = await forge.comments[3]?.count ?? 0
        XCTAssertEqual(count, 1)
        let body = await forge.comments[3]?.first?.body ?? ""
        XCTAssertTrue(body.contains("✅ Plumb plan for web: no changes"), body)
    }

    func testAForgeFailureIsAProblemLineNotAnError() async throws {
        let forge = RecordingForge()
        await forge.failStatuses(1)
        await forge.setFailComments(true)
        let result = await report(PlanFixtures.web).publish(
            on: forge, to: PlanDestination(pullRequest: 1, sha: "abc1234"))
        XCTAssertFalse(result.statusSet)
        XCTAssertEqual(result.problems.count, 2)
        XCTAssertTrue(
            result.problems[0].hasPrefix("commit status plumb/web on abc1234: test: POST /statuses"), result.problems[0]
        )
        XCTAssertTrue(
            result.problems[1].hasPrefix("comment on pull request #1: test: GET /comments"), result.problems[1])
    }
}
