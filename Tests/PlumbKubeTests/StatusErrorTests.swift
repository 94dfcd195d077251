import PlumbCore
import XCTest

@testable import PlumbKube

/// Every error capture of a real kube-apiserver decodes to the right typed error.
final class StatusErrorTests: XCTestCase {
    func decode(_ name: String, _ ref: ObjectRef) throws -> StatusError {
        let capture = try fixture(name)
        let response = capture["response"]!
        let body = try JSONWriter().bytes(response["body"]!)
        return StatusError(response: KubeResponse(status: Int(response["status"]!.intValue!), body: body), object: ref)
    }

    let web = ObjectRef(group: "apps", version: "v1", kind: "Deployment", namespace: "wire", name: "web")
    let cm = ObjectRef(group: "", version: "v1", kind: "ConfigMap", namespace: "wire", name: "nope")

    func testCapturesDecodeToTypedErrors() throws {
        let table: [(String, StatusError.Reason, Int, Bool)] = [
            ("get-not-found", .notFound, 404, false),
            ("delete-not-found", .notFound, 404, false),
            ("create-missing-namespace", .notFound, 404, false),
            ("create-already-exists", .alreadyExists, 409, false),
            ("update-stale-resourceversion", .conflict, 409, true),
            ("ssa-conflict", .conflict, 409, false),
            ("create-invalid-name", .invalid, 422, false),
            ("create-invalid-deployment", .invalid, 422, false),
            ("create-wrong-type", .badRequest, 400, false),
            ("unauthorized", .unauthorized, 401, false),
            ("forbidden", .forbidden, 403, false),
        ]
        for (name, reason, code, transient) in table {
            let error = try decode(name, cm)
            XCTAssertEqual(error.reason, reason, name)
            XCTAssertEqual(error.code, code, name)
            XCTAssertEqual(error.isTransient, transient, name)
            XCTAssertTrue(error.description.hasPrefix("v1 ConfigMap wire/nope: "), error.description)
        }
    }

    func testInvalidCarriesCauses() throws {
        let error = try decode("create-invalid-deployment", web)
        XCTAssertEqual(error.causes.map(\.field), ["spec.replicas", "spec.template.metadata.labels", "spec.template.spec.containers"])
        XCTAssertEqual(error.causes.first?.message, "Invalid value: -1: must be greater than or equal to 0")
        XCTAssertTrue(error.description.hasPrefix("apps/v1 Deployment wire/web: Deployment.apps \"bad\" is invalid: [spec.replicas"))
    }

    func testApplyConflictNamesTheField() throws {
        let error = try decode("ssa-conflict", web)
        XCTAssertEqual(error.causes, [.init(reason: "FieldManagerConflict", field: ".spec.replicas", message: "conflict with \"plumb\"")])
        XCTAssertEqual(error.description, "apps/v1 Deployment wire/web: Apply failed with 1 conflict: conflict with \"plumb\": .spec.replicas")
    }

    /// Server-side apply's refusal of an undeclared field is a bare 500 (kube-apiserver through
    /// v1.36); sending it again cannot succeed, so it is no transient error. Other 500s are.
    func testUntypedPatchIsNotTransient() throws {
        let body = #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"failed to create typed patch object (wire/web; apps/v1, Kind=Deployment): .spec.replica: field not declared in schema","code":500}"#
        let error = StatusError(response: KubeResponse(status: 500, body: Array(body.utf8)), object: web)
        XCTAssertEqual(error.code, 500)
        XCTAssertFalse(error.isTransient)
        XCTAssertTrue(error.description.hasSuffix(".spec.replica: field not declared in schema"), error.description)
        let otherFailure = #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Internal error occurred: etcdserver: leader changed","reason":"InternalError","code":500}"#
        XCTAssertTrue(StatusError(response: KubeResponse(status: 500, body: Array(otherFailure.utf8)), object: web).isTransient)
    }

    func testWatchExpiredEvent() throws {
        let event = try fixture("watch-too-old")["events"]!.arrayValue![0]
        let error = StatusError(status: event["object"], httpStatus: 500)
        XCTAssertEqual(error.reason, .expired)
        XCTAssertEqual(error.code, 410)
        XCTAssertEqual(error.description, "too old resource version: 1 (1263)")
    }

    func testNonStatusBodyFallsBackToHTTPStatus() {
        let error = StatusError(
            response: KubeResponse(status: 429, headers: ["retry-after": "3"], body: Array("busy".utf8)), object: nil)
        XCTAssertEqual(error.reason, .tooManyRequests)
        XCTAssertEqual(error.retryAfterSeconds, 3)
        XCTAssertTrue(error.isTransient)
        XCTAssertEqual(StatusError(response: KubeResponse(status: 503)).reason, .serviceUnavailable)
        XCTAssertEqual(StatusError(response: KubeResponse(status: 504)).reason, .timeout)
    }
}
