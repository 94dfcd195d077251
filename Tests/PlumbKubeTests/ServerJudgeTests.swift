import Foundation
import PlumbCore
import PlumbEngine
import PlumbLocalCluster
import PlumbYAML
import XCTest

@testable import PlumbKube

/// The server as the third judge of a diff (after the full prediction and its fast path):
/// for real-world manifests and edits of them, the objects a confirmed plan says will change
/// are exactly those a server-side apply dry-run of every object changes. No false changes
/// (a controller would re-apply them forever), no missed ones.
final class ServerJudgeTests: XCTestCase {
    var cluster: LocalCluster!
    var client: KubeClient!

    override func setUp() async throws {
        let fixture = try await LocalClusterFixture.start("judge")
        cluster = fixture.cluster
        client = try fixture.client()
    }

    override func tearDown() async throws {
        await cluster?.stop()
    }

    static let ingressNginx = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures/real-world/ingress-nginx.yaml")

    func manifests() throws -> [Resource] {
        let text = try String(contentsOf: Self.ingressNginx, encoding: .utf8)
        return try YAML.parseObjects(text, file: "ingress-nginx.yaml").map { try Resource($0.value) }
    }

    /// The changed objects by the server's own answer: every object dry-run, compared with live.
    func judged(_ desired: [Resource], target: KubernetesTarget) async throws -> Set<ObjectRef> {
        var changed = Set<ObjectRef>()
        for object in SyncLabelsStamp.stamp(desired, app: "judge") {
            let live = try await client.get(object.ref)
            let result = try await target.dryRunResult(object)
            if !ApplyDiff.exact(ref: object.ref, live: live, result: result).changes.isEmpty { changed.insert(object.ref) }
        }
        return changed
    }

    func planned(_ desired: [Resource], target: KubernetesTarget) async throws -> (Set<ObjectRef>, String) {
        let plan = try await Planner(app: "judge").plan(desired: desired, target: target, pruneCandidates: false)
        let changed = plan.objects.filter { $0.action != .unchanged }
        let text = changed.flatMap(\.diff.changes).map(\.description)
        return (Set(changed.map(\.ref)), text.joined(separator: "; "))
    }

    func edit(_ objects: [Resource], kind: String, name: String, _ change: (inout Value) -> Void) -> [Resource] {
        objects.map { r in
            guard r.kind == kind, r.name == name else { return r }
            var body = r.body
            change(&body)
            return try! Resource(body)
        }
    }

    func testConfirmedPlansAgreeWithTheServerOnEveryObject() async throws {
        let target = KubernetesTarget(client: client)
        let original = try await target.resolvingNamespaces(try manifests())
        XCTAssertEqual(original.count, 19)
        let first = try await Planner(app: "judge").plan(desired: original, target: target)
        let result = await Executor(target: target).run(first)
        XCTAssertTrue(result.succeeded, result.failures.map { $0.error ?? "" }.joined(separator: "\n"))

        let controller = "ingress-nginx-controller"
        let cases: [(String, [Resource], Int)] = [
            ("unchanged", original, 0),
            ("an explicit default: a port's protocol TCP", edit(original, kind: "Service", name: controller) {
                set(&$0, ["spec", "ports", 0, "protocol"], "TCP")
            }, 0),
            ("zero values the server omits: hostNetwork false, subPath \"\"", edit(original, kind: "Deployment", name: controller) {
                set(&$0, ["spec", "template", "spec", "hostNetwork"], false)
                set(&$0, ["spec", "template", "spec", "containers", 0, "volumeMounts", 0, "subPath"], "")
            }, 0),
            ("a webhook's default timeout", edit(original, kind: "ValidatingWebhookConfiguration", name: "ingress-nginx-admission") {
                set(&$0, ["webhooks", 0, "timeoutSeconds"], 10)
            }, 0),
            ("a webhook's timeout changed", edit(original, kind: "ValidatingWebhookConfiguration", name: "ingress-nginx-admission") {
                set(&$0, ["webhooks", 0, "timeoutSeconds"], 29)
            }, 1),
            ("minReadySeconds from 0 to 5", edit(original, kind: "Deployment", name: controller) {
                set(&$0, ["spec", "minReadySeconds"], 5)
            }, 1),
            ("an image", edit(original, kind: "Deployment", name: controller) {
                set(&$0, ["spec", "template", "spec", "containers", 0, "image"], "registry.k8s.io/ingress-nginx/controller:v9.9.9")
            }, 1),
            ("a label removed", edit(original, kind: "Service", name: controller) {
                set(&$0, ["metadata", "labels", "app.kubernetes.io/version"], nil)
            }, 1),
        ]
        for (name, desired, expected) in cases {
            let (planned, changes) = try await planned(desired, target: target)
            let judged = try await judged(desired, target: target)
            XCTAssertEqual(planned, judged, "\(name): planned \(planned.sorted()) but the server changes \(judged.sorted())")
            XCTAssertEqual(planned.count, expected, "\(name): \(planned.sorted()): \(changes)")
        }
    }
}

/// Sets (or with nil removes) the value at a path of object keys and list indices.
func set(_ value: inout Value, _ path: [any Sendable], _ new: Value?) {
    guard let step = path.first else {
        if let new { value = new }
        return
    }
    let rest = Array(path.dropFirst())
    if let key = step as? String {
        if rest.isEmpty {
            value[key] = new
        } else if var inner = value[key] {
            set(&inner, rest, new)
            value[key] = inner
        }
    } else if let index = step as? Int, case .array(var items) = value, items.indices.contains(index) {
        set(&items[index], rest, new)
        value = .array(items)
    }
}

/// Plumb's labels on desired objects, as the planner stamps them before it compares.
enum SyncLabelsStamp {
    static func stamp(_ objects: [Resource], app: String) -> [Resource] {
        objects.map { SyncLabels.stamped($0, app: app) }
    }
}
