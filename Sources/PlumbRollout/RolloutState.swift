import Foundation
import PlumbCore

/// Where a rollout is, kept in the RolloutStrategy's `status.rollout` so a restarted
/// controller or a second `plumb sync --wait` carries on from the step it had reached.
public struct RolloutState: Sendable, Codable, Equatable {
    /// Argo Rollouts' phases.
    public enum Phase: String, Sendable, Codable, CaseIterable {
        /// Steps are running.
        case progressing = "Progressing"
        /// Waiting for `plumb rollout promote`, for a pause's end, or after an inconclusive analysis.
        case paused = "Paused"
        /// The new template is on the stable Deployment; no canary.
        case healthy = "Healthy"
        /// Rolled back: the revision is not tried again until a newer commit or `plumb rollout retry`.
        case degraded = "Degraded"
    }

    /// The commit whose template is rolled out.
    public var revision: String
    /// A digest of the pod template from Git: a new commit that changes nothing in it is the same rollout.
    public var templateHash: String
    public var phase: Phase
    /// The next step to run (0-based); `steps` when every step has run.
    public var step: Int
    public var steps: Int
    /// The canary's share of the traffic now.
    public var weight: Int
    /// Why it is paused or degraded; what it does now.
    public var message: String
    /// The 0-based step that failed, when degraded.
    public var failedStep: Int?
    /// The last analysis step's measurements.
    public var measurements: [Measurement]
    /// When the current step started (a pause's duration counts from here).
    public var stepStartedAt: Date
    public var updatedAt: Date

    public init(revision: String, templateHash: String, steps: Int, now: Date = Date()) {
        self.revision = revision
        self.templateHash = templateHash
        self.phase = .progressing
        self.step = 0
        self.steps = steps
        self.weight = 0
        self.message = "starting"
        self.failedStep = nil
        self.measurements = []
        self.stepStartedAt = now
        self.updatedAt = now
    }

    /// Whether a canary may exist: steps are running or paused.
    public var isActive: Bool { phase == .progressing || phase == .paused }

    /// `step 2 of 5`, as diff and status print it (1-based; the last step once all have run).
    public var stepText: String { "step \(min(step + 1, max(steps, 1))) of \(steps)" }

    /// The short revision.
    public var shortRevision: String { String(revision.prefix(7)) }

    /// The state as the status field holds it.
    public var value: Value {
        let data = (try? Self.encoder.encode(self)) ?? Data("{}".utf8)
        return (try? JSONReader().parse(Array(data))) ?? [:]
    }

    /// The state in a status field, nil when there is none or it cannot be read.
    public init?(_ value: Value?) {
        guard let value, value.objectValue != nil, let bytes = try? JSONWriter().bytes(value),
            let state = try? Self.decoder.decode(RolloutState.self, from: Data(bytes))
        else { return nil }
        self = state
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .iso8601
        e.outputFormatting = [.sortedKeys]
        return e
    }()
    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }()
}

/// What a user asked of a running rollout: `plumb rollout promote|abort|retry` write it into
/// the annotation `plumb.dev/rollout-command` of the RolloutStrategy, and the runner (in
/// `plumb sync --wait` or the controller) acts on it and clears it.
public enum RolloutCommand: String, Sendable, CaseIterable {
    /// Ends the current pause (or an inconclusive analysis) and goes on.
    case promote
    /// Rolls back now, as a failed analysis does.
    case abort
    /// Tries a rolled-back revision again.
    case retry

    public static let annotation = "plumb.dev/rollout-command"
}
