import PlumbController
import XCTest

/// Consistent hashing of Applications onto shard replicas.
final class ShardRingTests: XCTestCase {
    let keys = (0..<3000).map { AppKey(namespace: "team-\($0 % 7)", name: "app-\($0)") }

    func owners(_ ring: ShardRing) -> [AppKey: String] {
        var out: [AppKey: String] = [:]
        for key in keys { out[key] = ring.owner(of: key) }
        return out
    }

    /// The owners are those of an independent SHA-256 ring (Python's hashlib, 128 points per
    /// member): every replica, whatever its process, agrees.
    func testOwnersAreStableAcrossProcesses() {
        let ring = ShardRing(members: ["gamma", "alpha", "beta"])
        XCTAssertEqual(ring.members, ["alpha", "beta", "gamma"])
        let expected = [
            "team-a/web": "beta", "team-a/api": "alpha", "prod/db": "beta", "prod/cache": "alpha", "default/x": "alpha",
        ]
        for (key, owner) in expected { XCTAssertEqual(ring.owner(of: key), owner, key) }
        XCTAssertEqual(ring.owner(of: AppKey(namespace: "team-a", name: "web")), "beta")
        XCTAssertNil(ShardRing(members: []).owner(of: "team-a/web"))
        XCTAssertEqual(ShardRing(members: ["solo"]).owner(of: "team-a/web"), "solo")
    }

    func testSpreadOverThreeReplicas() {
        let counts = Dictionary(grouping: owners(ShardRing(members: ["r1", "r2", "r3"])).values, by: { $0 }).mapValues(
            \.count)
        XCTAssertEqual(counts.count, 3)
        for (member, n) in counts {
            // An even share is 1000 of 3000; 128 points per member keep each within 20%.
            XCTAssertGreaterThan(n, 800, "\(member): \(counts)")
            XCTAssertLessThan(n, 1200, "\(member): \(counts)")
        }
    }

    func testALeaverHandsOnlyItsOwnApplicationsToTheOthers() {
        let before = owners(ShardRing(members: ["r1", "r2", "r3"]))
        let after = owners(ShardRing(members: ["r1", "r3"]))
        var moved = 0
        for key in keys {
            if before[key] == "r2" {
                XCTAssertNotEqual(after[key], "r2")
                moved += 1
            } else {
                XCTAssertEqual(after[key], before[key], "\(key) moved between replicas that stayed")
            }
        }
        XCTAssertGreaterThan(moved, 800)
        // r2's Applications are shared by both, not all dumped on one.
        let receivers = Dictionary(grouping: keys.filter { before[$0] == "r2" }.map { after[$0]! }, by: { $0 })
            .mapValues(\.count)
        XCTAssertEqual(Set(receivers.keys), ["r1", "r3"])
        XCTAssertGreaterThan(receivers.values.min() ?? 0, moved / 4, "\(receivers)")
    }

    func testAReturningReplicaTakesBackExactlyItsShare() {
        let three = owners(ShardRing(members: ["r1", "r2", "r3"]))
        let two = owners(ShardRing(members: ["r1", "r3"]))
        let back = owners(ShardRing(members: ["r3", "r2", "r1"]))
        XCTAssertEqual(back, three, "the same members give the same owners, whatever the order")
        let moved = keys.filter { two[$0] != back[$0] }
        XCTAssertEqual(Set(moved), Set(keys.filter { three[$0] == "r2" }), "only r2's share moves back")
        XCTAssertTrue(moved.allSatisfy { back[$0] == "r2" })
    }

    func testAJoinerTakesAboutOneQuarterFromFourReplicas() {
        let three = owners(ShardRing(members: ["r1", "r2", "r3"]))
        let four = owners(ShardRing(members: ["r1", "r2", "r3", "r4"]))
        let moved = keys.filter { three[$0] != four[$0] }
        XCTAssertTrue(moved.allSatisfy { four[$0] == "r4" }, "keys move only to the joiner")
        XCTAssertGreaterThan(moved.count, 500)
        XCTAssertLessThan(moved.count, 1000)
    }

    func testShardLeaseNames() {
        XCTAssertEqual(
            ShardMembership.leaseName(base: "plumb-controller", identity: "web-7d9f_42"),
            "plumb-controller-shard-web-7d9f-42")
        XCTAssertEqual(
            ShardMembership.leaseName(base: "plumb-controller", identity: "Node.Example_1"),
            "plumb-controller-shard-node.example-1")
    }
}
