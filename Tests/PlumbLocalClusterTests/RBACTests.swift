import Foundation
import PlumbCore
import XCTest

@testable import PlumbLocalCluster

/// RBAC and impersonation, judged by the real kubectl (`--as`, `--token`): the same 403 lines
/// kubectl prints for a real kube-apiserver.
final class RBACTests: ClusterTestCase {
    static let devToken = "dev-token-0123456789"
    static let deployer = "system:serviceaccount:team-a:deployer"

    override var clusterOptions: LocalCluster.Options {
        var options = LocalCluster.Options(port: 0, tls: true, simulateWorkloads: false)
        options.users = [Self.devToken: ClusterUser(name: "dev", groups: ["developers", "system:authenticated"])]
        return options
    }

    private func apply(_ yaml: String) throws {
        let file = directory.appendingPathComponent("rbac-\(UUID().uuidString).yaml").path
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        try kubectlOK(["apply", "-f", file])
    }

    private func forbidden(_ args: [String], file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let r = try kubectl(args)
        XCTAssertEqual(r.status, 1, "kubectl \(args.joined(separator: " ")): \(r.stdout)", file: file, line: line)
        return r.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private let deployerRole = """
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata: {name: deploy, namespace: team-a}
        rules:
        - apiGroups: [apps]
          resources: [deployments]
          verbs: [get, list, watch, create, patch]
        - apiGroups: [apps]
          resources: [deployments/scale]
          verbs: [patch]
        - apiGroups: [""]
          resources: [configmaps]
          resourceNames: [settings]
          verbs: [get]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {name: deploy, namespace: team-a}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: deploy}
        subjects:
        - {kind: ServiceAccount, name: deployer, namespace: team-a}
        """

    func testAServiceAccountWithoutARoleIsForbiddenWithKubeAPIServersWords() throws {
        try kubectlOK(["create", "namespace", "team-a"])
        let asDeployer = "--as=\(Self.deployer)"
        XCTAssertEqual(
            try forbidden([asDeployer, "get", "deployments", "-n", "team-a"]),
            #"Error from server (Forbidden): deployments.apps is forbidden: User "system:serviceaccount:team-a:deployer" cannot list resource "deployments" in API group "apps" in the namespace "team-a""#
        )
        XCTAssertEqual(
            try forbidden([asDeployer, "get", "namespaces"]),
            #"Error from server (Forbidden): namespaces is forbidden: User "system:serviceaccount:team-a:deployer" cannot list resource "namespaces" in API group "" at the cluster scope"#
        )
        XCTAssertEqual(
            try forbidden([asDeployer, "get", "configmap", "settings", "-n", "team-a"]),
            #"Error from server (Forbidden): configmaps "settings" is forbidden: User "system:serviceaccount:team-a:deployer" cannot get resource "configmaps" in API group "" in the namespace "team-a""#
        )
        // Discovery stays open to every authenticated user (system:discovery).
        let resources = try kubectl([asDeployer, "api-resources", "--api-group=apps"])
        XCTAssertEqual(resources.status, 0, resources.stderr)
        XCTAssertTrue(resources.stdout.contains("deployments"), resources.stdout)
    }

    func testARoleGrantsItsVerbsResourcesSubresourcesAndNamesInItsNamespaceOnly() throws {
        try kubectlOK(["create", "namespace", "team-a"])
        try kubectlOK(["create", "namespace", "team-b"])
        try apply(deployerRole)
        let asDeployer = "--as=\(Self.deployer)"
        XCTAssertEqual(try kubectlOK([asDeployer, "get", "deployments", "-n", "team-a"]), "")
        let file = directory.appendingPathComponent("web.yaml").path
        try deploymentYAML.replacingOccurrences(of: "namespace: apps", with: "namespace: team-a").write(
            toFile: file, atomically: true, encoding: .utf8)
        XCTAssertEqual(
            try kubectlOK([asDeployer, "apply", "--server-side", "-f", file]),
            "deployment.apps/web serverside-applied\n")
        XCTAssertEqual(
            try kubectlOK([asDeployer, "scale", "deployment", "web", "-n", "team-a", "--replicas=3"]),
            "deployment.apps/web scaled\n")
        XCTAssertEqual(
            try kubectlOK(["get", "deployment", "web", "-n", "team-a", "-o", "jsonpath={.spec.replicas}"]), "3")
        XCTAssertEqual(
            try forbidden([asDeployer, "delete", "deployment", "web", "-n", "team-a"]),
            #"Error from server (Forbidden): deployments.apps "web" is forbidden: User "system:serviceaccount:team-a:deployer" cannot delete resource "deployments" in API group "apps" in the namespace "team-a""#
        )
        // kubectl patch reads the object first; the PATCH itself is RBACWireTests'.
        XCTAssertEqual(
            try forbidden([asDeployer, "patch", "deployment", "web", "-n", "team-b", "-p", #"{"spec":{"replicas":1}}"#]
            ),
            #"Error from server (Forbidden): deployments.apps "web" is forbidden: User "system:serviceaccount:team-a:deployer" cannot get resource "deployments" in API group "apps" in the namespace "team-b""#
        )
        // resourceNames: the named ConfigMap only.
        try kubectlOK(["create", "configmap", "settings", "-n", "team-a", "--from-literal=a=b"])
        try kubectlOK(["create", "configmap", "other", "-n", "team-a", "--from-literal=a=b"])
        XCTAssertEqual(
            try kubectlOK([asDeployer, "get", "configmap", "settings", "-n", "team-a", "-o", "jsonpath={.data.a}"]), "b"
        )
        XCTAssertTrue(
            try forbidden([asDeployer, "get", "configmap", "other", "-n", "team-a"]).hasSuffix(
                #"configmaps "other" is forbidden: User "system:serviceaccount:team-a:deployer" cannot get resource "configmaps" in API group "" in the namespace "team-a""#
            ))
        // A ClusterRole bound to the service accounts' group, cluster-wide, with wildcards.
        try apply(
            """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {name: read-all}
            rules:
            - {apiGroups: ["*"], resources: ["*"], verbs: [get, list]}
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata: {name: read-all}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: read-all}
            subjects:
            - {kind: Group, name: "system:serviceaccounts:team-a", apiGroup: rbac.authorization.k8s.io}
            """)
        XCTAssertTrue(try kubectlOK([asDeployer, "get", "namespaces", "-o", "name"]).contains("namespace/team-b"))
        XCTAssertEqual(
            try kubectlOK([asDeployer, "get", "configmap", "other", "-n", "team-a", "-o", "name"]), "configmap/other\n")
    }

    func testAuthCanIAndWhoAmIAnswerForTheImpersonatedUser() throws {
        try kubectlOK(["create", "namespace", "team-a"])
        try apply(deployerRole)
        let asDeployer = "--as=\(Self.deployer)"
        func canI(_ args: [String]) throws -> String {
            let r = try kubectl(["auth", "can-i"] + args + ["-n", "team-a"])
            XCTAssertEqual(r.status, r.stdout == "yes\n" ? 0 : 1, r.stderr)
            return r.stdout
        }
        XCTAssertEqual(try canI([asDeployer, "list", "deployments.apps"]), "yes\n")
        XCTAssertEqual(try canI([asDeployer, "delete", "deployments.apps"]), "no\n")
        XCTAssertEqual(try canI([asDeployer, "patch", "deployments.apps", "--subresource=scale"]), "yes\n")
        XCTAssertEqual(try canI([asDeployer, "get", "configmaps/settings"]), "yes\n")
        XCTAssertEqual(try canI([asDeployer, "get", "configmaps/other"]), "no\n")
        XCTAssertEqual(try canI(["delete", "deployments.apps"]), "yes\n", "the cluster's token is system:masters")
        XCTAssertEqual(
            try kubectlOK([asDeployer, "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"]), Self.deployer)
    }

    func testImpersonatingNeedsTheImpersonateVerb() throws {
        try kubectlOK(["create", "namespace", "team-a"])
        try apply(deployerRole)
        let dev = "--token=\(Self.devToken)"
        XCTAssertEqual(
            try forbidden([dev, "--as=\(Self.deployer)", "get", "deployments", "-n", "team-a"]),
            #"Error from server (Forbidden): serviceaccounts "deployer" is forbidden: User "dev" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "team-a""#
        )
        XCTAssertEqual(
            try forbidden([dev, "--as=alice", "get", "pods"]),
            #"Error from server (Forbidden): users "alice" is forbidden: User "dev" cannot impersonate resource "users" in API group "" at the cluster scope"#
        )
        try apply(
            """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {name: impersonate-sa}
            rules:
            - {apiGroups: [""], resources: [serviceaccounts], verbs: [impersonate]}
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata: {name: dev-impersonates}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: impersonate-sa}
            subjects:
            - {kind: Group, name: developers, apiGroup: rbac.authorization.k8s.io}
            """)
        XCTAssertEqual(try kubectlOK([dev, "--as=\(Self.deployer)", "get", "deployments", "-n", "team-a"]), "")
        // The impersonated user's permissions, not the impersonator's.
        XCTAssertTrue(
            try forbidden([dev, "--as=\(Self.deployer)", "get", "pods", "-n", "team-a"]).contains(
                #"User "system:serviceaccount:team-a:deployer" cannot list resource "pods""#))
    }
}

/// The 403's Status body field by field against a real kube-apiserver's capture.
final class RBACWireTests: ClusterTestCase {
    override var clusterOptions: LocalCluster.Options {
        var options = LocalCluster.Options(port: 0, tls: false, simulateWorkloads: false)
        options.users = ["dev-token": ClusterUser(name: "dev", groups: ["system:authenticated"])]
        return options
    }

    func testForbiddenMatchesTheCapture() throws {
        try createNamespace("wire")
        let capture = try capture("forbidden")
        let r = try RawHTTP(port: endpoint.port, token: "dev-token").request(
            "GET", "/api/v1/namespaces/wire/configmaps")
        XCTAssertEqual(r.status, 403)
        XCTAssertEqual(r.json, capture[path: ["response", "body"]])
        XCTAssertEqual(r.headers["content-type"], "application/json")
    }

    func testANamedDenialCarriesNameGroupAndKind() throws {
        try createNamespace("team-b")
        let r = try http.request(
            "PATCH", "/apis/apps/v1/namespaces/team-b/deployments/web", body: ["spec": ["replicas": 1]],
            contentType: "application/merge-patch+json",
            headers: ["Impersonate-User": "system:serviceaccount:team-a:deployer"])
        XCTAssertEqual(r.status, 403)
        let expected: Value = [
            "kind": "Status", "apiVersion": "v1", "metadata": .object(ValueObject()), "status": "Failure",
            "message":
                #"deployments.apps "web" is forbidden: User "system:serviceaccount:team-a:deployer" cannot patch resource "deployments" in API group "apps" in the namespace "team-b""#,
            "reason": "Forbidden", "details": ["name": "web", "group": "apps", "kind": "deployments"], "code": 403,
        ]
        XCTAssertEqual(r.json, expected)
    }
}
