import PlumbCore
import PlumbManifests
import PlumbYAML
import XCTest

/// Each built-in check on objects that violate it and on objects that pass, in every workload
/// kind that carries a pod spec.
final class PolicyCheckTests: XCTestCase {
    /// Objects from YAML documents.
    func objects(_ yaml: String) throws -> [Resource] {
        try YAML.parseDocuments(Array(yaml.utf8), file: "test.yaml").map { try Resource($0.value) }
    }

    /// The findings of every check (all enforced) on `yaml`, as lines.
    func lines(_ yaml: String, parameters: PolicyParameters = PolicyParameters()) throws -> [String] {
        let modes = Dictionary(uniqueKeysWithValues: PolicyCheck.catalogue.map { ($0.id, PolicyMode.enforce) })
        return PolicyEngine(modes: modes, parameters: parameters).evaluate(try objects(yaml)).violations.map(\.line)
    }

    /// A container that passes every container check.
    static let goodContainer = """
        - name: web
              image: registry.acme.dev/web:1.4@sha256:4c1e0f6fd9d44a2b1e8f0d5a4f6c9d1b8e2a7f3c5d6e7f8a9b0c1d2e3f4a5b6c
              resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {memory: 128Mi}}
              securityContext: {runAsNonRoot: true, runAsUser: 1000}
        """

    func pod(_ spec: String, kind: String = "Pod") -> String {
        """
        apiVersion: v1
        kind: \(kind)
        metadata: {name: web, namespace: prod}
        spec:
          \(spec)
        """
    }

    func testAGoodPodHasNoFindings() throws {
        XCTAssertEqual(try lines(pod("containers:\n    \(Self.goodContainer)")), [])
    }

    func testImageChecks() throws {
        let yaml = pod(
            """
            containers:
                - {name: a, image: nginx, resources: {requests: {cpu: 1, memory: 1Mi}, limits: {memory: 1Mi}}, securityContext: {runAsUser: 1000}}
                - {name: b, image: "nginx:latest", resources: {requests: {cpu: 1, memory: 1Mi}, limits: {memory: 1Mi}}, securityContext: {runAsUser: 1000}}
                - {name: c, image: "ghcr.io/acme/web:1.2", resources: {requests: {cpu: 1, memory: 1Mi}, limits: {memory: 1Mi}}, securityContext: {runAsUser: 1000}}
                - {name: d, image: "localhost:5000/web@sha256:abc", resources: {requests: {cpu: 1, memory: 1Mi}, limits: {memory: 1Mi}}, securityContext: {runAsUser: 1000}}
            """)
        XCTAssertEqual(
            try lines(yaml, parameters: PolicyParameters(allowedRegistries: ["ghcr.io/acme", "localhost:5000"])),
            [
                "v1 Pod prod/web: PLB-IMG-001: container a: image nginx is not pinned by digest",
                "v1 Pod prod/web: PLB-IMG-002: container a: image nginx has no tag",
                "v1 Pod prod/web: PLB-IMG-003: container a: image nginx is from docker.io, not an allowed registry (ghcr.io/acme, localhost:5000)",
                "v1 Pod prod/web: PLB-IMG-001: container b: image nginx:latest is not pinned by digest",
                "v1 Pod prod/web: PLB-IMG-002: container b: image nginx:latest has the tag latest",
                "v1 Pod prod/web: PLB-IMG-003: container b: image nginx:latest is from docker.io, not an allowed registry (ghcr.io/acme, localhost:5000)",
                "v1 Pod prod/web: PLB-IMG-001: container c: image ghcr.io/acme/web:1.2 is not pinned by digest",
            ])
        // `ghcr.io/acme` does not cover `ghcr.io/acmecorp`.
        let other = pod(
            "containers:\n    - {name: a, image: \"ghcr.io/acmecorp/x@sha256:1\", resources: {requests: {cpu: 1, memory: 1Mi}, limits: {memory: 1Mi}}, securityContext: {runAsNonRoot: true}}"
        )
        XCTAssertEqual(
            try lines(other, parameters: PolicyParameters(allowedRegistries: ["ghcr.io/acme"])),
            [
                "v1 Pod prod/web: PLB-IMG-003: container a: image ghcr.io/acmecorp/x@sha256:1 is from ghcr.io, not an allowed registry (ghcr.io/acme)"
            ])
    }

    func testResourceChecks() throws {
        let yaml = pod(
            """
            securityContext: {runAsNonRoot: true}
              containers:
                - {name: a, image: "x.io/a@sha256:1"}
                - {name: b, image: "x.io/b@sha256:1", resources: {requests: {cpu: 1}, limits: {cpu: 1}}}
              ephemeralContainers:
                - {name: debug, image: "x.io/d@sha256:1"}
            """)
        XCTAssertEqual(
            try lines(yaml),
            [
                "v1 Pod prod/web: PLB-RES-001: container a: no cpu and memory request",
                "v1 Pod prod/web: PLB-RES-002: container a: no memory limit",
                "v1 Pod prod/web: PLB-RES-001: container b: no memory request",
                "v1 Pod prod/web: PLB-RES-002: container b: no memory limit",
            ])
    }

