import PlumbCore
import PlumbEngine

/// What a pull-request report says about one Application at one commit: the plan `plumb
/// diff` computed against the live cluster, or why there is none (a render or dry-run that
/// failed), with the commit's signature and the server's warnings.
public struct PlanReport: Sendable {
    /// The app (`plumb.dev/app`), as the comment's marker and the status's context name it.
    public var app: String
    /// The plan; nil when it could not be made (`error` says why).
    public var plan: Plan?
    /// Why there is no plan: the render or dry-run error, as `plumb diff` printed it.
    public var error: String?
    /// The commit planned (full SHA).
    public var revision: String
    /// The branch the revision names, when known.
    public var branch: String?
    /// Whether the commit carries a signature; nil when not known.
    public var signed: Bool?
    /// The verdict on the commit's signature when it was verified (`good gpg signature by Ada
    /// <ada@acme.dev> (key DB4F...)`, `unknown-key: ...`); shown instead of `signed`.
    public var signature: String?
    /// The server's warnings from the dry-run, by the object they came with.
    public var warnings: [ServerWarning]
    /// Whether prune candidates were looked for (`--prune`): without it, "nothing to prune"
    /// is not known and the comment says so.
    public var pruneChecked: Bool

    /// A report of a plan, or of the error that stopped it.
    public init(
        app: String, plan: Plan?, error: String? = nil, revision: String, branch: String? = nil, signed: Bool? = nil,
        signature: String? = nil, warnings: [ServerWarning] = [], pruneChecked: Bool = true
    ) {
        self.app = app
        self.plan = plan
        self.error = error
        self.revision = revision
        self.branch = branch
        self.signed = signed
        self.signature = signature
        self.warnings = warnings
        self.pruneChecked = pruneChecked
    }

    /// Whether the plan is valid (rendered and planned without error).
    public var succeeded: Bool { plan != nil && error == nil }

    /// Whether applying the plan would change anything.
    public var hasChanges: Bool { plan?.hasChanges ?? false }

    /// The hidden marker that finds this Application's sticky comment on a pull request.
    public var marker: String { PlanComment.marker(app: app) }

    /// The status's name: `plumb/<app>`, or `plumb/<app>/preview` for the controller's previews.
    public static func context(app: String, preview: Bool = false) -> String {
        "plumb/\(app)" + (preview ? "/preview" : "")
    }

    /// The commit status's one line: `2 to update, 1 to prune`, `no changes`, or the error.
    public var statusDescription: String {
        guard let plan, error == nil else { return "plan failed: " + (error ?? "unknown error") }
        let actions = plan.objects.map(\.action)
        var parts: [String] = []
        let create = actions.filter { $0 == .created }.count
        let update = actions.filter { $0 == .configured }.count
        if create > 0 { parts.append("\(create) to create") }
        if update > 0 { parts.append("\(update) to update") }
        if !plan.prune.isEmpty { parts.append("\(plan.prune.count) to prune") }
        return parts.isEmpty ? "no changes" : parts.joined(separator: ", ")
    }

    /// The commit status of this report on its revision: success for a valid plan, failure
    /// when rendering or the dry-run failed.
    public func commitStatus(context: String? = nil, targetURL: String? = nil) -> CommitStatus {
        CommitStatus(
            sha: revision, context: context ?? Self.context(app: app), state: succeeded ? .success : .failure,
            description: statusDescription, targetURL: targetURL)
    }
}

/// One warning the API server sent (`Warning: 299 ...`), and the object it came with.
public struct ServerWarning: Sendable, Hashable {
    public var object: ObjectRef?
    public var text: String

    public init(object: ObjectRef?, text: String) {
        self.object = object
        self.text = text
    }
}
