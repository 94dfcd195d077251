import ArgumentParser
import Foundation
import PlumbAudit
import PlumbCore
import PlumbEngine
import PlumbGit
import PlumbController
import PlumbKube
import PlumbManifests

/// The sync flags `plumb sync` and `plumb rollback` share.
struct SyncFlags: ParsableArguments {
    @Option(help: "The app (plumb.dev/app label); default the last component of --path.")
    var app: String?

    @Flag(help: "Delete the app's objects that left Git.")
    var prune = false

    @Flag(help: "Validate with a server dry-run and report; change nothing.")
    var dryRun = false

    @Flag(help: "Wait until every applied object is healthy; fail when one is degraded.")
    var wait = false

    @Option(help: "How long --wait (and CRD establishment) may take: 90s, 5m, 1h.")
    var timeout: String = "5m"

    @Flag(help: "Decide what changed with a server-side apply dry-run per object (exact, slower).")
    var serverSideDiff = false

    @Flag(help: "Take fields other field managers own instead of failing on the conflict.")
    var forceConflicts = false

    @Option(help: "Leave a field out of comparisons: KIND[/NAMESPACE/NAME]:/json/pointer (repeatable).")
    var ignore: [String] = []

    @Option(help: "How many objects are dry-run, applied or deleted at once (1 to 256).")
    var concurrency: Int = SyncOptions.defaultConcurrency

    @Flag(help: "When the sync fails after its first write, sync the previous synced revision again (a rollback record linked to the failed one).")
    var rollbackOnFailure = false

    @Flag(help: "After an automatic rollback (a canary's, or --rollback-on-failure's), push a commit reverting the synced commit to its branch.")
    var revertCommit = false

    @Option(help: "The author and committer of the revert commit, \"Name <email>\".")
    var revertAuthor: String = GitAuthor.plumb.description

    func validate() throws {
        guard (1...256).contains(concurrency) else { throw ValidationError("--concurrency \(concurrency): expected 1 to 256") }
        guard Self.duration(timeout) != nil else { throw ValidationError("--timeout \(timeout): expected a duration such as 90s, 5m or 1h") }
        for rule in ignore { _ = try PlumbSettings.ignoreRule(flag: rule) }
        guard GitAuthor(parsing: revertAuthor) != nil else { throw ValidationError("--revert-author \(revertAuthor): expected \"Name <email>\"") }
    }

    var options: SyncOptions {
        SyncOptions(
            dryRun: dryRun, force: forceConflicts, prune: prune, wait: wait, timeout: Self.duration(timeout) ?? .seconds(300),
            concurrency: concurrency)
    }

    var auditOptions: Value {
        [
            "prune": .bool(prune), "dryRun": .bool(dryRun), "wait": .bool(wait), "timeout": .string(timeout),
            "serverSideDiff": .bool(serverSideDiff), "forceConflicts": .bool(forceConflicts), "concurrency": .int(Int64(concurrency)),
            "rollbackOnFailure": .bool(rollbackOnFailure),
            "revertCommit": .bool(revertCommit),
        ]
    }

    /// `90s`, `5m`, `1h`, `1m30s` or plain seconds.
    static func duration(_ text: String) -> Duration? { DurationText.parse(text) }
}

/// One sync of a loaded commit: plan, audit record, execution, report. Shared by `sync` and `rollback`.
struct SyncRunner {
    var source: RepoOptions
    var kube: KubeOptions
    var flags: SyncFlags
    var audit: AuditOptions
    var kind: AuditKind = .sync
    /// `-o json`: the result as one JSON document on stdout, every other line on stderr.
    var json = false
    /// The trust policy's verdict (--trust-policy); a failed one is recorded and nothing is synced.
    var trust: TrustVerdict?
    /// --policy: the checks judge the objects; an enforced violation stops the sync before any write.
    var policy: PolicyOptions?
    /// Approval and sync windows (docs/governance.md, "Change management").
    var change = ChangeOptions()
    /// Where objects may go (--tenancy, --allow-namespaces); outside it nothing is written.
    var tenancy = TenancyOptions()

