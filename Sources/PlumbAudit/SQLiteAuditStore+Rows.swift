import GRDB
import PlumbCore

/// A stored row that cannot be read back as a record: a value outside its column's set.
struct UnreadableRecord: Error {
    var id: Int64
    var why: String
}

extension SQLiteAuditStore {
    /// Inserts a record's row with empty hashes; the caller seals it once the id is known.
    func insert(_ r: AuditRecord, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO audit_record (kind, started_at, ended_at, app, target, repo, revision, author,
                    committer, message, signature, previous_revision, initiator, options, result, error,
                    pid, host, boot_id, process_start, signature_detail, policy, prev_hash, header_hash, hash)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', '', '')
                """,
            arguments: [
                r.kind.rawValue, r.startedAt.iso8601, r.endedAt?.iso8601, r.app, r.target, r.repo, r.revision,
                r.author, r.committer, r.message, r.signature.rawValue, r.previousRevision, r.initiator,
                AuditChain.canonicalJSON(r.options), r.result.rawValue, r.error, Int64(r.process.pid),
                r.process.host, r.process.bootID, r.process.startTime,
                r.signature.detailValue.map(AuditChain.canonicalJSON), r.policy.map { AuditChain.canonicalJSON($0.value) },
            ])
    }

    func insertObjects(_ objects: [AuditObjectEntry], of id: Int64, _ db: Database) throws {
        // One statement, compiled once, for every row.
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO audit_object (record_id, position, api_version, kind, namespace, name, action,
                    changed_paths, health, error, warnings, images)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        for (position, o) in objects.enumerated() {
            try insert.execute(
                arguments: [
                    id, position, o.ref.apiVersion, o.ref.kind, o.ref.namespace, o.ref.name, o.action.rawValue,
                    AuditChain.canonicalJSON(.array(o.changedPaths.map(Value.string))), o.health?.rawValue, o.error,
                    o.warnings.isEmpty ? nil : AuditChain.canonicalJSON(.array(o.warnings.map(Value.string))),
                    o.images.isEmpty ? nil : AuditChain.canonicalJSON(.array(o.images.map(Value.string))),
                ])
        }
    }

    /// The records matching `condition` (SQL over `audit_record`), in id order (or newest first),
    /// with their objects.
    func loadRecords(
        _ db: Database, where condition: String, _ arguments: StatementArguments, newestFirst: Bool = false,
        limit: Int? = nil
    ) throws -> [AuditRecord] {
        var sql = "SELECT * FROM audit_record WHERE \(condition) ORDER BY id \(newestFirst ? "DESC" : "ASC")"
        if let limit { sql += " LIMIT \(max(0, limit))" }
        var records = try Row.fetchAll(db, sql: sql, arguments: arguments).map(SQLiteAuditStore.record(from:))
        guard let low = records.map(\.id).min(), let high = records.map(\.id).max() else { return records }
        var index: [Int64: Int] = [:]
        for (i, r) in records.enumerated() { index[r.id] = i }
        let rows = try Row.fetchAll(
            db, sql: "SELECT * FROM audit_object WHERE record_id BETWEEN ? AND ? ORDER BY record_id, position",
            arguments: [low, high])
        for row in rows {
            let id: Int64 = row["record_id"]
            guard let i = index[id] else { continue }
            records[i].objects.append(try SQLiteAuditStore.object(from: row, of: id))
        }
        return records
    }

    static func record(from row: Row) throws -> AuditRecord {
        let id: Int64 = row["id"]
        func parse<E: RawRepresentable<String>>(_ column: String, as: E.Type) throws -> E {
            let text: String = row[column] ?? ""
            guard let value = E(rawValue: text) else {
                throw UnreadableRecord(id: id, why: "\(column) \"\(text)\" is not a known value")
            }
            return value
        }
        func time(_ column: String) throws -> AuditTimestamp? {
            guard let text: String = row[column] else { return nil }
            guard let t = AuditTimestamp(iso8601: text) else {
                throw UnreadableRecord(id: id, why: "\(column) \"\(text)\" is not an ISO-8601 time")
            }
            return t
        }
        let optionsText: String = row["options"] ?? ""
        guard let options = try? JSONReader().parse(optionsText) else {
            throw UnreadableRecord(id: id, why: "options are not JSON")
        }
        let process = AuditProcess(
            pid: Int32(truncatingIfNeeded: row["pid"] as Int64), host: row["host"], bootID: row["boot_id"],
            startTime: row["process_start"])
        var r = AuditRecord(
            kind: try parse("kind", as: AuditKind.self),
            startedAt: try time("started_at") ?? AuditTimestamp(milliseconds: 0),
            app: row["app"], target: row["target"], repo: row["repo"], revision: row["revision"],
            author: row["author"], committer: row["committer"], message: row["message"],
            signature: try parse("signature", as: AuditSignature.self), previousRevision: row["previous_revision"],
            initiator: row["initiator"], options: options, process: process)
        if let detail: String = row["signature_detail"] {
            guard let value = try? JSONReader().parse(detail) else {
                throw UnreadableRecord(id: id, why: "signature_detail is not JSON")
            }
            r.signature.setDetails(value)
        }
        if let policy: String = row["policy"] {
            guard let value = try? JSONReader().parse(policy) else { throw UnreadableRecord(id: id, why: "policy is not JSON") }
            r.policy = AuditPolicy(value: value)
        }
        r.id = id
        r.endedAt = try time("ended_at")
        r.result = try parse("result", as: AuditResult.self)
        r.error = row["error"]
        r.prevHash = row["prev_hash"]
        r.headerHash = row["header_hash"]
        r.hash = row["hash"]
        return r
    }

    static func object(from row: Row, of id: Int64) throws -> AuditObjectEntry {
        let actionText: String = row["action"]
        guard let action = AuditAction(rawValue: actionText) else {
            throw UnreadableRecord(id: id, why: "object action \"\(actionText)\" is not a known action")
        }
        var health: AuditHealth?
        if let text: String = row["health"] {
            guard let h = AuditHealth(rawValue: text) else {
                throw UnreadableRecord(id: id, why: "object health \"\(text)\" is not a known health")
            }
            health = h
        }
        /// A column holding a JSON array of strings (NULL: none).
        func strings(_ column: String, _ what: String) throws -> [String] {
            guard let text: String = row[column] else { return [] }
            guard let parsed = try? JSONReader().parse(text), case .array(let items) = parsed else {
                throw UnreadableRecord(id: id, why: "object \(what) are not a JSON array")
            }
            return items.map { $0.stringValue ?? $0.jsonString }
        }
        let ref = ObjectRef(
            apiVersion: row["api_version"], kind: row["kind"], namespace: row["namespace"], name: row["name"])
        var entry = AuditObjectEntry(
            ref: ref, action: action, changedPaths: try strings("changed_paths", "changed paths"), health: health,
            error: row["error"], warnings: try strings("warnings", "warnings"))
        entry.images = try strings("images", "images")
        return entry
    }
}
