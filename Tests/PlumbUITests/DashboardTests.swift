import Foundation
import PlumbController
import PlumbCore
import PlumbKube
import PlumbNode
import PlumbRollout
import PlumbTesting
import PlumbUI
import XCTest

/// The dashboard served in process against the local cluster, read with the real `curl`:
/// pages, escaping, filters, the login with TokenReview, SubjectAccessReview on every page and
/// action, CSRF, the actions and the event stream.
final class DashboardTests: UITestCase {
    let web = "3f9c2ab41d5e6f708192a3b4c5d6e7f8091a2b3c"
    let api = "9d01e77aa0b1c2d3e4f5061728394a5b6c7d8e9f"

    func testApplicationsTableShowsStatusWordsAndEscapesEveryValue() async throws {
        try await makeApp("web", sync: "Synced", health: "Healthy", revision: web)
        try await makeApp("api", sync: "OutOfSync", health: "Degraded", revision: api)
        try record("web", revision: web, message: "Bump <script>alert('x')</script> to 1.26\n\nbody")
        let port = try await serve(.kubeconfig(Viewer(name: "ada@laptop")))
        let page = try http(port, "/ui/")
        XCTAssertEqual(page.status, 200)
        XCTAssertTrue(page.body.contains("✓ Synced") && page.body.contains("♥ Healthy"), page.body)
        XCTAssertTrue(page.body.contains("≠ OutOfSync") && page.body.contains("✗ Degraded"), page.body)
        XCTAssertTrue(page.body.contains("<code data-field=\"revision\">3f9c2ab</code>"), page.body)
        // The commit subject is text: escaped, never markup.
        XCTAssertTrue(page.body.contains("Bump &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; to 1.26"), page.body)
        XCTAssertFalse(page.body.contains("<script>alert"))
        XCTAssertFalse(page.body.contains("<script>"), "no inline script at all")
        let csp = page.header("Content-Security-Policy").first ?? ""
        XCTAssertTrue(csp.contains("script-src 'self'"), csp)
        XCTAssertFalse(csp.contains("unsafe-inline"), csp)
        // Filters: status and text search.
        let outOfSync = try http(port, "/ui/?status=OutOfSync")
        XCTAssertTrue(outOfSync.body.contains("data-key=\"team-a/api\""))
        XCTAssertFalse(outOfSync.body.contains("data-key=\"team-a/web\""))
        let search = try http(port, "/ui/?q=bump")
        XCTAssertTrue(search.body.contains("data-key=\"team-a/web\""))
        XCTAssertFalse(search.body.contains("data-key=\"team-a/api\""))
        XCTAssertTrue(try http(port, "/ui/?namespace=other").body.contains("No Applications match."))
        // The script is a separate file.
        let js = try http(port, "/ui/static/plumb.js")
        XCTAssertEqual(js.status, 200)
        XCTAssertTrue(js.header("Content-Type").first?.hasPrefix("text/javascript") == true)
        XCTAssertTrue(js.body.contains("EventSource"))
    }

    func testApplicationsPageFollowsChangesAfterTheFirstLoad() async throws {
        try await makeApp("web", sync: "Synced", health: "Healthy", revision: web)
        let port = try await serve(.kubeconfig(Viewer(name: "ada@laptop")))
        XCTAssertTrue(try http(port, "/ui/").body.contains("1 of 1 Applications"))
        // The page reads a watched copy of the Applications: a change, a new one and a deleted
        // one show on the next loads.
        try await makeApp("web", sync: "OutOfSync", health: "Degraded", revision: web)
        try await makeApp("api", sync: "Synced", health: "Healthy", revision: api)
        try await eventually("the change and the new Application on the page") {
            let body = try http(port, "/ui/").body
            return body.contains("2 of 2 Applications") && body.contains("≠ OutOfSync")
        }
        try kubectl(["delete", "application.plumb.dev", "api", "-n", namespace])
        try await eventually("the deleted Application gone from the page") {
            try http(port, "/ui/").body.contains("1 of 1 Applications")
        }
    }

    func testPlumbUIAnswersOnlyUnderLoopbackNames() async throws {
        let port = try await serve(.kubeconfig(Viewer(name: "ada@laptop")))
        XCTAssertEqual(try http(port, "/ui/", host: "localhost:\(port)").status, 200)
        // A page of another site whose name resolves to 127.0.0.1 (DNS rebinding) gets nothing.
        XCTAssertEqual(try http(port, "/ui/", host: "attacker.example:\(port)").status, 403)
    }

