import Foundation
import PlumbCore
import PlumbLocalCluster
import XCTest

@testable import PlumbKube

/// A client derived with `impersonating` sends every request as the impersonated user (and
/// each of its groups), and the client it came from stays itself.
final class ImpersonationTests: XCTestCase {
    func testAnImpersonatingClientIsAuthorizedAsItsUserAndGroups() async throws {
        let fixture = try await LocalClusterFixture.start("impersonation")
        do {
            try await impersonate(fixture)
        } catch {
            await fixture.cluster.stop()
            throw error
        }
        await fixture.cluster.stop()
        try? FileManager.default.removeItem(atPath: fixture.home)
    }

    private func impersonate(_ fixture: LocalClusterFixture) async throws {
        let admin = try fixture.client()
        _ = try await admin.apply(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "team-a"]])
        let deployer = admin.impersonating(.serviceAccount("deployer", namespace: "team-a"))
        XCTAssertEqual(
            deployer.options.headers, [HTTPHeader("Impersonate-User", "system:serviceaccount:team-a:deployer")])
        let ref = ObjectRef(apiVersion: "v1", kind: "ConfigMap", namespace: "team-a", name: "web")
        let object: Value = [
            "apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "web", "namespace": "team-a"],
        ]
        do {
            _ = try await deployer.apply(object, dryRun: true)
            XCTFail("the service account may not patch configmaps")
        } catch let error as StatusError {
            XCTAssertEqual(error.code, 403)
            XCTAssertEqual(
                error.message,
                #"configmaps "web" is forbidden: User "system:serviceaccount:team-a:deployer" cannot patch resource "configmaps" in API group "" in the namespace "team-a""#
            )
        }
        // The client it came from is still the admin.
        _ = try await admin.apply(object)

        // Both group headers reach the server: a binding to the second group grants the read.
        _ = try await admin.apply([
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": ["name": "read-cm"],
            "rules": [["apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]]],
        ])
        _ = try await admin.apply([
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": ["name": "read-cm"],
            "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "read-cm"],
            "subjects": [["kind": "Group", "name": "readers", "apiGroup": "rbac.authorization.k8s.io"]],
        ])
        let alice = deployer.impersonating(Impersonation(user: "alice", groups: ["developers", "readers"]))
        XCTAssertEqual(alice.options.headers.filter { $0.name == "Impersonate-User" }.map(\.value), ["alice"])
        let read = try await alice.get(ref)
        XCTAssertEqual(read[path: ["metadata", "name"]]?.stringValue, "web")
        let alone = admin.impersonating(Impersonation(user: "alice", groups: ["developers"]))
        do {
            _ = try await alone.get(ref)
            XCTFail("without the readers group alice may not read")
        } catch let error as StatusError {
            XCTAssertEqual(error.code, 403)
        }
    }
}
