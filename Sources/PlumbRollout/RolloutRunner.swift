import PlumbAudit
import PlumbCore
import PlumbEngine
import PlumbKube

/// Runs the progressive rollouts of a sync. The audited sync calls it twice: `prepare` before
/// the executor (a target Deployment whose pod template changes keeps its live template, so
/// only its other fields are applied directly) and `run` after it (the canary, the steps,
/// promotion or rollback). State lives in each RolloutStrategy's `status.rollout`.
public struct RolloutRunner: Sendable {
    public let client: KubeClient
    /// Routers by kind; `none` (the replica ratio) is always there.
    public var routers: [String: any TrafficRouter]
    /// The analyzer of a rollout in a namespace (providers read Secrets and run Jobs there).
    public var analyzer: @Sendable (_ namespace: String) -> any StepAnalyzer
    /// How often a pause, a health wait or a paused rollout looks for `plumb rollout` commands.
    public var pollInterval: Duration = .milliseconds(200)
    /// Whether a pause without a duration (or an inconclusive analysis) holds the sync until
    /// it is promoted or the time is up (`plumb sync --wait`); false returns at once, paused
    /// (the controller comes back later).
    public var holdPauses = true
    /// Progress lines (`rollout shop/web: step 2 of 4: setWeight 20 ...`).
    public var progress: @Sendable (String) -> Void = { _ in }
    /// Sees every state written and every measurement (metrics).
    public var observer: (any RolloutObserver)?

    /// The field manager of the canary and of the router's writes.
    public static let fieldManager = "plumb-rollout"
    /// The label every pod of a canary carries (`canary`), so Services and routers can select it.
    public static let roleLabel = "plumb.dev/rollout-role"
    /// The label naming the RolloutStrategy a canary belongs to.
    public static let rolloutLabel = "plumb.dev/rollout"

    /// A runner with `routers` beside `none`, and `analyzer` for every analysis (nil: the
    /// standard providers, Prometheus, web and job, in each rollout's namespace).
    public init(client: KubeClient, routers: [any TrafficRouter] = [], analyzer: (any StepAnalyzer)? = nil) {
        self.client = client
        var byKind: [String: any TrafficRouter] = ["none": ReplicaRatioRouter(client: client)]
        for r in routers { byKind[r.kind] = r }
        self.routers = byKind
        if let analyzer {
            self.analyzer = { _ in analyzer }
        } else {
            self.analyzer = { namespace in AnalysisRun.standard(client: client, namespace: namespace) }
        }
    }
}

/// Receives what rollouts do, for metrics (`plumb_rollout_phase`, `plumb_rollout_weight`,
/// `plumb_analysis_runs_total`). Called from the runner's task; must be quick.
public protocol RolloutObserver: Sendable {
    /// A state was written for the RolloutStrategy `ref`.
    func rolloutChanged(_ ref: ObjectRef, state: RolloutState)
    /// An analysis step ended with `result`.
    func analysisFinished(_ ref: ObjectRef, result: AnalysisPhase)
}

/// One rollout a sync found: what it does to the target Deployment and where it stands.
public struct PendingRollout: Sendable {
    public enum Action: String, Sendable {
        /// A new template: canary created, steps from the first.
        case start
        /// The same template as the running rollout: on from its step.
        case resume
        /// A newer template while one runs: the canary's template is replaced, steps restart.
        case restart
        /// The template of a rolled-back revision: nothing is tried until a newer commit or `plumb rollout retry`.
        case blocked
        /// Git holds the stable template again while a rollout ran: canary removed, traffic to stable.
        case cancel
    }

    public var action: Action
    public var declaration: RolloutDeclaration
    /// The analysis templates of its steps.
    public var templates: [String: RolloutAnalysisTemplate]
    /// The Deployment as Git wants it (with Plumb's labels), applied at promotion.
    public var desired: Resource
    /// The Deployment the sync applies now: Git's, with the live pod template (and, while a
    /// rollout runs, the live replicas, which the router owns).
    public var held: Resource
    /// The state found in the cluster.
    public var state: RolloutState?
    public var revision: String
    public var templateHash: String
    /// The pod template's changes, as the plan had them.
    public var changes: [FieldChange]
    /// The `plumb rollout` command written on the RolloutStrategy when the sync began.
    public var command: RolloutCommand?
    /// The router's objects (and narrowed Services) the plan holds as the rollout has them (while it resumes).
    public var routerObjects: [ObjectRef] = []
    /// Those objects as Git has them: applied again (as `plumb`) when the rollout ends, so
    /// Git's weights and selectors are what a later sync and diff compare with.
    public var routerDesired: [Resource] = []

    /// Replicas Git declares for the Deployment.
    public var totalReplicas: Int { Int(desired.body[path: ["spec", "replicas"]]?.intValue ?? 1) }
}

/// The plan a sync executes with its rollouts held back, and the rollouts to run after it.
public struct PreparedRollouts: Sendable {
    public var plan: Plan
    public var rollouts: [PendingRollout]
    /// Invalid declarations: the sync writes nothing.
    public var problems: [String]
}

/// What the rollouts of a sync did.
public struct RolloutReport: Sendable {
    /// The target Deployments' results, replacing the executor's entries for them.
    public var changes: [ObjectChange] = []
    /// One audit entry per step run (the RolloutStrategy, the step's field path, its error).
    public var entries: [AuditObjectEntry] = []
    /// Rollouts left paused or waiting: `rollout shop/web: paused at step 2 of 4 ...`.
    public var waiting: [String] = []

    public init() {}
}
