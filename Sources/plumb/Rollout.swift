import ArgumentParser
import Foundation
import PlumbController
import PlumbCore
import PlumbKube
import PlumbEngine
import PlumbManifests
import PlumbRollout

/// `plumb rollout`: the progressive rollouts of RolloutStrategy objects (docs/rollouts.md).
struct RolloutCommandGroup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollout",
        abstract: "Show and steer progressive rollouts (RolloutStrategy objects).",
        discussion: """
            A rollout runs inside `plumb sync --wait` and the controller; these commands read its state and ask the running sync (or the next one) to promote, abort or retry it.

            Examples:
              plumb rollout status web -n shop --watch
              plumb rollout promote web -n shop
              plumb rollout abort web -n shop
              plumb rollout retry web -n shop
            """,
        subcommands: [RolloutStatus.self, RolloutPromote.self, RolloutAbort.self, RolloutRetry.self])
}

/// The name argument and cluster flags every `plumb rollout` command takes.
struct RolloutTarget: ParsableArguments {
    @Argument(help: "The RolloutStrategy's name.")
    var name: String

    @OptionGroup var kube: KubeOptions

    func ref(_ client: KubeClient) -> ObjectRef {
        RolloutControl.ref(name, namespace: kube.namespace ?? client.defaultNamespace)
    }

    /// Sends `command` to the runner and prints `<ref>: <said>`.
    func send(_ command: RolloutCommand, saying said: String) async throws {
        try await run { control, ref in
            try await control.send(command, to: ref)
            Terminal.writeOut("\(ref): \(said)\n")
        }
    }

    /// Runs `body`; a missing object or an API error becomes one `error:` line.
    func run<T>(_ body: (RolloutControl, ObjectRef) async throws -> T) async throws -> T {
        try await kube.withClient { client, _ in
            let ref = ref(client)
            do {
                return try await body(RolloutControl(client: client), ref)
            } catch let error as StatusError where error.reason == .notFound {
                throw CLIError("\(ref): not found")
            } catch let error as RolloutError {
                throw CLIError(error.description)
            } catch let error as CLIError {
                throw error
            } catch {
                throw CLIError("\(ref): \(error)")
            }
        }
    }
}

struct RolloutStatus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Print a rollout's phase, step, weights and analysis measurements.")

    @OptionGroup var target: RolloutTarget

    @Flag(help: "Print again whenever the state changes, until the rollout is Healthy or Degraded.")
    var watch = false

    @Option(name: [.short, .customLong("output")], help: "text or json.")
    var output: AuditTextFormat = .text

    func run() async throws {
        let json = output == .json
        try await target.run { control, ref in
            var last = ""
            while true {
                let status = try await control.status(ref)
                let text = json ? RolloutStatusFormat.json(status) : RolloutStatusFormat.text(status)
                if text != last {
                    Terminal.writeOut(text)
                    last = text
                }
                let phase = status.state?.phase
                guard watch, phase == .progressing || phase == .paused else { return }
                try await Task.sleep(for: .seconds(1))
            }
        }
    }
}

struct RolloutPromote: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promote", abstract: "End the current pause (or an inconclusive analysis) and go on.")
    @OptionGroup var target: RolloutTarget
    func run() async throws { try await target.send(.promote, saying: "promote requested") }
}

struct RolloutAbort: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "abort", abstract: "Roll back now: traffic to stable, canary removed, the revision marked Degraded.")
    @OptionGroup var target: RolloutTarget
    func run() async throws { try await target.send(.abort, saying: "abort requested") }
}

struct RolloutRetry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry", abstract: "Try a rolled-back revision again at the next sync.")
    @OptionGroup var target: RolloutTarget
    func run() async throws { try await target.send(.retry, saying: "retry requested; the next sync starts the rollout again") }
}

