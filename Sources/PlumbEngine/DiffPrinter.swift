import PlumbCore

/// Formats a plan as `plumb diff` shows it: per object a header and aligned
/// `path  old → new` lines, a classic unified diff of the YAML, or JSON for machines.
/// Pure formatting; the caller decides colour (TTY, `NO_COLOR`) and supplies the YAML printer.
public struct DiffPrinter: Sendable {
    /// The output formats.
    public enum Format: Sendable {
        /// Headers and aligned field lines (the default).
        case fields
        /// A unified diff of the YAML of live and predicted objects; `yaml` prints one object.
        case unified(yaml: @Sendable (Value) -> String)
        /// One JSON document (`-o json`).
        case json
    }

    /// The format.
    public var format: Format
    /// Whether to use ANSI colours.
    public var color: Bool
    /// The column where values start in `fields` format; longer paths get their own line.
    public var valueColumn = 37

    /// A printer of `format`, in colour when `color`.
    public init(format: Format = .fields, color: Bool = false) {
        self.format = format
        self.color = color
    }

    /// The plan's differences, ending with a newline; `trailer` follows the summary line
    /// (`revision 3f9c2ab (main)`). Unchanged objects are only counted.
    public func render(_ plan: Plan, trailer: String? = nil) -> String {
        switch format {
        case .fields: return fields(plan, trailer: trailer)
        case .unified(let yaml): return unified(plan, yaml: yaml)
        case .json: return json(plan, trailer: trailer)
        }
    }

    /// `1 to create, 2 to update, 1 to prune, 14 unchanged`.
    public static func summary(_ plan: Plan) -> String {
        let actions = plan.objects.map(\.action)
        let count = { (a: Action) in actions.filter { $0 == a }.count }
        return "\(count(.created)) to create, \(count(.configured)) to update, \(plan.prune.count) to prune, "
            + "\(count(.unchanged)) unchanged"
    }

    private func fields(_ plan: Plan, trailer: String?) -> String {
        var out = ""
        for object in plan.objects where object.action != .unchanged {
            out += header(object.ref, object.action)
            guard object.action == .configured else { continue }
            for change in object.diff.changes { out += line(change) }
        }
        for item in plan.prune { out += header(item.ref, .pruned) }
        out += DiffPrinter.summary(plan)
        if let trailer, !trailer.isEmpty { out += "   " + trailer }
        return out + "\n"
    }

    private func header(_ ref: ObjectRef, _ action: Action) -> String {
        let verb = "(\(action.planVerb))"
        let colour = action == .created ? ANSI.green : action == .pruned ? ANSI.red : ANSI.yellow
        return paint("\(ref)", ANSI.bold) + "  " + paint(verb, colour) + "\n"
    }

    private func line(_ change: FieldChange) -> String {
        let indent = "  "
        let width = valueColumn - indent.count
        var out = indent + change.path
        if change.path.count < width {
            out += String(repeating: " ", count: width - change.path.count)
        } else {
            out += "\n" + String(repeating: " ", count: valueColumn)
        }
        if change.masked {
            out += paint(change.valueText, ANSI.yellow)
        } else {
            out += paint(FieldChange.display(change.old), ANSI.red) + " → " + paint(FieldChange.display(change.new), ANSI.green)
        }
        return out + "\n"
    }

    func paint(_ text: String, _ code: String) -> String {
        color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    enum ANSI {
        static let bold = "1"
        static let red = "31"
        static let green = "32"
        static let yellow = "33"
        static let cyan = "36"
    }
}
