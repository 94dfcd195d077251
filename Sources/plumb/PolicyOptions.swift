import ArgumentParser
import PlumbAudit
import PlumbCore
import PlumbManifests

/// `--policy FILE`: the operator's policy checks (docs/governance.md, "Policy checks"). The
/// file is the operator's; it is never read from the repository it judges.
struct PolicyOptions: ParsableArguments {
    @Option(
        help:
            "Policy checks (YAML): enforce, warn or off per check; an enforced violation stops the sync before any write (exit 2)."
    )
    var policy: String?

    func validate() throws {
        if policy != nil { _ = try config() }
    }

    /// The policy file, read and checked; nil without --policy.
    func config() throws -> PolicyConfig? {
        guard let policy else { return nil }
        do {
            return try PolicyConfig.load(policy)
        } catch {
            throw CLIError(error.description)
        }
    }

    /// The verdict on `desired` (namespaces resolved) for the app `name`, whose namespace on
    /// the command line is `--namespace`; warned violations and waived findings are printed
    /// on stderr. Nil without --policy.
    func judge(_ desired: [Resource], app name: String, namespace: String?) throws -> PolicyVerdict? {
        guard let config = try config() else { return nil }
        let verdict = config.engine(for: PolicyScope(namespace: namespace ?? "", name: name)).evaluate(desired)
        for v in verdict.warned { Terminal.writeErr("warning: \(v.line)\n") }
        for e in verdict.exempted {
            Terminal.writeErr("policy: \(e.finding.line): waived by exception \(e.exception) (\(e.reason))\n")
        }
        return verdict
    }

    /// The error of a verdict that blocks: every enforced violation on its own line, then
    /// what was not done.
    static func refusal(_ verdict: PolicyVerdict, objects: Int, action: String) -> CLIError {
        let refs = Set(verdict.enforced.map(\.ref)).count
        let n = verdict.enforced.count
        return CLIError(
            (verdict.enforced.map(\.line) + [
                "\(action) (\(n) enforced policy violation\(n == 1 ? "" : "s") in \(refs) of \(objects) objects)"
            ]).joined(separator: "\n"))
    }

    /// `plumb history show`'s lines for a record's policy verdict: a summary, then each
    /// violation with its mode and each waived finding with its exception.
    static func historyFields(_ policy: AuditPolicy) -> [(String, String)] {
        let enforced = policy.violations.filter { $0.mode == "enforce" }.count
        let summary =
            (policy.blocked ? "blocked: " : "passed: ")
            + "\(enforced) enforced, \(policy.violations.count - enforced) warned, \(policy.exempted.count) waived"
        return [("policy", summary)] + policy.violations.map { ("", "\($0.mode ?? "?")  \($0.line)") }
            + policy.exempted.map { ("", "waived  \($0.line) (exception \($0.exception ?? "?"): \($0.reason ?? ""))") }
    }
}