/// How `plumb rollout status` prints a status.
enum RolloutStatusFormat {
    static func text(_ s: RolloutControl.Status) -> String {
        var out = "\(s.ref)"
        if let d = s.declaration { out += "  →  Deployment \(d.target.qualifiedName) (\(s.strategyName ?? ""), router \(d.routing.kind))" }
        out += "\n"
        guard let state = s.state else { return out + "  never rolled out\n" }
        func row(_ k: String, _ v: String) { out += "  " + k.padding(toLength: 10, withPad: " ", startingAt: 0) + v + "\n" }
        row("phase", state.phase.rawValue + (state.phase == .degraded ? ", rolled back" : ""))
        row("revision", state.shortRevision)
        row("step", s.stepLine ?? state.stepText)
        var weight = "\(state.weight)"
        if let stable = s.stableReplicas, let d = s.declaration {
            weight += " (\(d.target.name) \(stable)" + (s.canaryReplicas.map { ", \(d.canaryName) \($0)" } ?? "") + " replicas)"
        }
        row("weight", weight)
        row("message", state.message)
        if let command = s.command { row("requested", command.rawValue) }
        if !state.measurements.isEmpty {
            out += "  analysis\n"
            for m in state.measurements {
                out += "    \(m.metric)  \(m.phase.rawValue)  \(m.value ?? "-")  \(m.message)\n"
            }
        }
        return out
    }

    static func json(_ s: RolloutControl.Status) -> String {
        ((try? JSONWriter().bytes(s.value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}") + "\n"
    }
}

/// The rollout runner of `plumb sync` and `plumb rollback`.
enum RolloutWiring {
    /// Progress lines go where the sync's lines go; pauses without a duration are held only
    /// with `--wait` (else the sync returns and says where the rollout waits).
    static func runner(client: KubeClient, holdPauses: Bool, say: @escaping (String) -> Void) -> RolloutRunner {
        var runner = RolloutRunner(client: client)
        runner.holdPauses = holdPauses
        let lines = LineSink(say)
        runner.progress = { lines.write($0) }
        return runner
    }
}

/// Hands progress lines from the runner's task to the printer one at a time.
final class LineSink: @unchecked Sendable {
    private let lock = NSLock()
    private let say: (String) -> Void
    init(_ say: @escaping (String) -> Void) { self.say = say }
    func write(_ line: String) { lock.withLock { say(line) } }
}

extension RolloutWiring {
    /// `--rollback-on-failure`: the previous synced revision loaded from the same repository
    /// and planned against the same target, as `plumb rollback --to` does.
    static func rollbackOnFailure(source: RepoOptions, app: String?, appName: String, target: KubernetesTarget, prune: Bool)
        -> RollbackOnFailure
    {
        let load = LockedLoader(source: source, app: app)
        return RollbackOnFailure { revision in
            let loaded = try load(revision)
            let desired = try await target.resolvingNamespaces(loaded.desired)
            let plan = try await Planner(app: appName).plan(desired: desired, target: target, pruneCandidates: prune)
            return (plan, loaded)
        }
    }

    /// `rolled back to 9d01e77: 1 configured   audit #43 (rollback of #42)`.
    static func report(_ rollback: RollbackOutcome, say: (String) -> Void) {
        let short = String(rollback.revision.prefix(7))
        if let error = rollback.error {
            Terminal.writeErr("error: rollback on failure\(short.isEmpty ? "" : " to \(short)"): \(error)\n")
            return
        }
        guard let result = rollback.result, let id = rollback.auditID else { return }
        if result.succeeded {
            say("rolled back to \(short): \(result.summary)   audit #\(id)\n")
        } else {
            for failure in result.failures { Terminal.writeErr("error: rollback: \(failure.error ?? "\(failure.ref): failed")\n") }
            say("rollback to \(short) failed: \(result.summary)   audit #\(id)\n")
        }
    }
}

/// The repository options, sendable into the rollback's loader (the command's values do not change).
struct LockedLoader: @unchecked Sendable {
    let source: RepoOptions
    let app: String?
    func callAsFunction(_ revision: String) throws -> LoadedSource { try source.loadSource(revision: revision, app: app) }
}
