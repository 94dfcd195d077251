import PlumbCore
import PlumbEngine

/// The plan of one Application as a pull-request comment (Markdown with a little HTML, as
/// GitHub, GitLab and Gitea render it): a summary line and a table per kind, the blast
/// radius, the server's warnings, then per object its field changes in a collapsed
/// `<details>` block and what gets pruned. Secret values are masked as in `plumb diff`;
/// names and values from Git or the cluster are escaped so they cannot break the comment.
/// A comment over the forge's limit is cut at an object boundary and says what was left out.
public struct PlanComment: Sendable {
    /// The report to render.
    public var report: PlanReport
    /// The most characters (counted as UTF-8 bytes, which is never fewer) the comment may have.
    public var limit: Int
    /// How to see the whole plan (`plumb diff --repo . --path apps/web`), named in the cut line.
    public var localCommand: String
    /// A link to the CI run or controller that made the plan, when there is one.
    public var runURL: String?
    /// A note under the title: `Preview of #42 against the live cluster (no write)`.
    public var note: String?
    /// How the comment is marked up.
    public var style: Style

    /// Markup a forge renders.
    public enum Style: Sendable {
        /// Markdown with `<details>` blocks (GitHub, GitLab, Gitea and Forgejo).
        case html
        /// Markdown only (Bitbucket Cloud, which shows no HTML): objects as headed code blocks.
        case markdown
    }

    /// The style `forge` renders.
    public static func style(for forge: any Forge) -> Style { forge is BitbucketForge ? .markdown : .html }

    /// The longest value shown in a field line; `plumb diff` locally shows it whole.
    static let valueLimit = 300
    /// Fields a heading already names.
    static let identityPaths: Set<String> = ["apiVersion", "kind", "metadata.name", "metadata.namespace"]
    /// The most server warnings listed.
    static let warningLimit = 30

    public init(
        report: PlanReport, limit: Int = 65_536, localCommand: String? = nil, runURL: String? = nil,
        note: String? = nil, style: Style = .html
    ) {
        self.report = report
        self.style = style
        self.limit = limit
        self.localCommand = localCommand ?? "plumb diff --app \(report.app)"
        self.runURL = runURL
        self.note = note
    }

    /// `<!-- plumb:app=web -->`: the hidden line that finds an Application's comment.
    public static func marker(app: String) -> String {
        // `--` cannot appear inside an HTML comment: an app name holding it must not end the marker.
        "<!-- plumb:app=\(app.replacingOccurrences(of: "--", with: "-\u{2010}").replacingOccurrences(of: ">", with: "&gt;")) -->"
    }

    /// The comment's Markdown, within `limit`.
    public func render() -> String {
        let head = header()
        let tail = footer()
        let blocks = objectBlocks()
        let full = head + blocks.joined() + tail
        if full.utf8.count <= limit { return full }
        var kept = blocks
        var omitted = 0
        var text = ""
        repeat {
            if !kept.isEmpty {
                kept.removeLast()
                omitted += 1
            }
            text = head + kept.joined() + cutLine(omitted: omitted) + tail
        } while text.utf8.count > limit && !kept.isEmpty
        if text.utf8.count > limit {
            // Even the head does not fit (a forge with a tiny limit): the summary alone.
            text = Self.marker(app: report.app) + "\n" + title() + "\n\n" + cutLine(omitted: blocks.count)
        }
        return text
    }

    /// How many objects are shown as blocks (changed and pruned objects).
    public var objectCount: Int { objectBlocks().count }

    // MARK: - Parts

    func title() -> String {
        let app = MarkdownText.inline(report.app)
        guard let plan = report.plan, report.error == nil else { return "### ❌ Plumb plan for \(app) failed" }
        let summary = DiffPrinter.summary(plan)
        return plan.hasChanges
            ? "### Plumb plan for \(app): \(summary)"
            : "### ✅ Plumb plan for \(app): no changes (\(plan.objects.count) unchanged)"
    }

