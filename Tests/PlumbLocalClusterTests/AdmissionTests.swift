import Foundation
import Hummingbird
import HummingbirdTLS
import Logging
import PlumbCore
import XCTest

@testable import PlumbLocalCluster

/// Validating admission webhooks, with kubectl as the judge: a real HTTPS webhook on
/// 127.0.0.1 records the AdmissionReviews the cluster sends it.
final class AdmissionTests: ClusterTestCase {
    var webhook: RecordingWebhook!

    override func setUp() async throws {
        try await super.setUp()
        webhook = try await RecordingWebhook.start()
        try kubectlOK(["create", "namespace", "adm"])
    }

    override func tearDown() async throws {
        await webhook?.stop()
        try await super.tearDown()
    }

    func testAllowedCreateSendsTheFinalObjectInAReview() throws {
        try register("check.plumb.test", rules: [rule(["CREATE", "UPDATE"], group: "apps", resource: "deployments")])
        try kubectlOK(["create", "-f", "-"], stdin: deployment("web", labels: ["tier": "front"]))
        XCTAssertEqual(webhook.reviews.count, 1)
        let review = try XCTUnwrap(webhook.reviews.first)
        XCTAssertEqual(review["apiVersion"], "admission.k8s.io/v1")
        XCTAssertEqual(review["kind"], "AdmissionReview")
        let request = try XCTUnwrap(review["request"])
        XCTAssertEqual(request["uid"]?.stringValue?.isEmpty, false)
        XCTAssertEqual(request["operation"], "CREATE")
        XCTAssertEqual(request["kind"], ["group": "apps", "version": "v1", "kind": "Deployment"])
        XCTAssertEqual(request["resource"], ["group": "apps", "version": "v1", "resource": "deployments"])
        XCTAssertEqual(request["requestKind"], request["kind"])
        XCTAssertEqual(request["namespace"], "adm")
        XCTAssertEqual(request["name"], "web")
        XCTAssertEqual(request["dryRun"], false)
        XCTAssertEqual(request["oldObject"], .null)
        XCTAssertEqual(request[path: ["options", "kind"]], "CreateOptions")
        XCTAssertEqual(request[path: ["options", "fieldManager"]], "kubectl-create")
        // The webhook sees the object as it will be stored: defaulted, with server-set metadata.
        XCTAssertEqual(request[path: ["object", "spec", "strategy", "type"]], "RollingUpdate")
        XCTAssertEqual(request[path: ["object", "spec", "progressDeadlineSeconds"]], 600)
        XCTAssertEqual(request[path: ["object", "spec", "template", "spec", "restartPolicy"]], "Always")
        XCTAssertNotNil(request[path: ["object", "metadata", "creationTimestamp"]])
        XCTAssertEqual(try kubectlOK(["get", "deployment", "web", "-n", "adm", "-o", "jsonpath={.metadata.labels.tier}"]), "front")

        // An update is sent with the stored object as oldObject.
        try kubectlOK(["label", "deployment", "web", "-n", "adm", "tier=back", "--overwrite"])
        let update = try XCTUnwrap(webhook.reviews.last?["request"])
        XCTAssertEqual(update["operation"], "UPDATE")
        XCTAssertEqual(update[path: ["oldObject", "metadata", "labels", "tier"]], "front")
        XCTAssertEqual(update[path: ["object", "metadata", "labels", "tier"]], "back")
        XCTAssertEqual(update[path: ["options", "kind"]], "UpdateOptions")

        // A generated name is not the request's: the review names none, the object has it.
        let generated = try kubectlOK(["create", "-f", "-", "-o", "name"], stdin: #"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"generateName": "gen-", "namespace": "adm"}, "spec": {"selector": {"matchLabels": {"app": "g"}}, "template": {"metadata": {"labels": {"app": "g"}}, "spec": {"containers": [{"name": "app", "image": "nginx"}]}}}}"#)
        XCTAssertTrue(generated.hasPrefix("deployment.apps/gen-"), generated)
        let unnamed = try XCTUnwrap(webhook.reviews.last?["request"])
        XCTAssertNil(unnamed["name"])
        XCTAssertEqual(unnamed[path: ["object", "metadata", "generateName"]], "gen-")
    }

    func testDenialIsTheRealErrorAndNothingIsStored() throws {
        try register("deny.plumb.test", rules: [rule(["*"], group: "", resource: "configmaps")])
        let denied = try kubectl(["create", "-f", "-"], stdin: configMap("bad", labels: ["deny": "yes"]))
        XCTAssertNotEqual(denied.status, 0)
        XCTAssertTrue(
            denied.stderr.contains(#"admission webhook "deny.plumb.test" denied the request: objects labelled deny=yes are refused"#),
            denied.stderr)
        let missing = try kubectl(["get", "configmap", "bad", "-n", "adm"])
        XCTAssertTrue(missing.stderr.contains(#"configmaps "bad" not found"#), missing.stderr)

        // Server-side apply and a patch are held to the same webhook.
        let applied = try kubectl(["apply", "--server-side", "-f", "-"], stdin: configMap("bad", labels: ["deny": "yes"]))
        XCTAssertTrue(applied.stderr.contains(#"Error from server: admission webhook "deny.plumb.test" denied the request"#), applied.stderr)
        try kubectlOK(["apply", "--server-side", "-f", "-"], stdin: configMap("good", labels: [:]))
        let labelled = try kubectl(["label", "configmap", "good", "-n", "adm", "deny=yes"])
        XCTAssertNotEqual(labelled.status, 0)
        XCTAssertTrue(labelled.stderr.contains("denied the request"), labelled.stderr)
        XCTAssertEqual(try kubectlOK(["get", "configmap", "good", "-n", "adm", "-o", "jsonpath={.metadata.labels}"]), "")

        // A DELETE is sent with the stored object as oldObject and may be refused too.
        let deleted = try kubectl(["delete", "configmap", "good", "-n", "adm", "--wait=false"])
        XCTAssertEqual(deleted.status, 0, deleted.stderr)
        let delete = try XCTUnwrap(webhook.reviews.last?["request"])
        XCTAssertEqual(delete["operation"], "DELETE")
        XCTAssertEqual(delete["object"], .null)
        XCTAssertEqual(delete[path: ["oldObject", "metadata", "name"]], "good")
        XCTAssertEqual(delete[path: ["options", "kind"]], "DeleteOptions")
    }

    func testServerDryRunCallsWebhooksThatAllowIt() throws {
        try register("check.plumb.test", rules: [rule(["CREATE"], group: "", resource: "configmaps")])
        let out = try kubectlOK(["apply", "--server-side", "--dry-run=server", "-f", "-"], stdin: configMap("trial", labels: [:]))
        XCTAssertEqual(out, "configmap/trial serverside-applied (server dry run)\n")
        let request = try XCTUnwrap(webhook.reviews.last?["request"])
        XCTAssertEqual(request["dryRun"], true)
        XCTAssertEqual(request["operation"], "CREATE")
        XCTAssertEqual(request[path: ["options", "dryRun"]], ["All"])
        XCTAssertEqual(request[path: ["options", "fieldManager"]], "kubectl")
        XCTAssertNotEqual(try kubectl(["get", "configmap", "trial", "-n", "adm"]).status, 0)

        // A webhook with side effects cannot be called on a dry run: the request is refused.
        try register("effects.plumb.test", sideEffects: "Some", rules: [rule(["CREATE"], group: "", resource: "configmaps")])
        let refused = try kubectl(["apply", "--server-side", "--dry-run=server", "-f", "-"], stdin: configMap("trial", labels: [:]))
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains(#"admission webhook "effects.plumb.test" does not support dry run"#), refused.stderr)
        // ... while a real write calls it.
        let before = webhook.reviews.count
        try kubectlOK(["apply", "--server-side", "-f", "-"], stdin: configMap("trial", labels: [:]))
        XCTAssertEqual(webhook.reviews.count, before + 2)
    }

    func testFailurePolicyDecidesWhenTheWebhookCannotBeCalled() async throws {
        let port = webhook.port
        await webhook.stop()
        let url = "https://127.0.0.1:\(port)/validate"
        try register("down.plumb.test", failurePolicy: "Ignore", rules: [rule(["CREATE"], group: "", resource: "configmaps")])
        try kubectlOK(["create", "-f", "-"], stdin: configMap("through", labels: [:]))

        try register("down.plumb.test", failurePolicy: "Fail", rules: [rule(["CREATE"], group: "", resource: "configmaps")])
        let refused = try kubectl(["create", "-f", "-"], stdin: configMap("stopped", labels: [:]))
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(
            refused.stderr.contains(
                #"Internal error occurred: failed calling webhook "down.plumb.test": failed to call webhook: Post "\#(url)?timeout=10s": dial tcp 127.0.0.1:\#(port): connect: connection refused"#
            ), refused.stderr)
        XCTAssertNotEqual(try kubectl(["get", "configmap", "stopped", "-n", "adm"]).status, 0)

        // A service reference cannot be reached from the sandbox.
        try register("svc.plumb.test", service: true, rules: [rule(["CREATE"], group: "", resource: "secrets")])
        let viaService = try kubectl(["create", "secret", "generic", "s", "-n", "adm"])
        XCTAssertTrue(
            viaService.stderr.contains(
                #"failed calling webhook "svc.plumb.test": failed to call webhook: Post "https://guard.adm.svc:443/check?timeout=10s": service "guard" not found"#
            ), viaService.stderr)
    }

    func testTimeoutAndUntrustedCertificateFail() async throws {
        try register("slow.plumb.test", path: "/slow", timeoutSeconds: 1, rules: [rule(["CREATE"], group: "", resource: "configmaps")])
        let started = Date()
        let slow = try kubectl(["create", "-f", "-"], stdin: configMap("late", labels: [:]))
        XCTAssertLessThan(Date().timeIntervalSince(started), 8)
        XCTAssertTrue(
            slow.stderr.contains(#"failed calling webhook "slow.plumb.test": failed to call webhook: Post "https://127.0.0.1:\#(webhook.port)/slow?timeout=1s": context deadline exceeded"#),
            slow.stderr)
        try kubectlOK(["delete", "validatingwebhookconfiguration", "slow.plumb.test"])

        let stranger = try ClusterCertificates.generate()
        try register("tls.plumb.test", caPEM: stranger.caPEM, rules: [rule(["CREATE"], group: "", resource: "configmaps")])
        let untrusted = try kubectl(["create", "-f", "-"], stdin: configMap("untrusted", labels: [:]))
        XCTAssertTrue(untrusted.stderr.contains("x509: certificate signed by unknown authority"), untrusted.stderr)
        XCTAssertEqual(webhook.reviews.count, 0)
    }

    func testWarningsReachKubectl() throws {
        try register("check.plumb.test", rules: [rule(["CREATE"], group: "", resource: "configmaps")])
        let r = try kubectl(["create", "-f", "-"], stdin: configMap("watched", labels: ["warn": "yes"]))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("Warning: configmap watched is being watched"), r.stderr)
        // A denial carries its warnings too.
        let denied = try kubectl(["create", "-f", "-"], stdin: configMap("both", labels: ["warn": "yes", "deny": "yes"]))
        XCTAssertTrue(denied.stderr.contains("Warning: configmap both is being watched"), denied.stderr)
        XCTAssertTrue(denied.stderr.contains("denied the request"), denied.stderr)
    }

    func testSelectorsThatDoNotMatchSkipTheCall() throws {
        try register(
            "ns.plumb.test", namespaceSelector: ["matchLabels": ["admission": "on"]],
            rules: [rule(["CREATE"], group: "", resource: "configmaps")])
        try kubectlOK(["create", "-f", "-"], stdin: configMap("skipped", labels: ["deny": "yes"]))
        XCTAssertEqual(webhook.reviews.count, 0)
        try kubectlOK(["label", "namespace", "adm", "admission=on"])
        let denied = try kubectl(["create", "-f", "-"], stdin: configMap("seen", labels: ["deny": "yes"]))
        XCTAssertTrue(denied.stderr.contains("denied the request"), denied.stderr)
        XCTAssertEqual(webhook.reviews.count, 1)
        try kubectlOK(["delete", "validatingwebhookconfiguration", "ns.plumb.test"])

        try register(
            "obj.plumb.test", objectSelector: ["matchExpressions": [["key": "checked", "operator": "Exists"]]],
            rules: [rule(["CREATE"], group: "", resource: "configmaps")])
        try kubectlOK(["create", "-f", "-"], stdin: configMap("unchecked", labels: ["deny": "yes"]))
        XCTAssertEqual(webhook.reviews.count, 1)
        let checked = try kubectl(["create", "-f", "-"], stdin: configMap("checked", labels: ["deny": "yes", "checked": "true"]))
        XCTAssertTrue(checked.stderr.contains("denied the request"), checked.stderr)
        XCTAssertEqual(webhook.reviews.count, 2)

        // Rules that name another resource or operation do not match either.
        try kubectlOK(["delete", "validatingwebhookconfiguration", "obj.plumb.test"])
        try register("rules.plumb.test", rules: [rule(["UPDATE"], group: "", resource: "configmaps"), rule(["CREATE"], group: "", resource: "secrets")])
        try kubectlOK(["create", "-f", "-"], stdin: configMap("other", labels: ["deny": "yes"]))
        XCTAssertEqual(webhook.reviews.count, 2)
    }

    func testNamespaceIsMatchedByItsOwnLabels() throws {
        try register(
            "namespaces.plumb.test", namespaceSelector: ["matchLabels": ["admission": "on"]],
            rules: [rule(["CREATE"], group: "", resource: "namespaces")])
        try kubectlOK(["create", "namespace", "plain"])
        XCTAssertEqual(webhook.reviews.count, 0)
        let manifest = #"{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "guarded", "labels": {"admission": "on", "deny": "yes"}}}"#
        let denied = try kubectl(["create", "-f", "-"], stdin: manifest)
        XCTAssertTrue(denied.stderr.contains(#"admission webhook "namespaces.plumb.test" denied the request"#), denied.stderr)
        let request = try XCTUnwrap(webhook.reviews.first?["request"])
        // A Namespace's request carries its own name as the namespace, as kube-apiserver's does.
        XCTAssertEqual(request["namespace"], "guarded")
        XCTAssertEqual(request["name"], "guarded")
        XCTAssertEqual(request[path: ["object", "metadata", "labels", "kubernetes.io/metadata.name"]], "guarded")
    }

    /// ValidatingAdmissionPolicies and their bindings are stored and served; their CEL is not
    /// evaluated (a policy that refuses everything lets a create through).
    func testAdmissionPoliciesAreStoredNotEvaluated() throws {
        let policy = """
            apiVersion: admissionregistration.k8s.io/v1
            kind: ValidatingAdmissionPolicy
            metadata: {name: never}
            spec:
              failurePolicy: Fail
              matchConstraints:
                resourceRules: [{apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [configmaps]}]
              validations: [{expression: "false", message: never}]
            ---
            apiVersion: admissionregistration.k8s.io/v1
            kind: ValidatingAdmissionPolicyBinding
            metadata: {name: never}
            spec: {policyName: never, validationActions: [Deny]}
            """
        XCTAssertEqual(
            try kubectlOK(["apply", "--server-side", "-f", "-"], stdin: policy),
            "validatingadmissionpolicy.admissionregistration.k8s.io/never serverside-applied\n"
                + "validatingadmissionpolicybinding.admissionregistration.k8s.io/never serverside-applied\n")
        XCTAssertEqual(try kubectlOK(["get", "validatingadmissionpolicy", "never", "-o", "jsonpath={.spec.validations[0].expression}"]), "false")
        XCTAssertEqual(try kubectlOK(["get", "validatingadmissionpolicybinding", "never", "-o", "jsonpath={.spec.policyName}"]), "never")
        try kubectlOK(["create", "-f", "-"], stdin: configMap("allowed", labels: [:]))
        try kubectlOK(["delete", "validatingadmissionpolicybinding,validatingadmissionpolicy", "never"])
        XCTAssertEqual(try kubectlOK(["get", "mutatingadmissionpolicies,mutatingadmissionpolicybindings", "-o", "name"]), "")
    }

    // MARK: - Helpers

    func rule(_ operations: [String], group: String, resource: String) -> Value {
        ["operations": .array(operations.map { .string($0) }), "apiGroups": [.string(group)], "apiVersions": ["v1"], "resources": [.string(resource)]]
    }

    /// Creates or replaces a ValidatingWebhookConfiguration of one webhook, named as the webhook.
    func register(
        _ name: String, path: String = "/validate", failurePolicy: String = "Fail", sideEffects: String = "None",
        timeoutSeconds: Int64 = 10, service: Bool = false, caPEM: String? = nil,
        namespaceSelector: Value = [:], objectSelector: Value = [:], rules: [Value]
    ) throws {
        let ca = Data((caPEM ?? webhook.certificates.caPEM).utf8).base64EncodedString()
        let clientConfig: Value =
            service
            ? ["service": ["name": "guard", "namespace": "adm", "path": "/check", "port": 443]]
            : ["url": .string("https://127.0.0.1:\(webhook.port)\(path)"), "caBundle": .string(ca)]
        let hook: Value = [
            "name": .string(name), "clientConfig": clientConfig, "rules": .array(rules),
            "failurePolicy": .string(failurePolicy), "sideEffects": .string(sideEffects), "admissionReviewVersions": ["v1"],
            "timeoutSeconds": .int(timeoutSeconds), "namespaceSelector": namespaceSelector, "objectSelector": objectSelector,
        ]
        let configuration: Value = [
            "apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
            "metadata": ["name": .string(name)], "webhooks": [hook],
        ]
        try kubectlOK(["apply", "--server-side", "--force-conflicts", "-f", "-"], stdin: String(decoding: try JSONWriter().bytes(configuration), as: UTF8.self))
    }

    func configMap(_ name: String, labels: [String: String]) -> String {
        var meta: Value = ["name": .string(name), "namespace": "adm"]
        if !labels.isEmpty {
            var l = ValueObject()
            for (k, v) in labels.sorted(by: { $0.key < $1.key }) { l[k] = .string(v) }
            meta["labels"] = .object(l)
        }
        let object: Value = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": ["k": "v"]]
        return String(decoding: (try? JSONWriter().bytes(object)) ?? [], as: UTF8.self)
    }

    func deployment(_ name: String, labels: [String: String]) -> String {
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: \(name)
          namespace: adm
          labels: {\(labels.map { "\($0.key): \($0.value)" }.joined(separator: ", "))}
        spec:
          selector: {matchLabels: {app: \(name)}}
          template:
            metadata: {labels: {app: \(name)}}
            spec:
              containers: [{name: app, image: nginx}]
        """
    }
}

/// An HTTPS admission webhook on 127.0.0.1: records every AdmissionReview; denies objects
/// labelled `deny=yes` (code 403), warns of objects labelled `warn=yes`; `/slow` answers
/// after three seconds.
final class RecordingWebhook: Sendable {
    let certificates: ClusterCertificates
    let port: Int
    private let recorded: Recorded
    private let task: Task<Void, any Error>

    final class Recorded: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [Value] = []
        func append(_ v: Value) { lock.withLock { items.append(v) } }
        var all: [Value] { lock.withLock { items } }
    }

    private init(certificates: ClusterCertificates, port: Int, recorded: Recorded, task: Task<Void, any Error>) {
        self.certificates = certificates
        self.port = port
        self.recorded = recorded
        self.task = task
    }

    var reviews: [Value] { recorded.all }

    static func start() async throws -> RecordingWebhook {
        let certificates = try ClusterCertificates.generate()
        let recorded = Recorded()
        let router = Router()
        router.post("validate") { request, _ in try await answer(request, recorded) }
        router.post("slow") { request, _ in
            try await Task.sleep(for: .seconds(3))
            return try await answer(request, recorded)
        }
        let tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(try NIOSSLCertificate(bytes: Array(certificates.serverCertificatePEM.utf8), format: .pem))],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(certificates.serverKeyPEM.utf8), format: .pem)))
        let (bound, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "plumb.test-webhook")
        logger.logLevel = .critical
        let app = Application(
            router: router, server: try .tls(.http1(), tlsConfiguration: tls),
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            }, logger: logger)
        let task = Task {
            defer { continuation.finish() }
            try await app.runService(gracefulShutdownSignals: [])
        }
        var port = 0
        for await p in bound { port = p }
        guard port > 0 else {
            task.cancel()
            throw LocalCluster.ClusterError.startFailed("webhook did not bind")
        }
        return RecordingWebhook(certificates: certificates, port: port, recorded: recorded, task: task)
    }

    func stop() async {
        task.cancel()
        _ = await task.result
    }

    private static func answer(_ request: Request, _ recorded: Recorded) async throws -> Response {
        let body = try await request.body.collect(upTo: 4 << 20)
        let review = try JSONReader().parse(Array(body.readableBytesView))
        recorded.append(review)
        let object = review[path: ["request", "object"]] ?? review[path: ["request", "oldObject"]]
        let labels = object?[path: ["metadata", "labels"]]
        var response: Value = ["uid": review[path: ["request", "uid"]] ?? "", "allowed": .bool(labels?["deny"] != "yes")]
        if labels?["deny"] == "yes" && review[path: ["request", "operation"]] != "DELETE" {
            response["allowed"] = false
            response["status"] = ["code": 403, "message": "objects labelled deny=yes are refused"]
        } else {
            response["allowed"] = true
        }
        if labels?["warn"] == "yes" {
            let kind = (review[path: ["request", "kind", "kind"]]?.stringValue ?? "").lowercased()
            response["warnings"] = [.string("\(kind) \(object?.meta("name") ?? "") is being watched")]
        }
        let answer: Value = ["apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": response]
        return Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: try JSONWriter().bytes(answer))))
    }
}