    func testSecurityAndHostChecks() throws {
        let r = "resources: {requests: {cpu: 1, memory: 1Mi}, limits: {memory: 1Mi}}"
        let yaml = pod(
            """
            hostNetwork: true
              hostPID: true
              hostIPC: false
              volumes:
                - {name: root, hostPath: {path: /}}
                - {name: tmp, emptyDir: {}}
              initContainers:
                - {name: setup, image: "x.io/s@sha256:1", \(r), securityContext: {privileged: true, runAsUser: 0}}
              containers:
                - {name: a, image: "x.io/a@sha256:1", \(r)}
                - {name: b, image: "x.io/b@sha256:1", \(r), securityContext: {runAsNonRoot: true}}
            """)
        XCTAssertEqual(
            try lines(yaml),
            [
                "v1 Pod prod/web: PLB-SEC-001: init container setup: securityContext.privileged is true",
                "v1 Pod prod/web: PLB-SEC-002: init container setup: runAsUser is 0 (root)",
                "v1 Pod prod/web: PLB-SEC-002: container a: runAsNonRoot is not true and no runAsUser is set",
                "v1 Pod prod/web: PLB-HOST-001: volume root: hostPath /",
                "v1 Pod prod/web: PLB-HOST-002: hostNetwork is true, hostPID is true",
            ])
        // The pod's securityContext covers its containers; a container's overrides it.
        let podLevel = pod(
            """
            securityContext: {runAsNonRoot: true}
              containers:
                - {name: a, image: "x.io/a@sha256:1", \(r)}
                - {name: b, image: "x.io/b@sha256:1", \(r), securityContext: {runAsUser: 0}}
            """)
        XCTAssertEqual(try lines(podLevel), ["v1 Pod prod/web: PLB-SEC-002: container b: runAsUser is 0 (root)"])
    }

    func testEveryWorkloadKindIsSearched() throws {
        let container =
            "{name: a, image: nginx, resources: {requests: {cpu: 1, memory: 1Mi}, limits: {memory: 1Mi}}, securityContext: {runAsUser: 1}}"
        let template = "{template: {spec: {containers: [\(container)]}}}"
        let cases: [(String, String, String)] = [
            ("apps/v1", "Deployment", template),
            ("apps/v1", "StatefulSet", template),
            ("apps/v1", "DaemonSet", template),
            ("apps/v1", "ReplicaSet", template),
            ("batch/v1", "Job", template),
            ("batch/v1", "CronJob", "{schedule: '@daily', jobTemplate: {spec: \(template)}}"),
            ("v1", "ReplicationController", template),
        ]
        for (apiVersion, kind, spec) in cases {
            let yaml = "apiVersion: \(apiVersion)\nkind: \(kind)\nmetadata: {name: w, namespace: prod}\nspec: \(spec)\n"
            XCTAssertEqual(
                try lines(yaml),
                [
                    "\(apiVersion) \(kind) prod/w: PLB-IMG-001: container a: image nginx is not pinned by digest",
                    "\(apiVersion) \(kind) prod/w: PLB-IMG-002: container a: image nginx has no tag",
                ], kind)
        }
        // A kind of another group with the same name is not a workload.
        XCTAssertEqual(
            try lines(
                "apiVersion: acme.dev/v1\nkind: Deployment\nmetadata: {name: w, namespace: prod}\nspec: \(template)\n"),
            [])
    }

    func testServiceTypes() throws {
        let yaml = """
            apiVersion: v1
            kind: Service
            metadata: {name: lb, namespace: prod}
            spec: {type: LoadBalancer, ports: [{port: 80}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: np, namespace: prod}
            spec: {type: NodePort, ports: [{port: 80}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: ok, namespace: prod}
            spec: {ports: [{port: 80}]}
            """
        XCTAssertEqual(
            try lines(yaml),
            [
                "v1 Service prod/lb: PLB-NET-001: type is LoadBalancer",
                "v1 Service prod/np: PLB-NET-001: type is NodePort",
            ])
    }

    func testRBACWildcards() throws {
        let yaml = """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {name: admin-ish}
            rules:
              - {apiGroups: [""], resources: [pods], verbs: [get, list]}
              - {apiGroups: ["*"], resources: ["*"], verbs: [get]}
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: Role
            metadata: {name: editor, namespace: prod}
            rules:
              - {apiGroups: [apps], resources: [deployments], verbs: ["*"]}
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: Role
            metadata: {name: reader, namespace: prod}
            rules:
              - {apiGroups: [apps], resources: [deployments], verbs: [get, watch]}
            """
        XCTAssertEqual(
            try lines(yaml),
            [
                "rbac.authorization.k8s.io/v1 ClusterRole admin-ish: PLB-RBAC-001: rules[1]: * in apiGroups, resources",
                "rbac.authorization.k8s.io/v1 Role prod/editor: PLB-RBAC-001: rules[0]: * in verbs",
            ])
    }

    func testRequiredLabels() throws {
        let yaml = """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: a, namespace: prod, labels: {team: web}}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: b, namespace: prod, labels: {team: web, app.kubernetes.io/name: web}}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: c, namespace: prod}
            """
        XCTAssertEqual(
            try lines(yaml, parameters: PolicyParameters(requiredLabels: ["team", "app.kubernetes.io/name"])),
            [
                "v1 ConfigMap prod/a: PLB-META-001: missing label app.kubernetes.io/name",
                "v1 ConfigMap prod/c: PLB-META-001: missing labels team, app.kubernetes.io/name",
            ])
        // Without the parameter, nothing is required.
        XCTAssertEqual(try lines(yaml), [])
    }

    func testCatalogueIDsAreUniqueAndDocumented() {
        let ids = PolicyCheck.catalogue.map(\.id)
        XCTAssertEqual(Set(ids).count, ids.count)
        for check in PolicyCheck.catalogue {
            XCTAssertTrue(check.id.hasPrefix("PLB-"), check.id)
            XCTAssertFalse(check.summary.isEmpty || check.why.isEmpty || check.fix.isEmpty, check.id)
        }
        XCTAssertEqual(PolicyCheck.named("plb-img-002"), PolicyCheck.imageTag)
    }
}