    func testLoginReviewsTheTokenAndEveryPageAndActionIsAuthorised() async throws {
        try await makeApp("web", sync: "Synced", health: "Healthy", revision: web)
        let port = try await serve(.login)
        // No session: the login page.
        let anonymous = try http(port, "/ui/", jar: "anon")
        XCTAssertEqual(anonymous.status, 303)
        XCTAssertEqual(anonymous.header("Location"), ["/ui/login"])
        XCTAssertEqual(try http(port, "/ui/apps/team-a/web/sync", method: "POST", form: ["csrf": "x"], jar: "anon").status, 401)
        // A token the API server does not know.
        XCTAssertEqual(try login(port, token: "not-a-token", jar: "bad").status, 401)
        // A login without the login form's CSRF token.
        XCTAssertEqual(try http(port, "/ui/login", method: "POST", form: ["token": Self.tokens["ada"]!], jar: "nocsrf").status, 403)

        // eve: authenticated, allowed nothing.
        let eve = try login(port, token: Self.tokens["eve"]!, jar: "eve")
        XCTAssertEqual(eve.status, 303)
        let cookie = eve.header("Set-Cookie").first { $0.hasPrefix("plumb_session=") } ?? ""
        XCTAssertTrue(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), cookie)
        XCTAssertFalse(cookie.contains("Secure"), "plain HTTP: no Secure flag")
        let refused = try http(port, "/ui/", jar: "eve")
        XCTAssertEqual(refused.status, 403)
        XCTAssertTrue(refused.body.contains("eve may not list Applications"), refused.body)
        XCTAssertEqual(try http(port, "/ui/apps/team-a/web", jar: "eve").status, 403)

        // ada: reads, may not act.
        XCTAssertEqual(try login(port, token: Self.tokens["ada"]!, jar: "ada").status, 303)
        let list = try http(port, "/ui/", jar: "ada")
        XCTAssertEqual(list.status, 200)
        XCTAssertTrue(list.body.contains("data-key=\"team-a/web\""))
        XCTAssertTrue(list.body.contains(">ada<"), "the user is named")
        let appPage = try http(port, "/ui/apps/team-a/web", jar: "ada")
        XCTAssertEqual(appPage.status, 200)
        let adaCSRF = try XCTUnwrap(Self.csrf(appPage.body))
        let denied = try http(port, "/ui/apps/team-a/web/sync", method: "POST", form: ["csrf": adaCSRF], jar: "ada")
        XCTAssertEqual(denied.status, 403)
        XCTAssertTrue(denied.body.contains("ada may not patch Application team-a/web"), denied.body)

        // lin: acts, with the CSRF token only.
        XCTAssertEqual(try login(port, token: Self.tokens["lin"]!, jar: "lin").status, 303)
        let linPage = try http(port, "/ui/apps/team-a/web", jar: "lin")
        let linCSRF = try XCTUnwrap(Self.csrf(linPage.body))
        XCTAssertEqual(try http(port, "/ui/apps/team-a/web/sync", method: "POST", form: [:], jar: "lin").status, 403)
        XCTAssertEqual(try http(port, "/ui/apps/team-a/web/sync", method: "POST", form: ["csrf": adaCSRF], jar: "lin").status, 403)
        let untouched = try await app("web")
        XCTAssertNil(untouched.reconcileAt, "refused actions change nothing")
        let synced = try http(port, "/ui/apps/team-a/web/sync", method: "POST", form: ["csrf": linCSRF], jar: "lin")
        XCTAssertEqual(synced.status, 303)
        let requested = try await app("web")
        XCTAssertNotNil(requested.reconcileAt)
        XCTAssertEqual(requested.reconcileBy, "lin", "the reconcile is credited to lin")
        XCTAssertEqual(requested.initiator, "lin")
        XCTAssertEqual(try http(port, "/ui/apps/team-a/web/suspend", method: "POST", form: ["csrf": linCSRF], jar: "lin").status, 303)
        let suspended = try await app("web")
        XCTAssertEqual(suspended.object[path: ["spec", "suspend"]]?.boolValue, true)
        // The Events name who did it.
        let events = try http(port, "/ui/apps/team-a/web", jar: "lin").body
        XCTAssertTrue(events.contains("Suspended by lin from the dashboard"), events)

