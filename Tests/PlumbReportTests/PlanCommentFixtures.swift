import PlumbCore
import PlumbEngine
import PlumbReport

/// A forge kept in memory that records what Plumb asked of it, and can be told to fail.
actor RecordingForge: Forge {
    nonisolated let commentLimit: Int
    var statuses: [CommitStatus] = []
    var comments: [Int: [ForgeComment]] = [:]
    var creates = 0
    var edits = 0
    var open: [PullRequest] = []
    var listedBases: [String?] = []
    /// The next this many setStatus calls fail with a transient error.
    var statusFailures = 0
    var statusError: any Error = ForgeError(
        kind: .status(503), forge: "test", method: "POST", path: "/statuses", message: "unavailable")
    var failComments = false
    /// How long each setStatus takes.
    var statusDelay: Duration = .zero

    init(commentLimit: Int = 65_536) { self.commentLimit = commentLimit }

    func setStatus(_ status: CommitStatus) async throws {
        if statusDelay > .zero { try await Task.sleep(for: statusDelay) }
        if statusFailures > 0 {
            statusFailures -= 1
            throw statusError
        }
        statuses.append(status)
    }

    func comments(pullRequest: Int) async throws -> [ForgeComment] {
        if failComments {
            throw ForgeError(
                kind: .unreachable, forge: "test", method: "GET", path: "/comments", message: "connection refused")
        }
        return comments[pullRequest] ?? []
    }

    func createComment(pullRequest: Int, body: String) async throws -> ForgeComment {
        creates += 1
        let comment = ForgeComment(id: "c\(creates)", body: body)
        comments[pullRequest, default: []].append(comment)
        return comment
    }

    func editComment(pullRequest: Int, id: String, body: String) async throws {
        edits += 1
        comments[pullRequest] = comments[pullRequest]?.map { $0.id == id ? ForgeComment(id: id, body: body) : $0 }
    }

    func openPullRequests(base: String?) async throws -> [PullRequest] {
        listedBases.append(base)
        return open.filter { base == nil || $0.baseBranch == base }
    }

    func setOpen(_ prs: [PullRequest]) { open = prs }
    func failStatuses(_ n: Int, with error: (any Error)? = nil) {
        statusFailures = n
        if let error { statusError = error }
    }
    func setFailComments(_ on: Bool) { failComments = on }
    func setStatusDelay(_ d: Duration) { statusDelay = d }
    func addComment(pullRequest: Int, body: String) {
        comments[pullRequest, default: []].append(ForgeComment(id: "other\(body.count)", body: body))
    }
}

/// Plans built as the planner builds them, for the comment's tests.
enum PlanFixtures {
    static func resource(_ apiVersion: String, _ kind: String, _ namespace: String, _ name: String, spec: Value? = nil)
        -> Resource
    {
        var body: Value = [
            "apiVersion": .string(apiVersion), "kind": .string(kind), "metadata": ["name": .string(name)],
        ]
        if !namespace.isEmpty { body["metadata"]?["namespace"] = .string(namespace) }
        if let spec { body["spec"] = spec }
        // The fixtures are well-formed objects.
        return try! Resource(body)
    }

    static func object(_ resource: Resource, _ changes: [FieldChange], action: Action) -> PlannedObject {
        let before: Value? = action == .created ? Optional<Value>.none : resource.body
        let after: Value? = resource.body
        return PlannedObject(
            resource: resource, syncWave: 0, phase: 0,
            diff: ObjectDiff(
                ref: resource.ref, changes: action == .unchanged ? [] : changes, before: before, after: after))
    }

    /// A Deployment rolling 3 pods, a Secret with a changed value, a new ConfigMap, an
    /// unchanged Service and a pruned ConfigMap.
    static var web: Plan {
        let deploy = resource("apps/v1", "Deployment", "web", "web", spec: ["replicas": 3])
        let secret = resource("v1", "Secret", "web", "creds")
        let settings = resource("v1", "ConfigMap", "web", "settings")
        let service = resource("v1", "Service", "web", "web")
        let objects = [
            object(settings, [FieldChange(path: "data.color", old: nil, new: "blue")], action: .created),
            object(
                deploy,
                [
                    FieldChange(path: "spec.replicas", old: 2, new: 3),
                    FieldChange(path: "spec.template.spec.containers[web].image", old: "nginx:1.25", new: "nginx:1.26"),
                ], action: .configured),
            object(
                secret, [FieldChange(maskedPath: "data.password", oldLength: 12, newLength: 16)], action: .configured),
            object(service, [], action: .unchanged),
        ]
        return Plan(
            app: "web", steps: [PlanStep(syncWave: 0, phase: 0, objects: objects)],
            prune: [
                PlannedPrune(
                    ref: ObjectRef(apiVersion: "v1", kind: "ConfigMap", namespace: "web", name: "legacy"), syncWave: 0,
                    phase: 0)
            ])
    }

    /// `count` ConfigMaps in namespace `big`, each with a changed value of `size` characters.
    static func many(_ count: Int, size: Int = 200) -> Plan {
        let objects = (0..<count).map { i in
            object(
                resource("v1", "ConfigMap", "big", "cm-\(i)"),
                [
                    FieldChange(
                        path: "data.text", old: .string(String(repeating: "a", count: size)),
                        new: .string(String(repeating: "b", count: size)))
                ],
                action: .configured)
        }
        return Plan(app: "big", steps: [PlanStep(syncWave: 0, phase: 0, objects: objects)])
    }

    static var unchanged: Plan {
        Plan(
            app: "web",
            steps: [
                PlanStep(
                    syncWave: 0, phase: 0,
                    objects: [object(resource("v1", "Service", "web", "web"), [], action: .unchanged)])
            ])
    }
}
