import ArgumentParser
import PlumbAudit
import PlumbController
import PlumbCore
import PlumbRollout

/// `-o` of `plumb sync` and `plumb rollback`.
enum SyncOutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// The JSON document `plumb sync -o json` and `plumb rollback -o json` print (docs/cli.md).
enum SyncJSON {
    /// `{"kind", "app", "target", "revision", "auditID", "result", "dryRun", "durationSeconds",
    /// "summary", "objects", "interruption"?, "rollouts"}`: the change set as the executor produced it (its
    /// `jsonValue`, the form the audit log reads back) with what identifies the sync.
    static func document(
        _ outcome: AuditedSync.Outcome, kind: AuditKind, app: String, target: String, revision: String, dryRun: Bool,
        recorded: AuditResult?
    ) -> Value {
        let result = outcome.result
        var document: Value = [
            "kind": .string(kind.rawValue),
            "app": .string(app),
            "target": .string(target),
            "revision": .string(revision),
            "auditID": .int(outcome.auditID),
            "result": .string((recorded ?? Self.result(outcome, dryRun: dryRun)).rawValue),
            "dryRun": .bool(dryRun),
            "durationSeconds": .double(Self.seconds(outcome.duration)),
            "summary": Self.summary(result),
        ]
        if case .object(let changeSet) = result.jsonValue {
            for entry in changeSet { document[entry.key] = entry.value }
        }
        document["rollouts"] = .array(outcome.rollouts.map(\.jsonValue))
        return document
    }

    /// The result when the audit record could not be read back: the rule the record follows.
    static func result(_ outcome: AuditedSync.Outcome, dryRun: Bool) -> AuditResult {
        if outcome.interrupted { return .interrupted }
        if !outcome.result.succeeded { return .failed }
        return dryRun ? .dryRun : .synced
    }

    /// The number of objects per action, every action present (0 when none).
    static func summary(_ result: ChangeSet) -> Value {
        var o = ValueObject()
        for action in Action.allCases {
            o.appendUnchecked(key: action.rawValue, value: .int(Int64(result.count(action))))
        }
        return .object(o)
    }

    /// Seconds with millisecond precision.
    static func seconds(_ duration: Duration) -> Double {
        let (s, attoseconds) = duration.components
        return (Double(s) + Double(attoseconds / 1_000_000_000_000_000) / 1000)
    }
}
