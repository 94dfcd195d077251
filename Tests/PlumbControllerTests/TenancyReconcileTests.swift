import Foundation
import PlumbController
import PlumbCore
import PlumbGit
import PlumbLocalCluster
import PlumbManifests
import PlumbTesting
import XCTest

/// Tenancy: an Application with `spec.serviceAccountName` syncs with that service account's
/// permissions (the local cluster's RBAC answers the impersonated requests), and objects outside
/// the allowance of the Application's namespace are refused before anything is written.
final class TenancyReconcileTests: ControllerTestCase {
    func reconciler(tenancy: String? = nil) throws -> Reconciler {
        let git = GitSources(cacheDirectory: tmp.sub("cache"))
        let objects = ManagedObjects(client: client, namespace: nil) { _ in }
        var settings = Reconciler.Settings(
            git: GitSourceOptions(cacheDirectory: tmp.sub("cache"), lockTimeout: .seconds(20), environment: [:]),
            scratchDirectory: tmp.sub("scratch"), targetName: "kube:test")
        settings.cacheSyncTimeout = .seconds(5)
        if let tenancy {
            try write(tmp.sub("tenancy.yaml"), tenancy)
            settings.tenancy = try Tenancy.load(tmp.sub("tenancy.yaml"))
        }
        return Reconciler(client: client, git: git, objects: objects, audit: audit, settings: settings)
    }

    static let deployer = "system:serviceaccount:team-a:deployer"

    func role(verbs: [String]) -> String {
        """
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata: {name: deployer, namespace: team-a}
        rules:
        - apiGroups: [""]
          resources: [configmaps]
          verbs: [\(verbs.joined(separator: ", "))]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {name: deployer, namespace: team-a}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: deployer}
        subjects:
        - {kind: ServiceAccount, name: deployer, namespace: team-a}
        """
    }

    func testAServiceAccountWithoutAPermissionFailsBeforeAnyWriteAndSyncsOnceGranted() async throws {
        try commit(["apps/web/extra.yaml": configMap("web-extra", ["size": "small"], wave: -1)])
        try kubectlOK(["apply", "-f", "-"], stdin: role(verbs: ["get", "list", "watch"]))
        let reconciler = try reconciler()
        try applyApplication("web", extra: "  serviceAccountName: deployer")
        let denied = await reconciler.reconcile(try await application("web"))
        let ready = try XCTUnwrap(denied.status.condition("Ready"))
        XCTAssertEqual(ready.status, .false)
        XCTAssertEqual(ready.reason, "DryRunFailed", ready.message)
        XCTAssertEqual(
            ready.message,
            #"2 of 2 objects failed validation, nothing was applied: v1 ConfigMap team-a/web-extra: dry-run failed: configmaps "web-extra" is forbidden: User "system:serviceaccount:team-a:deployer" cannot patch resource "configmaps" in API group "" in the namespace "team-a" (and 1 more)"#
        )
        XCTAssertTrue(
            ready.message.contains(
                #"is forbidden: User "system:serviceaccount:team-a:deployer" cannot patch resource "configmaps" in API group "" in the namespace "team-a""#
            ),
            ready.message)
        for name in ["web", "web-extra"] {
            let live = await configMapData(name)
            XCTAssertNil(live, "\(name): nothing of the sync was written")
        }

        try kubectlOK(["apply", "-f", "-"], stdin: role(verbs: ["get", "list", "watch", "create", "patch", "delete"]))
        let synced = await reconciler.reconcile(try await application("web"))
        XCTAssertEqual(
            synced.status.condition("Ready")?.reason, "Succeeded",
            "\(String(describing: synced.status.condition("Ready")))")
        let web = await configMapData("web")
        let extra = await configMapData("web-extra")
        XCTAssertEqual(web, ["color": "blue"])
        XCTAssertEqual(extra, ["size": "small"])
        // The objects were written by the service account's requests: managedFields name plumb,
        // and kubectl as the service account is still refused what the Role does not grant.
        let pods = try kubectl(["--as=\(Self.deployer)", "get", "pods", "-n", namespace])
        XCTAssertTrue(pods.stderr.contains("cannot list resource \"pods\""), pods.stderr)
    }

