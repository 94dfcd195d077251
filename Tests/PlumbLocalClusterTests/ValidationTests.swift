import Foundation
import PlumbCore
import XCTest

@testable import PlumbLocalCluster

/// Name rules per kind and immutable fields, with kube-apiserver's messages.
final class ValidationTests: ClusterTestCase {
    override var clusterOptions: LocalCluster.Options { .init(port: 0, tls: false, simulateWorkloads: false) }

    func invalid(_ r: RawHTTP.Response) -> [String] {
        XCTAssertEqual(r.status, 422, String(decoding: r.body, as: UTF8.self))
        XCTAssertEqual(r.json["reason"], "Invalid")
        return r.json[path: ["details", "causes"]]?.arrayValue?.map {
            "\($0["field"]?.stringValue ?? ""): \($0["message"]?.stringValue ?? "")"
        } ?? []
    }

    func testRBACNamesArePathSegments() throws {
        var r = try http.request(
            "POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles",
            body: [
                "metadata": ["name": "system:aggregated-metrics-reader"],
                "rules": [["apiGroups": ["metrics.k8s.io"], "resources": ["pods"], "verbs": ["get"]]],
            ])
        XCTAssertEqual(r.status, 201, String(decoding: r.body, as: UTF8.self))
        r = try http.request(
            "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles", body: ["metadata": ["name": "a/b%c"]]
        )
        XCTAssertEqual(
            invalid(r),
            [
                "metadata.name: Invalid value: \"a/b%c\": may not contain '/'",
                "metadata.name: Invalid value: \"a/b%c\": may not contain '%'",
            ])
        r = try http.request(
            "POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
            body: [
                "metadata": ["name": ".."],
                "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "x"],
            ])
        XCTAssertEqual(invalid(r), ["metadata.name: Invalid value: \"..\": may not be '..'"])
        XCTAssertEqual(
            r.json["message"],
            "ClusterRoleBinding.rbac.authorization.k8s.io \"..\" is invalid: metadata.name: Invalid value: \"..\": may not be '..'"
        )
    }

