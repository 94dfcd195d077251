import ArgumentParser
import PlumbAudit
import PlumbCore

/// `plumb history`: the syncs and rollbacks the audit trail holds.
struct History: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the audit trail of syncs and rollbacks.",
        discussion: """
            Lists the recorded syncs, newest first ('plumb history list --help' shows its options). A sync whose process died before it completed is reported, and recorded, as interrupted.

            Examples:
              plumb history --app web --limit 20
              plumb history show 42
              plumb history --audit-db /var/lib/plumb/audit.db -o json
            """,
        subcommands: [HistoryList.self, HistoryShow.self],
        defaultSubcommand: HistoryList.self)
}

/// `plumb history [list]`: one line per record.
struct HistoryList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List recorded syncs, newest first (the default of 'plumb history').",
        discussion: """
            AUTHOR is the first word of the commit author's name, lowercased (the local part of the e-mail address when the name is empty). CHANGES counts objects created (+), configured (~) and pruned (-), then those that failed ("6 failed") or whose write went unanswered ("1 unknown"), with "(health)" when an object ended Degraded or Missing. -o json prints each record as 'plumb history show ID -o json' does, in a JSON array.

            Example:
              plumb history --app web --limit 10
            """)

    @OptionGroup var audit: AuditOptions

    @Option(help: "Only records of this application.")
    var app: String?

    @Option(help: "Show at most this many records.")
    var limit: Int = 20

    @Option(name: .shortAndLong, help: "Output format: table or json.")
    var output: AuditOutputFormat = .table

    func validate() throws {
        if limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() throws {
        let store = try audit.open()
        let records = try audit.query { try store.history(app: app, limit: limit) }
        switch output {
        case .table:
            if records.isEmpty {
                Terminal.writeErr(app.map { "no records of app \($0)\n" } ?? "no records\n")
                return
            }
            Terminal.writeOut(HistoryFormat.table(records))
        case .json:
            Terminal.writeOut(HistoryFormat.json(.array(records.map(\.exportValue))))
        }
    }
}

/// `plumb history show ID`: everything one record holds.
struct HistoryShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one record with every object it touched.",
        discussion: """
            A reason that several skipped objects share ("not applied: 6 of 131 objects failed validation") is stated once, above the objects. Exits 2 when there is no record with this ID.

            Example:
              plumb history show 42 -o json
            """)

    @OptionGroup var audit: AuditOptions

    @Argument(help: "The record's ID (the first column of 'plumb history').")
    var id: Int64

    @Option(name: .shortAndLong, help: "Output format: text or json.")
    var output: AuditTextFormat = .text

    func run() throws {
        let store = try audit.open()
        guard let record = try audit.query({ try store.record(id) }) else {
            throw CLIError("no audit record #\(id) in \(audit.display)")
        }
        switch output {
        case .text: Terminal.writeOut(HistoryFormat.details(record))
        case .json: Terminal.writeOut(HistoryFormat.json(record.exportValue))
        }
    }
}
