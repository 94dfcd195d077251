import PlumbCore
import PlumbKube

/// What `plumb rollout` does: reads a RolloutStrategy's state and writes commands to it.
public struct RolloutControl: Sendable {
    public let client: KubeClient

    public init(client: KubeClient) { self.client = client }

    /// The RolloutStrategy `name` in `namespace`.
    public static func ref(_ name: String, namespace: String) -> ObjectRef {
        ObjectRef(apiVersion: RolloutDeclaration.apiVersion, kind: RolloutDeclaration.kind, namespace: namespace, name: name)
    }

    /// One RolloutStrategy as it stands: the declaration (nil when it cannot be read), its state
    /// (nil before a first rollout) and a pending command.
    public struct Status: Sendable {
        public var ref: ObjectRef
        public var declaration: RolloutDeclaration?
        public var state: RolloutState?
        public var command: RolloutCommand?
        /// Replicas of the stable and canary Deployments now (nil: no such Deployment).
        public var stableReplicas: Int?
        public var canaryReplicas: Int?
    }

    /// Reads the state of `ref`; throws the API's not-found error when there is no such object.
    public func status(_ ref: ObjectRef) async throws -> Status {
        let object = try await client.get(ref)
        let declaration = try? RolloutDeclaration(Resource(object))
        var status = Status(
            ref: ref, declaration: declaration, state: RolloutState(object[path: ["status", "rollout"]]),
            command: object[path: ["metadata", "annotations", RolloutCommand.annotation]]?.stringValue.flatMap(RolloutCommand.init(rawValue:)))
        if let declaration {
            status.stableReplicas = try await replicas(declaration.target)
            var canary = declaration.target
            canary.name = declaration.canaryName
            status.canaryReplicas = try await replicas(canary)
        }
        return status
    }

    func replicas(_ ref: ObjectRef) async throws -> Int? {
        do {
            return Int(try await client.get(ref)[path: ["spec", "replicas"]]?.intValue ?? 1)
        } catch let error as StatusError where error.reason == .notFound {
            return nil
        }
    }

    /// Asks the runner to promote, abort or retry. Refuses what the state does not allow:
    /// promote and abort need a running rollout, retry a rolled-back one.
    public func send(_ command: RolloutCommand, to ref: ObjectRef) async throws {
        let current = try await status(ref)
        switch command {
        case .promote, .abort:
            guard let state = current.state, state.isActive else {
                throw RolloutError("\(ref): no rollout is running (\(current.state.map { "phase \($0.phase.rawValue)" } ?? "never rolled out"))")
            }
        case .retry:
            guard let state = current.state, state.phase == .degraded else {
                throw RolloutError("\(ref): nothing to retry (\(current.state.map { "phase \($0.phase.rawValue)" } ?? "never rolled out"))")
            }
        }
        _ = try await client.patch(ref, .merge(["metadata": ["annotations": [RolloutCommand.annotation: .string(command.rawValue)]]]))
    }
}
