import PlumbAudit
import PlumbCore
import PlumbEngine
import PlumbGit
import PlumbKube
import PlumbManifests

extension Reconciler {
    /// Fetch, render, plan and (when automated) sync. Throws `Failure` for a failed phase.
    func run(
        _ app: Application, spec: ApplicationSpec, status: ApplicationStatus, forced: Bool, cause: ReconcileCause, phases: PhaseTimes
    ) async throws -> Outcome {
        var status = status
        let url = spec.source.repoURL
        do {
            _ = try await phases.time(.fetch) {
                try await git.fetchIfDue(url: url, interval: spec.interval, force: forced) { [self] in
                    try await gitOptions(app, spec)
                }
            }
        } catch {
            throw Failure(ConditionReason.gitFetchFailed, "\(error)")
        }
        let (loaded, rendered) = try await phases.time(.render) { try await load(app, spec: spec) }
        phases.rendered = rendered
        let revision = loaded.commit.id.hex
        let trust = try await verifyTrust(app, spec: spec, loaded: loaded)
        if !rendered, cause == .push, !forced, var moved = movedRevision(app, spec: spec, status: status, loaded: loaded) {
            counts.withLock { $0.statusOnly += 1 }
            moved.statusOnly = true
            return moved
        }
        let target = target(for: app.key, rules: spec.ignoreDifferences + loaded.ignoreRules, client: syncClient(app, spec: spec))
        let desired: [Resource]
        do {
            desired = try await target.resolvingNamespaces(loaded.desired, defaultNamespace: spec.destinationNamespace)
        } catch {
            throw Failure(ConditionReason.syncFailed, "cannot read the API server's kinds: \(error)", revision: revision)
        }
        try checkTenancy(app, spec: spec, loaded: loaded, desired: desired)
        let policy = judgePolicy(app, desired: desired)
        let label = app.labelValue
        let planStart = ContinuousClock.now
        let observation = try await observe(app, spec: spec, desired: desired, target: target, revision: revision)
        memory.withLock { m in
            m[app.key, default: Memory()].compared = planStart
            m[app.key, default: Memory()].comparedRevision = revision
        }
        var plan: Plan
        do {
            plan = try Planner(app: label).plan(
                desired: desired, observation: spec.prune ? observation : Observation(live: observation.live), target: target)
        } catch {
            throw Failure(ConditionReason.renderFailed, error.description, revision: revision)
        }
        await Planner(app: label).confirm(&plan, live: observation.live, target: target)
        phases.add(.plan, ContinuousClock.now - planStart)

        status.syncRevision = revision
        let changes = plan.changeSet.objects.filter { $0.action != .unchanged }.count
        let memo = memory.withLock { $0[app.key] ?? Memory() }
        let exhausted = memo.failedRevision == revision && memo.failures > spec.retry.limit
        // A rollout under way is not drift: its Deployment and router weights are held.
        let rollouts = await rolloutView(plan, revision: revision, target: target, live: observation.live)
        if let waiting = await rolloutWaiting(app, spec: spec, status: status, view: rollouts, loaded: loaded, forced: forced) { return waiting }
        let wanted =
            Self.rolloutDue(rollouts, spec: spec, forced: forced)
            || plan.hasChanges && spec.automated && (spec.selfHeal || forced || revision != app.status.lastSyncedRevision)
        guard wanted, !exhausted || forced else {
            status.syncStatus = plan.hasChanges ? .outOfSync : .synced
            status.resources = await resources(plan, result: nil)
            health(&status)
            if plan.hasChanges {
                if exhausted { return Outcome(status: status, requeueAfter: spec.interval, events: healthEvents(app, status)) }
                let why = !spec.automated ? "automated sync is off" : "drift is not repaired without selfHeal"
                status.set(condition(.ready, .false, app, ConditionReason.outOfSync, "\(changes) change\(changes == 1 ? "" : "s") to apply at \(Self.name(loaded)) (\(why))"))
            } else {
                memory.withLock { $0[app.key, default: Memory()].failures = 0 }
                status.set(condition(.ready, .true, app, ConditionReason.succeeded, "Applied revision \(Self.name(loaded))"))
            }
            status.remove(Condition.reconciling)
            return Outcome(status: status, requeueAfter: spec.interval, events: healthEvents(app, status))
        }
        if Task.isCancelled {
            // Shutting down: no new sync starts; the next start reconciles again.
            status.syncStatus = .outOfSync
            status.resources = await resources(plan, result: nil)
            health(&status)
            return Outcome(status: status, requeueAfter: spec.interval, events: [])
        }
        if let held = try await changeGate(app, spec: spec, plan: plan, loaded: loaded, status: status, manual: forced) { return held }
        return try await sync(app, spec: spec, plan: plan, loaded: loaded, target: target, status: status, phases: phases, trust: trust, policy: policy)
    }

