import PlumbCore
import PlumbEngine
import XCTest

/// Plan, sync, plan again against a target that really runs server-side apply: the engine is
/// level-based (a second sync of the same commit changes nothing) and diffs follow ownership.
final class ReconcileTests: XCTestCase {
    let target = SSATarget()

    static func deployment(image: String = "nginx:1.25", env: Value = [["name": "MODE", "value": "blue"], ["name": "LEVEL", "value": "3"]],
                           replicas: Value? = 2) -> Value {
        var spec: Value = [
            "selector": ["matchLabels": ["app": "web"]],
            "template": [
                "metadata": ["labels": ["app": "web"]],
                "spec": ["containers": [[
                    "name": "web", "image": .string(image), "ports": [["containerPort": 80]], "env": env,
                    "resources": ["requests": ["cpu": "1000m", "memory": "1024Mi"]],
                ]]],
            ],
        ]
        if let replicas { spec["replicas"] = replicas }
        return ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web", "namespace": "web"], "spec": spec]
    }

    static let secret: Value = [
        "apiVersion": "v1", "kind": "Secret", "metadata": ["name": "creds", "namespace": "web"],
        "stringData": ["password": "hunter2"],
    ]

    func plan(_ desired: [Value]) async throws -> Plan {
        try await Planner(app: "web").plan(desired: resources(desired), target: target)
    }

    func sync(_ desired: [Value], options: SyncOptions = SyncOptions(prune: true)) async throws -> ChangeSet {
        await Executor(target: target, clock: TestClock()).run(try await plan(desired), options: options)
    }

    func testSecondSyncOfTheSameCommitChangesNothing() async throws {
        let first = try await sync([Self.deployment(), Self.secret])
        XCTAssertEqual(first.summary, "2 created")
        let again = try await plan([Self.deployment(), Self.secret])
        XCTAssertFalse(again.hasChanges, "\(again.changeSet)")
        let second = try await sync([Self.deployment(), Self.secret])
        XCTAssertEqual(second.summary, "2 unchanged")
    }

    func testDiffsFollowOwnership() async throws {
        _ = try await sync([Self.deployment(), Self.secret])
        let web = ObjectRef(apiVersion: "apps/v1", kind: "Deployment", namespace: "web", name: "web")

        // Another manager scales; Git does not say replicas any more: not drift.
        try target.update(web, manager: "kubectl-scale") { $0["spec"]?["replicas"] = 5 }
        let scaled = try await plan([Self.deployment(replicas: nil), Self.secret])
        XCTAssertEqual(scaled.objects.map(\.diff.changes), [[], []])

        // An image bump, an env var Plumb owned left out, a secret changed at the same length.
        var secret = Self.secret
        secret["stringData"]?["password"] = "hunter3"
        let bumped = try await plan([Self.deployment(image: "nginx:1.26", env: [["name": "MODE", "value": "blue"]], replicas: nil), secret])
        XCTAssertEqual(bumped.objects.flatMap(\.diff.changes).map(\.description), [
            "data.password (changed, 7 → 7 bytes masked)",
            #"spec.template.spec.containers[web].env[LEVEL] {"name":"LEVEL","value":"3"} → (none)"#,
            "spec.template.spec.containers[web].image nginx:1.25 → nginx:1.26",
        ])
        let result = await Executor(target: target, clock: TestClock()).run(bumped)
        XCTAssertEqual(result.summary, "2 configured")
        XCTAssertEqual(target.live(web)?[path: ["spec", "replicas"]], 5, "the other manager's field stays")
        let settled = try await plan([Self.deployment(image: "nginx:1.26", env: [["name": "MODE", "value": "blue"]], replicas: nil), secret])
        XCTAssertFalse(settled.hasChanges, "\(settled.changeSet)")
    }

    func testPruneAfterAnObjectLeavesGit() async throws {
        _ = try await sync([Self.deployment(), Self.secret])
        let plan = try await plan([Self.deployment()])
        XCTAssertEqual(plan.prune.map(\.ref.name), ["creds"])
        XCTAssertEqual(DiffPrinter().render(plan), "v1 Secret web/creds  (prune)\n0 to create, 0 to update, 1 to prune, 1 unchanged\n")
        let result = await Executor(target: target, clock: TestClock()).run(plan, options: SyncOptions(prune: true))
        XCTAssertEqual(result.summary, "1 unchanged, 1 pruned")
        let after = try await self.plan([Self.deployment()])
        XCTAssertFalse(after.hasChanges)
    }
}
