import PlumbCore
import PlumbEngine
import PlumbKube
import PlumbManifests
import PlumbReport

extension ForgeReporting {
    /// Refreshes `app`'s pull-request previews in the background, unless a refresh of it is
    /// still running: a slow forge never holds up a reconcile.
    func startPreviews(_ app: Application, spec: ApplicationSpec, reconciler: Reconciler) {
        guard spec.previews, let notify = spec.notify else {
            previews.forget(app: app.labelValue)
            return
        }
        guard refreshing.withLock({ $0.insert(app.key).inserted }) else { return }
        Task {
            defer { _ = refreshing.withLock { $0.remove(app.key) } }
            await refreshPreviews(app, spec: spec, notify: notify, reconciler: reconciler)
        }
    }

    /// Lists the open pull requests into the Application's branch and keeps each one's plan
    /// comment and `plumb/<app>/preview` status current.
    public func refreshPreviews(
        _ app: Application, spec: ApplicationSpec, notify: ApplicationSpec.Notify, reconciler: Reconciler
    ) async {
        do {
            let forge = try await forge(for: app, notify, client: reconciler.client)
            // A revision that is not a branch (HEAD, a tag, a SHA) previews pull requests into any branch.
            let branch =
                spec.source.revision == "HEAD" || GitRevision.looksLikeSHA(spec.source.revision)
                ? nil : spec.source.revision
            let updates = try await previews.refresh(
                app: app.labelValue, forge: forge, branch: branch,
                localCommand:
                    "plumb diff --repo \(spec.source.repoURL) --path \(spec.source.path) --revision <head> --prune"
            ) { pr in
                await reconciler.previewReport(app, spec: spec, pullRequest: pr, fetched: self.fetchedHeads)
            }
            for update in updates where !update.problems.isEmpty {
                log("\(app.key): preview of #\(update.pullRequest): \(update.problems.joined(separator: "; "))")
            }
        } catch {
            log("\(app.key): previews: \(error)")
        }
    }
}

enum GitRevision {
    static func looksLikeSHA(_ text: String) -> Bool {
        text.count >= 7 && text.count <= 40 && text.allSatisfy(\.isHexDigit)
    }
}

extension Reconciler {
    /// The plan of a pull request's head commit against the live cluster, with nothing
    /// written: rendered from the clone (fetched once more when the head is not in it yet),
    /// planned against the watch caches, each change validated by a server dry-run.
    func previewReport(
        _ app: Application, spec: ApplicationSpec, pullRequest pr: PullRequest, fetched: Locked<Set<String>>
    ) async -> PlanReport {
        let name = app.labelValue
        // Rendered as the Application's own revision is (spec.source.render, plugins, SOPS keys).
        let render = renderOptions(app, spec: spec)
        let loaded: LoadedSource
        do {
            do {
                loaded = try await git.load(
                    url: spec.source.repoURL, options: settings.git, revision: pr.headSHA, render: render, reuse: nil)
            } catch let error where !(error is ManifestErrors) && !(error is SettingsError) {
                // A head pushed since the last fetch: fetch once for it, then read it again.
                guard fetched.withLock({ $0.insert("\(spec.source.repoURL)#\(pr.headSHA)").inserted }) else {
                    throw error
                }
                try await git.fetchIfDue(url: spec.source.repoURL, interval: spec.interval, force: true) { [self] in
                    try await gitOptions(app, spec)
                }
                loaded = try await git.load(
                    url: spec.source.repoURL, options: settings.git, revision: pr.headSHA, render: render, reuse: nil)
            }
        } catch {
            return PlanReport(
                app: name, plan: nil, error: "render of \(pr.headSHA.prefix(12)) failed: \(error)",
                revision: pr.headSHA, branch: pr.headBranch)
        }
        let target = KubernetesTarget(client: client, ignoring: spec.ignoreDifferences + loaded.ignoreRules)
        do {
            let desired = try await target.resolvingNamespaces(
                loaded.desired, defaultNamespace: spec.destinationNamespace)
            let observation = try await observe(app, spec: spec, desired: desired, target: target, revision: pr.headSHA)
            var plan = try Planner(app: name).plan(
                desired: desired, observation: spec.prune ? observation : Observation(live: observation.live),
                target: target)
            await Planner(app: name).confirm(&plan, live: observation.live, target: target)
            if !spec.prune { plan.prune = [] }
            var problems: [String] = []
            for object in plan.objects
            where object.action == .created || (object.action == .configured && !object.validated) {
                do {
                    try await target.dryRun(object.resource, force: true)
                } catch {
                    problems.append("\(object.ref): dry-run failed: \(SyncError.reason(for: error, of: object.ref))")
                }
            }
            if !problems.isEmpty {
                // Decrypted SOPS values never reach a pull request comment.
                let sensitive = SensitiveValues(loaded.secrets)
                return PlanReport(
                    app: name, plan: nil, error: sensitive.redact(problems.joined(separator: "\n")),
                    revision: pr.headSHA, branch: pr.headBranch, signed: loaded.signed)
            }
            return PlanReport(
                app: name, plan: SensitiveValues(loaded.secrets).masked(plan), revision: pr.headSHA,
                branch: pr.headBranch, signed: loaded.signed,
                pruneChecked: spec.prune)
        } catch let failure as Failure {
            return PlanReport(
                app: name, plan: nil, error: failure.message, revision: pr.headSHA, branch: pr.headBranch,
                signed: loaded.signed)
        } catch {
            return PlanReport(
                app: name, plan: nil, error: "\(error)", revision: pr.headSHA, branch: pr.headBranch,
                signed: loaded.signed)
        }
    }
}
