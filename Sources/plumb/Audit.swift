import ArgumentParser
import Foundation
import PlumbAudit
import PlumbCore

/// `plumb audit`: checks and exports the audit trail.
struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Verify or export the audit trail.",
        discussion: """
            Examples:
              plumb audit verify
              plumb audit export --format jsonl > audit.jsonl
            """,
        subcommands: [AuditVerify.self, AuditExport.self])
}

/// `plumb audit verify`: walks the hash chain.
struct AuditVerify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check that no record was edited, deleted or reordered.",
        discussion: """
            Exits 0 when the chain is intact, 1 when it is broken (naming the first broken record), 2 on errors. With --export, checks a file written by 'plumb audit export' instead of the database.

            Examples:
              plumb audit verify --audit-db /var/lib/plumb/audit.db
              plumb audit verify --export audit-2026-11-21.jsonl
            """)

    @OptionGroup var audit: AuditOptions

    @Option(help: "Verify this export (JSON lines) instead of the database.")
    var export: String?

    @Option(name: .shortAndLong, help: "Output format: text or json.")
    var output: AuditTextFormat = .text

    func run() throws {
        let verification: AuditVerification
        if let export {
            guard let data = FileManager.default.contents(atPath: export) else {
                throw CLIError("cannot read export \(export)")
            }
            let lines = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
            verification = AuditChain.verify(exportLines: lines)
        } else {
            let store = try audit.open()
            verification = try audit.query { try store.verify() }
        }
        switch (verification, output) {
        case (.intact(let count, let head), .text):
            let noun = count == 1 ? "record" : "records"
            Terminal.writeOut("\(count) \(noun), chain intact (head \(AuditChain.abbreviate(head)))\n")
        case (.intact(let count, let head), .json):
            Terminal.writeOut(
                HistoryFormat.json([
                    "intact": true, "records": .int(Int64(count)), "head": .string(head), "brokenAt": .null, "problem": .null,
                ]))
        case (.broken(let id, let problem), .text):
            Terminal.writeOut("audit chain broken at record \(id): \(problem)\n")
        case (.broken(let id, let problem), .json):
            // The walk stops at the first broken record: there is no head to name.
            Terminal.writeOut(
                HistoryFormat.json([
                    "intact": false, "records": .null, "head": .null, "brokenAt": .int(id),
                    "problem": .string(problem.description),
                ]))
        }
        if case .broken = verification { throw ExitCode(1) }
    }
}

/// `plumb audit export`: every record, hashes included, for keeping elsewhere.
struct AuditExport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Print every record in id order, one canonical JSON object per line.",
        discussion: """
            Each line holds all of a record's fields with its prevHash, headerHash and hash, so the chain can be checked again from the export alone.

            Example:
              plumb audit export --format jsonl > audit-$(date +%F).jsonl
            """)

    @OptionGroup var audit: AuditOptions

    @Option(help: "Export format: jsonl.")
    var format: AuditExportFormat = .jsonl

    func run() throws {
        let store = try audit.open()
        var buffer = ""
        try audit.query {
            try store.export(format: format) { line in
                buffer += line
                buffer += "\n"
                if buffer.utf8.count > 1 << 16 {
                    Terminal.writeOut(buffer)
                    buffer = ""
                }
            }
        }
        Terminal.writeOut(buffer)
    }
}

extension AuditExportFormat: ExpressibleByArgument {}
