import ArgumentParser
import Foundation
import PlumbCore
import PlumbEngine
import PlumbKube
import PlumbManifests
import PlumbRollout
import PlumbReport
import PlumbYAML

/// `plumb diff`: how the cluster differs from a path of a commit.
struct Diff: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show how the live objects differ from a path of a Git commit.",
        discussion: """
            Compares what a server-side apply of the commit's objects would change, field by field: server defaults, other managers' fields and status are not differences; a field removed from Git is. Secret values are masked.

            Exit status: 0 no differences, 1 differences, 2 an error.

            Examples:
              plumb diff --repo . --path fixtures/demo --sandbox
              plumb diff --repo . --path apps/web --context prod --prune -o json
              plumb diff --repo . --path apps/web --ignore Deployment/web/web:/spec/replicas --server-side
              plumb diff --repo . --path apps/web --prune --report github   (in a pull request's CI job)
            """)

    @OptionGroup var source: RepoOptions
    @OptionGroup var kube: KubeOptions
    @OptionGroup var trust: TrustOptions
    @OptionGroup var checks: PolicyOptions

    @Option(help: "The app (plumb.dev/app label); default the last component of --path.")
    var app: String?

    @Option(name: .shortAndLong, help: "Output format: text or json.")
    var output: DiffOutput = .text

    @Option(help: "Text layout: fields (aligned field changes) or unified (a unified diff of the YAML).")
    var diffFormat: DiffLayout = .fields

    @Option(help: "Leave a field out: KIND[/NAMESPACE/NAME]:/json/pointer (repeatable).")
    var ignore: [String] = []

    @Flag(help: "Ask the server: a server-side apply dry-run per changed object (exact, slower).")
    var serverSide = false

    @Flag(help: "Show the app's live objects that left Git (prune candidates).")
    var prune = false

    @OptionGroup(title: "Pull-request report") var reporting: ReportOptions

    func validate() throws {
        for rule in ignore { _ = try PlumbSettings.ignoreRule(flag: rule) }
    }

    func run() async throws {
        let appName = try AppName.resolve(app, path: source.path)
        guard let reporter = reporting.reporter(app: appName, localCommand: source.diffCommand(app: appName, prune: prune)) else {
            return try await diff(appName, reporter: nil)
        }
        do {
            try await diff(appName, reporter: reporter)
        } catch let error as CLIError {
            // A render or dry-run that failed is reported as the plan's failure, then as usual.
            await reporter.publish(PlanReport(app: appName, plan: nil, error: error.message, revision: "", pruneChecked: prune))
            throw error
        }
    }

    private func diff(_ appName: String, reporter: DiffReporter?) async throws {
        let loaded = try source.loadSource(app: appName)
        let verdict = try trust.check(loaded, source: source, since: nil)
        if let verdict, !verdict.passed { throw verdict.refusal }
        let rules = try loaded.ignoreRules + ignore.map(PlumbSettings.ignoreRule(flag:))
        let (unmasked, policy, rolloutNotes) = try await kube.withClient { client, _ in
            let target = KubernetesTarget(client: client, ignoring: rules)
            let desired = try await target.resolvingNamespaces(loaded.desired)
            let policy = try checks.judge(desired, app: appName, namespace: kube.namespace)
            var plan = try await SyncPlanning.plan(desired, app: appName, target: target, prune: prune)
            if serverSide { plan = try await SyncPlanning.exact(plan, target: target) }
            if !prune { plan.prune = [] }
            // A rollout under way is not drift: its Deployment is shown as rolling out.
            let view = await RolloutRunner(client: client).diffView(plan, revision: loaded.commit.id.hex, target: target)
            return (view.plan, policy, view.notes)
        }
        // What is shown (and reported on a pull request) has decrypted SOPS values masked.
        let plan = SensitiveValues(loaded.secrets).masked(unmasked)
        let trailer = "revision \(loaded.commit.id.short)" + (loaded.branch.map { " (\($0))" } ?? "")
        let format: DiffPrinter.Format
        switch (output, diffFormat) {
        case (.json, _): format = .json
        case (.text, .unified): format = .unified(yaml: { YAMLWriter().string($0) })
        case (.text, .fields): format = .fields
        }
        for note in rolloutNotes { output == .json ? Terminal.writeErr(note + "\n") : Terminal.writeOut(note + "\n") }
        Terminal.writeOut(DiffPrinter(format: format, color: Terminal.colorOut).render(plan, trailer: trailer))
        if let policy, policy.blocks {
            // As a failed dry-run: the pull request's report says the plan failed, with every violation.
            throw PolicyOptions.refusal(policy, objects: plan.objects.count, action: "a sync would apply nothing")
        }
        if let reporter {
            let warnings = plan.objects.flatMap { object in
                ServerWarningPrinter.shared.warnings(for: object.ref).map { ServerWarning(object: object.ref, text: $0) }
            } + (policy?.warned ?? []).map { ServerWarning(object: $0.ref, text: "policy \($0.finding.check): \($0.finding.message)") }
            await reporter.publish(PlanReport(
                app: appName, plan: plan, revision: loaded.commit.id.hex, branch: loaded.branch, signed: loaded.signed,
                signature: verdict?.message, warnings: warnings, pruneChecked: prune))
        }
        if plan.hasChanges { throw ExitCode(1) }
    }
}

enum DiffOutput: String, ExpressibleByArgument, CaseIterable { case text, json }
enum DiffLayout: String, ExpressibleByArgument, CaseIterable { case fields, unified }

/// The app name: `--app`, else the last component of `--path`.
enum AppName {
    static func resolve(_ app: String?, path: String) throws -> String {
        if let app, !app.isEmpty { return app }
        let last = path.split(separator: "/").last(where: { $0 != "." }).map(String.init) ?? ""
        guard !last.isEmpty else { throw CLIError("--path \(path) has no last component to name the app (pass --app)") }
        return last
    }
}

/// Planning shared by diff, sync and rollback.
enum SyncPlanning {
    /// Observes and plans; plan errors become one `error:` line per object.
    static func plan(_ desired: [Resource], app: String, target: KubernetesTarget, prune: Bool) async throws -> Plan {
        do {
            return try await Planner(app: app).plan(desired: desired, target: target, pruneCandidates: prune)
        } catch let error as PlanError {
            throw CLIError(error.description)
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError("cannot read the live objects: \(error)")
        }
    }

    /// The plan with each changed object's diff replaced by the server's dry-run answer.
    static func exact(_ plan: Plan, target: KubernetesTarget) async throws -> Plan {
        var exact = plan
        for (s, step) in plan.steps.enumerated() {
            for (o, object) in step.objects.enumerated() where object.action != .unchanged {
                let result: Value
                do {
                    result = try await target.dryRunResult(object.resource)
                } catch {
                    throw CLIError("\(object.ref): dry-run failed: \(SyncError.reason(for: error, of: object.ref))")
                }
                let live = object.action == .created ? nil : try? await target.client.get(object.ref)
                exact.steps[s].objects[o].diff = ApplyDiff.exact(
                    ref: object.ref, live: live, result: result, ignoring: target.ignoring)
            }
        }
        return exact
    }
}
