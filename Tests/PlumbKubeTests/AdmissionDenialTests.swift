import PlumbCore
import PlumbEngine
import PlumbKube
import XCTest

/// kube-apiserver's admission denials, read into the policy's name and message.
final class AdmissionDenialTests: XCTestCase {
    func denial(_ message: String, code: Int = 403) -> PolicyDenial? {
        StatusError(reason: .forbidden, code: code, message: message).policyDenial
    }

    func testWebhookDenials() {
        XCTAssertEqual(
            denial(#"admission webhook "deny-latest.acme.dev" denied the request: images must be pinned"#),
            PolicyDenial(policy: "deny-latest.acme.dev", message: "images must be pinned"))
        XCTAssertEqual(
            denial(#"admission webhook "x.example.com" denied the request without explanation"#, code: 400),
            PolicyDenial(policy: "x.example.com", message: "denied the request without explanation"))
    }

    func testValidatingAdmissionPolicyDenials() {
        // As kubectl shows it, after the "is invalid" prefix of a 422.
        XCTAssertEqual(
            denial(
                #"deployments.apps "web" is forbidden: ValidatingAdmissionPolicy 'demo-policy.example.com' with binding 'demo-binding-test.example.com' denied request: failed expression: object.spec.replicas <= 5"#,
                code: 422),
            PolicyDenial(policy: "demo-policy.example.com", message: "failed expression: object.spec.replicas <= 5"))
    }

    func testOtherErrorsAreNotDenials() {
        XCTAssertNil(denial(#"namespaces "web" not found"#, code: 404))
        XCTAssertNil(denial("spec.replicas: Invalid value: -1", code: 422))
        // A denial's words in a 404 are not a denial.
        XCTAssertNil(denial(#"admission webhook "x" denied the request: no"#, code: 404))
        XCTAssertEqual(
            ObjectError(message: #"admission webhook "a.b" denied the request: no"#).policyDenial,
            PolicyDenial(policy: "a.b", message: "no"))
    }

    func testASyncErrorOfADenialNamesThePolicy() {
        let ref = ObjectRef(apiVersion: "apps/v1", kind: "Deployment", namespace: "prod", name: "web")
        XCTAssertEqual(
            SyncError(ref: ref, stage: .dryRun, reason: "images must be pinned", policy: "deny-latest.acme.dev")
                .description,
            "apps/v1 Deployment prod/web: deny-latest.acme.dev: images must be pinned")
    }
}
