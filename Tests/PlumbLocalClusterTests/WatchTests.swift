import Foundation
import PlumbCore
import XCTest

@testable import PlumbLocalCluster

final class WatchTests: ClusterTestCase {
    override var clusterOptions: LocalCluster.Options {
        .init(port: 0, tls: false, simulateWorkloads: false, bookmarkInterval: 0.2)
    }

    /// Runs a blocking request on another thread; `wait()` returns its response.
    func background(_ body: @escaping @Sendable () throws -> RawHTTP.Response) -> () -> RawHTTP.Response? {
        let box = Locked<RawHTTP.Response?>(nil)
        let done = DispatchSemaphore(value: 0)
        // A thread of its own: Dispatch's pool grows too slowly for a dozen blocked readers.
        Thread {
            box.mutate { $0 = try? body() }
            done.signal()
        }.start()
        return {
            _ = done.wait(timeout: .now() + 15)
            return box.value
        }
    }

    func testStreamAddedModifiedDeletedBookmark() async throws {
        try createNamespace("wire")
        _ = try http.request("POST", "/api/v1/namespaces/wire/configmaps", body: ["metadata": ["name": "before"]])
        let listRV = try http.request("GET", "/api/v1/namespaces/wire/configmaps").json.meta("resourceVersion")!
        let client = http
        let wait = background {
            try client.request("GET", "/api/v1/namespaces/wire/configmaps?watch=1&allowWatchBookmarks=true&labelSelector=watch%3Dyes&resourceVersion=\(listRV)&timeoutSeconds=2")
        }
        try await Task.sleep(for: .milliseconds(300))
        _ = try http.request("POST", "/api/v1/namespaces/wire/configmaps", body: ["metadata": ["name": "w1", "labels": ["watch": "yes"]], "data": ["k": "1"]])
        _ = try http.request("POST", "/api/v1/namespaces/wire/configmaps", body: ["metadata": ["name": "unwatched"]])
        _ = try http.request("PATCH", "/api/v1/namespaces/wire/configmaps/w1", body: ["data": ["k": "2"]], contentType: "application/merge-patch+json")
        _ = try http.request("DELETE", "/api/v1/namespaces/wire/configmaps/w1")
        let r = try XCTUnwrap(wait())
        XCTAssertEqual(r.status, 200)
        XCTAssertEqual(r.headers["transfer-encoding"], "chunked")
        let events = r.lines.filter { $0["type"] != "BOOKMARK" }
        XCTAssertEqual(events.map { $0["type"] }, ["ADDED", "MODIFIED", "DELETED"])
        XCTAssertEqual(events.map { $0[path: ["object", "data", "k"]] }, ["1", "2", "2"])
        XCTAssertEqual(events.first?[path: ["object", "kind"]], "ConfigMap")
        let rvs = events.compactMap { Int($0[path: ["object", "metadata", "resourceVersion"]]?.stringValue ?? "") }
        XCTAssertEqual(rvs, rvs.sorted())
        XCTAssertEqual(Set(rvs).count, 3)
        let last = try XCTUnwrap(r.lines.last)
        XCTAssertEqual(last["type"], "BOOKMARK")
        XCTAssertEqual(last[path: ["object", "kind"]], "ConfigMap")
        XCTAssertGreaterThanOrEqual(Int(last[path: ["object", "metadata", "resourceVersion"]]?.stringValue ?? "") ?? 0, rvs.last ?? 0)
    }

    func testBoundedHistoryExpiresOldVersions() async throws {
        let small = LocalCluster(options: .init(port: 0, tls: false, simulateWorkloads: false, watchHistoryLimit: 16))
        let e = try await small.start()
        let client = RawHTTP(port: e.port, token: e.token)
        _ = try client.request("POST", "/api/v1/namespaces", body: ["metadata": ["name": "h"]])
        for i in 0..<40 {
            _ = try client.request("POST", "/api/v1/namespaces/h/configmaps", body: ["metadata": ["name": .string("c\(i)")]])
        }
        let current = Int(try client.request("GET", "/api/v1/namespaces/h/configmaps").json.meta("resourceVersion") ?? "") ?? 0
        let expired = try client.request("GET", "/api/v1/namespaces/h/configmaps?watch=1&resourceVersion=2&timeoutSeconds=1")
        XCTAssertEqual(expired.lines.first?["type"], "ERROR")
        XCTAssertEqual(expired.lines.first?[path: ["object", "code"]], 410)
        // Within the kept window the watch replays what happened since.
        let recent = try client.request("GET", "/api/v1/namespaces/h/configmaps?watch=1&resourceVersion=\(current - 3)&timeoutSeconds=1")
        XCTAssertEqual(recent.lines.count, 3)
        await small.stop()
    }

    func testWatchWithoutVersionStartsWithCurrentObjects() throws {
        try createNamespace("wire")
        for name in ["a", "b"] {
            _ = try http.request("POST", "/api/v1/namespaces/wire/configmaps", body: ["metadata": ["name": .string(name)]])
        }
        let r = try http.request("GET", "/api/v1/namespaces/wire/configmaps?watch=true&timeoutSeconds=1")
        XCTAssertEqual(r.lines.map { $0["type"] }, ["ADDED", "ADDED"])
        XCTAssertEqual(r.lines.map { $0[path: ["object", "metadata", "name"]] }, ["a", "b"])
    }

    /// Waits for an async value from synchronous test code (the main thread, not the pool).
    func blocking<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
        let box = Locked<T?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            let v = await body()
            box.mutate { $0 = v }
            done.signal()
        }
        done.wait()
        return box.value!
    }

    func testManyWatchersAndNoLeakOnDisconnect() throws {
        try createNamespace("wire")
        let client = http
        let cluster = self.cluster!
        let waits = (0..<12).map { _ in
            background { try client.request("GET", "/api/v1/namespaces/wire/configmaps?watch=1&resourceVersion=0&timeoutSeconds=3") }
        }
        // A client that goes away after one second of a thirty-second watch that sends nothing.
        let impatient = background {
            try client.request("GET", "/api/v1/namespaces/wire/configmaps?watch=1&timeoutSeconds=30", timeout: 1, hangUpAfter: 1)
        }
        var open = 0
        for _ in 0..<40 {
            open = blocking { await cluster.openWatchCount() }
            if open == 13 { break }
            usleep(50_000)
        }
        XCTAssertEqual(open, 13)
        _ = try http.request("POST", "/api/v1/namespaces/wire/configmaps", body: ["metadata": ["name": "seen"]])
        for wait in waits {
            let r = wait()
            XCTAssertEqual(r?.lines.filter { $0["type"] == "ADDED" }.count, 1)
        }
        _ = impatient()
        var remaining = 13
        for _ in 0..<40 {
            remaining = blocking { await cluster.openWatchCount() }
            if remaining == 0 { break }
            usleep(100_000)
        }
        XCTAssertEqual(remaining, 0)
    }
}