    func header() -> String {
        var out = Self.marker(app: report.app) + "\n" + title() + "\n\n"
        var facts = ["revision `\(String(report.revision.prefix(12)).filter(\.isHexDigit))`"]
        if let branch = report.branch { facts[0] += " (\(MarkdownText.inline(branch)))" }
        if let signature = report.signature {
            facts.append("signature: " + MarkdownText.inline(signature))
        } else if let signed = report.signed {
            facts.append("signed: " + (signed ? "yes" : "**no**"))
        }
        facts.append("planned against the live cluster, nothing written")
        out += facts.joined(separator: " · ") + "\n"
        if let note { out += "\n" + MarkdownText.inline(note) + "\n" }
        guard let plan = report.plan, report.error == nil else {
            out += "\nThe plan could not be made; nothing can be applied from this commit until it is fixed:\n\n"
            let error = report.error ?? "unknown error"
            let lines = error.split(separator: "\n", omittingEmptySubsequences: false).prefix(60).map {
                String($0.prefix(2000))
            }
            return out + MarkdownText.codeBlock(lines) + warnings()
        }
        if !report.pruneChecked {
            out += "\nPrune candidates were not looked for (run `plumb diff` with `--prune` to list them).\n"
        }
        out += "\n" + table(plan) + blast(BlastRadius(plan)) + warnings()
        if plan.hasChanges { out += "\n#### Changes\n\n" }
        return out
    }

    /// `| Kind | Create | Update | Prune | Unchanged |`, one row per kind.
    func table(_ plan: Plan) -> String {
        struct Counts { var create = 0, update = 0, prune = 0, unchanged = 0 }
        var rows: [String: Counts] = [:]
        func kind(_ ref: ObjectRef) -> String { ref.group.isEmpty ? ref.kind : "\(ref.kind) (\(ref.group))" }
        for object in plan.objects {
            switch object.action {
            case .created: rows[kind(object.ref), default: Counts()].create += 1
            case .configured: rows[kind(object.ref), default: Counts()].update += 1
            default: rows[kind(object.ref), default: Counts()].unchanged += 1
            }
        }
        for item in plan.prune { rows[kind(item.ref), default: Counts()].prune += 1 }
        var out = "| Kind | Create | Update | Prune | Unchanged |\n|---|---:|---:|---:|---:|\n"
        for (name, c) in rows.sorted(by: { $0.key < $1.key }) {
            out += "| \(MarkdownText.inline(name)) | \(c.create) | \(c.update) | \(c.prune) | \(c.unchanged) |\n"
        }
        return out
    }

    func blast(_ radius: BlastRadius) -> String {
        var out = "\n#### Blast radius\n\n"
        var ns = radius.namespaces.isEmpty ? "none" : radius.namespaces.map(MarkdownText.code).joined(separator: ", ")
        if radius.clusterScoped > 0 {
            ns += " and \(radius.clusterScoped) cluster-scoped object\(radius.clusterScoped == 1 ? "" : "s")"
        }
        out += "- **Namespaces touched:** \(ns)\n"
        if radius.rollouts.isEmpty {
            out += "- **Pods replaced:** none (no pod template changes)\n"
        } else {
            let total = radius.podsReplaced
            out +=
                "- **Pods replaced:** \(total) in \(radius.rollouts.count) workload\(radius.rollouts.count == 1 ? "" : "s")\n"
            for rollout in radius.rollouts {
                let pods = rollout.pods.map { "\($0) pod\($0 == 1 ? "" : "s")" } ?? "one pod per node"
                let fields =
                    rollout.fields.prefix(3).map(MarkdownText.code).joined(separator: ", ")
                    + (rollout.fields.count > 3 ? " and \(rollout.fields.count - 3) more" : "")
                out +=
                    "  - \(MarkdownText.inline("\(rollout.ref.kind) \(rollout.ref.qualifiedName)")): \(pods) (\(fields))\n"
            }
        }
        if radius.deleted.isEmpty {
            out += "- **Objects deleted:** none\n"
        } else {
            out +=
                "- **Objects deleted:** \(radius.deleted.count): "
                + radius.deleted.prefix(10).map { MarkdownText.inline("\($0.kind) \($0.qualifiedName)") }.joined(
                    separator: ", ")
                + (radius.deleted.count > 10 ? " and \(radius.deleted.count - 10) more" : "") + "\n"
        }
        return out
    }

