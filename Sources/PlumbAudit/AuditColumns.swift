import PlumbCore

/// A value of an `audit_record` or `audit_object` column as every store keeps it: text (JSON
/// for structured fields, ISO-8601 for times) or a 64-bit integer. One column layout for SQLite
/// and PostgreSQL, so that a record reads back, and hashes, the same from either.
enum AuditColumnValue: Sendable, Equatable {
    case text(String?)
    case integer(Int64)
}

/// A stored row, read by column name, whichever database it came from.
protocol AuditStoredRow {
    /// The column's text, nil for NULL.
    func text(_ column: String) -> String?
    /// The column's integer, nil for NULL.
    func integer(_ column: String) -> Int64?
}

/// A stored row that cannot be read back as a record: a value outside its column's set.
struct UnreadableRecord: Error {
    var id: Int64
    var why: String
}

extension AuditRecord {
    /// The columns a begun record is inserted with, in a fixed order; `id` and the three
    /// hashes are set by the store once the id is known.
    var storedColumns: [(name: String, value: AuditColumnValue)] {
        [
            ("kind", .text(kind.rawValue)), ("started_at", .text(startedAt.iso8601)),
            ("ended_at", .text(endedAt?.iso8601)), ("app", .text(app)), ("target", .text(target)),
            ("repo", .text(repo)), ("revision", .text(revision)), ("author", .text(author)),
            ("committer", .text(committer)), ("message", .text(message)), ("signature", .text(signature.rawValue)),
            ("previous_revision", .text(previousRevision)), ("initiator", .text(initiator)),
            ("options", .text(AuditChain.canonicalJSON(options))), ("result", .text(result.rawValue)),
            ("error", .text(error)), ("pid", .integer(Int64(process.pid))), ("host", .text(process.host)),
            ("boot_id", .text(process.bootID)), ("process_start", .integer(process.startTime)),
            ("signature_detail", .text(signature.detailValue.map(AuditChain.canonicalJSON))),
            ("policy", .text(policy.map { AuditChain.canonicalJSON($0.value) })),
        ]
    }

    /// Reads a record (without its objects) back from its `audit_record` row.
    init(stored row: some AuditStoredRow) throws {
        let id = row.integer("id") ?? 0
        func parse<E: RawRepresentable<String>>(_ column: String, as: E.Type) throws -> E {
            let text = row.text(column) ?? ""
            guard let value = E(rawValue: text) else {
                throw UnreadableRecord(id: id, why: "\(column) \"\(text)\" is not a known value")
            }
            return value
        }
        func time(_ column: String) throws -> AuditTimestamp? {
            guard let text = row.text(column) else { return nil }
            guard let t = AuditTimestamp(iso8601: text) else {
                throw UnreadableRecord(id: id, why: "\(column) \"\(text)\" is not an ISO-8601 time")
            }
            return t
        }
        func json(_ column: String, _ what: String) throws -> Value? {
            guard let text = row.text(column) else { return nil }
            guard let value = try? JSONReader().parse(text) else { throw UnreadableRecord(id: id, why: "\(what) not JSON") }
            return value
        }
        func required(_ column: String) -> String { row.text(column) ?? "" }
        guard let options = try json("options", "options are") else {
            throw UnreadableRecord(id: id, why: "options are not JSON")
        }
        let process = AuditProcess(
            pid: Int32(truncatingIfNeeded: row.integer("pid") ?? 0), host: required("host"),
            bootID: required("boot_id"), startTime: row.integer("process_start") ?? 0)
        self.init(
            kind: try parse("kind", as: AuditKind.self),
            startedAt: try time("started_at") ?? AuditTimestamp(milliseconds: 0),
            app: required("app"), target: required("target"), repo: required("repo"), revision: required("revision"),
            author: required("author"), committer: required("committer"), message: required("message"),
            signature: try parse("signature", as: AuditSignature.self), previousRevision: row.text("previous_revision"),
            initiator: required("initiator"), options: options, process: process)
        if let detail = try json("signature_detail", "signature_detail is") { signature.setDetails(detail) }
        if let policy = try json("policy", "policy is") { self.policy = AuditPolicy(value: policy) }
        self.id = id
        endedAt = try time("ended_at")
        result = try parse("result", as: AuditResult.self)
        error = row.text("error")
        prevHash = required("prev_hash")
        headerHash = required("header_hash")
        hash = required("hash")
    }
}

extension AuditObjectEntry {
    /// The `audit_object` columns of the entry at `position` of record `id`, in a fixed order.
    func storedColumns(of id: Int64, position: Int) -> [(name: String, value: AuditColumnValue)] {
        func list(_ items: [String]) -> String { AuditChain.canonicalJSON(.array(items.map(Value.string))) }
        return [
            ("record_id", .integer(id)), ("position", .integer(Int64(position))), ("api_version", .text(ref.apiVersion)),
            ("kind", .text(ref.kind)), ("namespace", .text(ref.namespace)), ("name", .text(ref.name)),
            ("action", .text(action.rawValue)), ("changed_paths", .text(list(changedPaths))),
            ("health", .text(health?.rawValue)), ("error", .text(error)),
            ("warnings", .text(warnings.isEmpty ? nil : list(warnings))),
            ("images", .text(images.isEmpty ? nil : list(images))),
        ]
    }

    /// Reads an entry of record `id` back from its `audit_object` row.
    init(stored row: some AuditStoredRow, of id: Int64) throws {
        let actionText = row.text("action") ?? ""
        guard let action = AuditAction(rawValue: actionText) else {
            throw UnreadableRecord(id: id, why: "object action \"\(actionText)\" is not a known action")
        }
        var health: AuditHealth?
        if let text = row.text("health") {
            guard let h = AuditHealth(rawValue: text) else {
                throw UnreadableRecord(id: id, why: "object health \"\(text)\" is not a known health")
            }
            health = h
        }
        /// A column holding a JSON array of strings (NULL: none).
        func strings(_ column: String, _ what: String) throws -> [String] {
            guard let text = row.text(column) else { return [] }
            guard let parsed = try? JSONReader().parse(text), case .array(let items) = parsed else {
                throw UnreadableRecord(id: id, why: "object \(what) are not a JSON array")
            }
            return items.map { $0.stringValue ?? $0.jsonString }
        }
        let ref = ObjectRef(
            apiVersion: row.text("api_version") ?? "", kind: row.text("kind") ?? "",
            namespace: row.text("namespace") ?? "", name: row.text("name") ?? "")
        self.init(
            ref: ref, action: action, changedPaths: try strings("changed_paths", "changed paths"), health: health,
            error: row.text("error"), warnings: try strings("warnings", "warnings"))
        images = try strings("images", "images")
    }
}