    func run(_ loaded: LoadedSource) async throws {
        let appName = try AppName.resolve(flags.app, path: source.path)
        try change.checkWindows()
        let store = try audit.open(create: true)
        let json = self.json
        let say: (String) -> Void = { json ? Terminal.writeErr($0) : Terminal.writeOut($0) }
        say(loaded.header(trust) + "\n")
        let rules = try loaded.ignoreRules + flags.ignore.map(PlumbSettings.ignoreRule(flag:))
        let failed = try await kube.withClient { client, targetName in
            var sync = AuditedSync(
                store: store, app: appName, targetName: targetName, repo: AuditedSync.repoURL(source.repo), kind: kind,
                auditOptions: flags.auditOptions, warnings: ServerWarningPrinter.shared.warnings(for:),
                onCompleteError: { id, error in Terminal.writeErr("warning: audit #\(id): \(error)\n") })
            sync.trust = trust
            sync.rollouts = RolloutWiring.runner(client: client, holdPauses: flags.wait, say: say)
            if let trust, !trust.passed {
                // Refused before the cluster is read: recorded, nothing written.
                do {
                    _ = try sync.refuse(loaded, trust: trust)
                } catch {
                    Terminal.writeErr("warning: audit: \(error)\n")
                }
                throw trust.refusal
            }
            let target = KubernetesTarget(client: client, ignoring: rules)
            if flags.rollbackOnFailure && kind == .sync {
                sync.rollbackOnFailure = RolloutWiring.rollbackOnFailure(source: source, app: flags.app, appName: appName, target: target, prune: flags.prune)
            }
            let desired = try await target.resolvingNamespaces(loaded.desired)
            do {
                try tenancy.check(desired, namespace: kube.namespace ?? client.defaultNamespace)
            } catch let refusal as CLIError {
                // Refused before the cluster is read for the plan: recorded, nothing written.
                do {
                    _ = try sync.recordRefusal(loaded, error: refusal.message)
                } catch {
                    Terminal.writeErr("warning: audit: \(error)\n")
                }
                throw refusal
            }
            sync.policy = try policy?.judge(desired, app: appName, namespace: kube.namespace)
            var plan = try await SyncPlanning.plan(desired, app: appName, target: target, prune: flags.prune)
            if flags.serverSideDiff { plan = try await SyncPlanning.exact(plan, target: target) }
            let printer = SyncPrinter(
                tty: json ? Terminal.stderrIsTTY : Terminal.stdoutIsTTY, waits: flags.wait && !flags.dryRun,
                total: plan.objects.count + (flags.prune ? plan.prune.count : 0), toStderr: json)
            if let gate = try change.gate() {
                do {
                    try await sync.requireApproval(plan, source: loaded, gate: gate) { reason in
                        Terminal.writeErr("awaiting approval from \(WebhookClient.safe(gate.settings.url))\(reason.map { ": \($0)" } ?? "")\n")
                    }
                } catch {
                    throw CLIError("\(error)")
                }
            }
            let outcome: AuditedSync.Outcome
            do {
                outcome = try await sync.run(plan, source: loaded, target: target, options: flags.options, observer: printer)
            } catch {
                throw CLIError("audit: \(error)")
            }
            let result = outcome.result
            if let verdict = sync.policy, verdict.blocks {
                throw PolicyOptions.refusal(verdict, objects: plan.objects.count, action: "nothing was applied, audit #\(outcome.auditID)")
            }
            for line in outcome.rolloutsWaiting { say(line + "\n") }
            for rollout in outcome.rollouts { say(rollout.line + "\n") }
            if let rollback = outcome.rollback { RolloutWiring.report(rollback, say: say) }
            if flags.revertCommit && kind == .sync && !flags.dryRun {
                RevertCommit.afterRollback(outcome, app: appName, loaded: loaded, source: source, author: flags.revertAuthor, say: say)
            }
            Self.report(
                result, plan: plan, revision: "\(loaded.commit.id.short) (rendered by \(loaded.renderer))", duration: outcome.duration,
                audit: outcome.auditID,
                dryRun: flags.dryRun, say: say)
            if json {
                let recorded = try? store.record(outcome.auditID)?.result
                Terminal.writeOut(
                    HistoryFormat.json(
                        SyncJSON.document(
                            outcome, kind: kind, app: appName, target: targetName, revision: loaded.commit.id.hex,
                            dryRun: flags.dryRun, recorded: recorded)))
            }
            return !result.succeeded
        }
        if failed { throw ExitCode(1) }
    }

    static func report(
        _ result: ChangeSet, plan: Plan, revision: String, duration: Duration, audit id: Int64, dryRun: Bool,
        say: (String) -> Void
    ) {
        for failure in result.failures {
            Terminal.writeErr("error: \(failure.error ?? "\(failure.ref): failed")\n")
        }
        if !result.succeeded && result.interruption == nil {
            let validation = result.objects.filter { $0.action == .failed }.count
            if result.nothingApplied {
                Terminal.writeErr("nothing was applied (\(validation) of \(plan.objects.count) objects failed validation)\n")
            }
        }
        if dryRun && result.succeeded {
            say("dry run of \(revision) in \(DurationText.format(duration)): \(plan.changeSet.summary), nothing written   audit #\(id)\n")
        } else {
            say(SyncReport.summary(result, revision: revision, duration: duration) + "   audit #\(id)\n")
        }
    }
}
