import Foundation
import XCTest

/// What failed only on a real kube-apiserver until the local cluster behaved like it: the
/// built `plumb` binary against a `plumb sandbox` subprocess.
final class FidelityEndToEndTests: SandboxTestCase {
    /// A CRD and a custom resource of it in one commit: the cluster establishes the CRD a few
    /// milliseconds after the create, as kube-apiserver does, and lists the kind in discovery
    /// only then; one sync must create both.
    func testACRDAndItsCustomResourceSyncInOneGo() throws {
        try startSandbox()
        try repo.write(
            "apps/web/crd.yaml",
            """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata: {name: gadgets.example.plumb.test}
            spec:
              group: example.plumb.test
              scope: Namespaced
              names: {plural: gadgets, singular: gadget, kind: Gadget}
              versions:
                - name: v1
                  served: true
                  storage: true
                  schema:
                    openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}

            """)
        try repo.write("apps/web/namespace.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: demo\n")
        try repo.write(
            "apps/web/gadget.yaml",
            "apiVersion: example.plumb.test/v1\nkind: Gadget\nmetadata:\n  name: g1\n  namespace: demo\nspec:\n  size: 1\n")
        try repo.commit("crd and gadget")
        let s = try sync()
        XCTAssertEqual(s.status, 0, s.stdout + s.stderr)
        XCTAssertTrue(s.stdout.contains("Gadget demo/g1"), s.stdout)
        XCTAssertTrue(s.stdout.contains("3 created"), s.stdout)
        let get = try kubectl("get", "gadgets.example.plumb.test", "-n", "demo", "g1", "-o", "jsonpath={.spec.size}")
        XCTAssertEqual(get.stdout, "1", get.stderr)
        let again = try diff()
        XCTAssertEqual(again.status, 0, again.stdout + again.stderr)
    }
}