    func warnings() -> String {
        guard !report.warnings.isEmpty else { return "" }
        var out = "\n#### Server warnings\n\n"
        for warning in report.warnings.prefix(Self.warningLimit) {
            let subject = warning.object.map { MarkdownText.inline($0.description) + ": " } ?? ""
            out += "- ⚠️ \(subject)\(MarkdownText.inline(String(warning.text.prefix(1000))))\n"
        }
        if report.warnings.count > Self.warningLimit {
            out += "- and \(report.warnings.count - Self.warningLimit) more\n"
        }
        return out
    }

    /// One block per changed object (updates with their fields in `<details>`, creates as a
    /// line) and per prune, in apply then delete order: the units the size cut drops.
    func objectBlocks() -> [String] {
        guard let plan = report.plan, report.error == nil else { return [] }
        var blocks: [String] = []
        for object in plan.objects where object.action != .unchanged {
            let created = object.action == .created
            // A new object's identity is in its heading already.
            let changes =
                created ? object.diff.changes.filter { !Self.identityPaths.contains($0.path) } : object.diff.changes
            let count = changes.count
            let fields = "\(count) field\(count == 1 ? "" : "s")"
            let body = changes.isEmpty ? "New object.\n" : MarkdownText.codeBlock(changes.map(fieldLine))
            switch style {
            case .html:
                let ref = "<code>\(MarkdownText.html(object.ref.description))</code>"
                let summary = created ? "🟢 create \(ref)" : "🟡 update \(ref): \(fields)"
                blocks.append("<details><summary>\(summary)</summary>\n\n" + body + "\n</details>\n")
            case .markdown:
                let ref = MarkdownText.code(object.ref.description)
                blocks.append(
                    (created ? "**🟢 create** \(ref)" : "**🟡 update** \(ref): \(fields)") + "\n\n" + body + "\n")
            }
        }
        for (i, item) in plan.prune.enumerated() {
            let heading = i == 0 ? "\n#### Pruned (deleted from the cluster)\n\n" : ""
            let ref =
                style == .html
                ? "<code>\(MarkdownText.html(item.ref.description))</code>" : MarkdownText.code(item.ref.description)
            blocks.append(heading + "- 🔴 prune \(ref)\n")
        }
        return blocks
    }

    /// `spec.replicas                     2 → 3`, aligned as `plumb diff` aligns it, long values cut.
    func fieldLine(_ change: FieldChange) -> String {
        let width = 35
        var line = change.path
        line +=
            change.path.count < width
            ? String(repeating: " ", count: width - change.path.count) : "\n" + String(repeating: " ", count: width)
        if change.masked { return line + change.valueText }
        return line + Self.cut(FieldChange.display(change.old)) + " → " + Self.cut(FieldChange.display(change.new))
    }

    static func cut(_ text: String) -> String {
        guard text.count > valueLimit else { return text }
        return String(text.prefix(valueLimit)) + "… (\(text.count) characters)"
    }

    func cutLine(omitted: Int) -> String {
        "\n> ✂️ \(omitted) object\(omitted == 1 ? "" : "s") left out: this comment would pass the forge's limit of \(limit) characters. "
            + "Run `\(localCommand.replacingOccurrences(of: "`", with: ""))` locally to see the whole plan.\n"
    }

    func footer() -> String {
        var out = style == .html ? "\n<sub>Planned by Plumb" : "\n_Planned by Plumb"
        if let runURL, runURL.hasPrefix("https://") || runURL.hasPrefix("http://") {
            out +=
                " in [this run](\(runURL.replacingOccurrences(of: ")", with: "%29").replacingOccurrences(of: " ", with: "%20")))"
        }
        return out + ". Secret values are masked. This comment is updated in place on every push."
            + (style == .html ? "</sub>\n" : "_\n")
    }
}