    /// The Git options of `app`: the base ones, with the credentials of its secretRef.
    func gitOptions(_ app: Application, _ spec: ApplicationSpec) async throws -> GitSourceOptions {
        guard let name = spec.source.secretRef else { return settings.git }
        let secret: Value
        do {
            secret = try await client.get(ObjectRef(apiVersion: "v1", kind: "Secret", namespace: app.key.namespace, name: name))
        } catch {
            throw Failure(ConditionReason.gitFetchFailed, "spec.source.secretRef: Secret \(app.key.namespace)/\(name): \(error)")
        }
        do {
            return try GitCredentialsSecret.options(secret, base: settings.git, scratch: settings.scratchDirectory)
        } catch {
            throw Failure(ConditionReason.gitFetchFailed, "spec.source.secretRef: \(error)")
        }
    }

    /// The path of the revision, parsed again only when the commit (or the source) changed;
    /// and whether it was rendered (false: the last render was reused).
    func load(_ app: Application, spec: ApplicationSpec) async throws -> (LoadedSource, rendered: Bool) {
        let render = renderOptions(app, spec: spec)
        let key = Self.sourceKey(spec)
        let reuse = memory.withLock { m in m[app.key]?.sourceKey == key ? m[app.key]?.loaded : nil }
        let loaded: LoadedSource
        do {
            loaded = try await git.load(url: spec.source.repoURL, options: settings.git, revision: spec.source.revision, render: render, reuse: reuse)
        } catch let error as ManifestErrors {
            throw Failure(ConditionReason.renderFailed, error.description)
        } catch let error as SettingsError {
            throw Failure(ConditionReason.renderFailed, error.description)
        } catch {
            throw Failure(ConditionReason.gitFetchFailed, "\(error)")
        }
        memory.withLock { m in
            m[app.key, default: Memory()].loaded = loaded
            m[app.key, default: Memory()].sourceKey = key
        }
        let rendered = loaded.renderedFrom == loaded.commit.id && reuse?.commit.id != loaded.commit.id
        if rendered { counts.withLock { $0.renders += 1 } }
        return (loaded, rendered)
    }

    /// What a render depends on besides the commit: a change of it renders again.
    static func sourceKey(_ spec: ApplicationSpec) -> String {
        [
            spec.source.repoURL, spec.source.path, spec.source.include.joined(separator: ","), spec.source.exclude.joined(separator: ","),
            spec.source.render.map { "\($0)" } ?? "",
        ].joined(separator: "\n")
    }

    /// How an Application's path is rendered: its `spec.source.render` (else the path's
    /// `.plumb.yaml`, else what the files call for), the operator's plugins and SOPS keys.
    func renderOptions(_ app: Application, spec: ApplicationSpec) -> RenderOptions {
        let manifests = ManifestOptions(
            path: spec.source.path, include: spec.source.include.map(Glob.init), exclude: spec.source.exclude.map(Glob.init))
        return RenderOptions(
            manifests: manifests, settings: spec.source.render, plugins: settings.plugins, keys: settings.sopsKeys,
            context: RenderContext(appName: app.key.name, appNamespace: spec.destinationNamespace))
    }

    /// The Application's target, kept across reconciles while its ignore rules and the
    /// identity it acts as stay the same.
    func target(for key: AppKey, rules: [IgnoreRule], client: KubeClient) -> KubernetesTarget {
        memory.withLock { m in
            if let t = m[key]?.target, m[key]?.rules == rules, t.client.options.headers == client.options.headers { return t }
            let t = KubernetesTarget(client: client, ignoring: rules)
            m[key, default: Memory()].target = t
            m[key, default: Memory()].rules = rules
            return t
        }
    }

    /// The live side from the watch caches; the first time an app prunes, every listable kind
    /// is read once (its objects may be of kinds no longer in Git), and those kinds are watched.
    func observe(_ app: Application, spec: ApplicationSpec, desired: [Resource], target: KubernetesTarget, revision: String) async throws -> Observation {
        let label = app.labelValue
        var kinds: [(apiVersion: String, kind: String)] = []
        var seen = Set<String>()
        for r in desired where seen.insert("\(r.ref.group)/\(r.kind)").inserted { kinds.append((r.apiVersion, r.kind)) }
        // Looking across every kind needs cluster-wide list permission, which a namespaced
        // install does not have: there prune candidates come from the watched kinds only.
        let discovered = objects.namespace != nil || memory.withLock { $0[app.key]?.discovered ?? false }
        if !(spec.prune && !discovered), let caches = await objects.caches(for: kinds, timeout: settings.cacheSyncTimeout) {
            let all = spec.prune ? objects.all() : caches
            return await ManagedObjects.snapshot(all).observation(desired: desired, app: label)
        }
        do {
            let observation = try await target.observe(desired, app: label, pruneCandidates: spec.prune)
            if spec.prune {
                var more: [(apiVersion: String, kind: String)] = []
                for r in observation.appObjects where seen.insert("\(r.ref.group)/\(r.kind)").inserted { more.append((r.apiVersion, r.kind)) }
                await objects.watch(kinds: kinds + more)
                memory.withLock { $0[app.key, default: Memory()].discovered = true }
            }
            return observation
        } catch {
            throw Failure(ConditionReason.syncFailed, "cannot read the live objects: \(error)", revision: revision)
        }
    }

    /// `main@sha1:3f9c2ab...`, as Flux names a revision.
    static func name(_ loaded: LoadedSource) -> String {
        (loaded.branch.map { "\($0)@" } ?? "") + "sha1:\(loaded.commit.id.hex)"
    }
}
