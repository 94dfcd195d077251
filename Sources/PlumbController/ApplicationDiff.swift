import PlumbCore
import PlumbEngine
import PlumbGit
import PlumbKube
import PlumbManifests
import PlumbRollout

/// How an Application's live objects differ from its commit, as `plumb diff` shows a path:
/// the revision the controller last planned (`status.syncRevision`, else `spec.source.revision`)
/// read from the shared clones, rendered as the controller renders it, planned against the
/// cluster with the given client (the reader's identity), Secret and SOPS values masked.
/// Nothing is written. For the dashboard's diff of each out-of-sync object.
public struct ApplicationDiff: Sendable {
    /// The diff: the masked plan and the commit it was planned from.
    public struct Result: Sendable {
        public var plan: Plan
        public var revision: String
        public var branch: String?
        /// What `plumb diff` prints of the rollouts: `rolling out to <rev>, step k of n`, held weights.
        public var rolloutNotes: [String] = []
    }

    public let git: GitSources
    public let options: GitSourceOptions
    public let plugins: PluginConfig
    public let sopsKeys: SopsKeys
    /// A private directory for SSH keys of `spec.source.secretRef`.
    public let scratchDirectory: String

    public init(
        git: GitSources, options: GitSourceOptions, scratchDirectory: String, plugins: PluginConfig = .none,
        sopsKeys: SopsKeys = .none
    ) {
        self.git = git
        self.options = options
        self.scratchDirectory = scratchDirectory
        self.plugins = plugins
        self.sopsKeys = sopsKeys
    }

    /// The plan of `app` against the cluster `client` reads; throws with one line for a spec,
    /// fetch, render or read that failed.
    public func plan(_ app: Application, client: KubeClient) async throws -> Result {
        let spec: ApplicationSpec
        switch app.spec() {
        case .success(let s): spec = s
        case .failure(let error): throw KubeClientError(message: "\(app.key): invalid spec: \(error)")
        }
        let url = spec.source.repoURL
        let base = options
        let scratch = scratchDirectory
        let gitOptions: @Sendable () async throws -> GitSourceOptions = {
            guard let name = spec.source.secretRef else { return base }
            let secret = try await client.get(
                ObjectRef(apiVersion: "v1", kind: "Secret", namespace: app.key.namespace, name: name))
            return try GitCredentialsSecret.options(secret, base: base, scratch: scratch)
        }
        try await git.fetchIfDue(url: url, interval: spec.interval, options: gitOptions)
        let revision = app.status.syncRevision.flatMap { $0.isEmpty ? nil : $0 } ?? spec.source.revision
        let render = RenderOptions(
            manifests: ManifestOptions(
                path: spec.source.path, include: spec.source.include.map(Glob.init),
                exclude: spec.source.exclude.map(Glob.init)),
            settings: spec.source.render, plugins: plugins, keys: sopsKeys,
            context: RenderContext(appName: app.key.name, appNamespace: spec.destinationNamespace))
        let loaded = try await git.load(url: url, options: try await gitOptions(), revision: revision, render: render, reuse: nil)
        let target = KubernetesTarget(client: client, ignoring: spec.ignoreDifferences + loaded.ignoreRules)
        let desired = try await target.resolvingNamespaces(loaded.desired, defaultNamespace: spec.destinationNamespace)
        var plan = try await Planner(app: app.labelValue).plan(desired: desired, target: target, pruneCandidates: spec.prune)
        if !spec.prune { plan.prune = [] }
        // A rollout under way is not drift, as in `plumb diff` and the controller's compare.
        var notes: [String] = []
        if plan.objects.contains(where: { RolloutDeclarations.isDeclaration($0.ref) }) {
            let view = await RolloutRunner(client: client).view(plan, revision: loaded.commit.id.hex, target: target)
            plan = view.plan
            notes = view.notes
        }
        var result = Result(plan: SensitiveValues(loaded.secrets).masked(plan), revision: loaded.commit.id.hex, branch: loaded.branch)
        result.rolloutNotes = notes
        return result
    }
}
