import Foundation
import PlumbController
import PlumbCore
import PlumbKube
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

    func app(_ name: String) async throws -> PlumbController.Application {
        let ref = ObjectRef(apiVersion: PlumbController.Application.apiVersion, kind: "Application", namespace: namespace, name: name)
        let object = try await client.get(ref)
        return try XCTUnwrap(PlumbController.Application(object))
    }
}
