import PlumbCore
import XCTest

@testable import PlumbLocalCluster

final class StrategicMergeTests: XCTestCase {
    func testListsMergeByTheirSchemaKeys() {
        let live: Value = [
            "metadata": ["name": "web", "finalizers": ["a"]],
            "spec": ["template": ["spec": ["containers": [
                [
                    "name": "web", "image": "nginx:1.25",
                    "ports": [["containerPort": 80, "protocol": "TCP"], ["containerPort": 53, "protocol": "UDP"]],
                    "env": [["name": "A", "value": "1"], ["name": "B", "value": "2"]],
                    "args": ["--x"],
                ],
                ["name": "sidecar", "image": "envoy"],
            ]]]],
        ]
        let patch: Value = [
            "metadata": ["finalizers": ["b", "a"]],
            "spec": ["template": ["spec": ["containers": [
                [
                    "name": "web",
                    "ports": [["containerPort": 80, "name": "http"]],
                    "env": [["name": "B", "$patch": "delete"], ["name": "C", "value": "3"]],
                    "args": ["--y"],
                ],
            ]]]],
        ]
        let schema = MergeSchema.forKind(group: "apps", kind: "Deployment")
        let merged = StrategicMerge.apply(live, patch, schema: schema)
        let containers = merged[path: ["spec", "template", "spec", "containers"]]?.arrayValue ?? []
        XCTAssertEqual(containers.count, 2)
        XCTAssertEqual(containers[1]["name"], "sidecar")
        let web = containers[0]
        XCTAssertEqual(web["image"], "nginx:1.25")
        // {containerPort: 80} finds the TCP port (protocol defaults), and the UDP one stays.
        XCTAssertEqual(web["ports"], [["containerPort": 80, "protocol": "TCP", "name": "http"], ["containerPort": 53, "protocol": "UDP"]])
        XCTAssertEqual(web["env"], [["name": "A", "value": "1"], ["name": "C", "value": "3"]])
        // Atomic lists are replaced; sets merge by value.
        XCTAssertEqual(web["args"], ["--y"])
        XCTAssertEqual(merged[path: ["metadata", "finalizers"]], ["a", "b"])
    }
}
