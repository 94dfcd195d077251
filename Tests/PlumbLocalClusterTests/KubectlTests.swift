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

    func testVersionAndAPIResources() throws {
        let version = try kubectlOK(["version", "-o", "json"])
        XCTAssertTrue(version.contains("\"gitVersion\": \"v1.32.0-plumb\""), version)
        let resources = try kubectlOK(["api-resources"])
        for line in ["deployments", "customresourcedefinitions", "configmaps", "leases", "networkpolicies"] {
            XCTAssertTrue(resources.contains(line), resources)
        }
    }
}
