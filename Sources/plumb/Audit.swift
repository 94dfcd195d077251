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

/// `plumb audit export`: every record, hashes included, for keeping elsewhere; or, with
/// `--revision`/`--record`, the inventory of one sync (its deployed objects and images).
struct AuditExport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Print every record in id order, one canonical JSON object per line; or one sync's inventory.",
        discussion: """
            Each line holds all of a record's fields with its prevHash, headerHash and hash, so the chain can be checked again from the export alone.

            With --revision (a commit SHA or its first 7+ characters; the newest synced record of it, of --app when given) or --record ID, prints what that sync deployed: its objects (created, configured or unchanged) and the container images they run. --format cyclonedx gives a CycloneDX 1.5 JSON BOM (objects as components of type data, images of type container with their digest); --format jsonl one JSON object per deployed object.

            Examples:
              plumb audit export --format jsonl > audit-$(date +%F).jsonl
              plumb audit export --format cyclonedx --revision 3f9c2ab --app web > web-3f9c2ab.cdx.json
              plumb audit export --format jsonl --record 42
            """)

    @OptionGroup var audit: AuditOptions

    @Option(help: "Export format: jsonl, or cyclonedx (with --revision or --record).")
    var format: AuditExportCLIFormat = .jsonl

    @Option(help: "The inventory of the newest synced record of this commit (7 to 40 hex digits).")
    var revision: String?

    @Option(help: "The inventory of this audit record.")
    var record: Int64?

    @Option(help: "With --revision: the app whose record to take.")
    var app: String?

    func validate() throws {
        if revision != nil && record != nil { throw ValidationError("give --revision or --record, not both") }
        if let revision, revision.count < 7 || revision.count > 40 || !revision.allSatisfy(\.isHexDigit) {
            throw ValidationError("--revision \(revision): expected 7 to 40 hex digits of a commit SHA")
        }
        if format == .cyclonedx && revision == nil && record == nil {
            throw ValidationError("--format cyclonedx lists one sync: give --revision or --record")
        }
    }

    func run() throws {
        let store = try audit.open()
        if revision != nil || record != nil {
            let inventory = AuditInventory(record: try audit.query { try inventoryRecord(store) })
            switch format {
            case .cyclonedx:
                Terminal.writeOut(HistoryFormat.json(inventory.cycloneDX(tool: "plumb", toolVersion: PlumbVersion.string)))
            case .jsonl:
                Terminal.writeOut(inventory.jsonLines.map { $0 + "\n" }.joined())
            }
            return
        }
        var buffer = ""
        try audit.query {
            try store.export(format: .jsonl) { line in
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

    /// The record `--record` names, or the newest synced record of `--revision` (and `--app`).
    func inventoryRecord(_ store: any AuditStore) throws -> AuditRecord {
        if let record {
            guard let r = try store.record(record) else { throw CLIError("audit record \(record) not found in \(audit.display)") }
            return r
        }
        let prefix = (revision ?? "").lowercased()
        // The newest records first; a revision synced long ago is found further back.
        var limit = 500
        while true {
            let records = try store.history(app: app, limit: limit)
            if let r = records.first(where: { $0.revision.hasPrefix(prefix) && $0.result == .synced }) {
                return r
            }
            guard records.count == limit else { break }
            limit *= 4
        }
        throw CLIError("no synced record of revision \(prefix)\(app.map { " (app \($0))" } ?? "") in \(audit.display)")
    }
}

/// `plumb audit export --format`.
enum AuditExportCLIFormat: String, ExpressibleByArgument, CaseIterable {
    case jsonl, cyclonedx
}

extension AuditExportFormat: ExpressibleByArgument {}
