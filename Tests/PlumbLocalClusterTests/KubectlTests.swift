import Foundation
import PlumbCore
import XCTest

@testable import PlumbLocalCluster

/// The real kubectl, over TLS with the written kubeconfig, is the judge here.
final class KubectlTests: ClusterTestCase {
    func testCreateNamespaceAndGet() throws {
        XCTAssertEqual(try kubectlOK(["create", "namespace", "team-a"]), "namespace/team-a created\n")
        let table = try kubectlOK(["get", "namespaces"])
        XCTAssertTrue(table.hasPrefix("NAME"), table)
        XCTAssertTrue(table.contains("team-a "), table)
        XCTAssertTrue(table.contains("Active"), table)
        let yaml = try kubectlOK(["get", "namespace", "team-a", "-o", "yaml"])
        XCTAssertTrue(yaml.contains("kubernetes.io/metadata.name: team-a"), yaml)
        XCTAssertTrue(yaml.contains("phase: Active"), yaml)
        let missing = try kubectl(["get", "configmap", "nope", "-n", "team-a"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("Error from server (NotFound): configmaps \"nope\" not found"), missing.stderr)
    }

    /// kubectl's HTTP/2 client sends a body larger than the server's windows and gets it back.
    func testLargeObjectOverHTTP2() throws {
        let big = String(repeating: "0123456789abcdef", count: 40 << 10)  // 640 KiB
        let file = try writeFile("big.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\n  namespace: default\ndata:\n  k: \(big)\n")
        XCTAssertEqual(try kubectlOK(["apply", "--server-side", "-f", file]), "configmap/big serverside-applied\n")
        XCTAssertEqual(try kubectlOK(["get", "configmap", "big", "-o", "jsonpath={.data.k}"]), big)
    }

    func testVersionAndAPIResources() throws {
        let version = try kubectlOK(["version", "-o", "json"])
        XCTAssertTrue(version.contains("\"gitVersion\": \"v1.32.0-plumb\""), version)
        let resources = try kubectlOK(["api-resources"])
        for line in ["deployments", "customresourcedefinitions", "configmaps", "leases", "networkpolicies"] {
            XCTAssertTrue(resources.contains(line), resources)
        }
    }
}

let deploymentYAML = """
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
      namespace: apps
      labels:
        app.kubernetes.io/managed-by: plumb
    spec:
      replicas: 2
      selector:
        matchLabels:
          app: web
      template:
        metadata:
          labels:
            app: web
        spec:
          containers:
          - name: web
            image: nginx:1.25
            resources:
              requests:
                cpu: 1000m
                memory: 1024Mi
    """

extension KubectlTests {
    func writeFile(_ name: String, _ text: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func testServerSideApplyConflictForceAndDiff() throws {
        try kubectlOK(["create", "namespace", "apps"])
        let file = try writeFile("web.yaml", deploymentYAML)
        XCTAssertEqual(try kubectlOK(["apply", "--server-side", "-f", file]), "deployment.apps/web serverside-applied\n")
        let yaml = try kubectlOK(["get", "deployment", "web", "-n", "apps", "-o", "yaml", "--show-managed-fields"])
        XCTAssertTrue(yaml.contains("manager: kubectl"), yaml)
        XCTAssertTrue(yaml.contains("operation: Apply"), yaml)
        XCTAssertTrue(yaml.contains("cpu: \"1\""), yaml)
        XCTAssertTrue(yaml.contains("memory: 1Gi"), yaml)
        XCTAssertTrue(yaml.contains("progressDeadlineSeconds: 600"), yaml)
        // The simulated controller reports the rollout, and kubectl follows it.
        let rollout = try kubectl(["rollout", "status", "deployment/web", "-n", "apps", "--timeout=10s"])
        XCTAssertEqual(rollout.status, 0, rollout.stderr)
        XCTAssertTrue(rollout.stdout.contains("successfully rolled out"), rollout.stdout)
        let pods = try kubectlOK(["get", "pods", "-n", "apps"]).split(separator: "\n")
        XCTAssertEqual(pods.first?.split(separator: " ", omittingEmptySubsequences: true), ["NAME", "READY", "STATUS", "RESTARTS", "AGE"])
        XCTAssertEqual(pods.count, 3, pods.joined(separator: "\n"))
        XCTAssertTrue(pods.dropFirst().allSatisfy { $0.hasPrefix("web-") && $0.contains(" 1/1 ") && $0.contains("Running") }, pods.joined(separator: "\n"))
        // Unchanged: no diff, exit 0.
        let same = try kubectl(["diff", "--server-side", "-f", file])
        XCTAssertEqual(same.status, 0, same.stdout + same.stderr)
        // A second manager changing replicas conflicts with kubectl's ownership.
        let other = try writeFile("other.yaml", deploymentYAML.replacingOccurrences(of: "replicas: 2", with: "replicas: 5"))
        let conflict = try kubectl(["apply", "--server-side", "--field-manager", "hpa", "-f", other])
        XCTAssertEqual(conflict.status, 1)
        XCTAssertTrue(conflict.stderr.contains("Apply failed with 1 conflict: conflict with \"kubectl\": .spec.replicas"), conflict.stderr)
        XCTAssertTrue(conflict.stderr.contains("--force-conflicts"), conflict.stderr)
        let diff = try kubectl(["diff", "--server-side", "--force-conflicts", "--field-manager", "hpa", "-f", other])
        XCTAssertEqual(diff.status, 1, diff.stderr)
        XCTAssertTrue(diff.stdout.contains("-  replicas: 2") && diff.stdout.contains("+  replicas: 5"), diff.stdout)
        try kubectlOK(["apply", "--server-side", "--force-conflicts", "--field-manager", "hpa", "-f", other])
        XCTAssertEqual(try kubectlOK(["get", "deployment", "web", "-n", "apps", "-o", "jsonpath={.spec.replicas}"]), "5")
    }

    /// kubectl shows the schema's refusal of a misspelt field as it does against kube-apiserver.
    func testServerSideApplyOfAMisspeltField() throws {
        try kubectlOK(["create", "namespace", "apps"])
        let file = try writeFile("typo.yaml", deploymentYAML.replacingOccurrences(of: "replicas: 2", with: "replica: 2"))
        let r = try kubectl(["apply", "--server-side", "-f", file])
        XCTAssertEqual(r.status, 1, r.stdout)
        XCTAssertTrue(
            r.stderr.contains("failed to create typed patch object (apps/web; apps/v1, Kind=Deployment): .spec.replica: field not declared in schema"),
            r.stderr)
        XCTAssertNotEqual(try kubectl(["get", "deployment", "web", "-n", "apps"]).status, 0)
    }

    /// A value outside a field's fixed set is refused with the supported values, as kube-apiserver's
    /// validation refuses it, and nothing is stored.
    func testUnsupportedValuesAreRefused() throws {
        try kubectlOK(["create", "namespace", "apps"])
        let file = try writeFile(
            "policy.yaml",
            deploymentYAML.replacingOccurrences(of: "image: nginx:1.25", with: "image: nginx:1.25\n        imagePullPolicy: Sometimes"))
        let r = try kubectl(["apply", "--server-side", "-f", file])
        XCTAssertEqual(r.status, 1, r.stdout)
        XCTAssertTrue(
            r.stderr.contains(#"spec.template.spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never""#),
            r.stderr)
        XCTAssertNotEqual(try kubectl(["get", "deployment", "web", "-n", "apps"]).status, 0)
        let service = try writeFile(
            "service.yaml",
            "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: apps}\nspec:\n  type: Internal\n  ports: [{port: 80, protocol: tcp}]\n")
        let s = try kubectl(["apply", "--server-side", "-f", service])
        XCTAssertEqual(s.status, 1, s.stdout)
        XCTAssertTrue(s.stderr.contains(#"spec.type: Unsupported value: "Internal": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort""#), s.stderr)
        XCTAssertTrue(s.stderr.contains(#"spec.ports[0].protocol: Unsupported value: "tcp": supported values: "SCTP", "TCP", "UDP""#), s.stderr)
        try kubectlOK(["apply", "--server-side", "-f", try writeFile("ok.yaml", deploymentYAML.replacingOccurrences(of: "image: nginx:1.25", with: "image: nginx:1.25\n        imagePullPolicy: Never"))])
    }

    /// Creates, replaces and patches decode under `fieldValidation` as kube-apiserver does:
    /// kubectl's default (Strict) refuses unknown fields, Warn drops them with a warning each.
    func testFieldValidationOfCreatesAndPatches() throws {
        try kubectlOK(["create", "namespace", "apps"])
        let typo = deploymentYAML.replacingOccurrences(of: "replicas: 2", with: "replica: 2")
            .replacingOccurrences(of: "image: nginx:1.25", with: "image: nginx:1.25\n        imagePullPolicyy: Always")
        let file = try writeFile("typo.yaml", typo)
        let strict = try kubectl(["create", "-f", file])
        XCTAssertEqual(strict.status, 1)
        XCTAssertTrue(
            strict.stderr.contains(
                #"Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.replica", unknown field "spec.template.spec.containers[0].imagePullPolicyy""#),
            strict.stderr)
        let warn = try kubectl(["create", "--validate=warn", "-f", file])
        XCTAssertEqual(warn.status, 0, warn.stderr)
        XCTAssertTrue(warn.stderr.contains(#"Warning: unknown field "spec.replica""#), warn.stderr)
        XCTAssertTrue(warn.stderr.contains(#"Warning: unknown field "spec.template.spec.containers[0].imagePullPolicyy""#), warn.stderr)
        let spec = try kubectlOK(["get", "deployment", "web", "-n", "apps", "-o", "jsonpath={.spec}"])
        XCTAssertFalse(spec.contains("replica\"") || spec.contains("imagePullPolicyy"), spec)
        let patch = try kubectl(["patch", "deployment", "web", "-n", "apps", "--type", "merge", "-p", #"{"spec":{"paused2":true}}"#])
        XCTAssertEqual(patch.status, 0, patch.stderr)
        XCTAssertTrue(patch.stderr.contains(#"Warning: unknown field "spec.paused2""#), patch.stderr)
        XCTAssertEqual(try kubectl(["replace", "-f", file]).status, 1)
    }

    /// Every built-in kind the local cluster serves has its schema, and every type a schema names is there.
    func testEveryServedBuiltinKindHasItsSchema() {
        let tables = BuiltinSchema.tables
        for type in ResourceType.builtins where type.verbs.contains("create") {  // ComponentStatus is read-only
            XCTAssertNotNil(tables.kinds["\(type.apiVersion) \(type.kind)"], "\(type.apiVersion) \(type.kind)")
        }
        func named(_ t: BuiltinSchema.FieldType) -> String? {
            switch t {
            case .object(let name): return name
            case .list(let e), .map(let e): return named(e)
            case .scalar, .numeric, .any: return nil
            }
        }
        for (name, fields) in tables.types {
            for (field, type) in fields {
                if let ref = named(type) { XCTAssertNotNil(tables.types[ref], "\(name).\(field): \(ref)") }
            }
        }
        XCTAssertEqual(tables.types["V1DeploymentSpec"]?["replicas"].map { "\($0)" }, "numeric")
        XCTAssertEqual(tables.types["V1DeploymentSpec"]?["paused"].map { "\($0)" }, "scalar")
    }

    func testDeleteAndWatch() async throws {
        try kubectlOK(["create", "namespace", "w"])
        try kubectlOK(["create", "configmap", "one", "-n", "w", "--from-literal=k=v"])
        // `get -w` lists, then prints what changes; the request timeout ends it.
        let watched = Locked<Run?>(nil)
        let (config, home) = (kubeconfig, directory.path)
        Thread {
            let run = try? Self.kubectl(["get", "configmaps", "-n", "w", "-w", "--request-timeout=4s"], kubeconfig: config, home: home, timeout: 10)
            watched.mutate { $0 = run }
        }.start()
        // The change comes once the watch is open, so it travels as a live event.
        var open = 0
        for _ in 0..<60 where open == 0 {
            try await Task.sleep(for: .milliseconds(50))
            open = await cluster.openWatchCount()
        }
        XCTAssertEqual(open, 1, "kubectl's watch is open")
        try kubectlOK(["create", "configmap", "two", "-n", "w", "--from-literal=k=v"])
        for _ in 0..<300 where watched.value == nil { try await Task.sleep(for: .milliseconds(50)) }
        let watch = try XCTUnwrap(watched.value)
        let lines = watch.stdout.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.first?.hasPrefix("NAME") ?? false, watch.stdout + watch.stderr)
        XCTAssertTrue(lines.contains { $0.hasPrefix("one ") }, watch.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("two ") }, watch.stdout)
        XCTAssertEqual(try kubectlOK(["delete", "configmap", "one", "-n", "w"]), "configmap \"one\" deleted\n")
        let gone = try kubectl(["get", "configmap", "one", "-n", "w"])
        XCTAssertEqual(gone.status, 1)
        XCTAssertEqual(try kubectlOK(["delete", "namespace", "w"]), "namespace \"w\" deleted\n")
        let ns = try kubectl(["get", "namespace", "w"])
        XCTAssertTrue(ns.stderr.contains("NotFound"), ns.stderr)
        let protected = try kubectl(["delete", "namespace", "default"])
        XCTAssertEqual(protected.status, 1)
        XCTAssertTrue(protected.stderr.contains("Error from server (Forbidden): namespaces \"default\" is forbidden: this namespace may not be deleted"), protected.stderr)
    }

    /// A killed `kubectl get -w` (TLS, no bookmarks, no timeout) leaves no watch behind.
    func testKilledWatchIsReleased() async throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/kubectl")
        p.arguments = ["--kubeconfig", kubeconfig, "get", "configmaps", "-A", "-w"]
        p.environment = ["HOME": directory.path, "KUBECACHEDIR": directory.appendingPathComponent("cache").path]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        var open = 0
        for _ in 0..<100 where open == 0 {
            try await Task.sleep(for: .milliseconds(50))
            open = await cluster.openWatchCount()
        }
        XCTAssertEqual(open, 1)
        p.interrupt()
        p.waitUntilExit()
        for _ in 0..<40 where open > 0 {
            try await Task.sleep(for: .milliseconds(50))
            open = await cluster.openWatchCount()
        }
        XCTAssertEqual(open, 0)
    }

    func testEditWaitAndClusterInfo() throws {
        try kubectlOK(["create", "namespace", "ed"])
        try kubectlOK(["create", "configmap", "cfg", "-n", "ed", "--from-literal=a=1"])
        // kubectl edit runs $EDITOR on a temp file, then sends a strategic merge patch.
        let editor = try writeFile("editor.sh", "#!/bin/sh\nsed -i 's/a: \"1\"/a: \"9\"/' \"$1\"\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: editor)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/kubectl")
        p.arguments = ["--kubeconfig", kubeconfig, "edit", "configmap", "cfg", "-n", "ed"]
        p.environment = ["HOME": directory.path, "KUBE_EDITOR": editor, "PATH": "/usr/bin:/bin"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        p.waitUntilExit()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(p.terminationStatus, 0, text)
        XCTAssertTrue(text.contains("configmap/cfg edited"), text)
        XCTAssertEqual(try kubectlOK(["get", "configmap", "cfg", "-n", "ed", "-o", "jsonpath={.data.a}"]), "9")
        let managers = try kubectlOK(["get", "configmap", "cfg", "-n", "ed", "--show-managed-fields", "-o", "jsonpath={.metadata.managedFields[*].manager}"])
        XCTAssertEqual(managers, "kubectl-create kubectl-edit")
        // kubectl wait follows a simulated rollout to Available.
        try kubectlOK(["create", "deployment", "web", "--image=nginx:1.25", "-n", "ed"])
        XCTAssertEqual(try kubectlOK(["wait", "--for=condition=Available", "deployment/web", "-n", "ed", "--timeout=10s"]), "deployment.apps/web condition met\n")
        XCTAssertTrue(try kubectlOK(["cluster-info"]).contains("Kubernetes control plane is running at \(endpoint.url)"))
    }

    func testClientSideApply() throws {
        try kubectlOK(["create", "namespace", "csa"])
        let v1 = try writeFile("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, namespace: csa}\ndata: {a: \"1\"}\n")
        XCTAssertEqual(try kubectlOK(["apply", "-f", v1]), "configmap/cfg created\n")
        XCTAssertEqual(try kubectlOK(["apply", "-f", v1]), "configmap/cfg unchanged\n")
        let v2 = try writeFile("cm2.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, namespace: csa}\ndata: {b: \"2\"}\n")
        XCTAssertEqual(try kubectlOK(["apply", "-f", v2]), "configmap/cfg configured\n")
        // The last-applied annotation lets kubectl remove what the new file dropped.
        XCTAssertEqual(try kubectlOK(["get", "configmap", "cfg", "-n", "csa", "-o", "jsonpath={.data}"]), "{\"b\":\"2\"}")
    }

    func testCustomResourceDefinitionThenCustomResource() throws {
        let crd = try writeFile("crd.yaml", """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata:
              name: gadgets.wire.plumb.test
            spec:
              group: wire.plumb.test
              names: {plural: gadgets, singular: gadget, kind: Gadget, listKind: GadgetList, shortNames: [gdg]}
              scope: Namespaced
              versions:
              - name: v1
                served: true
                storage: true
                additionalPrinterColumns:
                - {name: Size, type: integer, jsonPath: .spec.size}
                schema:
                  openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
            """)
        try kubectlOK(["apply", "--server-side", "-f", crd])
        try kubectlOK(["wait", "--for=condition=Established", "crd/gadgets.wire.plumb.test", "--timeout=10s"])
        try kubectlOK(["create", "namespace", "cr"])
        let cr = try writeFile("cr.yaml", "apiVersion: wire.plumb.test/v1\nkind: Gadget\nmetadata: {name: g1, namespace: cr}\nspec: {size: 3}\n")
        XCTAssertEqual(try kubectlOK(["apply", "--server-side", "-f", cr]), "gadget.wire.plumb.test/g1 serverside-applied\n")
        let list = try kubectlOK(["get", "gdg", "-n", "cr"])
        XCTAssertTrue(list.hasPrefix("NAME   SIZE"), list)
        XCTAssertTrue(list.contains("g1     3"), list)
        XCTAssertEqual(try kubectlOK(["get", "gadget", "g1", "-n", "cr", "-o", "jsonpath={.spec.size}"]), "3")
        try kubectlOK(["delete", "-f", crd])
        let after = try kubectl(["get", "gadgets", "-n", "cr"])
        XCTAssertNotEqual(after.status, 0)
    }
}

extension KubectlTests {
    /// `kubectl create <kind>` sends protobuf bodies; the server reads them.
    func testImperativeCreates() throws {
        try kubectlOK(["create", "namespace", "imp"])
        XCTAssertEqual(try kubectlOK(["create", "deployment", "web", "--image=nginx:1.25", "--replicas=2", "--port=80", "-n", "imp"]), "deployment.apps/web created\n")
        let d = try kubectlOK(["get", "deployment", "web", "-n", "imp", "-o", "jsonpath={.spec.replicas} {.spec.selector.matchLabels.app} {.spec.template.spec.containers[0].ports[0].containerPort} {.spec.template.spec.containers[0].imagePullPolicy}"])
        XCTAssertEqual(d, "2 web 80 IfNotPresent")
        XCTAssertEqual(try kubectlOK(["scale", "deployment", "web", "-n", "imp", "--replicas=3"]), "deployment.apps/web scaled\n")
        XCTAssertEqual(try kubectlOK(["get", "deployment", "web", "-n", "imp", "-o", "jsonpath={.spec.replicas}"]), "3")
        try kubectlOK(["create", "job", "once", "--image=busybox", "-n", "imp", "--", "echo", "hi"])
        XCTAssertEqual(try kubectlOK(["get", "job", "once", "-n", "imp", "-o", "jsonpath={.spec.template.spec.containers[0].command}"]), "[\"echo\",\"hi\"]")
        try kubectlOK(["create", "secret", "generic", "creds", "--from-literal=password=hunter2", "-n", "imp"])
        XCTAssertEqual(try kubectlOK(["get", "secret", "creds", "-n", "imp", "-o", "jsonpath={.data.password} {.type}"]), "aHVudGVyMg== Opaque")
        try kubectlOK(["create", "configmap", "cfg", "--from-literal=a=1", "-n", "imp"])
        try kubectlOK(["create", "serviceaccount", "robot", "-n", "imp"])
        let all = try kubectlOK(["get", "configmaps,serviceaccounts,secrets", "-n", "imp", "-o", "name"])
        for name in ["configmap/cfg", "serviceaccount/robot", "secret/creds"] { XCTAssertTrue(all.contains(name), all) }
        XCTAssertEqual(try kubectlOK(["label", "configmap", "cfg", "-n", "imp", "tier=web"]), "configmap/cfg labeled\n")
        XCTAssertEqual(try kubectlOK(["get", "configmaps", "-n", "imp", "-l", "tier=web", "-o", "name"]), "configmap/cfg\n")
    }
}
