import PlumbCore

extension DiffPrinter {
    /// A unified diff per changed object, of the YAML of its live and predicted versions
    /// (both display-safe: secrets are masked). A created object is diffed against
    /// `/dev/null`; a prune has no predicted body and is named on a `#` line, which patch
    /// tools skip.
    func unified(_ plan: Plan, yaml: (Value) -> String) -> String {
        var out = ""
        for object in plan.objects where object.action != .unchanged {
            let name = DiffPrinter.fileName(object.ref)
            let text = UnifiedDiff.diff(
                old: object.diff.before.map(yaml) ?? "", new: object.diff.after.map(yaml) ?? "",
                oldLabel: object.diff.before == nil ? "/dev/null" : "live/\(name)",
                newLabel: object.diff.after == nil ? "/dev/null" : "predicted/\(name)")
            out += color ? colored(text) : text
        }
        for item in plan.prune {
            out += paint("# \(item.ref)  (prune)", ANSI.red) + "\n"
        }
        return out
    }

    /// `apps/v1/Deployment/web/web.yaml`: a path per object, as `kubectl diff` names files.
    static func fileName(_ ref: ObjectRef) -> String {
        ([ref.apiVersion, ref.kind] + (ref.namespace.isEmpty ? [] : [ref.namespace]) + [ref.name]).joined(separator: "/")
            + ".yaml"
    }

    private func colored(_ text: String) -> String {
        UnifiedDiff.lines(text).map { line in
            if line.hasPrefix("---") || line.hasPrefix("+++") { return paint(line, ANSI.bold) }
            if line.hasPrefix("@@") { return paint(line, ANSI.cyan) }
            if line.hasPrefix("-") { return paint(line, ANSI.red) }
            if line.hasPrefix("+") { return paint(line, ANSI.green) }
            return line
        }.map { $0 + "\n" }.joined()
    }
}
