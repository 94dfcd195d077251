import PlumbCore

extension DiffPrinter {
    /// `{"objects": [...], "summary": {...}}`, every desired object and prune with its action
    /// and changes; secret values appear only as lengths.
    func json(_ plan: Plan, trailer: String?) -> String {
        var objects: [Value] = plan.objects.map { object($0.ref, $0.action, $0.diff.changes) }
        objects += plan.prune.map { object($0.ref, .pruned, []) }
        let actions = plan.objects.map(\.action)
        let count = { (a: Action) in Value.int(Int64(actions.filter { $0 == a }.count)) }
        var summary: Value = [
            "create": count(.created), "update": count(.configured), "prune": .int(Int64(plan.prune.count)),
            "unchanged": count(.unchanged),
        ]
        if let trailer, !trailer.isEmpty { summary["note"] = .string(trailer) }
        let document: Value = ["app": .string(plan.app), "objects": .array(objects), "summary": summary]
        // Values come from parsed JSON or YAML, which hold no NaN: writing cannot fail.
        return ((try? JSONWriter(style: .pretty(indent: 2)).string(document)) ?? "{}") + "\n"
    }

    private func object(_ ref: ObjectRef, _ action: Action, _ changes: [FieldChange]) -> Value {
        var o: Value = [
            "ref": .string(ref.description), "apiVersion": .string(ref.apiVersion), "kind": .string(ref.kind),
            "namespace": .string(ref.namespace), "name": .string(ref.name), "action": .string(action.planVerb),
        ]
        if action == .configured { o["changes"] = .array(changes.map(\.jsonValue)) }
        return o
    }
}
