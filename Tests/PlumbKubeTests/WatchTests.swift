import Foundation
import PlumbCore
import XCTest

@testable import PlumbKube

/// Watch streams and the live cache: resume after a drop, relist after 410 Expired.
final class WatchTests: XCTestCase {
    let path = "/api/v1/namespaces/wire/configmaps"

    func cm(_ name: String, _ rv: String, _ data: String = "1") -> Value {
        [
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": ["name": .string(name), "namespace": "wire", "resourceVersion": .string(rv)],
            "data": ["k": .string(data)],
        ]
    }

    func event(_ type: String, _ object: Value, delay: Double = 0) -> Value {
        ["event": ["type": .string(type), "object": object], "delay": .double(delay)]
    }

    func list(_ rv: String, _ items: [Value]) -> Value {
        reply(200, ["kind": "ConfigMapList", "apiVersion": "v1", "metadata": ["resourceVersion": .string(rv)], "items": .array(items)])
    }

    func stream(_ events: [Value], drop: Bool = false, holdOpen: Double = 0) -> Value {
        ["status": 200, "events": .array(events), "drop": .bool(drop), "holdOpen": .double(holdOpen)]
    }

    /// Polls the cache until `condition` holds, for at most 10 seconds.
    func eventually(_ cache: LiveCache, _ condition: (LiveSnapshot) -> Bool) async throws -> LiveSnapshot {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            let snap = await cache.snapshot()
            if condition(snap) { return snap }
            try await Task.sleep(for: .milliseconds(50))
        }
        return await cache.snapshot()
    }

    func testWatchStreamsTheCapturedEvents() async throws {
        let capture = try fixture("watch-stream")
        let events = capture["events"]!.arrayValue!
        let server = try TestServer(routes: try discoveryRoutes() + [
            Route(path: path, query: ["watch=1"], responses: [stream(events.map { ["event": $0] })])
        ])
        let client = try testClient(server)
        let target = WatchTarget(apiVersion: "v1", kind: "ConfigMap", namespace: "wire", labelSelector: "watch=yes")
        var kinds: [WatchEvent.Kind] = []
        for try await e in client.watch(target, resourceVersion: "16735", timeoutSeconds: 4) { kinds.append(e.kind) }
        XCTAssertEqual(kinds, [.added, .modified, .deleted, .bookmark])
        let sent = try XCTUnwrap(server.requests("GET", path).first)
        XCTAssertEqual(sent.query, "watch=1&allowWatchBookmarks=true&labelSelector=watch%3Dyes&resourceVersion=16735&timeoutSeconds=4")
    }

    func testWatchErrorEventIsExpired() async throws {
        let tooOld = try fixture("watch-too-old")["events"]!.arrayValue!
        let server = try TestServer(routes: try discoveryRoutes() + [
            Route(path: path, query: ["watch=1"], responses: [stream(tooOld.map { ["event": $0] })])
        ])
        do {
            for try await _ in try testClient(server).watch(WatchTarget(apiVersion: "v1", kind: "ConfigMap", namespace: "wire"), resourceVersion: "1") {}
            XCTFail("the ERROR event must end the watch")
        } catch let error as StatusError {
            XCTAssertEqual(error.reason, .expired)
        }
    }

    func testLiveCacheResumesFromLastResourceVersionAfterADrop() async throws {
        let server = try TestServer(routes: try discoveryRoutes() + [
            Route(path: path, notQuery: ["watch=1"], responses: [list("100", [cm("a", "90")])]),
            Route(
                path: path, query: ["watch=1", "resourceVersion=100&"],
                responses: [stream([event("ADDED", cm("b", "101")), event("MODIFIED", cm("a", "102", "2"))], drop: true)]),
            Route(
                path: path, query: ["watch=1", "resourceVersion=102&"],
                responses: [stream([event("DELETED", cm("b", "103")), event("ADDED", cm("c", "104"), delay: 0.1)])]),
            Route(
                path: path, query: ["watch=1", "resourceVersion=104&"],
                responses: [stream([event("BOOKMARK", ["kind": "ConfigMap", "apiVersion": "v1", "metadata": ["resourceVersion": "105"]])], holdOpen: 30)]),
        ])
        let client = try testClient(server)
        let cache = LiveCache(client: client, target: WatchTarget(apiVersion: "v1", kind: "ConfigMap", namespace: "wire"))
        await cache.start()
        let synced = await cache.waitUntilSynced(timeout: .seconds(10))
        XCTAssertTrue(synced)
        let snap = try await eventually(cache) { $0.resourceVersion == "105" }
        await cache.stop()
        XCTAssertEqual(snap.resourceVersion, "105")
        XCTAssertEqual(Set(snap.objects.keys.map(\.name)), ["a", "c"])
        let a = ObjectRef(group: "", version: "v1", kind: "ConfigMap", namespace: "wire", name: "a")
        XCTAssertEqual(snap.objects[a]?[path: ["data", "k"]], "2")
        let lists = await cache.lists
        XCTAssertEqual(lists, 1, "a drop resumes the watch; it does not list again")
        let watchVersions = server.requests("GET", path).filter { $0.query.contains("watch=1") }.map {
            $0.query.split(separator: "&").first { $0.hasPrefix("resourceVersion=") }.map(String.init) ?? ""
        }
        XCTAssertEqual(Array(watchVersions.prefix(3)), ["resourceVersion=100", "resourceVersion=102", "resourceVersion=104"])
    }

    func testLiveCacheListsAgainAfterExpired() async throws {
        let tooOld = try fixture("watch-too-old")["events"]!.arrayValue!
        let server = try TestServer(routes: try discoveryRoutes() + [
            Route(path: path, notQuery: ["watch=1"], responses: [list("100", [cm("a", "90")]), list("200", [cm("b", "150")])]),
            Route(path: path, query: ["watch=1", "resourceVersion=100&"], responses: [stream(tooOld.map { ["event": $0] })]),
            Route(path: path, query: ["watch=1", "resourceVersion=200&"], responses: [stream([], holdOpen: 30)]),
        ])
        let cache = LiveCache(client: try testClient(server), target: WatchTarget(apiVersion: "v1", kind: "ConfigMap", namespace: "wire"))
        await cache.start()
        let snap = try await eventually(cache) { $0.resourceVersion == "200" }
        await cache.stop()
        XCTAssertEqual(snap.objects.keys.map(\.name), ["b"], "the relist replaces the store")
        let lists = await cache.lists
        XCTAssertEqual(lists, 2)
        let lastError = await cache.lastError
        XCTAssertEqual(lastError, "v1 ConfigMap: too old resource version: 1 (1263); listing again")
    }
}

/// A plan from the cache: the desired objects it holds, and the app's others as prune candidates.
final class LiveSnapshotObservationTests: XCTestCase {
    func testObservationSplitsDesiredFromPruneCandidates() throws {
        func cm(_ name: String, app: String?) -> Value {
            var labels = ValueObject()
            if let app { labels["plumb.dev/app"] = .string(app) }
            return ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name), "namespace": "ns", "labels": .object(labels)]]
        }
        let cached = [cm("kept", app: "shop"), cm("gone", app: "shop"), cm("other", app: "blog"), cm("adopted", app: nil)]
        var objects: [ObjectRef: Value] = [:]
        for value in cached { objects[try Resource(value).ref] = value }
        let snapshot = LiveSnapshot(objects: objects, resourceVersion: "9", synced: true)
        let desired = try [cm("kept", app: nil), cm("adopted", app: nil), cm("new", app: nil)].map { try Resource($0) }
        let observation = snapshot.observation(desired: desired, app: "shop")
        XCTAssertEqual(Set(observation.live.keys.map(\.name)), ["kept", "adopted"])
        XCTAssertEqual(observation.appObjects.map(\.ref.name), ["gone"], "the other app's object is never a candidate")
    }
}
