import PlumbCore
import PlumbManifests
import PlumbYAML
import XCTest

/// The operator's policy file: modes, overrides per Application namespace and name,
/// parameters, named exceptions, and one clear error per mistake.
final class PolicyConfigTests: XCTestCase {
    static let policy = """
        apiVersion: plumb.dev/v1alpha1
        kind: PolicyConfig
        defaultMode: warn
        checks:
          PLB-IMG-002: enforce
          PLB-RES-001: off
          PLB-RES-002: off
          PLB-SEC-002: off
          PLB-IMG-001: off
        parameters:
          requiredLabels: [team]
        overrides:
          - namespaces: [sandbox-*]
            defaultMode: off
          - applications: [payments]
            checks:
              PLB-NET-001: enforce
        exceptions:
          - name: edge-lb
            check: PLB-NET-001
            objects:
              - {kind: Service, namespace: edge, name: ingress-*}
            reason: the edge load balancer, approved in CHG-1234
        """

    static let objects = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: prod, labels: {team: web}}
        spec: {template: {spec: {containers: [{name: web, image: "nginx:latest"}]}}}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: ingress-nginx, namespace: edge, labels: {team: edge}}
        spec: {type: LoadBalancer}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: api, namespace: prod}
        spec: {type: NodePort}
        """

    func config(_ text: String = policy) throws -> PolicyConfig {
        try PolicyConfig.parse(Array(text.utf8), file: "policy.yaml")
    }

    func desired() throws -> [Resource] {
        try YAML.parseDocuments(Array(Self.objects.utf8), file: "app.yaml").map { try Resource($0.value) }
    }

    func testModesDecideEnforceAndWarn() throws {
        let verdict = try config().engine(for: PolicyScope(namespace: "apps", name: "web")).evaluate(desired())
        XCTAssertTrue(verdict.blocks)
        XCTAssertEqual(
            verdict.enforced.map(\.line),
            ["apps/v1 Deployment prod/web: PLB-IMG-002: container web: image nginx:latest has the tag latest"])
        XCTAssertEqual(
            verdict.warned.map(\.line),
            [
                "v1 Service prod/api: PLB-NET-001: type is NodePort",
                "v1 Service prod/api: PLB-META-001: missing label team",
            ])
        // The exception waived the edge load balancer, with its name and reason.
        XCTAssertEqual(
            verdict.exempted.map(\.finding.line), ["v1 Service edge/ingress-nginx: PLB-NET-001: type is LoadBalancer"])
        XCTAssertEqual(verdict.exempted.first?.exception, "edge-lb")
        XCTAssertEqual(verdict.exempted.first?.reason, "the edge load balancer, approved in CHG-1234")
    }

    func testOverridesPerNamespaceAndApplication() throws {
        let c = try config()
        // Every check off in sandbox namespaces, even one the top level enforces.
        let sandbox = c.engine(for: PolicyScope(namespace: "sandbox-ada", name: "web")).evaluate(try desired())
        XCTAssertEqual(sandbox.violations, [])
        XCTAssertEqual(c.modes(for: PolicyScope(namespace: "sandbox-ada", name: "web"))["PLB-IMG-002"], .off)
        // payments enforces Service types; the exception still waives the edge one.
        let payments = c.engine(for: PolicyScope(namespace: "apps", name: "payments")).evaluate(try desired())
        XCTAssertEqual(
            payments.enforced.map(\.line),
            [
                "v1 Service prod/api: PLB-NET-001: type is NodePort",
                "apps/v1 Deployment prod/web: PLB-IMG-002: container web: image nginx:latest has the tag latest",
            ])
        XCTAssertEqual(payments.exempted.count, 1)
        // `namespace/name` matches too.
        XCTAssertEqual(c.modes(for: PolicyScope(namespace: "team-a", name: "payments"))["PLB-NET-001"], .enforce)
        XCTAssertEqual(c.modes(for: PolicyScope(namespace: "team-a", name: "web"))["PLB-NET-001"], .warn)
    }

    func testWithoutAFileNothingIsChecked() throws {
        // `off` read as YAML 1.1's false is still off.
        let c = try config("defaultMode: off\n")
        XCTAssertEqual(c.engine(for: PolicyScope(namespace: "", name: "web")).evaluate(try desired()).violations, [])
    }

    func testErrorsNameTheFileAndField() {
        let cases: [(String, String)] = [
            ("checks:\n  PLB-NOPE-1: warn\n", "policy.yaml: checks.PLB-NOPE-1: unknown check"),
            ("checks:\n  PLB-IMG-001: block\n", "policy.yaml: checks.PLB-IMG-001: expected enforce, warn or off"),
            ("defaultMode: strict\n", "policy.yaml: defaultMode: expected enforce, warn or off"),
            ("colour: red\n", "policy.yaml: colour: unknown field"),
            (
                "overrides:\n  - checks: {PLB-IMG-001: off}\n",
                "policy.yaml: overrides[0]: give namespaces or applications"
            ),
            (
                "exceptions:\n  - {name: x, check: PLB-NET-001, objects: [{kind: Service, name: a}]}\n",
                "policy.yaml: exceptions[0].reason: required"
            ),
            (
                "exceptions:\n  - {name: x, check: PLB-XX, reason: r, objects: [{kind: Service, name: a}]}\n",
                "policy.yaml: exceptions[0].check: expected a check ID"
            ),
            (
                "exceptions:\n  - {name: x, check: PLB-NET-001, reason: r, objects: [{name: a}]}\n",
                "policy.yaml: exceptions[0].objects[0].kind: required"
            ),
            (
                "parameters: {allowedRegistries: ghcr.io}\n",
                "policy.yaml: parameters.allowedRegistries: expected a list of strings"
            ),
            ("checks: [a\n", "policy.yaml:"),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try config(text), text) { error in
                XCTAssertTrue("\(error)".hasPrefix(expected), "\(error) for \(text)")
            }
        }
    }

    func testParametersAreRead() throws {
        let c = try config("parameters:\n  allowedRegistries: [ghcr.io/acme]\n  requiredLabels: [team, tier]\n")
        XCTAssertEqual(
            c.parameters, PolicyParameters(allowedRegistries: ["ghcr.io/acme"], requiredLabels: ["team", "tier"]))
    }
}
