import Foundation
import PlumbCore
import XCTest

@testable import PlumbKube

/// The verbs on the wire: paths, queries, content types and bodies as kube-apiserver expects.
final class APITests: XCTestCase {
    let web: Value = [
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web", "namespace": "wire"],
        "spec": ["replicas": 2],
    ]
    let webRef = ObjectRef(group: "apps", version: "v1", kind: "Deployment", namespace: "wire", name: "web")

    func testApplySendsApplyPatchWithFieldManagerForceAndDryRun() async throws {
        let created = try fixture("ssa-create-deployment")["response"]!["body"]!
        let server = try TestServer(routes: try discoveryRoutes() + [
            Route(method: "PATCH", path: "/apis/apps/v1/namespaces/wire/deployments/web", responses: [reply(200, created)])
        ])
        let client = try testClient(server)
        let result = try await client.apply(web, force: true, dryRun: true)
        XCTAssertEqual(result[path: ["metadata", "generation"]], 1)
        let sent = try XCTUnwrap(server.requests("PATCH", "/apis/apps/v1/namespaces/wire/deployments/web").first)
        XCTAssertEqual(sent.query, "fieldManager=plumb&dryRun=All&force=true")
        XCTAssertEqual(sent.headers["content-type"], "application/apply-patch+yaml")
        XCTAssertEqual(try JSONReader().parse(sent.body ?? ""), web)
    }

    func testApplyConflictIsATypedErrorAboutTheObject() async throws {
        let conflict = try fixture("ssa-conflict")["response"]!
        let server = try TestServer(routes: try discoveryRoutes() + [
            Route(method: "PATCH", path: "/apis/apps/v1/namespaces/wire/deployments/web", responses: [reply(409, conflict["body"]!)])
        ])
        do {
            _ = try await testClient(server).apply(web)
            XCTFail("conflict expected")
        } catch let error as StatusError {
            XCTAssertEqual(error.reason, .conflict)
            XCTAssertFalse(error.isTransient)
            XCTAssertEqual(error.description, "apps/v1 Deployment wire/web: Apply failed with 1 conflict: conflict with \"plumb\": .spec.replicas")
        }
        XCTAssertEqual(server.requests("PATCH", "/apis/apps/v1/namespaces/wire/deployments/web").count, 1)
    }

    func testListFollowsContinueTokens() async throws {
        let first = try fixture("list-paged")["response"]!["body"]!
        let second = try fixture("list-paged-continue")["response"]!["body"]!
        let token = first[path: ["metadata", "continue"]]!.stringValue!
        let token2 = second[path: ["metadata", "continue"]]!.stringValue!
        // The last page: one more item and no continue token.
        var last = second
        last["metadata"] = ["resourceVersion": "16693"]
        last["items"] = [["metadata": ["name": "cm-4", "namespace": "wire"]]]
        let server = try TestServer(routes: try discoveryRoutes() + [
            Route(path: "/api/v1/namespaces/wire/configmaps", query: ["continue=" + token2], responses: [reply(200, last)]),
            Route(path: "/api/v1/namespaces/wire/configmaps", query: ["continue=" + token], responses: [reply(200, second)]),
            Route(path: "/api/v1/namespaces/wire/configmaps", responses: [reply(200, first)]),
        ])
        let list = try await testClient(server).list(
            apiVersion: "v1", kind: "ConfigMap", namespace: "wire", labelSelector: "plumb.dev/app=demo", pageSize: 2)
        let expected = (first["items"]!.arrayValue! + second["items"]!.arrayValue! + last["items"]!.arrayValue!).map { $0[path: ["metadata", "name"]]!.stringValue! }
        XCTAssertEqual(list.items.map { $0[path: ["metadata", "name"]]!.stringValue! }, expected)
        XCTAssertEqual(list.items.first?["kind"], "ConfigMap")
        XCTAssertEqual(list.items.first?["apiVersion"], "v1")
        XCTAssertEqual(list.resourceVersion, "16693")
        let queries = server.requests("GET", "/api/v1/namespaces/wire/configmaps").map(\.query)
        XCTAssertEqual(queries.count, 3)
        XCTAssertEqual(queries[0], "labelSelector=plumb.dev%2Fapp%3Ddemo&limit=2")
        XCTAssertEqual(queries[1], "labelSelector=plumb.dev%2Fapp%3Ddemo&limit=2&continue=\(token)")
    }

