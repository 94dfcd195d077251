import Foundation
import PlumbCore
import XCTest

@testable import PlumbLocalCluster

/// Error Statuses against the kube-apiserver captures, over plain HTTP.
final class HTTPErrorTests: ClusterTestCase {
    override var clusterOptions: LocalCluster.Options { .init(port: 0, tls: false, simulateWorkloads: false) }

    /// The capture's response body with server-generated parts removed.
    func expected(_ name: String) throws -> (Int, Value) {
        let c = try capture(name)
        return (Int(c[path: ["response", "status"]]?.intValue ?? 0), c[path: ["response", "body"]] ?? .null)
    }

    func testUnauthorizedExactly() throws {
        let (status, body) = try expected("unauthorized")
        for token in [nil, "wrong"] as [String?] {
            let r = try RawHTTP(port: endpoint.port, token: token).request("GET", "/api/v1/namespaces")
            XCTAssertEqual(r.status, status)
            XCTAssertEqual(r.json, body)
            XCTAssertEqual(r.headers["content-type"], "application/json")
        }
    }

    func testAuthenticatedAnswersNameTheirFlowSchemaLikeAPIPriorityAndFairness() throws {
        let c = try capture("get-not-found")
        XCTAssertNotNil(c[path: ["response", "headers", "x-kubernetes-pf-flowschema-uid"]], "the real server's header")
        let ok = try http.request("GET", "/api/v1/namespaces")
        let missing = try http.request("GET", "/api/v1/namespaces/default/configmaps/nope")
        XCTAssertEqual(ok.status, 200)
        XCTAssertEqual(missing.status, 404)
        let schema = try XCTUnwrap(ok.headers["x-kubernetes-pf-flowschema-uid"])
        XCTAssertEqual(missing.headers["x-kubernetes-pf-flowschema-uid"], schema, "one flow schema for one user")
        XCTAssertNotNil(ok.headers["x-kubernetes-pf-prioritylevel-uid"])
        let refused = try RawHTTP(port: endpoint.port, token: "wrong").request("GET", "/api/v1/namespaces")
        XCTAssertNil(refused.headers["x-kubernetes-pf-flowschema-uid"], "authentication comes before flow control")
    }

