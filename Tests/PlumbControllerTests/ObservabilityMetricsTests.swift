import Foundation
import Metrics
import PlumbController
import PlumbCore
import PlumbKube
import PlumbLocalCluster
import XCTest

/// The controller's metric families as Prometheus reads them: names, types, labels, one
/// status series per Application, credentials out of labels, and `promtool` as the judge.
final class ObservabilityMetricsTests: XCTestCase {
    let web = AppKey(namespace: "prod", name: "web")
    let api = AppKey(namespace: "prod", name: "api")

    /// A registry with every family in it, as a running controller has.
    func populated() -> ControllerMetrics {
        let metrics = ControllerMetrics()
        metrics.appStatus(web, sync: "Synced", health: "Healthy", revision: "3f2a9c")
        metrics.appStatus(api, sync: "OutOfSync", health: "Progressing", revision: "77aa01")
        for phase in ReconcilePhase.allCases { metrics.reconciled(web, phase: phase, seconds: 0.02) }
        metrics.reconciled(web, phase: .fetch, seconds: 3)
        metrics.syncFinished(web, result: .succeeded)
        metrics.syncFinished(web, result: .succeeded)
        metrics.syncFinished(api, result: .failed)
        metrics.syncFinished(api, result: .interrupted)
        metrics.gitFetched(url: "https://deploy:s3cr3t-pass@git.example.com/org/app.git", seconds: 0.4)
        metrics.kubeRequest(verb: "list", code: 200)
        metrics.kubeRequest(method: "GET", path: "/api/v1/namespaces/prod/configmaps/x", code: 404)
        metrics.workqueueDepth(7)
        return metrics
    }

    /// The sample lines of a family (`name{...} value` and its `_bucket`/`_sum`/`_count`).
    func samples(_ text: String, _ name: String) -> [String] {
        text.split(separator: "\n").map(String.init).filter {
            !$0.hasPrefix("#") && ($0.hasPrefix(name + "{") || $0.hasPrefix(name + " ") || $0.hasPrefix(name + "_"))
        }
    }