    func testDeleteSendsPropagationAndPreconditions() async throws {
        let server = try TestServer(routes: try discoveryRoutes() + [
            Route(method: "DELETE", path: "/apis/apps/v1/namespaces/wire/deployments/web", responses: [reply(200, ["kind": "Status", "status": "Success"])]),
            Route(method: "DELETE", path: "/api/v1/namespaces/wire/configmaps/cm-404", responses: [reply(404, try fixture("delete-not-found")["response"]!["body"]!)]),
        ])
        let client = try testClient(server)
        try await client.delete(
            webRef, options: DeleteOptions(propagationPolicy: .foreground, preconditionUID: "u-1", preconditionResourceVersion: "42"),
            dryRun: true)
        let sent = try XCTUnwrap(server.requests("DELETE", "/apis/apps/v1/namespaces/wire/deployments/web").first)
        XCTAssertEqual(sent.query, "dryRun=All")
        XCTAssertEqual(
            try JSONReader().parse(sent.body ?? ""),
            ["kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Foreground", "preconditions": ["uid": "u-1", "resourceVersion": "42"]])
        let missing = ObjectRef(group: "", version: "v1", kind: "ConfigMap", namespace: "wire", name: "cm-404")
        do {
            try await client.delete(missing)
            XCTFail("not found expected")
        } catch let error as StatusError {
            XCTAssertEqual(error.reason, .notFound)
            XCTAssertEqual(error.description, "v1 ConfigMap wire/cm-404: configmaps \"cm-404\" not found")
        }
        XCTAssertEqual(server.requests("DELETE", "/api/v1/namespaces/wire/configmaps/cm-404").count, 1, "DELETE is never retried")
    }

    func testPatchesAndStatusSubresource() async throws {
        let server = try TestServer(routes: try discoveryRoutes() + [
            Route(method: "PATCH", path: "/apis/apps/v1/namespaces/wire/deployments/web/status", responses: [reply(200, web)]),
            Route(method: "PATCH", path: "/apis/apps/v1/namespaces/wire/deployments/web", responses: [reply(200, web)]),
        ])
        let client = try testClient(server)
        _ = try await client.patch(webRef, .merge(["status": ["observedGeneration": 99]]), subresource: "status")
        _ = try await client.patch(webRef, .json([["op": "replace", "path": "/spec/replicas", "value": 3]]), dryRun: true)
        let status = try XCTUnwrap(server.requests("PATCH", "/apis/apps/v1/namespaces/wire/deployments/web/status").first)
        XCTAssertEqual(status.headers["content-type"], "application/merge-patch+json")
        let json = try XCTUnwrap(server.requests("PATCH", "/apis/apps/v1/namespaces/wire/deployments/web").first)
        XCTAssertEqual(json.headers["content-type"], "application/json-patch+json")
        XCTAssertEqual(json.query, "fieldManager=plumb&dryRun=All")
    }

    func testLegacyDiscoveryFallbackAndClusterScopedPaths() async throws {
        let server = try TestServer(routes: [
            Route(path: "/api", responses: [reply(200, try fixture("discovery-legacy-api"))]),
            Route(path: "/api/v1", responses: [reply(200, try fixture("discovery-legacy-api-v1"))]),
            Route(path: "/apis", responses: [reply(200, try fixture("discovery-legacy-apis"))]),
            Route(path: "/apis/apps/v1", responses: [reply(200, try fixture("discovery-legacy-apis-apps-v1"))]),
            Route(path: "/api/v1/namespaces/wire", responses: [reply(200, ["kind": "Namespace"])]),
        ])
        let client = try testClient(server)
        let deployments = try await client.mapping(apiVersion: "apps/v1", kind: "Deployment")
        XCTAssertEqual(deployments.resource, "deployments")
        XCTAssertTrue(deployments.namespaced)
        XCTAssertTrue(deployments.subresources.contains("status"))
        _ = try await client.get(ObjectRef(group: "", version: "v1", kind: "Namespace", namespace: "ignored", name: "wire"))
        XCTAssertEqual(server.requests("GET", "/api/v1/namespaces/wire").count, 1)
        do {
            _ = try await client.mapping(apiVersion: "example.com/v1", kind: "Widget")
            XCTFail("unknown kind")
        } catch {
            XCTAssertEqual("\(error)", "example.com/v1 Widget: the server does not serve this kind")
        }
    }
}