    func testPercentEncodedPathsAndQueries() throws {
        try createNamespace("pct")
        let created = try http.request(
            "POST", "/api/v1/namespaces/pct/configmaps",
            body: ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "a.b", "labels": ["k": "v"]]])
        XCTAssertEqual(created.status, 201)
        XCTAssertEqual(try http.request("GET", "/api/v1/namespaces/pct/configmaps/a%2Eb").status, 200)
        for (query, count) in [("k%3Dv", 1), ("k+in+%28v%29", 1), ("k%3Dother", 0)] {
            let list = try http.request("GET", "/api/v1/namespaces/pct/configmaps?labelSelector=\(query)")
            XCTAssertEqual(list.json[path: ["items"]]?.arrayValue?.count, count, query)
        }
        XCTAssertEqual(APIRequest.percentDecoded("a%2"), "a%2", "a broken escape leaves the text as it is")
        XCTAssertEqual(APIRequest.percentDecoded("%E2%9C%93+"), "✓+")
        XCTAssertEqual(APIRequest.parseQuery("a=%E2%9C%93+x&b"), ["a": "✓ x", "b": ""])
    }

    func testTimestampsAreRFC3339InUTC() {
        XCTAssertEqual(ObjectMeta.timestamp(Date(timeIntervalSince1970: 981_173_106)), "2001-02-03T04:05:06Z")
        XCTAssertEqual(ObjectMeta.timestamp(Date(timeIntervalSince1970: 1_700_000_000.9)), "2023-11-14T22:13:20Z")
        XCTAssertEqual(ObjectMeta.parseTimestamp("2001-02-03T04:05:06Z"), Date(timeIntervalSince1970: 981_173_106))
    }

    func testObjectUIDsAreRandomVersion4UUIDs() {
        let uids = (0..<100).map { _ in ObjectMeta.uid() }
        XCTAssertEqual(Set(uids).count, 100)
        for uid in uids {
            XCTAssertNotNil(UUID(uuidString: uid), uid)
            XCTAssertEqual(uid, uid.lowercased())
            XCTAssertEqual(Array(uid)[14], "4", "version 4")
            XCTAssertTrue("89ab".contains(Array(uid)[19]), "RFC 4122 variant")
        }
    }

    func testNotFoundAlreadyExistsMissingNamespace() throws {
        try createNamespace("wire")
        var (status, body) = try expected("get-not-found")
        var r = try http.request("GET", "/api/v1/namespaces/wire/configmaps/nope")
        XCTAssertEqual(r.status, status)
        XCTAssertEqual(r.json, body)

        (status, body) = try expected("delete-not-found")
        r = try http.request("DELETE", "/api/v1/namespaces/wire/configmaps/cm-404")
        XCTAssertEqual(r.status, status)
        XCTAssertEqual(r.json, body)

        (status, body) = try expected("create-missing-namespace")
        r = try http.request("POST", "/api/v1/namespaces/absent/configmaps", body: try capture("create-missing-namespace")[path: ["request", "body"]])
        XCTAssertEqual(r.status, status)
        XCTAssertEqual(r.json, body)

        let exists = try capture("create-already-exists")
        let deployment = exists[path: ["request", "body"]]!
        r = try http.request("POST", "/apis/apps/v1/namespaces/wire/deployments", body: deployment)
        XCTAssertEqual(r.status, 201, String(decoding: r.body, as: UTF8.self))
        r = try http.request("POST", "/apis/apps/v1/namespaces/wire/deployments", body: deployment)
        XCTAssertEqual(r.status, 409)
        XCTAssertEqual(r.json, exists[path: ["response", "body"]])
    }

    func testWrongTypeAndInvalidNames() throws {
        try createNamespace("wire")
        for name in ["create-wrong-type", "create-invalid-name", "create-invalid-deployment"] {
            let c = try capture(name)
            let path = c[path: ["request", "path"]]!.stringValue!
            let r = try http.request("POST", path, body: c[path: ["request", "body"]])
            XCTAssertEqual(r.status, Int(c[path: ["response", "status"]]!.intValue!), name)
            XCTAssertEqual(r.json, c[path: ["response", "body"]], "\(name): \(String(decoding: r.body, as: UTF8.self))")
        }
        // Label values are label text.
        let labelled = try http.request("POST", "/api/v1/namespaces/wire/configmaps", body: ["metadata": ["name": "l", "labels": ["app": "bad value"]]])
        XCTAssertEqual(labelled.status, 422)
        XCTAssertEqual(
            labelled.json["message"],
            "ConfigMap \"l\" is invalid: metadata.labels: Invalid value: \"bad value\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")
        XCTAssertEqual(
            try http.request("POST", "/api/v1/namespaces/wire/configmaps", body: ["metadata": ["name": "k", "labels": ["plumb.dev/app": "x", "Plumb.dev/app": "y"]]]).status, 422)
        // Namespaces are DNS labels: dots are refused with the label message.
        let r = try http.request("POST", "/api/v1/namespaces", body: ["metadata": ["name": "a.b"]])
        XCTAssertEqual(r.status, 422)
        XCTAssertEqual(r.json[path: ["details", "causes"]]?.arrayValue?.first?["field"], "metadata.name")
        XCTAssertTrue(r.json["message"]?.stringValue?.contains("RFC 1123 label") ?? false)
    }

    func testStaleResourceVersionConflict() throws {
        try createNamespace("wire")
        let c = try capture("update-stale-resourceversion")
        var body = c[path: ["request", "body"]]!
        setMeta(&body, "resourceVersion", nil)
        setMeta(&body, "managedFields", nil)
        setMeta(&body, "uid", nil)  // the captured object's: an update may not change the uid
        body["status"] = nil
        var r = try http.request("POST", "/apis/apps/v1/namespaces/wire/deployments", body: body)
        XCTAssertEqual(r.status, 201)
        let rv = r.json.meta("resourceVersion")!
        setMeta(&body, "resourceVersion", .string(rv))
        body["spec"]?["replicas"] = 3
        r = try http.request("PUT", "/apis/apps/v1/namespaces/wire/deployments/web", body: body)
        XCTAssertEqual(r.status, 200)
        XCTAssertEqual(r.json[path: ["metadata", "generation"]], 2)
        // The same resourceVersion again is now stale.
        r = try http.request("PUT", "/apis/apps/v1/namespaces/wire/deployments/web", body: body)
        XCTAssertEqual(r.status, 409)
        XCTAssertEqual(r.json, c[path: ["response", "body"]])
    }

    func testWatchFromCompactedVersionIsExpiredEvent() async throws {
        try createNamespace("wire")
        _ = try http.request("POST", "/api/v1/namespaces/wire/configmaps", body: ["metadata": ["name": "a"]])
        let c = try capture("watch-too-old")
        // History is still complete here: from rv 1 the stream replays the ConfigMap's ADDED.
        let r = try http.request("GET", "/api/v1/namespaces/wire/configmaps?watch=1&resourceVersion=1&timeoutSeconds=1")
        XCTAssertEqual(r.status, 200)
        XCTAssertEqual(r.lines.map { $0["type"] }, ["ADDED"])
        await cluster.compactWatchHistory()
        let expired = try http.request("GET", "/api/v1/namespaces/wire/configmaps?watch=1&resourceVersion=1&timeoutSeconds=5")
        XCTAssertEqual(expired.status, 200)
        XCTAssertEqual(expired.lines.count, 1)
        var event = expired.lines.first ?? .null
        let message = event[path: ["object", "message"]]?.stringValue ?? ""
        XCTAssertTrue(message.hasPrefix("too old resource version: 1 ("), message)
        event["object"]?["message"] = c[path: ["events"]]?.arrayValue?.first?[path: ["object", "message"]]
        XCTAssertEqual(event, c[path: ["events"]]?.arrayValue?.first)
    }
}