    func testFamiliesHaveTheirTypesAndLabels() {
        let text = populated().exposition()
        let types = [
            "plumb_app_info": "gauge", "plumb_reconcile_duration_seconds": "histogram", "plumb_sync_total": "counter",
            "plumb_git_fetch_duration_seconds": "histogram", "plumb_kube_requests_total": "counter",
            "plumb_workqueue_depth": "gauge",
        ]
        for (name, type) in types {
            XCTAssertTrue(text.contains("# TYPE \(name) \(type)\n"), "\(name) is a \(type)\n\(text)")
            XCTAssertTrue(text.contains("# HELP \(name) "), "\(name) has help text")
        }
        XCTAssertTrue(
            text.contains(
                #"plumb_app_info{namespace="prod",name="web",sync_status="Synced",health_status="Healthy",revision="3f2a9c"} 1.0"#
                    + "\n"),
            text)
        XCTAssertTrue(
            text.contains(
                #"plumb_app_info{namespace="prod",name="api",sync_status="OutOfSync",health_status="Progressing",revision="77aa01"} 1.0"#
                    + "\n"))
        for phase in ["fetch", "render", "plan", "apply", "health"] {
            XCTAssertTrue(
                text.contains(
                    #"plumb_reconcile_duration_seconds_count{namespace="prod",name="web",phase="\#(phase)"} "#),
                phase)
        }
        XCTAssertTrue(
            text.contains(#"plumb_reconcile_duration_seconds_count{namespace="prod",name="web",phase="fetch"} 2"#))
        XCTAssertTrue(
            text.contains(
                #"plumb_reconcile_duration_seconds_bucket{namespace="prod",name="web",phase="fetch",le="+Inf"} 2"#))
        XCTAssertTrue(
            text.contains(
                #"plumb_reconcile_duration_seconds_bucket{namespace="prod",name="web",phase="fetch",le="2.5"} 1"#))
        XCTAssertTrue(text.contains(#"plumb_sync_total{namespace="prod",name="web",result="succeeded"} 2"#))
        XCTAssertTrue(text.contains(#"plumb_sync_total{namespace="prod",name="api",result="failed"} 1"#))
        XCTAssertTrue(text.contains(#"plumb_sync_total{namespace="prod",name="api",result="interrupted"} 1"#))
        XCTAssertTrue(
            text.contains(#"plumb_git_fetch_duration_seconds_count{url="https://git.example.com/org/app.git"} 1"#), text
        )
        XCTAssertTrue(text.contains(#"plumb_kube_requests_total{verb="list",code="200"} 1"#))
        XCTAssertTrue(text.contains(#"plumb_kube_requests_total{verb="get",code="404"} 1"#))
        XCTAssertTrue(text.contains("plumb_workqueue_depth 7.0\n"))
    }

    /// Code that speaks swift-metrics lands in the same exposition through the factory.
    func testSwiftMetricsThroughTheFactory() {
        let metrics = ControllerMetrics()
        let counter = Counter(
            label: "plumb_webhook_requests_total", dimensions: [("code", "200")], factory: metrics.factory)
        counter.increment(by: 2)
        XCTAssertTrue(
            metrics.exposition().contains(#"plumb_webhook_requests_total{code="200"} 2"#), metrics.exposition())
    }

    func testGitFetchLabelCarriesNoCredentials() {
        let metrics = ControllerMetrics()
        metrics.gitFetched(url: "https://deploy:s3cr3t-pass@git.example.com/org/app.git", seconds: 0.1)
        metrics.gitFetched(url: "https://ghp_T0kenOnlyUserInfo@github.com/org/app.git", seconds: 0.1)
        metrics.gitFetched(url: "ssh://git@github.com/org/app.git", seconds: 0.1)
        let text = metrics.exposition()
        XCTAssertFalse(text.contains("s3cr3t-pass"), text)
        XCTAssertFalse(text.contains("ghp_T0kenOnlyUserInfo"), text)
        XCTAssertFalse(text.contains("deploy"), text)
        XCTAssertTrue(text.contains(#"url="https://git.example.com/org/app.git""#), text)
        XCTAssertTrue(text.contains(#"url="https://github.com/org/app.git""#), text)
        // An SSH user name says who connected and is not secret.
        XCTAssertTrue(text.contains(#"url="ssh://git@github.com/org/app.git""#), text)
    }

    func testAStatusChangeReplacesTheAppsSeriesAndDeletionRemovesThemAll() {
        let metrics = populated()
        metrics.appStatus(web, sync: "OutOfSync", health: "Degraded", revision: "9b9b9b")
        metrics.appStatus(web, sync: "OutOfSync", health: "Degraded", revision: "9b9b9b")
        var info = samples(metrics.exposition(), "plumb_app_info").filter { $0.contains(#"name="web""#) }
        XCTAssertEqual(
            info,
            [
                #"plumb_app_info{namespace="prod",name="web",sync_status="OutOfSync",health_status="Degraded",revision="9b9b9b"} 1.0"#
            ])

        metrics.appRemoved(web)
        let text = metrics.exposition()
        XCTAssertFalse(text.contains(#"name="web""#), "every series of a deleted Application goes:\n\(text)")
        info = samples(text, "plumb_app_info")
        XCTAssertEqual(info.count, 1, "the other Application stays")
        XCTAssertTrue(text.contains(#"plumb_sync_total{namespace="prod",name="api",result="failed"} 1"#))
        // The last Application gone, its families are empty but the rest remain.
        metrics.appRemoved(api)
        XCTAssertTrue(samples(metrics.exposition(), "plumb_app_info").isEmpty)
        XCTAssertTrue(metrics.exposition().contains("plumb_workqueue_depth 7.0\n"))
    }

    func testPromtoolAcceptsTheExposition() throws {
        guard
            let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first(
                where: FileManager.default.isExecutableFile)
        else {
            throw XCTSkip("promtool is not installed (Debian package `prometheus`; `make deps` installs it)")
        }
        let (status, report) = try check(promtool, populated().exposition())
        XCTAssertEqual(status, 0, "promtool check metrics:\n\(report)")
        XCTAssertEqual(report.trimmingCharacters(in: .whitespacesAndNewlines), "", "promtool's lint findings")
        // The judge does judge: a counter without `_total` and without help is reported.
        let (_, bad) = try check(promtool, "# TYPE plumb_syncs counter\nplumb_syncs 1\n")
        XCTAssertTrue(bad.contains("plumb_syncs"), bad)
    }

    /// Runs `promtool check metrics` on `exposition`: its exit status and what it printed.
    func check(_ promtool: String, _ exposition: String) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: promtool)
        process.arguments = ["check", "metrics"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data(exposition.utf8))
        try input.fileHandleForWriting.close()
        let report = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, report)
    }

    func testKubernetesVerbsOfRequests() {
        let table: [(String, String, String)] = [
            ("GET", "/api/v1/namespaces/prod/configmaps/web", "get"),
            ("GET", "/api/v1/namespaces/prod/configmaps?labelSelector=a%3Db&limit=500", "list"),
            ("GET", "/api/v1/namespaces/prod/configmaps?watch=1&resourceVersion=10", "watch"),
            ("GET", "/api/v1/configmaps?watch=false", "list"),
            ("GET", "/apis/apps/v1/deployments?allowWatchBookmarks=true&watch=true", "watch"),
            ("GET", "/api/v1/watch/namespaces/prod/pods", "watch"),
            ("GET", "/api/v1/namespaces/prod", "get"),
            ("GET", "/api/v1/namespaces", "list"),
            ("PUT", "/api/v1/namespaces/prod/finalize", "update"),
            ("GET", "/apis/apps/v1/namespaces/prod/deployments/web/status", "get"),
            ("PATCH", "/apis/apps/v1/namespaces/prod/deployments/web?fieldManager=plumb", "patch"),
            ("POST", "/api/v1/namespaces/prod/events", "create"),
            ("PUT", "/apis/plumb.dev/v1alpha1/namespaces/prod/applications/web/status", "update"),
            ("DELETE", "/api/v1/namespaces/prod/configmaps/web", "delete"),
            ("DELETE", "/api/v1/namespaces/prod/configmaps?labelSelector=x", "deletecollection"),
            ("GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles/admin", "get"),
            ("GET", "/version", "get"),
            ("GET", "/readyz", "get"),
            ("GET", "/apis", "get"),
            ("GET", "/apis/apps/v1", "get"),
            ("GET", "/api", "get"),
            ("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", "create"),
            ("HEAD", "/healthz", "head"),
        ]
        for (method, path, verb) in table {
            XCTAssertEqual(KubeVerb.of(method: method, path: path), verb, "\(method) \(path)")
        }
    }

    /// Through the real client against the local cluster: every answer is counted once with
    /// its verb and status.
    func testTheKubeClientReportsEachAnswer() async throws {
        let cluster = LocalCluster(options: LocalCluster.Options(port: 0, tls: false, simulateWorkloads: false))
        let endpoint = try await cluster.start()
        let metrics = ControllerMetrics()
        var options = KubeClientOptions()
        options.onResponse = metrics.kubeResponseObserver
        let config = ClientConfig(transport: TransportOptions(server: endpoint.url), auth: .token(endpoint.token))
        let client = try KubeClient(config: config, options: options)
        do {
            _ = try await client.apply(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "obs"]])
            let cm: Value = [
                "apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "a", "namespace": "obs"],
                "data": ["k": "v"],
            ]
            _ = try await client.apply(cm)
            _ = try await client.list(apiVersion: "v1", kind: "ConfigMap", namespace: "obs")
            let missing = ObjectRef(group: "", version: "v1", kind: "ConfigMap", namespace: "obs", name: "missing")
            do {
                _ = try await client.get(missing)
                XCTFail("the ConfigMap does not exist")
            } catch let error as StatusError {
                XCTAssertEqual(error.reason, .notFound)
            }
            var events = 0
            for try await _ in client.watch(
                WatchTarget(apiVersion: "v1", kind: "ConfigMap", namespace: "obs"), resourceVersion: "0",
                timeoutSeconds: 1)
            {
                events += 1
            }
            XCTAssertGreaterThanOrEqual(events, 1, "the watch from 0 starts with the existing ConfigMap")
        } catch {
            await cluster.stop()
            throw error
        }
        await cluster.stop()
        let text = metrics.exposition()
        let requests = samples(text, "plumb_kube_requests_total")
        // Two server-side applies that create: 201 each (200 had the objects existed).
        let patches = requests.filter { $0.hasPrefix(#"plumb_kube_requests_total{verb="patch",code="20"#) }
        XCTAssertEqual(patches.compactMap { Double($0.split(separator: " ").last ?? "") }.reduce(0, +), 2, text)
        XCTAssertTrue(requests.contains(#"plumb_kube_requests_total{verb="list",code="200"} 1"#), text)
        XCTAssertTrue(requests.contains(#"plumb_kube_requests_total{verb="get",code="404"} 1"#), text)
        XCTAssertTrue(requests.contains(#"plumb_kube_requests_total{verb="watch",code="200"} 1"#), text)
        // Discovery (`/api`, `/apis`, ...) is counted as non-resource requests.
        XCTAssertTrue(requests.contains { $0.hasPrefix(#"plumb_kube_requests_total{verb="get",code="200"}"#) }, text)
    }
}