    func testNameRulesOfOtherKinds() throws {
        // Most kinds: a DNS-1123 subdomain.
        var r = try http.request(
            "POST", "/api/v1/namespaces/default/configmaps", body: ["metadata": ["name": "Not_Valid"]])
        XCTAssertEqual(invalid(r), ["metadata.name: Invalid value: \"Not_Valid\": \(Validation.subdomainMessage)"])
        // Namespaces: a DNS-1123 label; Services: a DNS-1035 label; StatefulSets: a label.
        r = try http.request("POST", "/api/v1/namespaces", body: ["metadata": ["name": "a.b"]])
        XCTAssertEqual(invalid(r), ["metadata.name: Invalid value: \"a.b\": \(Validation.labelMessage)"])
        r = try http.request(
            "POST", "/api/v1/namespaces/default/services",
            body: ["metadata": ["name": "1web"], "spec": ["ports": [["port": 80]]]])
        XCTAssertEqual(invalid(r), ["metadata.name: Invalid value: \"1web\": \(Validation.dns1035Message)"])
        r = try http.request(
            "POST", "/apis/apps/v1/namespaces/default/statefulsets", body: ["metadata": ["name": "db.v2"]])
        XCTAssertEqual(invalid(r).first, "metadata.name: Invalid value: \"db.v2\": \(Validation.labelMessage)")
        // APIServices: <version>.<group>.
        r = try http.request(
            "POST", "/apis/apiregistration.k8s.io/v1/apiservices",
            body: [
                "metadata": ["name": "metrics"],
                "spec": [
                    "group": "metrics.k8s.io", "version": "v1beta1", "groupPriorityMinimum": 100,
                    "versionPriority": 100,
                ],
            ])
        XCTAssertEqual(
            invalid(r),
            [
                "metadata.name: Invalid value: \"metrics\": must be `spec.version+\".\"+spec.group`: \"v1beta1.metrics.k8s.io\""
            ])
        r = try http.request(
            "POST", "/apis/apiregistration.k8s.io/v1/apiservices",
            body: [
                "metadata": ["name": "v1beta1.metrics.k8s.io"],
                "spec": [
                    "group": "metrics.k8s.io", "version": "v1beta1", "groupPriorityMinimum": 100,
                    "versionPriority": 100,
                ],
            ])
        XCTAssertEqual(r.status, 201, String(decoding: r.body, as: UTF8.self))
        // CRDs: <plural>.<group>.
        r = try http.request(
            "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
            body: [
                "metadata": ["name": "gadgets"],
                "spec": [
                    "group": "example.test", "scope": "Namespaced", "names": ["plural": "gadgets", "kind": "Gadget"],
                    "versions": [
                        [
                            "name": "v1", "served": true, "storage": true,
                            "schema": ["openAPIV3Schema": ["type": "object"]],
                        ]
                    ],
                ],
            ])
        XCTAssertEqual(
            invalid(r), ["metadata.name: Invalid value: \"gadgets\": must be spec.names.plural+\".\"+spec.group"])
        // PriorityClasses: system- is reserved.
        r = try http.request(
            "POST", "/apis/scheduling.k8s.io/v1/priorityclasses",
            body: ["metadata": ["name": "system-mine"], "value": 10])
        XCTAssertEqual(
            invalid(r),
            [
                "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class"
            ])
        r = try http.request(
            "POST", "/apis/scheduling.k8s.io/v1/priorityclasses", body: ["metadata": ["name": "high"], "value": 1000])
        XCTAssertEqual(r.status, 201)
        // CronJobs leave room for the Job suffix; CSRs may be called anything.
        let long = String(repeating: "c", count: 53)
        r = try http.request(
            "POST", "/apis/batch/v1/namespaces/default/cronjobs", body: ["metadata": ["name": .string(long)]])
        XCTAssertEqual(
            invalid(r).first, "metadata.name: Invalid value: \"\(long)\": must be no more than 52 characters")
        r = try http.request(
            "POST", "/apis/certificates.k8s.io/v1/certificatesigningrequests", body: ["metadata": ["name": "Any:Name"]])
        XCTAssertEqual(r.status, 201, String(decoding: r.body, as: UTF8.self))
        // IPAddresses: a canonical IP.
        r = try http.request(
            "POST", "/apis/networking.k8s.io/v1/ipaddresses", body: ["metadata": ["name": "10.096.0.1"]])
        XCTAssertEqual(r.status, 422)
        r = try http.request(
            "POST", "/apis/networking.k8s.io/v1/ipaddresses", body: ["metadata": ["name": "fd00::0:1"]])
        XCTAssertEqual(
            invalid(r), ["metadata.name: Invalid value: \"fd00::0:1\": must be a canonical format IP address"])
        XCTAssertEqual(
            try http.request(
                "POST", "/apis/networking.k8s.io/v1/ipaddresses", body: ["metadata": ["name": "10.96.0.1"]]
            ).status, 201)
    }

    func testServiceClusterIPIsImmutable() throws {
        var r = try http.request(
            "POST", "/api/v1/namespaces/default/services",
            body: ["metadata": ["name": "web"], "spec": ["ports": [["port": 80]]]])
        XCTAssertEqual(r.status, 201)
        let ip = r.json[path: ["spec", "clusterIP"]]?.stringValue ?? ""
        let other = ip == "10.96.0.99" ? "10.96.0.98" : "10.96.0.99"
        r = try http.request(
            "PATCH", "/api/v1/namespaces/default/services/web", body: ["spec": ["clusterIP": .string(other)]],
            contentType: "application/merge-patch+json")
        XCTAssertEqual(invalid(r), ["spec.clusterIPs[0]: Invalid value: [\"\(other)\"]: may not change once set"])
        XCTAssertEqual(
            r.json["message"]?.stringValue,
            "Service \"web\" is invalid: spec.clusterIPs[0]: Invalid value: [\"\(other)\"]: may not change once set")
        // Leaving it out keeps it; the same value is no change.
        r = try http.request(
            "PATCH", "/api/v1/namespaces/default/services/web", body: ["spec": ["clusterIP": .string(ip)]],
            contentType: "application/merge-patch+json")
        XCTAssertEqual(r.status, 200)
    }

    func testWorkloadSelectorsAreImmutable() throws {
        let template: Value = [
            "metadata": ["labels": ["app": "web", "tier": "a"]],
            "spec": ["containers": [["name": "c", "image": "busybox"]]],
        ]
        for resource in ["deployments", "replicasets", "daemonsets"] {
            let collection = "/apis/apps/v1/namespaces/default/\(resource)"
            var r = try http.request(
                "POST", collection,
                body: [
                    "metadata": ["name": "web"],
                    "spec": ["selector": ["matchLabels": ["app": "web"]], "template": template],
                ])
            XCTAssertEqual(r.status, 201, String(decoding: r.body, as: UTF8.self))
            r = try http.request(
                "PATCH", "\(collection)/web",
                body: ["spec": ["selector": ["matchLabels": ["tier": "a", "app": "web"]]]],
                contentType: "application/merge-patch+json")
            XCTAssertEqual(
                invalid(r),
                [
                    "spec.selector: Invalid value: {\"matchLabels\":{\"app\":\"web\",\"tier\":\"a\"}}: field is immutable"
                ], resource)
        }
    }

