import Foundation
import PlumbCore
import PlumbEngine
import PlumbLocalCluster
import XCTest

@testable import PlumbKube

/// The client end to end against PlumbLocalCluster: TLS with its CA, its bearer token, the
/// kubeconfig it writes, and the real API verbs.
final class LocalClusterIntegrationTests: XCTestCase {
    var fixture: LocalClusterFixture!
    var cluster: LocalCluster!
    var client: KubeClient!

    override func setUp() async throws {
        fixture = try await LocalClusterFixture.start("cluster")
        cluster = fixture.cluster
        let config = try fixture.config(namespace: "it")
        XCTAssertTrue(config.transport.server.hasPrefix("https://127.0.0.1:"))
        client = try KubeClient(config: config)
    }

    override func tearDown() async throws {
        await cluster?.stop()
    }

    func configMap(_ name: String, _ value: String) -> Value {
        [
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": ["name": .string(name), "namespace": "it", "labels": ["plumb.dev/app": "demo"]],
            "data": ["k": .string(value)],
        ]
    }

    func testApplyGetListWatchDeleteThroughTheRealAPI() async throws {
        _ = try await client.apply(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "it"]])
        let cache = LiveCache(client: client, target: WatchTarget(apiVersion: "v1", kind: "ConfigMap", namespace: "it", labelSelector: "plumb.dev/app=demo"))
        await cache.start()
        let synced = await cache.waitUntilSynced(timeout: .seconds(10))
        XCTAssertTrue(synced)

        let dry = try await client.apply(configMap("a", "1"), dryRun: true)
        XCTAssertEqual(dry[path: ["data", "k"]], "1")
        let cm = ObjectRef(group: "", version: "v1", kind: "ConfigMap", namespace: "it", name: "a")
        do {
            _ = try await client.get(cm)
            XCTFail("a dry run stores nothing")
        } catch let error as StatusError {
            XCTAssertEqual(error.reason, .notFound)
            XCTAssertTrue(error.description.hasPrefix("v1 ConfigMap it/a: "), error.description)
        }

        let applied = try await client.apply(configMap("a", "1"))
        XCTAssertEqual(applied[path: ["metadata", "managedFields"]]?.arrayValue?.first?["manager"], "plumb")
        _ = try await client.apply(configMap("b", "2"))
        _ = try await client.apply(configMap("a", "3"))
        let got = try await client.get(cm)
        XCTAssertEqual(got[path: ["data", "k"]], "3")

        let list = try await client.list(apiVersion: "v1", kind: "ConfigMap", namespace: "it", labelSelector: "plumb.dev/app=demo", pageSize: 1)
        XCTAssertEqual(list.items.compactMap { $0[path: ["metadata", "name"]]?.stringValue }.sorted(), ["a", "b"])

        // Another manager takes the field; plumb's apply conflicts until forced.
        _ = try await client.apply(configMap("a", "other"), force: true, fieldManager: "someone-else")
        do {
            _ = try await client.apply(configMap("a", "4"))
            XCTFail("conflict expected")
        } catch let error as StatusError {
            XCTAssertEqual(error.reason, .conflict)
            XCTAssertEqual(error.causes.first?.field, ".data.k")
        }
        _ = try await client.apply(configMap("a", "4"), force: true)

        try await client.delete(ObjectRef(group: "", version: "v1", kind: "ConfigMap", namespace: "it", name: "b"))
        let deadline = ContinuousClock.now + .seconds(10)
        var snap = await cache.snapshot()
        while ContinuousClock.now < deadline {
            snap = await cache.snapshot()
            if snap.objects.count == 1, snap.objects[cm]?[path: ["data", "k"]] == "4" { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        await cache.stop()
        XCTAssertEqual(snap.objects.keys.map(\.name), ["a"])
        XCTAssertEqual(snap.objects[cm]?[path: ["data", "k"]], "4")
    }

    func testConcurrentAppliesAndUnauthorizedToken() async throws {
        _ = try await client.apply(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "it"]])
        let client: KubeClient = self.client
        let objects = (0..<50).map { configMap("c\($0)", "\($0)") }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for object in objects {
                group.addTask { _ = try await client.apply(object) }
            }
            try await group.waitForAll()
        }
        let list = try await client.list(apiVersion: "v1", kind: "ConfigMap", namespace: "it")
        XCTAssertEqual(list.items.count, 50)

        let bad = KubeClient(
            transport: client.transport, credentials: StaticCredentials(Credentials(bearerToken: "wrong")))
        do {
            _ = try await bad.list(apiVersion: "v1", kind: "ConfigMap", namespace: "it")
            XCTFail("a wrong token must be refused")
        } catch let error as StatusError {
            XCTAssertEqual(error.reason, .unauthorized)
        }
    }

    /// Plumb's client speaks HTTP/2 to the cluster, one connection for hundreds of requests at
    /// once, and a cancelled watch ends on the server (its stream is reset).
    func testHTTP2CarriesManyRequestsAndCancelledWatchesEnd() async throws {
        _ = try await client.apply(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "it"]])
        let client: KubeClient = self.client
        let before = cluster.protocolStats.http2Streams
        let objects = (0..<600).map { configMap("h\($0)", "\($0)") }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for chunk in 0..<32 {
                group.addTask {
                    for i in stride(from: chunk, to: objects.count, by: 32) { _ = try await client.apply(objects[i]) }
                }
            }
            try await group.waitForAll()
        }
        XCTAssertGreaterThanOrEqual(cluster.protocolStats.http2Streams - before, 600, "every apply was an HTTP/2 stream")

        let events = client.watch(WatchTarget(apiVersion: "v1", kind: "ConfigMap", namespace: "it"), resourceVersion: "0", timeoutSeconds: 60)
        let reader = Task { for try await _ in events {} }
        let cluster: LocalCluster = self.cluster
        var opened = 0
        for _ in 0..<50 where opened == 0 {
            try await Task.sleep(for: .milliseconds(100))
            opened = await cluster.openWatchCount()
        }
        XCTAssertEqual(opened, 1, "the watch is open on the server")
        reader.cancel()
        var open = 1
        for _ in 0..<50 where open > 0 {
            try await Task.sleep(for: .milliseconds(100))
            open = await cluster.openWatchCount()
        }
        XCTAssertEqual(open, 0, "the server ends a watch whose HTTP/2 stream the client reset")
    }

    /// Watches each hold an HTTP/1.1 connection of their own; a controller has more of them
    /// than the keep-alive pool has connections. A request that needs a new connection (the
    /// first one, or after libcurl retired an idle one) must still get one at once.
    func testRequestsAreNotStarvedByMoreWatchesThanThePoolHasConnections() async throws {
        var config = try fixture.config()
        config.transport.maxIdleConnectionAge = .seconds(1)
        let client = try KubeClient(config: config)
        let cluster: LocalCluster = self.cluster
        let watches = (0..<12).map { i in
            client.watch(
                WatchTarget(apiVersion: "v1", kind: "ConfigMap", namespace: "w\(i)"), resourceVersion: "0",
                timeoutSeconds: 60)
        }
        let readers = watches.map { events in Task { for try await _ in events {} } }
        defer { for reader in readers { reader.cancel() } }
        var opened = 0
        for _ in 0..<100 where opened < 12 {
            try await Task.sleep(for: .milliseconds(100))
            opened = await cluster.openWatchCount()
        }
        XCTAssertEqual(opened, 12, "every watch is open on the server")
        try await Task.sleep(for: .seconds(2))
        // The connection of the requests so far (discovery) has been idle too long to be
        // reused: the next request needs a new one.
        let answered = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                _ = try await client.list(apiVersion: "v1", kind: "Namespace", namespace: nil)
                return true
            }
            group.addTask {
                try await Task.sleep(for: .seconds(10))
                return false
            }
            let first = try await group.next() ?? false
            group.cancelAll()
            return first
        }
        XCTAssertTrue(answered, "a list behind 12 open watches was answered within 10 s")
    }

    /// A request body larger than the server's stream and connection windows arrives whole:
    /// the server gives the window back as it reads, and the client goes on sending.
    func testBodiesLargerThanTheFlowControlWindowArriveWhole() async throws {
        _ = try await client.apply(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "it"]])
        let big = String(repeating: "0123456789abcdef", count: 48 << 10)  // 768 KiB
        let client: KubeClient = self.client
        let objects = (0..<8).map { configMap("big-\($0)", "\($0)-" + big) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for object in objects { group.addTask { _ = try await client.apply(object) } }
            try await group.waitForAll()
        }
        for i in 0..<8 {
            let live = try await client.get(ObjectRef(apiVersion: "v1", kind: "ConfigMap", namespace: "it", name: "big-\(i)"))
            XCTAssertEqual(live[path: ["data", "k"]]?.stringValue, "\(i)-" + big)
        }
    }

    /// Prune candidates of every kind are looked for only when asked; the desired objects are
    /// found either way.
    func testObserveLooksForPruneCandidatesOnlyWhenAsked() async throws {
        _ = try await client.apply(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "it"]])
        _ = try await client.apply(configMap("kept", "1"))
        _ = try await client.apply([
            "apiVersion": "v1", "kind": "Secret",
            "metadata": ["name": "gone", "namespace": "it", "labels": ["plumb.dev/app": "demo"]], "stringData": ["k": "v"],
        ])
        let target = KubernetesTarget(client: client)
        let desired = [try Resource(configMap("kept", "1"))]
        let full = try await target.observe(desired, app: "demo", pruneCandidates: true)
        XCTAssertEqual(full.appObjects.map(\.ref.name).sorted(), ["gone", "kept"])
        let lean = try await target.observe(desired, app: "demo", pruneCandidates: false)
        XCTAssertEqual(lean.live.keys.map(\.name), ["kept"])
        XCTAssertFalse(lean.appObjects.contains { $0.kind == "Secret" }, "Secrets were not listed")
        let plan = try await Planner(app: "demo").plan(desired: desired, target: target, pruneCandidates: false)
        XCTAssertEqual(plan.prune.count, 0)
        let withPrune = try await Planner(app: "demo").plan(desired: desired, target: target)
        XCTAssertEqual(withPrune.prune.map(\.ref.name), ["gone"])
    }

    /// Without prune candidates a kind is listed in the desired objects' namespaces only, so a
    /// user allowed to list in those namespaces alone can diff and sync.
    func testDesiredObjectsAreListedInTheirNamespaces() throws {
        func r(_ kind: String, _ name: String, _ namespace: String?) throws -> Resource {
            var metadata: Value = ["name": .string(name)]
            if let namespace { metadata["namespace"] = .string(namespace) }
            return try Resource(["apiVersion": kind == "Deployment" ? "apps/v1" : "v1", "kind": .string(kind), "metadata": metadata])
        }
        let desired = [
            try r("Namespace", "a", nil), try r("ConfigMap", "x", "a"), try r("ConfigMap", "y", "b"), try r("ConfigMap", "z", "a"),
            try r("Deployment", "web", "a"),
        ] + (try (0...KubernetesTarget.namespacesPerKind).map { try r("Secret", "s", "ns-\($0)") })
        let scopes = KubernetesTarget.desiredScopes(desired).map { "\($0.kind.kind) \($0.namespace ?? "*")" }
        XCTAssertEqual(scopes, ["Namespace *", "ConfigMap a", "ConfigMap b", "Deployment a", "Secret *"])
    }
}