        // Logout ends the session.
        XCTAssertEqual(try http(port, "/ui/logout", method: "POST", form: ["csrf": linCSRF], jar: "lin").status, 303)
        XCTAssertEqual(try http(port, "/ui/", jar: "lin").status, 303)
    }

    /// A session ends when the token it logged in with expires (a JWT's `exp`), not 8 hours
    /// later; an expired token does not log in.
    func testASessionEndsWhenItsTokenExpires() async throws {
        try await makeApp("web", sync: "Synced", health: "Healthy", revision: web)
        let port = try await serve(.login)
        let expired = try login(port, token: expiredToken, jar: "old")
        XCTAssertEqual(expired.status, 401)
        XCTAssertTrue(expired.body.contains("That token has expired."), expired.body)

        let fresh = try login(port, token: expiringToken, jar: "ada")
        XCTAssertEqual(fresh.status, 303)
        let cookie = fresh.header("Set-Cookie").first { $0.hasPrefix("plumb_session=") } ?? ""
        let maxAge = cookie.split(separator: ";").compactMap { part -> Int? in
            let kv = part.trimmingCharacters(in: .whitespaces).split(separator: "=")
            return kv.count == 2 && kv[0] == "Max-Age" ? Int(kv[1]) : nil
        }.first
        XCTAssertNotNil(maxAge, cookie)
        XCTAssertLessThanOrEqual(maxAge ?? .max, 10, "the cookie lasts as long as the token: \(cookie)")
        XCTAssertEqual(try http(port, "/ui/", jar: "ada").status, 200)

        try await Task.sleep(for: .seconds(max(0, expiringTokenEnd.timeIntervalSinceNow) + 1))
        // curl's jar would drop the cookie by itself; the server must refuse it too.
        let later = try http(port, "/ui/", jar: "ada", cookie: cookie)
        XCTAssertEqual(later.status, 303)
        XCTAssertEqual(later.header("Location"), ["/ui/login"])
    }

    func testApplicationPageShowsTreeConditionsHistoryAndRecord() async throws {
        try kubectl(["create", "deployment", "web", "-n", namespace, "--image=nginx:1.27", "--replicas=2"])
        try await eventually("the Deployment's Pods") {
            (try? kubectl(["get", "pods", "-n", namespace, "-o", "name"]).split(separator: "\n").count) == 2
        }
        try await makeApp(
            "web", sync: "OutOfSync", health: "Healthy", revision: web,
            resources: [.init(group: "apps", kind: "Deployment", namespace: namespace, name: "web", status: .outOfSync, health: .healthy)])
        let id = try record("web", revision: web, message: "Scale <b>web</b> to two")
        let port = try await serve(.kubeconfig(Viewer(name: "ada@laptop")))
        let page = try http(port, "/ui/apps/team-a/web")
        XCTAssertEqual(page.status, 200)
        XCTAssertTrue(page.body.contains("<span class=\"kind\">Deployment</span> <span class=\"name\">team-a/web</span>"), page.body)
        XCTAssertTrue(page.body.contains("<span class=\"kind\">ReplicaSet</span>"), page.body)
        XCTAssertEqual(page.body.components(separatedBy: "<span class=\"kind\">Pod</span>").count - 1, 2, page.body)
        XCTAssertTrue(page.body.contains("≠ OutOfSync"))
        XCTAssertTrue(page.body.contains("1 change to apply"), "conditions with their reasons")
        XCTAssertTrue(page.body.contains("Ada Lovelace &lt;ada@acme.dev&gt;"), page.body)
        XCTAssertTrue(page.body.contains("Scale &lt;b&gt;web&lt;/b&gt; to two"))
        XCTAssertTrue(page.body.contains("/ui/apps/team-a/web/history/\(id)"))
        let record = try http(port, "/ui/apps/team-a/web/history/\(id)")
        XCTAssertEqual(record.status, 200)
        XCTAssertTrue(record.body.contains("apps/v1 Deployment team-a/web"))
        XCTAssertTrue(record.body.contains("spec.replicas"))
        // A record of another Application is not reachable under this one.
        try await makeApp("api", sync: "Synced", health: "Healthy", revision: api)
        XCTAssertEqual(try http(port, "/ui/apps/team-a/api/history/\(id)").status, 404)
        XCTAssertEqual(try http(port, "/ui/apps/team-a/nothing").status, 404)
    }

    func testEventStreamSendsEachChangedApplication() async throws {
        try await makeApp("web", sync: "Synced", health: "Healthy", revision: web)
        let port = try await serve(.kubeconfig(Viewer(name: "ada@laptop")))
        let first = try http(port, "/ui/events", maxTime: 2)
        XCTAssertEqual(first.status, 200)
        XCTAssertTrue(first.header("Content-Type").first?.hasPrefix("text/event-stream") == true)
        XCTAssertTrue(first.body.contains("retry: 1000"))
        XCTAssertTrue(first.body.contains("event: app\ndata: {\"key\":\"team-a/web\",\"sync\":\"Synced\""), first.body)
        // A change while a stream is open arrives on it.
        let url = "http://127.0.0.1:\(port)/ui/events"
        let stream = Task.detached { try runTool("/usr/bin/curl", ["-sS", "-i", "--max-time", "3", url], check: false).stdout }
        try await Task.sleep(for: .milliseconds(800))
        try await makeApp("web", sync: "OutOfSync", health: "Healthy", revision: web)
        let body = try await stream.value
        XCTAssertTrue(body.contains("\"sync\":\"Synced\""), body)
        XCTAssertTrue(body.contains("\"sync\":\"OutOfSync\""), body)
    }

    // MARK: rollouts

    /// The RolloutStrategy CRD, the Deployment `web`, a RolloutStrategy `web` with four steps,
    /// the `status.rollout` the runner writes (at `phase`), and the Application `web` owning
    /// both (plus `api`, which owns no rollout).
    func makeRollout(_ phase: RolloutState.Phase) async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        try kubectl(["apply", "--server-side", "-f", root.appendingPathComponent("charts/plumb/crds/rolloutstrategies.plumb.dev.yaml").path])
        try kubectl(["wait", "--for=condition=Established", "--timeout=10s", "crd/rolloutstrategies.plumb.dev"])
        try kubectl(["create", "deployment", "web", "-n", namespace, "--image=nginx:1.27", "--replicas=3"])
        try kubectl(
            ["apply", "-f", "-"],
            stdin: """
                apiVersion: plumb.dev/v1alpha1
                kind: RolloutStrategy
                metadata: {name: web, namespace: \(namespace)}
                spec:
                  targetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
                  strategy:
                    canary:
                      steps:
                      - setWeight: 20
                      - analysis: {templates: [{templateName: success-rate}]}
                      - pause: {}
                      - setWeight: 50
                """)
        var state = RolloutState(revision: web, templateHash: "h1", steps: 4)
        state.phase = phase
        let at = Date(timeIntervalSince1970: 1_796_000_000)
        state.measurements = [
            Measurement(metric: "success-rate", phase: .successful, value: "0.98", message: "success-rate 0.98 meets min 0.95", at: at, threshold: "min 0.95"),
            Measurement(metric: "latency-p99", phase: .inconclusive, value: nil, message: "no values: no traffic <script>alert(1)</script>", at: at, threshold: "max 0.5"),
        ]
        switch phase {
        case .paused:
            state.step = 2
            state.weight = 20
            state.message = "paused until promoted"
        case .degraded:
            state.step = 1
            state.failedStep = 1
            state.weight = 0
            state.message = "analysis success-rate failed"
            state.measurements[0] = Measurement(
                metric: "success-rate", phase: .failed, value: "0.82", message: "success-rate 0.82 is below the minimum 0.95", at: at,
                threshold: "min 0.95")
        case .progressing, .healthy:
            state.step = phase == .healthy ? 4 : 0
            state.weight = phase == .healthy ? 0 : 20
        }
        _ = try await client.patch(
            RolloutControl.ref("web", namespace: namespace), .merge(["status": ["rollout": state.value]]), subresource: "status")
        try await makeApp(
            "web", sync: "Synced", health: "Progressing", revision: web,
            resources: [
                .init(group: "apps", kind: "Deployment", namespace: namespace, name: "web", status: .synced, health: .progressing),
                .init(group: "plumb.dev", kind: "RolloutStrategy", namespace: namespace, name: "web", status: .synced, health: nil),
            ])
        try await makeApp("api", sync: "Synced", health: "Healthy", revision: api)
    }

    func rolloutCommand() async throws -> String? {
        try await client.get(RolloutControl.ref("web", namespace: namespace))[path: ["metadata", "annotations", RolloutCommand.annotation]]?
            .stringValue
    }

    func testApplicationPageAndRolloutsListShowTheRolloutWithItsAnalysis() async throws {
        try await makeRollout(.paused)
        let port = try await serve(.kubeconfig(Viewer(name: "ada@laptop")))
        let page = try http(port, "/ui/apps/team-a/web")
        XCTAssertEqual(page.status, 200)
        let body = page.body
        XCTAssertTrue(body.contains("data-rollout=\"team-a/web\""), body)
        XCTAssertTrue(body.contains("→ Deployment team-a/web"), body)
        XCTAssertTrue(body.contains("canary, 4 steps, router none"), body)
        XCTAssertTrue(body.contains("data-field=\"phase\">⏸ Paused</span>"), body)
        XCTAssertTrue(body.contains("<dd data-field=\"step\">step 3 of 4 (pause until promoted)</dd>"), body)
        XCTAssertTrue(body.contains("canary 20% / stable 80% (web 3 replicas)"), body)
        XCTAssertTrue(body.contains("<li class=\"step-done\" data-state=\"done\">setWeight 20"), body)
        XCTAssertTrue(body.contains("<li class=\"step-current\" data-state=\"current\">pause until promoted"), body)
        XCTAssertTrue(body.contains("<li class=\"step-pending\" data-state=\"pending\">setWeight 50"), body)
        // Each measurement with its value, threshold and verdict; the message is text.
        XCTAssertTrue(
            body.contains("<td>success-rate</td><td><span class=\"status verdict-pass\">pass</span></td><td><code>0.98</code></td><td>min 0.95</td>"),
            body)
        XCTAssertTrue(
            body.contains("<td>latency-p99</td><td><span class=\"status verdict-inconclusive\">inconclusive</span></td><td><code>-</code></td>"),
            body)
        XCTAssertTrue(body.contains("no values: no traffic &lt;script&gt;alert(1)&lt;/script&gt;"), body)
        // The value against its threshold, drawn: the passing range from the bound at 0.95 up,
        // the value's dot inside it in the verdict's class; a measurement without a value has none.
        XCTAssertTrue(body.contains("aria-label=\"0.98 against min 0.95\""), body)
        XCTAssertTrue(body.contains("<rect class=\"band\" x=\"177.3\" y=\"4\" width=\"22.7\" height=\"8\"/>"), body)
        XCTAssertTrue(body.contains("<line class=\"bound\" x1=\"177.3\""), body)
        XCTAssertTrue(body.contains("<circle class=\"mark verdict-pass\" cx=\"182.6\" cy=\"8\" r=\"4\"/>"), body)
        XCTAssertEqual(body.components(separatedBy: "<svg class=\"chart\"").count - 1, 1, body)
        XCTAssertFalse(body.contains("<script>alert"), body)
        // A paused rollout can be promoted or aborted, not retried.
        XCTAssertTrue(body.contains("action=\"/ui/apps/team-a/web/rollouts/team-a/web/promote\""), body)
        XCTAssertTrue(body.contains("id=\"rollout-abort-web\""), body)
        XCTAssertFalse(body.contains("id=\"rollout-retry-web\""), body)
        // The header links the rollouts page, which lists the same rollout under its Application.
        XCTAssertTrue(body.contains("<a href=\"/ui/rollouts\">Rollouts</a>"), body)
        let list = try http(port, "/ui/rollouts")
        XCTAssertEqual(list.status, 200)
        XCTAssertTrue(list.body.contains("1 rollouts"), list.body)
        XCTAssertTrue(list.body.contains("<a href=\"/ui/apps/team-a/web\">team-a/web</a>"), list.body)
        XCTAssertTrue(list.body.contains("data-field=\"phase\">⏸ Paused</span>"), list.body)
        // An Application without rollouts has no rollouts section.
        XCTAssertFalse(try http(port, "/ui/apps/team-a/api").body.contains("<h2>Rollouts</h2>"))

        // Promote, with plumb ui's CSRF token: the command lands on the RolloutStrategy as
        // `plumb rollout promote` writes it, and the sync that carries it out is ada's.
        let csrf = try XCTUnwrap(Self.csrf(body))
        let promoted = try http(port, "/ui/apps/team-a/web/rollouts/team-a/web/promote", method: "POST", form: ["csrf": csrf])
        XCTAssertEqual(promoted.status, 303)
        XCTAssertEqual(promoted.header("Location").first?.hasPrefix("/ui/apps/team-a/web?done="), true)
        let command = try await rolloutCommand()
        XCTAssertEqual(command, "promote")
        let requested = try await app("web")
        XCTAssertEqual(requested.reconcileBy, "ada@laptop")
        let after = try http(port, "/ui/apps/team-a/web").body
        XCTAssertTrue(after.contains("promote, not yet carried out"), after)
        XCTAssertTrue(after.contains("Promote requested by ada@laptop from the dashboard for RolloutStrategy team-a/web"), after)
    }

    func testRolloutActionsNeedTheCSRFTokenThePermissionAndAStateThatAllowsThem() async throws {
        try await makeRollout(.degraded)
        let port = try await serve(.login)
        let promote = "/ui/apps/team-a/web/rollouts/team-a/web/retry"
        // ada reads the rollout but may not act on it.
        XCTAssertEqual(try login(port, token: Self.tokens["ada"]!, jar: "ada").status, 303)
        let adaPage = try http(port, "/ui/apps/team-a/web", jar: "ada")
        XCTAssertEqual(adaPage.status, 200)
        XCTAssertTrue(adaPage.body.contains("✗ Degraded, rolled back"), adaPage.body)
        XCTAssertTrue(adaPage.body.contains("failed at step 2 of 4"), adaPage.body)
        XCTAssertTrue(adaPage.body.contains("<span class=\"status verdict-fail\">fail</span></td><td><code>0.82</code>"), adaPage.body)
        XCTAssertTrue(adaPage.body.contains("<circle class=\"mark verdict-fail\""), "the failing value's dot is red")
        XCTAssertTrue(adaPage.body.contains("<li class=\"step-failed\" data-state=\"failed\">analysis success-rate"), adaPage.body)
        XCTAssertTrue(adaPage.body.contains("id=\"rollout-retry-web\""), "a rolled-back rollout offers Retry")
        XCTAssertFalse(adaPage.body.contains("id=\"rollout-promote-web\""))
        let adaCSRF = try XCTUnwrap(Self.csrf(adaPage.body))
        let denied = try http(port, promote, method: "POST", form: ["csrf": adaCSRF], jar: "ada")
        XCTAssertEqual(denied.status, 403)
        XCTAssertTrue(denied.body.contains("ada may not patch Application team-a/web"), denied.body)
        // eve may not even read it.
        XCTAssertEqual(try login(port, token: Self.tokens["eve"]!, jar: "eve").status, 303)
        XCTAssertEqual(try http(port, "/ui/rollouts", jar: "eve").status, 403)
        // lin may patch, but only with her own CSRF token.
        XCTAssertEqual(try login(port, token: Self.tokens["lin"]!, jar: "lin").status, 303)
        let linCSRF = try XCTUnwrap(Self.csrf(try http(port, "/ui/apps/team-a/web", jar: "lin").body))
        XCTAssertEqual(try http(port, promote, method: "POST", form: [:], jar: "lin").status, 403)
        XCTAssertEqual(try http(port, promote, method: "POST", form: ["csrf": adaCSRF], jar: "lin").status, 403)
        XCTAssertEqual(try http(port, promote, method: "POST", form: ["csrf": linCSRF], jar: "anon").status, 401)
        var command = try await rolloutCommand()
        XCTAssertNil(command, "refused actions change nothing")
        let untouched = try await app("web")
        XCTAssertNil(untouched.reconcileAt)
        // A command the state does not allow: the runner's own refusal, as plumb rollout says it.
        let conflict = try http(port, "/ui/apps/team-a/web/rollouts/team-a/web/promote", method: "POST", form: ["csrf": linCSRF], jar: "lin")
        XCTAssertEqual(conflict.status, 409)
        XCTAssertTrue(conflict.body.contains("no rollout is running (phase Degraded)"), conflict.body)
        // A RolloutStrategy that is not among the Application's objects is not reachable through it.
        let foreign = try http(port, "/ui/apps/team-a/api/rollouts/team-a/web/retry", method: "POST", form: ["csrf": linCSRF], jar: "lin")
        XCTAssertEqual(foreign.status, 404)
        XCTAssertTrue(foreign.body.contains("is not among the objects of Application team-a/api"), foreign.body)
        XCTAssertEqual(try http(port, "/ui/apps/team-a/web/rollouts/team-a/web/explode", method: "POST", form: ["csrf": linCSRF], jar: "lin").status, 404)
        command = try await rolloutCommand()
        XCTAssertNil(command)
        // Retry: the command, and lin as the initiator of the sync that starts the rollout again.
        let retried = try http(port, promote, method: "POST", form: ["csrf": linCSRF], jar: "lin")
        XCTAssertEqual(retried.status, 303)
        command = try await rolloutCommand()
        XCTAssertEqual(command, "retry")
        let requested = try await app("web")
        XCTAssertEqual(requested.reconcileBy, "lin")
        XCTAssertEqual(requested.initiator, "lin")
    }

    // MARK: nodes

    /// The NodeConfig CRD and two NodeConfigs with the `status.nodes` the node agents write.
    func makeNodeConfigs() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        try kubectl(["apply", "--server-side", "-f", root.appendingPathComponent("charts/plumb/crds/nodeconfigs.plumb.dev.yaml").path])
        try kubectl(["wait", "--for=condition=Established", "--timeout=10s", "crd/nodeconfigs.plumb.dev"])
        try kubectl(
            ["apply", "-f", "-"],
            stdin: """
                apiVersion: plumb.dev/v1alpha1
                kind: NodeConfig
                metadata:
                  name: web-tuning
                  annotations: {plumb.dev/revision: 3f9c2ab}
                spec:
                  nodeSelector: {role: web}
                  rollout: {maxUnavailable: 25%}
                  sysctls: {net.core.somaxconn: "4096"}
                ---
                apiVersion: plumb.dev/v1alpha1
                kind: NodeConfig
                metadata:
                  name: chrony
                  annotations: {plumb.dev/revision: 9d01e77}
                spec:
                  hosts: [db-1, db-2]
                  packages: [{name: chrony}]
                ---
                apiVersion: plumb.dev/v1alpha1
                kind: NodeConfig
                metadata: {name: motd}
                spec:
                  files: [{path: /etc/motd, content: "hello"}]
                """)
        let t = Date(timeIntervalSince1970: 1_796_000_000)
        let tuning: [String: NodeAgentStatus] = [
            "web-1": NodeAgentStatus(revision: "3f9c2ab", phase: .synced, changed: true, lastTransitionTime: t),
            "web-2": NodeAgentStatus(
                revision: "3f9c2ab", phase: .failed, changed: true,
                message: "health check `curl -fs http://localhost/<healthz>` failed; previous state restored", lastTransitionTime: t),
            "web-3": NodeAgentStatus(
                revision: "3f9c2ab", phase: .waiting, message: "the rollout of revision 3f9c2ab stopped at node web-2", lastTransitionTime: t),
            "web-4": NodeAgentStatus(revision: "1111111", phase: .synced, lastTransitionTime: t),
        ]
        let chrony: [String: NodeAgentStatus] = [
            "db-1": NodeAgentStatus(revision: "9d01e77", phase: .synced, changed: false, lastTransitionTime: t),
            "db-2": NodeAgentStatus(revision: "9d01e77", phase: .applying, lastTransitionTime: t, heartbeatTime: t),
        ]
        let motd: [String: NodeAgentStatus] = ["db-1": NodeAgentStatus(revision: "1", phase: .synced, changed: true, lastTransitionTime: t)]
        for (name, entries) in [("web-tuning", tuning), ("chrony", chrony), ("motd", motd)] {
            let ref = ObjectRef(group: "plumb.dev", version: "v1alpha1", kind: NodeConfig.kind, name: name)
            // The client finds a kind that appeared after it last looked within a few seconds.
            var found: Value?
            try await eventually("NodeConfig \(name) served") {
                found = try? await client.get(ref)
                return found != nil
            }
            let object = NodeAgentStatus.object(try XCTUnwrap(found), with: entries)
            _ = try await client.patch(ref, .merge(["status": object["status"] ?? .null]), subresource: "status")
        }
    }

    func testNodesPageShowsEachNodesRevisionStateAndError() async throws {
        let port = try await serve(.kubeconfig(Viewer(name: "ada@laptop")))
        let none = try http(port, "/ui/nodes")
        XCTAssertEqual(none.status, 200)
        XCTAssertTrue(none.body.contains("The NodeConfig resource is not installed in this cluster"), none.body)
        try await makeNodeConfigs()
        try await eventually("the NodeConfigs on the page") { try http(port, "/ui/nodes").body.contains("NodeConfig web-tuning") }
        let page = try http(port, "/ui/nodes")
        XCTAssertEqual(page.status, 200)
        let body = page.body
        XCTAssertTrue(body.contains("<a href=\"/ui/nodes\">Nodes</a>"), body)
        XCTAssertTrue(body.contains("<h2>NodeConfig web-tuning</h2>"), body)
        XCTAssertTrue(body.contains("<dd>role=web</dd>"), body)
        XCTAssertTrue(body.contains("<dt>Max unavailable</dt><dd>25%</dd>"), body)
        XCTAssertTrue(body.contains("data-field=\"pool\">degraded pool</span> 1 of 4 nodes at revision 3f9c2ab; stopped at node web-2"), body)
        func row(_ node: String) -> String {
            guard let start = body.range(of: "<tr data-node=\"\(node)\">") else { return "" }
            return String(body[start.lowerBound...].prefix { $0 != "\n" })
        }
        XCTAssertTrue(row("web-1").contains("<code>3f9c2ab</code></td><td>Synced</td><td><span class=\"status state-done\">done</span>"), row("web-1"))
        XCTAssertTrue(row("web-2").contains("<span class=\"status state-failed\">failed</span>"), row("web-2"))
        // The error is text.
        XCTAssertTrue(row("web-2").contains("health check `curl -fs http://localhost/&lt;healthz&gt;` failed; previous state restored"), row("web-2"))
        XCTAssertFalse(body.contains("<healthz>"))
        // Nodes not there yet wait while the failure stops the rollout.
        XCTAssertTrue(row("web-3").contains("<span class=\"status state-degradedpool\">degraded pool</span>"), row("web-3"))
        XCTAssertTrue(row("web-4").contains("<code>1111111</code> <span class=\"tag\">older</span>"), row("web-4"))
        XCTAssertTrue(row("web-4").contains("degraded pool"), row("web-4"))
        // A rollout under way, and one done (no revision annotation: the generation).
        XCTAssertTrue(body.contains("<dd>hosts db-1, db-2</dd>"), body)
        XCTAssertTrue(body.contains("data-field=\"pool\">in progress</span> 1 of 2 nodes at revision 9d01e77"), body)
        XCTAssertTrue(body.contains("<td>Applying</td><td><span class=\"status state-inprogress\">in progress</span>"), body)
        XCTAssertTrue(body.contains("<dd>every node</dd>"), body)
        XCTAssertTrue(body.contains("data-field=\"pool\">done</span> 1 of 1 node at revision 1"), body)
    }

    func testNodesPageNeedsListOnNodeConfigs() async throws {
        try await makeNodeConfigs()
        try kubectl(
            ["apply", "-f", "-"],
            stdin: """
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRole
                metadata: {name: nodeconfig-reader}
                rules:
                - {apiGroups: [plumb.dev], resources: [nodeconfigs], verbs: [get, list, watch]}
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRoleBinding
                metadata: {name: ada-reads-nodes}
                roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: nodeconfig-reader}
                subjects:
                - {apiGroup: rbac.authorization.k8s.io, kind: User, name: ada}
                """)
        let port = try await serve(.login)
        XCTAssertEqual(try http(port, "/ui/nodes", jar: "anon").status, 303, "no session: the login page")
        XCTAssertEqual(try login(port, token: Self.tokens["lin"]!, jar: "lin").status, 303)
        let refused = try http(port, "/ui/nodes", jar: "lin")
        XCTAssertEqual(refused.status, 403)
        XCTAssertTrue(refused.body.contains("lin may not list nodeconfigs.plumb.dev"), refused.body)
        XCTAssertFalse(refused.body.contains("web-tuning"))
        XCTAssertEqual(try login(port, token: Self.tokens["ada"]!, jar: "ada").status, 303)
        let allowed = try http(port, "/ui/nodes", jar: "ada")
        XCTAssertEqual(allowed.status, 200)
        XCTAssertTrue(allowed.body.contains("<h2>NodeConfig web-tuning</h2>"), allowed.body)
    }

    func app(_ name: String) async throws -> PlumbController.Application {
        let ref = ObjectRef(apiVersion: PlumbController.Application.apiVersion, kind: "Application", namespace: namespace, name: name)
        let object = try await client.get(ref)
        return try XCTUnwrap(PlumbController.Application(object))
    }
}