    func testStatefulSetSpecUpdatesOtherThanTheAllowedOnesAreForbidden() throws {
        let collection = "/apis/apps/v1/namespaces/default/statefulsets"
        var r = try http.request(
            "POST", collection,
            body: [
                "metadata": ["name": "db"],
                "spec": [
                    "serviceName": "db", "selector": ["matchLabels": ["app": "db"]],
                    "template": [
                        "metadata": ["labels": ["app": "db"]],
                        "spec": ["containers": [["name": "c", "image": "busybox"]]],
                    ],
                ],
            ])
        XCTAssertEqual(r.status, 201, String(decoding: r.body, as: UTF8.self))
        r = try http.request(
            "PATCH", "\(collection)/db", body: ["spec": ["replicas": 3]], contentType: "application/merge-patch+json")
        XCTAssertEqual(r.status, 200)
        r = try http.request(
            "PATCH", "\(collection)/db", body: ["spec": ["serviceName": "other"]],
            contentType: "application/merge-patch+json")
        XCTAssertEqual(
            invalid(r),
            [
                "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"
            ])
    }

    func testJobTemplateAndSelectorAreImmutable() throws {
        var r = try http.request(
            "POST", "/apis/batch/v1/namespaces/default/jobs",
            body: [
                "metadata": ["name": "once"],
                "spec": [
                    "template": [
                        "spec": ["restartPolicy": "Never", "containers": [["name": "c", "image": "busybox"]]]
                    ]
                ],
            ])
        XCTAssertEqual(r.status, 201, String(decoding: r.body, as: UTF8.self))
        r = try http.request(
            "PATCH", "/apis/batch/v1/namespaces/default/jobs/once",
            body: [["op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "alpine"]],
            contentType: "application/json-patch+json")
        let causes = invalid(r)
        XCTAssertEqual(causes.count, 1, "\(causes)")
        XCTAssertTrue(causes.first?.hasPrefix("spec.template: Invalid value: {") ?? false, "\(causes)")
        XCTAssertTrue(causes.first?.hasSuffix("}: field is immutable") ?? false, "\(causes)")
        // Labels and annotations of the object itself may change.
        r = try http.request(
            "PATCH", "/apis/batch/v1/namespaces/default/jobs/once", body: ["metadata": ["labels": ["x": "y"]]],
            contentType: "application/merge-patch+json")
        XCTAssertEqual(r.status, 200)
    }

    func testImmutableConfigMapsAndSecrets() throws {
        var r = try http.request(
            "POST", "/api/v1/namespaces/default/configmaps",
            body: ["metadata": ["name": "frozen"], "data": ["a": "1"], "immutable": true])
        XCTAssertEqual(r.status, 201)
        r = try http.request(
            "PATCH", "/api/v1/namespaces/default/configmaps/frozen", body: ["data": ["a": "2"]],
            contentType: "application/merge-patch+json")
        XCTAssertEqual(invalid(r), ["data: Forbidden: field is immutable when `immutable` is set"])
        r = try http.request(
            "PATCH", "/api/v1/namespaces/default/configmaps/frozen", body: ["immutable": false],
            contentType: "application/merge-patch+json")
        XCTAssertEqual(invalid(r), ["immutable: Forbidden: field is immutable when `immutable` is set"])
        r = try http.request(
            "PATCH", "/api/v1/namespaces/default/configmaps/frozen", body: ["metadata": ["labels": ["ok": "yes"]]],
            contentType: "application/merge-patch+json")
        XCTAssertEqual(r.status, 200)
        r = try http.request(
            "POST", "/api/v1/namespaces/default/secrets", body: ["metadata": ["name": "s"], "stringData": ["k": "v"]])
        XCTAssertEqual(r.status, 201)
        r = try http.request(
            "PATCH", "/api/v1/namespaces/default/secrets/s", body: ["type": "kubernetes.io/tls"],
            contentType: "application/merge-patch+json")
        XCTAssertEqual(invalid(r), ["type: Invalid value: \"kubernetes.io/tls\": field is immutable"])
    }

    func testMetadataUIDAndRoleRefAndClaimSpec() throws {
        var r = try http.request("POST", "/api/v1/namespaces/default/configmaps", body: ["metadata": ["name": "c"]])
        r = try http.request(
            "PATCH", "/api/v1/namespaces/default/configmaps/c",
            body: ["metadata": ["uid": "00000000-0000-0000-0000-000000000000"]],
            contentType: "application/merge-patch+json")
        XCTAssertEqual(
            invalid(r), ["metadata.uid: Invalid value: \"00000000-0000-0000-0000-000000000000\": field is immutable"])
        r = try http.request(
            "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
            body: [
                "metadata": ["name": "rb"],
                "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "a"],
                "subjects": [["kind": "User", "name": "u"]],
            ])
        XCTAssertEqual(r.status, 201)
        r = try http.request(
            "PATCH", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings/rb",
            body: ["roleRef": ["name": "b"]], contentType: "application/merge-patch+json")
        XCTAssertEqual(
            invalid(r),
            [
                "roleRef: Invalid value: {\"APIGroup\":\"rbac.authorization.k8s.io\",\"Kind\":\"Role\",\"Name\":\"b\"}: cannot change roleRef"
            ])
        r = try http.request(
            "POST", "/api/v1/namespaces/default/persistentvolumeclaims",
            body: [
                "metadata": ["name": "data"],
                "spec": ["accessModes": ["ReadWriteOnce"], "resources": ["requests": ["storage": "1Gi"]]],
            ])
        XCTAssertEqual(r.status, 201)
        r = try http.request(
            "PATCH", "/api/v1/namespaces/default/persistentvolumeclaims/data",
            body: ["spec": ["accessModes": ["ReadWriteMany"]]], contentType: "application/merge-patch+json")
        XCTAssertTrue(
            invalid(r).first?.hasPrefix(
                "spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n"
            ) ?? false)
    }
}

/// kubectl is the judge: what it prints for these refusals and acceptances.
final class ValidationKubectlTests: ClusterTestCase {
    override var clusterOptions: LocalCluster.Options { .init(port: 0, tls: true, simulateWorkloads: false) }

    func file(_ name: String, _ text: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func testAClusterRoleNamedWithAColonApplies() throws {
        let role = try file(
            "role.yaml",
            """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata:
              name: system:aggregated-metrics-reader
              labels:
                rbac.authorization.k8s.io/aggregate-to-view: "true"
            rules:
            - apiGroups: ["metrics.k8s.io"]
              resources: ["pods", "nodes"]
              verbs: ["get", "list", "watch"]
            """)
        XCTAssertEqual(
            try kubectlOK(["apply", "--server-side", "-f", role]),
            "clusterrole.rbac.authorization.k8s.io/system:aggregated-metrics-reader serverside-applied\n")
        XCTAssertEqual(try kubectl(["diff", "--server-side", "-f", role]).status, 0)
    }

    func testAServiceClusterIPChangeIsRefused() throws {
        let first = try file(
            "svc.yaml",
            """
            apiVersion: v1
            kind: Service
            metadata:
              name: web
              namespace: default
            spec:
              clusterIP: 10.96.0.50
              ports:
              - port: 80
            """)
        try kubectlOK(["apply", "--server-side", "-f", first])
        let second = try file(
            "svc2.yaml",
            try String(contentsOfFile: first, encoding: .utf8).replacingOccurrences(
                of: "10.96.0.50", with: "10.96.0.51"))
        let r = try kubectl(["apply", "--server-side", "-f", second])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(
            r.stderr.contains(
                "The Service \"web\" is invalid: spec.clusterIPs[0]: Invalid value: [\"10.96.0.51\"]: may not change once set"
            ), r.stderr)
    }

    func testADeploymentSelectorChangeIsRefused() throws {
        try kubectlOK(["create", "namespace", "apps"])
        let manifest = try file("web.yaml", deploymentYAML)
        try kubectlOK(["apply", "--server-side", "-f", manifest])
        let changed = try file("web2.yaml", deploymentYAML.replacingOccurrences(of: "app: web", with: "app: web2"))
        let r = try kubectl(["apply", "--server-side", "-f", changed])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(
            r.stderr.contains(
                "The Deployment \"web\" is invalid: spec.selector: Invalid value: {\"matchLabels\":{\"app\":\"web2\"}}: field is immutable"
            ),
            r.stderr)
    }
}
