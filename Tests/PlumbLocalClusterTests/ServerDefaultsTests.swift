import Foundation
import PlumbCore
import XCTest

@testable import PlumbLocalCluster

/// Real-world manifests applied to the local cluster come back as kube-apiserver v1.36 writes
/// them: zero values of `omitempty` fields gone, defaults inside lists, the per-kind defaulters.
final class ServerDefaultsTests: ClusterTestCase {
    override var clusterOptions: LocalCluster.Options { .init(port: 0, tls: false, simulateWorkloads: false) }

    /// The documents of a file in fixtures/real-world-defaults (copied from ../shared/real-world).
    func documents(_ file: String) throws -> [Value] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let url = root.appendingPathComponent("fixtures/real-world-defaults/\(file)")
        let text = String(decoding: try Data(contentsOf: url), as: UTF8.self)
        return try text.components(separatedBy: "\n---\n").map { try APIServer.applyConfiguration(Array($0.utf8)) }.filter { !$0.isNull }
    }

    func document(_ file: String, kind: String, name: String? = nil) throws -> Value {
        try XCTUnwrap(documents(file).first { $0["kind"]?.stringValue == kind && (name == nil || $0.meta("name") == name) })
    }

    /// The object's URL on the server.
    func path(_ object: Value) -> String {
        let kind = object["kind"]?.stringValue ?? ""
        let apiVersion = object["apiVersion"]?.stringValue ?? "v1"
        let plural: String
        switch kind {
        case "NetworkPolicy": plural = "networkpolicies"
        case "IngressClass": plural = "ingressclasses"
        case "PriorityClass": plural = "priorityclasses"
        case "StorageClass": plural = "storageclasses"
        default: plural = kind.lowercased() + "s"
        }
        let clusterScoped: Set<String> = [
            "IngressClass", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "APIService", "PriorityClass",
            "StorageClass", "ClusterRoleBinding", "ClusterRole", "Namespace",
        ]
        let base = apiVersion.contains("/") ? "/apis/\(apiVersion)" : "/api/\(apiVersion)"
        let ns = clusterScoped.contains(kind) ? "" : "/namespaces/\(object.meta("namespace") ?? "default")"
        return "\(base)\(ns)/\(plural)/\(object.meta("name") ?? "")"
    }

    /// Server-side applies `object` and returns the stored object as a GET reads it.
    @discardableResult
    func apply(_ object: Value, file: StaticString = #filePath, line: UInt = #line) throws -> Value {
        let p = path(object)
        let r = try http.request("PATCH", p + "?fieldManager=plumb", body: object, contentType: "application/apply-patch+yaml")
        XCTAssertTrue(r.status == 200 || r.status == 201, "\(r.status) \(String(decoding: r.body, as: UTF8.self))", file: file, line: line)
        let stored = try http.request("GET", p).json
        XCTAssertEqual(stored["spec"], r.json["spec"], "the apply answer is the stored object", file: file, line: line)
        return stored
    }

    func testIngressNginxControllerDeploymentOmitsZeroValues() throws {
        try createNamespace("ingress-nginx")
        let manifest = try document("ingress-nginx.yaml", kind: "Deployment")
        XCTAssertEqual(manifest[path: ["spec", "minReadySeconds"]], 0)
        let stored = try apply(manifest)
        // int32 `minReadySeconds,omitempty`: a 0 is not written back.
        XCTAssertNil(stored[path: ["spec", "minReadySeconds"]])
        let container = try XCTUnwrap(stored[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.first)
        // *bool keeps an explicit false; a bool `readOnly: true` stays.
        XCTAssertEqual(container[path: ["securityContext", "readOnlyRootFilesystem"]], false)
        XCTAssertEqual(container["volumeMounts"]?.arrayValue?.first?["readOnly"], true)
        // Probes are given in full in this manifest; the server adds nothing but keeps them.
        XCTAssertEqual(container[path: ["livenessProbe", "httpGet", "scheme"]], "HTTP")
        XCTAssertEqual(stored[path: ["spec", "revisionHistoryLimit"]], 10)
        // A second apply of the same manifest is a no-op.
        let again = try apply(manifest)
        XCTAssertEqual(again.meta("resourceVersion"), stored.meta("resourceVersion"))
        XCTAssertEqual(again[path: ["metadata", "generation"]], 1)
    }

    func testGrafanaVolumeMountsLoseReadOnlyFalse() throws {
        try createNamespace("monitoring")
        let manifest = try document("grafana-deployment.yaml", kind: "Deployment")
        let stored = try apply(manifest)
        let mounts = stored[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.first?["volumeMounts"]?.arrayValue ?? []
        XCTAssertFalse(mounts.isEmpty)
        for mount in mounts {
            XCTAssertNotEqual(mount["readOnly"], false, "bool `readOnly,omitempty` false is omitted: \(mount)")
        }
        // An emptyDir volume source stays {} (a pointer to a struct), secrets get their default mode.
        let volumes = stored[path: ["spec", "template", "spec", "volumes"]]?.arrayValue ?? []
        XCTAssertTrue(volumes.contains { $0["emptyDir"] == .object(ValueObject()) })
        for v in volumes where v["secret"] != nil { XCTAssertEqual(v[path: ["secret", "defaultMode"]], 420) }
        for v in volumes where v["configMap"] != nil { XCTAssertEqual(v[path: ["configMap", "defaultMode"]], 420) }
    }

    func testZeroValuesAndNullsAreDroppedWherePointersKeepThem() throws {
        try createNamespace("zero")
        let manifest: Value = [
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": ["name": "z", "namespace": "zero", "annotations": [:], "labels": ["a": "b"]],
            "spec": [
                "replicas": 0, "minReadySeconds": 0, "paused": false,
                "selector": ["matchLabels": ["a": "b"]],
                "template": [
                    "metadata": ["labels": ["a": "b"], "creationTimestamp": .null],
                    "spec": [
                        "hostNetwork": false, "serviceAccountName": "", "nodeSelector": [:],
                        "containers": [[
                            "name": "c", "image": "nginx:1.27", "args": [], "workingDir": "",
                            "ports": [["containerPort": 80, "hostPort": 0, "hostIP": ""]],
                            "volumeMounts": [["name": "v", "mountPath": "/v", "readOnly": false, "subPath": ""]],
                            "securityContext": ["runAsNonRoot": false, "privileged": .null],
                            "readinessProbe": ["httpGet": ["port": 80], "initialDelaySeconds": 0],
                            "stdin": false,
                        ]],
                        "volumes": [["name": "v", "emptyDir": [:]]],
                    ],
                ],
            ],
        ]
        let stored = try apply(manifest)
        let spec = try XCTUnwrap(stored["spec"])
        XCTAssertEqual(spec["replicas"], 0, "*int32 keeps an explicit 0")
        XCTAssertNil(spec["minReadySeconds"])
        XCTAssertNil(spec["paused"])
        XCTAssertNil(stored[path: ["metadata", "annotations"]], "an empty map is omitted")
        XCTAssertEqual(spec[path: ["template", "metadata"]], ["labels": ["a": "b"]])
        let pod = try XCTUnwrap(spec[path: ["template", "spec"]])
        XCTAssertNil(pod["hostNetwork"])
        XCTAssertNil(pod["serviceAccountName"])
        XCTAssertNil(pod["nodeSelector"])
        let c = try XCTUnwrap(pod["containers"]?.arrayValue?.first)
        XCTAssertNil(c["args"])
        XCTAssertNil(c["workingDir"])
        XCTAssertNil(c["stdin"])
        XCTAssertEqual(c["ports"], [["containerPort": 80, "protocol": "TCP"]])
        XCTAssertEqual(c["volumeMounts"], [["name": "v", "mountPath": "/v"]])
        XCTAssertEqual(c["securityContext"], ["runAsNonRoot": false], "*bool keeps false; a null pointer is gone")
        XCTAssertEqual(
            c["readinessProbe"],
            ["httpGet": ["port": 80, "path": "/", "scheme": "HTTP"], "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3])
        XCTAssertEqual(pod["volumes"], [["name": "v", "emptyDir": [:]]])
        // Applying the same again changes nothing: what the server dropped it does not write twice.
        let again = try apply(manifest)
        XCTAssertEqual(again.meta("resourceVersion"), stored.meta("resourceVersion"))
    }

    func testValidatingWebhookConfigurationIsDefaultedInsideItsList() throws {
        let manifest = try document("ingress-nginx.yaml", kind: "ValidatingWebhookConfiguration")
        let stored = try apply(manifest)
        XCTAssertEqual(
            stored["webhooks"],
            [
                [
                    "name": "validate.nginx.ingress.kubernetes.io",
                    "clientConfig": [
                        "service": [
                            "namespace": "ingress-nginx", "name": "ingress-nginx-controller-admission", "path": "/networking/v1/ingresses",
                            "port": 443,
                        ]
                    ],
                    "rules": [
                        [
                            "operations": ["CREATE", "UPDATE"], "apiGroups": ["networking.k8s.io"], "apiVersions": ["v1"],
                            "resources": ["ingresses"], "scope": "*",
                        ]
                    ],
                    "failurePolicy": "Fail", "matchPolicy": "Equivalent", "namespaceSelector": [:], "objectSelector": [:],
                    "sideEffects": "None", "timeoutSeconds": 10, "admissionReviewVersions": ["v1"],
                ]
            ])
        XCTAssertEqual(stored["webhooks"]?.arrayValue?.first?.objectValue?.keys.prefix(4), ["name", "clientConfig", "rules", "failurePolicy"])
        // A mutating one also gets reinvocationPolicy; a service without a port gets 443.
        let mutating: Value = [
            "apiVersion": "admissionregistration.k8s.io/v1", "kind": "MutatingWebhookConfiguration", "metadata": ["name": "m"],
            "webhooks": [[
                "name": "m.plumb.test", "sideEffects": "None", "admissionReviewVersions": ["v1"],
                "clientConfig": ["service": ["namespace": "x", "name": "y"]],
                "rules": [["operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"]]],
            ]],
        ]
        let m = try XCTUnwrap(apply(mutating)["webhooks"]?.arrayValue?.first)
        XCTAssertEqual(m["reinvocationPolicy"], "Never")
        XCTAssertEqual(m[path: ["clientConfig", "service", "port"]], 443)
        XCTAssertEqual(m["timeoutSeconds"], 10)
        XCTAssertEqual(m["rules"]?.arrayValue?.first?["scope"], "*")
    }

    func testNetworkPolicyPortsAndPolicyTypes() throws {
        try createNamespace("monitoring")
        let manifest = try document("alertmanager-networkPolicy.yaml", kind: "NetworkPolicy")
        let stored = try apply(manifest)
        // Everything was given: the server writes the manifest's spec back, the `egress: [{}]` rule included.
        XCTAssertEqual(stored["spec"], manifest["spec"])
        // Argo CD's style: ports without a protocol inside the atomic rule list, no policyTypes.
        let argo: Value = [
            "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": ["name": "argocd-server", "namespace": "monitoring"],
            "spec": [
                "podSelector": ["matchLabels": ["app": "argocd-server"]],
                "ingress": [["ports": [["port": 8080], ["port": 8083]]]],
            ],
        ]
        let s = try apply(argo)
        XCTAssertEqual(s[path: ["spec", "ingress"]], [["ports": [["port": 8080, "protocol": "TCP"], ["port": 8083, "protocol": "TCP"]]]])
        XCTAssertEqual(s[path: ["spec", "policyTypes"]], ["Ingress"])
        // With egress rules, Egress too; an absent podSelector is written as {}.
        let egress: Value = [
            "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": ["name": "e", "namespace": "monitoring"],
            "spec": ["egress": [["to": [["ipBlock": ["cidr": "10.0.0.0/8"]]]]]],
        ]
        let e = try apply(egress)
        XCTAssertEqual(e[path: ["spec", "policyTypes"]], ["Ingress", "Egress"])
        XCTAssertEqual(e[path: ["spec", "podSelector"]], [:])
    }

    func testPodDisruptionBudgetIsNotDefaultedAndItsStatusCountsAreWritten() throws {
        try createNamespace("monitoring")
        let manifest = try document("alertmanager-podDisruptionBudget.yaml", kind: "PodDisruptionBudget")
        let stored = try apply(manifest)
        XCTAssertEqual(stored["spec"], manifest["spec"], "policy/v1 has no defaulter")
        // The four counts have no omitempty: a new budget shows them as 0.
        for key in ["currentHealthy", "desiredHealthy", "disruptionsAllowed", "expectedPods"] {
            XCTAssertEqual(stored[path: ["status", key]], 0, key)
        }
    }

    func testIngressClassAndAPIService() throws {
        let ingressClass = try document("ingress-nginx.yaml", kind: "IngressClass")
        XCTAssertEqual(try apply(ingressClass)["spec"], ["controller": "k8s.io/ingress-nginx"])
        let withParameters: Value = [
            "apiVersion": "networking.k8s.io/v1", "kind": "IngressClass", "metadata": ["name": "p"],
            "spec": ["controller": "example.com/c", "parameters": ["apiGroup": "example.com", "kind": "Params", "name": "x"]],
        ]
        XCTAssertEqual(try apply(withParameters)[path: ["spec", "parameters", "scope"]], "Cluster")

        let apiService = try document("prometheusAdapter-apiService.yaml", kind: "APIService")
        let stored = try apply(apiService)
        XCTAssertEqual(stored[path: ["spec", "service", "port"]], 443)
        XCTAssertEqual(stored[path: ["spec", "insecureSkipTLSVerify"]], true)
        XCTAssertEqual(stored[path: ["spec", "groupPriorityMinimum"]], 100)
        // bool omitempty: an explicit false is not written back; the int32 priorities always are.
        var local = apiService
        local["metadata"] = ["name": "v1.local.plumb.test"]
        local["spec"] = ["group": "local.plumb.test", "version": "v1", "insecureSkipTLSVerify": false, "groupPriorityMinimum": 1000, "versionPriority": 15]
        let l = try apply(local)
        XCTAssertNil(l[path: ["spec", "insecureSkipTLSVerify"]])
        XCTAssertEqual(l[path: ["spec", "service"]], .null, "`service` has no omitempty: a local APIService shows null")
    }

    func testHorizontalPodAutoscalerV2() throws {
        try createNamespace("hpa")
        let minimal: Value = [
            "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": ["name": "web", "namespace": "hpa"],
            "spec": ["scaleTargetRef": ["apiVersion": "apps/v1", "kind": "Deployment", "name": "web"], "maxReplicas": 5],
        ]
        let stored = try apply(minimal)
        XCTAssertEqual(stored[path: ["spec", "minReplicas"]], 1)
        XCTAssertEqual(
            stored[path: ["spec", "metrics"]],
            [["type": "Resource", "resource": ["name": "cpu", "target": ["type": "Utilization", "averageUtilization": 80]]]])
        XCTAssertNil(stored[path: ["spec", "behavior"]], "behavior is filled in only when given")
        var withBehavior = minimal
        withBehavior["metadata"] = ["name": "b", "namespace": "hpa"]
        withBehavior["spec"]?["behavior"] = ["scaleDown": ["stabilizationWindowSeconds": 300]]
        let b = try apply(withBehavior)
        XCTAssertEqual(
            b[path: ["spec", "behavior"]],
            [
                "scaleUp": [
                    "stabilizationWindowSeconds": 0, "selectPolicy": "Max",
                    "policies": [["type": "Pods", "value": 4, "periodSeconds": 15], ["type": "Percent", "value": 100, "periodSeconds": 15]],
                ],
                "scaleDown": ["stabilizationWindowSeconds": 300, "selectPolicy": "Max", "policies": [["type": "Percent", "value": 100, "periodSeconds": 15]]],
            ])
    }

    func testPriorityStorageClassAndRoleBindingDefaults() throws {
        let priority: Value = ["apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": ["name": "high"], "value": 1000, "globalDefault": false]
        let p = try apply(priority)
        XCTAssertEqual(p["preemptionPolicy"], "PreemptLowerPriority")
        XCTAssertNil(p["globalDefault"])
        let storage: Value = ["apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": ["name": "fast"], "provisioner": "example.com/csi"]
        let s = try apply(storage)
        XCTAssertEqual(s["reclaimPolicy"], "Delete")
        XCTAssertEqual(s["volumeBindingMode"], "Immediate")
        let binding: Value = [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": ["name": "b"],
            "roleRef": ["kind": "ClusterRole", "name": "view"],
            "subjects": [["kind": "User", "name": "jane"], ["kind": "ServiceAccount", "name": "sa", "namespace": "default"]],
        ]
        let rb = try apply(binding)
        XCTAssertEqual(rb[path: ["roleRef", "apiGroup"]], "rbac.authorization.k8s.io")
        XCTAssertEqual(rb["subjects"], [
            ["kind": "User", "name": "jane", "apiGroup": "rbac.authorization.k8s.io"], ["kind": "ServiceAccount", "name": "sa", "namespace": "default"],
        ])
    }

    func testJobCronJobAndStatefulSetDefaults() throws {
        try createNamespace("ingress-nginx")
        let job = try document("ingress-nginx.yaml", kind: "Job", name: "ingress-nginx-admission-create")
        let j = try apply(job)
        XCTAssertEqual(j[path: ["spec", "backoffLimit"]], 6)
        XCTAssertEqual(j[path: ["spec", "completionMode"]], "NonIndexed")
        XCTAssertEqual(j[path: ["spec", "podReplacementPolicy"]], "TerminatingOrFailed")
        let cron: Value = [
            "apiVersion": "batch/v1", "kind": "CronJob", "metadata": ["name": "c", "namespace": "ingress-nginx"],
            "spec": [
                "schedule": "*/5 * * * *",
                "jobTemplate": ["spec": ["template": ["spec": ["restartPolicy": "OnFailure", "containers": [["name": "c", "image": "busybox:1.36"]]]]]],
            ],
        ]
        let c = try apply(cron)
        // The job template is not a Job to the defaulters: only its pod template is defaulted.
        let jobSpec = try XCTUnwrap(c[path: ["spec", "jobTemplate", "spec"]]?.objectValue)
        XCTAssertEqual(jobSpec.keys.sorted(), ["template"])
        XCTAssertEqual(c[path: ["spec", "jobTemplate", "metadata"]], [:], "a struct without omitzero is written as {}")
        XCTAssertEqual(c[path: ["spec", "jobTemplate", "spec", "template", "spec", "dnsPolicy"]], "ClusterFirst")
        XCTAssertEqual(c[path: ["spec", "concurrencyPolicy"]], "Allow")
        let sts: Value = [
            "apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": ["name": "s", "namespace": "ingress-nginx"],
            "spec": [
                "selector": ["matchLabels": ["a": "s"]], "serviceName": "s", "updateStrategy": ["type": "RollingUpdate"],
                "template": ["metadata": ["labels": ["a": "s"]], "spec": ["containers": [["name": "c", "image": "nginx:1.27"]]]],
                "volumeClaimTemplates": [["metadata": ["name": "data"], "spec": ["accessModes": ["ReadWriteOnce"], "resources": ["requests": ["storage": "1Gi"]]]]],
            ],
        ]
        let st = try apply(sts)
        XCTAssertEqual(st[path: ["spec", "updateStrategy"]], ["type": "RollingUpdate"], "rollingUpdate is made only with a defaulted type")
        let claim = try XCTUnwrap(st[path: ["spec", "volumeClaimTemplates"]]?.arrayValue?.first)
        XCTAssertEqual(claim[path: ["spec", "volumeMode"]], "Filesystem")
        XCTAssertEqual(claim[path: ["status", "phase"]], "Pending")
    }

    /// Every type and field the omitempty table names exists in the generated schema.
    func testOmitEmptyTableNamesSchemaTypes() {
        XCTAssertGreaterThan(OmitEmpty.rules.count, 250)
        for (type, rules) in OmitEmpty.rules {
            guard let fields = BuiltinSchema.tables.types[type] else {
                XCTFail("\(type) is not a schema type")
                continue
            }
            for field in rules.byField.keys { XCTAssertNotNil(fields[field], "\(type).\(field)") }
        }
        XCTAssertEqual(OmitEmpty.rules["V1VolumeMount"]?.byField["readOnly"], .omitZero)
        XCTAssertEqual(OmitEmpty.rules["V1APIServiceSpec"]?.byField["groupPriorityMinimum"], .always(0))
        XCTAssertEqual(OmitEmpty.rules["V1APIServiceSpec"]?.byField["insecureSkipTLSVerify"], .omitZero)
        XCTAssertEqual(OmitEmpty.rules["V1ContainerStatus"]?.byField["ready"], .always(false))
        // Custom resources are left as they are.
        let cr: Value = ["apiVersion": "example.plumb.test/v1", "kind": "Gadget", "spec": ["size": 0, "on": false, "x": .null]]
        XCTAssertEqual(OmitEmpty.normalized(cr), cr)
    }
}

/// kubectl sees the same as the raw API: `apply --server-side`, then `get -o json`.
final class ServerDefaultsKubectlTests: ClusterTestCase {
    /// kubectl sees the same: `apply --server-side`, then `get -o json`.
    func testKubectlServerSideApplyThenGetShowsTheServersForm() throws {
        try kubectlOK(["create", "namespace", "ingress-nginx"])
        let yaml = String(decoding: try Data(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("fixtures/real-world-defaults/ingress-nginx.yaml")), as: UTF8.self)
        let selected = yaml.components(separatedBy: "\n---\n").filter { $0.contains("kind: Deployment") || $0.contains("kind: ValidatingWebhookConfiguration") }
        try kubectlOK(["apply", "--server-side", "--field-manager", "plumb", "-f", "-"], stdin: selected.joined(separator: "\n---\n"))
        let deployment = try JSONReader().parse(Array(try kubectlOK(["get", "deployment", "ingress-nginx-controller", "-n", "ingress-nginx", "-o", "json"]).utf8))
        XCTAssertNil(deployment[path: ["spec", "minReadySeconds"]])
        XCTAssertEqual(deployment[path: ["spec", "progressDeadlineSeconds"]], 600)
        let vwc = try JSONReader().parse(Array(try kubectlOK(["get", "validatingwebhookconfiguration", "ingress-nginx-admission", "-o", "json"]).utf8))
        let webhook = try XCTUnwrap(vwc["webhooks"]?.arrayValue?.first)
        XCTAssertEqual(webhook["timeoutSeconds"], 10)
        XCTAssertEqual(webhook["namespaceSelector"], [:])
        XCTAssertEqual(webhook["objectSelector"], [:])
        XCTAssertEqual(webhook["rules"]?.arrayValue?.first?["scope"], "*")
    }
}
