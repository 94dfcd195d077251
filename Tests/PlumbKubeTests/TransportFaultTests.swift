import Foundation
import PlumbCore
import PlumbEngine
import Synchronization
import XCTest

@testable import PlumbKube

/// The transport and the client's retry rules against the fault-injecting server.
final class TransportFaultTests: XCTestCase {
    let cm = ObjectRef(group: "", version: "v1", kind: "ConfigMap", namespace: "wire", name: "cm-0")
    let cmBody: Value = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "cm-0", "namespace": "wire"]]

    func testGetSendsTokenAndParsesObject() async throws {
        let server = try TestServer(routes: try discoveryRoutes() + [
            Route(path: "/api/v1/namespaces/wire/configmaps/cm-0", responses: [reply(200, cmBody)])
        ])
        let client = try testClient(server)
        let object = try await client.get(cm)
        XCTAssertEqual(object, cmBody)
        let gets = server.requests("GET", "/api/v1/namespaces/wire/configmaps/cm-0")
        XCTAssertEqual(gets.count, 1)
        XCTAssertEqual(gets.first?.headers["authorization"], "Bearer t0k3n")
        XCTAssertEqual(server.requests("GET", "/api").first?.headers["accept"], Discovery.aggregatedAccept)
    }

    func test429WaitsForRetryAfterThenSucceeds() async throws {
        let server = try TestServer(routes: try discoveryRoutes() + [
            Route(
                path: "/api/v1/namespaces/wire/configmaps/cm-0",
                responses: [
                    reply(429, ["kind": "Status", "reason": "TooManyRequests", "code": 429], headers: ["Retry-After": "1"]),
                    reply(200, cmBody),
                ])
        ])
        let client = try testClient(server)
        _ = try await client.mapping(apiVersion: "v1", kind: "ConfigMap")
        let start = ContinuousClock.now
        let object = try await client.get(cm)
        XCTAssertGreaterThanOrEqual(ContinuousClock.now - start, .seconds(1))
        XCTAssertEqual(object, cmBody)
        XCTAssertEqual(server.requests("GET", "/api/v1/namespaces/wire/configmaps/cm-0").count, 2)
    }

    func test429IsRetriedEvenForPost() async throws {
        let server = try TestServer(routes: try discoveryRoutes() + [
            Route(
                method: "POST", path: "/api/v1/namespaces/wire/configmaps",
                responses: [reply(429, [:], headers: ["Retry-After": "0"]), reply(201, cmBody)])
        ])
        let created = try await testClient(server).create(cmBody)
        XCTAssertEqual(created, cmBody)
        XCTAssertEqual(server.requests("POST", "/api/v1/namespaces/wire/configmaps").count, 2)
    }

    func test500ToGetIsRetried() async throws {
        let server = try TestServer(routes: try discoveryRoutes() + [
            Route(
                path: "/api/v1/namespaces/wire/configmaps/cm-0",
                responses: [reply(500, ["kind": "Status", "reason": "InternalError", "code": 500, "message": "etcd hiccup"]), reply(200, cmBody)])
        ])
        let object = try await testClient(server).get(cm)
        XCTAssertEqual(object, cmBody)
        XCTAssertEqual(server.requests("GET", "/api/v1/namespaces/wire/configmaps/cm-0").count, 2)
    }

    func test500ToPostIsNotRetried() async throws {
        let server = try TestServer(routes: try discoveryRoutes() + [
            Route(
                method: "POST", path: "/api/v1/namespaces/wire/configmaps",
                responses: [reply(500, ["kind": "Status", "reason": "InternalError", "code": 500, "message": "etcd hiccup"]), reply(201, cmBody)])
        ])
        do {
            _ = try await testClient(server).create(cmBody)
            XCTFail("a 500 to a POST must surface")
        } catch let error as StatusError {
            XCTAssertEqual(error.reason, .internalError)
            XCTAssertEqual(error.description, "v1 ConfigMap wire/cm-0: etcd hiccup")
            XCTAssertTrue(error.isTransient)
        }
        XCTAssertEqual(server.requests("POST", "/api/v1/namespaces/wire/configmaps").count, 1)
    }

    func testStalledServerTimesOutWithClearError() async throws {
        let server = try TestServer(routes: [Route(path: "/slow", responses: [reply(200, [:], delay: 30)])])
        let client = try testClient(server) { $0.requestTimeout = .seconds(1) }
        let start = ContinuousClock.now
        do {
            _ = try await client.perform(KubeRequest(method: "GET", path: "/slow"))
            XCTFail("a stalled request must time out")
        } catch let error as KubeTransportError {
            XCTAssertEqual(error.kind, .timeout)
            XCTAssertTrue(error.description.hasPrefix("GET \(server.url)/slow: timed out"), error.description)
        }
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(5))
    }

    func testCancellationStopsARequestPromptly() async throws {
        let server = try TestServer(routes: [Route(path: "/slow", responses: [reply(200, [:], delay: 30)])])
        let client = try testClient(server)
        let task = Task { try await client.perform(KubeRequest(method: "GET", path: "/slow")) }
        try await Task.sleep(for: .milliseconds(300))
        let start = ContinuousClock.now
        task.cancel()
        do {
            _ = try await task.value
            XCTFail("a cancelled request must not succeed")
        } catch is CancellationError {}
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(2))
    }

    func testConnectionRefusedBeforeAnyAnswerIsReportedAtOnce() async throws {
        // A port nobody listens on: a wrong address, or a cluster that is down.
        let server = try TestServer(routes: [])
        let url = server.url
        let port = server.port
        _ = consume server
        var transport = TransportOptions(server: url)
        transport.connectTimeout = .seconds(2)
        let clock = ManualClock()
        var options = KubeClientOptions()
        options.clock = clock
        let client = KubeClient(transport: try CurlTransport(options: transport), options: options)
        do {
            _ = try await client.perform(KubeRequest(method: "GET", path: "/x"))
            XCTFail("nothing listens on port \(port)")
        } catch let error as KubeTransportError {
            XCTAssertEqual(error.kind, .connect)
            XCTAssertTrue(error.description.contains("cannot connect"), error.description)
        }
        XCTAssertEqual(clock.sleeps, [], "no retries before the server ever answered")
    }

    /// Once the server has answered, a refused connection is a restart: the request waits
    /// while one prober asks the server with a growing backoff, and is sent again when it answers.
    func testConnectionRefusedAfterAnAnswerWaitsForTheServerThenResends() async throws {
        let refused = KubeTransportError(kind: .connect, method: "GET", url: "u", message: "refused")
        // The request, refused; the first probe, refused; the second probe and the request again, answered.
        let transport = ScriptedTransport([
            .success(KubeResponse(status: 200)), .failure(refused), .failure(refused), .success(KubeResponse(status: 200)),
        ])
        let clock = ManualClock()
        var options = KubeClientOptions()
        options.clock = clock
        options.qps = 0
        let events = Mutex<[String]>([])
        options.onReachability = { event in events.withLock { $0.append(event.line) } }
        let client = KubeClient(transport: transport, options: options)
        _ = try await client.perform(KubeRequest(method: "GET", path: "/x"))
        _ = try await client.perform(KubeRequest(method: "GET", path: "/x"))
        XCTAssertEqual(clock.sleeps, [.milliseconds(250), .milliseconds(500)])
        XCTAssertEqual(transport.sent, 5)
        let lines = events.withLock { $0 }
        XCTAssertEqual(lines.count, 2, "\(lines)")
        XCTAssertTrue(lines.first?.hasSuffix("; waiting up to 60s") ?? false, "\(lines)")
        XCTAssertEqual(lines.last, "server reachable again after 0.7s")
    }

    /// kube-apiserver shutting down refuses requests with 429 "The apiserver is shutting down":
    /// an outage (one event, a wait for the server), not a rate limit per request; past the
    /// bound the request fails with `TargetUnreachable`, as not sent.
    func testAShuttingDownServerIsAnOutageGivenUpAfterTheBound() async throws {
        let shuttingDown = KubeResponse(
            status: 429, headers: ["content-type": "application/json"],
            body: Array(#"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"The apiserver is shutting down, please try again later.","reason":"TooManyRequests","code":429}"#.utf8))
        let transport = ScriptedTransport([.success(KubeResponse(status: 200)), .success(shuttingDown)])
        let clock = ManualClock()
        var options = KubeClientOptions()
        options.clock = clock
        options.qps = 0
        options.unreachableTimeout = .seconds(3)
        let events = Mutex<[ReachabilityEvent]>([])
        options.onReachability = { event in events.withLock { $0.append(event) } }
        let client = KubeClient(transport: transport, options: options)
        _ = try await client.perform(KubeRequest(method: "GET", path: "/x"))
        do {
            _ = try await client.perform(KubeRequest(method: "PATCH", path: "/x"))
            XCTFail("the server never came back")
        } catch let error as TargetUnreachable {
            XCTAssertFalse(error.requestSent)
            XCTAssertEqual(error.bound, .seconds(3))
        }
        let seen = events.withLock { $0 }
        XCTAssertEqual(seen.count, 2, "\(seen)")
        guard case .unreachable? = seen.first, case .gaveUp? = seen.last else { return XCTFail("\(seen)") }
        XCTAssertLessThanOrEqual(clock.sleeps.reduce(.zero, +), .seconds(3), "the probes stop at the bound")
    }

    func testManyConcurrentRequestsShareTheEventThread() async throws {
        let server = try TestServer(routes: [Route(path: "/ping", responses: [reply(200, ["ok": true], delay: 0.05)])])
        let client = try testClient(server)
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<40 {
                group.addTask { try await client.perform(KubeRequest(method: "GET", path: "/ping")).status }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        XCTAssertEqual(statuses, Array(repeating: 200, count: 40))
        XCTAssertEqual(server.requests("GET", "/ping").count, 40)
    }
}