    func testAnObjectOutsideTheAllowanceIsRefusedNamingIt() async throws {
        let clusterRole = """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata:
              name: admin-all
            rules:
            - {apiGroups: ["*"], resources: ["*"], verbs: ["*"]}
            """
        let other = configMap("elsewhere", ["a": "b"]).replacingOccurrences(
            of: "  name: elsewhere\n", with: "  name: elsewhere\n  namespace: team-b\n")
        try commit(["apps/web/role.yaml": clusterRole, "apps/web/other.yaml": other])
        let reconciler = try reconciler(
            tenancy: """
                apiVersion: plumb.dev/v1alpha1
                kind: Tenancy
                namespaces:
                  team-a:
                    destinationNamespaces: [team-a, team-a-*]
                    clusterKinds: [Namespace]
                """)
        try kubectlOK(["create", "namespace", "team-b"])
        try applyApplication("web")
        let refused = await reconciler.reconcile(try await application("web"))
        let ready = try XCTUnwrap(refused.status.condition("Ready"))
        XCTAssertEqual(ready.status, .false)
        XCTAssertEqual(ready.reason, "NotPermitted")
        XCTAssertEqual(
            ready.message,
            "v1 ConfigMap team-b/elsewhere: not allowed: namespace team-b is not in the allowance of namespace team-a; "
                + "rbac.authorization.k8s.io/v1 ClusterRole admin-all: not allowed: cluster-scoped kind ClusterRole is not in the allowance of namespace team-a"
        )
        let web = await configMapData("web")
        XCTAssertNil(web, "nothing was applied")
        XCTAssertEqual(try kubectl(["get", "clusterrole", "admin-all"]).status, 1)
        // One rejected record with no objects, not one per reconcile.
        _ = await reconciler.reconcile(try await application("web"))
        let records = try audit.history(app: "\(namespace)/web", limit: 10)
        XCTAssertEqual(records.map(\.result), [.rejected])
        XCTAssertEqual(records.first?.error, ready.message)
        XCTAssertEqual(records.first?.objects.count, 0)

        // Allowed: the objects sync.
        try write(
            tmp.sub("tenancy.yaml"),
            "kind: Tenancy\nnamespaces:\n  team-a:\n    destinationNamespaces: [team-*]\n    clusterKinds: [rbac.authorization.k8s.io/ClusterRole]\n"
        )
        let allowed = try Tenancy.load(tmp.sub("tenancy.yaml"))
        XCTAssertEqual(
            allowed.violations(
                [ObjectRef(apiVersion: "v1", kind: "Namespace", namespace: "", name: "x")], namespace: "team-a"),
            ["v1 Namespace x: not allowed: cluster-scoped kind Namespace is not in the allowance of namespace team-a"])
        XCTAssertEqual(
            allowed.violations(
                [ObjectRef(apiVersion: "v1", kind: "Namespace", namespace: "", name: "x")], namespace: "team-z"), [])
    }

    func testABadTenancyFileNamesTheField() throws {
        try write(tmp.sub("bad.yaml"), "namespaces:\n  team-a:\n    clusterKind: [Namespace]\n")
        XCTAssertThrowsError(try Tenancy.load(tmp.sub("bad.yaml"))) { error in
            XCTAssertEqual(
                "\(error)",
                "\(tmp.sub("bad.yaml")): namespaces.team-a.clusterKind: unknown field (expected destinationNamespaces, clusterKinds)"
            )
        }
    }

    /// The controller's ClusterRole (the export and the chart, which InstallChartTests keeps
    /// equal) lets it impersonate service accounts: applied to a cluster where the controller's
    /// service account has its own token, kubectl as the controller `--as` a service account
    /// gets that service account's RBAC answer, not a refusal to impersonate.
    func testTheControllersClusterRoleMayImpersonateServiceAccounts() async throws {
        let token = "controller-token-0123456789"
        var options = LocalCluster.Options(port: 0, tls: true, simulateWorkloads: false)
        options.users = [
            token: ClusterUser(
                name: "system:serviceaccount:plumb-system:plumb-controller",
                groups: ["system:serviceaccounts", "system:serviceaccounts:plumb-system", "system:authenticated"])
        ]
        let second = LocalCluster(options: options)
        _ = try await second.start()
        do {
            try await impersonateWithTheControllersRole(second, token: token)
        } catch {
            await second.stop()
            throw error
        }
        await second.stop()
    }

    private func impersonateWithTheControllersRole(_ second: LocalCluster, token: String) async throws {
        let config = tmp.sub("second-kubeconfig")
        try await second.writeKubeconfig(to: config)
        func kubectl(_ args: [String], stdin: String? = nil) throws -> RunResult {
            var env = ProcessInfo.processInfo.environment
            env["HOME"] = tmp.path
            env["KUBECACHEDIR"] = tmp.sub("kubecache2")
            return try runTool(
                "/usr/bin/kubectl", ["--kubeconfig", config] + args, env: env, input: stdin.map { Array($0.utf8) },
                check: false)
        }
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: "/usr/bin/kubectl"), "kubectl is not installed")
        XCTAssertEqual(try kubectl(["create", "namespace", "team-a"]).status, 0)
        // Discovery cached as the admin: a refused impersonation of discovery itself is only
        // "Error from server (Forbidden): unknown" in kubectl, as with a real kube-apiserver.
        XCTAssertEqual(try kubectl(["get", "configmaps", "-n", "team-a"]).status, 0)
        let asController = ["--token=\(token)", "--as=\(Self.deployer)", "get", "configmaps", "-n", "team-a"]
        let before = try kubectl(asController)
        XCTAssertTrue(
            before.stderr.contains(
                #"User "system:serviceaccount:plumb-system:plumb-controller" cannot impersonate resource "serviceaccounts""#
            ),
            before.stderr)
        let applied = try kubectl(["apply", "-f", "-"], stdin: InstallManifests.yaml())
        XCTAssertEqual(applied.status, 0, applied.stderr)
        let after = try kubectl(asController)
        XCTAssertTrue(
            after.stderr.contains(#"User "system:serviceaccount:team-a:deployer" cannot list resource "configmaps""#),
            after.stderr)
    }
}
