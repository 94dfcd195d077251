import PostgresNIO

extension PostgresAuditStore {
    public func begin(_ record: AuditRecord) throws -> Int64 {
        var r = try AuditSafety.cleaned(record)
        r.result = .started
        r.endedAt = nil
        r.error = nil
        r.objects = []
        return try transaction { session in
            // The chain head's row lock serializes appends from every process and host: the
            // next one waits here until this transaction commits, then reads what it wrote.
            let head = try session.query("SELECT last_id FROM audit_chain WHERE singleton FOR UPDATE")
            guard let lastID = head.first.flatMap({ PostgresStoredRow($0).integer("last_id") }) else {
                throw AuditError.database(path: url.display, message: "the chain head (table audit_chain) is missing")
            }
            let previous = try session.query("SELECT header_hash FROM audit_record ORDER BY id DESC LIMIT 1")
            r.seal(id: lastID + 1, prevHash: previous.first.flatMap { PostgresStoredRow($0).text("header_hash") } ?? AuditChain.genesis)
            let columns = [("id", AuditColumnValue.integer(r.id))] + r.storedColumns + [
                ("prev_hash", .text(r.prevHash)), ("header_hash", .text(r.headerHash)), ("hash", .text(r.hash)),
            ]
            try session.query(
                "INSERT INTO audit_record (\(columns.map(\.0).joined(separator: ", "))) VALUES (\(placeholders(columns.count)))",
                columns.map(\.1))
            try session.query("UPDATE audit_chain SET last_id = $1 WHERE singleton", [.integer(r.id)])
            return r.id
        }
    }

    public func complete(
        _ id: Int64, result: AuditResult, endedAt: AuditTimestamp, objects: [AuditObjectEntry], error: String?
    ) throws {
        guard result != .started else { throw AuditError.refused("a record cannot be completed as started") }
        let objects = try AuditSafety.cleaned(objects)
        try transaction { session in
            // The record's row lock: a record is completed once, even by two processes at once.
            guard var r = try loadRecords(session, where: "id = $1", [.integer(id)], forUpdate: true).first else {
                throw AuditError.noSuchRecord(id)
            }
            guard r.result == .started else { throw AuditError.notInProgress(id: id, result: r.result) }
            r.result = result
            r.endedAt = endedAt
            r.objects = objects
            r.error = AuditSafety.oneLine(error)
            r.rehash()
            try session.query(
                "UPDATE audit_record SET result = $1, ended_at = $2, error = $3, hash = $4 WHERE id = $5",
                [.text(r.result.rawValue), .text(endedAt.iso8601), .text(r.error), .text(r.hash), .integer(id)])
            try insertObjects(objects, of: id, session)
        }
    }

    public func markInterrupted(now: AuditTimestamp, stopped: [StoppedProcess]) throws -> [AuditRecord] {
        let here = AuditProcess.current()
        func interrupted(_ records: [AuditRecord]) -> [(AuditRecord, String)] {
            records.compactMap { r in
                Interruption.reason(r, now: now, staleAfterMilliseconds: staleAfter, here: here, stopped: stopped).map { (r, $0) }
            }
        }
        // Look first without locking rows: most runs find nothing.
        let candidates = try withConnection { try loadRecords($0, where: "result = 'started'", []) }
        guard !interrupted(candidates).isEmpty else { return [] }
        return try transaction { session in
            var marked: [AuditRecord] = []
            for (record, why) in interrupted(try loadRecords(session, where: "result = 'started'", [], forUpdate: true)) {
                var r = record
                r.result = .interrupted
                r.error = why
                r.rehash()
                try session.query(
                    "UPDATE audit_record SET result = $1, error = $2, hash = $3 WHERE id = $4",
                    [.text(r.result.rawValue), .text(r.error), .text(r.hash), .integer(r.id)])
                marked.append(r)
            }
            return marked
        }
    }

    public func interruptedRecords() throws -> [AuditRecord] {
        try withConnection { try loadRecords($0, where: "result = 'interrupted'", []) }
    }

    public func history(app: String?, limit: Int) throws -> [AuditRecord] {
        try withConnection { session in
            if let app {
                return try loadRecords(session, where: "app = $1", [.text(app)], newestFirst: true, limit: limit)
            }
            return try loadRecords(session, where: "TRUE", [], newestFirst: true, limit: limit)
        }
    }

    public func lastRevision(app: String, result: AuditResult) throws -> String? {
        try withConnection { session in
            try session.query(
                "SELECT revision FROM audit_record WHERE app = $1 AND result = $2 ORDER BY id DESC LIMIT 1",
                [.text(app), .text(result.rawValue)]
            ).first.flatMap { PostgresStoredRow($0).text("revision") }
        }
    }

    public func record(_ id: Int64) throws -> AuditRecord? {
        try withConnection { try loadRecords($0, where: "id = $1", [.integer(id)]).first }
    }

    public func verify() throws -> AuditVerification {
        // One snapshot of the whole trail (REPEATABLE READ), even while other writers append.
        try transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") { session in
            let lastAssigned =
                try session.query("SELECT last_id FROM audit_chain WHERE singleton").first
                .flatMap { PostgresStoredRow($0).integer("last_id") } ?? 0
            var walker = AuditChainWalker()
            var after: Int64 = 0
            while true {
                let page: [AuditRecord]
                do {
                    page = try loadRecords(session, where: "id > $1", [.integer(after)], limit: PostgresAuditStore.pageSize)
                } catch let error as UnreadableRecord {
                    return .broken(recordID: error.id, problem: .unreadable(error.why))
                }
                guard let last = page.last else { return walker.finish(lastAssignedID: lastAssigned) }
                for r in page {
                    let broken = try walker.check(r) { hash in
                        try session.query(
                            "SELECT id FROM audit_record WHERE header_hash = $1 ORDER BY id LIMIT 1", [.text(hash)]
                        ).first.flatMap { PostgresStoredRow($0).integer("id") }
                    }
                    if let broken { return broken }
                }
                after = last.id
            }
        }
    }

    public func export(format: AuditExportFormat, line: (String) throws -> Void) throws {
        // One page of records at a time keeps memory flat for long trails.
        var after: Int64 = 0
        while true {
            let page = try withConnection { session in
                try loadRecords(session, where: "id > $1", [.integer(after)], limit: PostgresAuditStore.pageSize)
            }
            guard let last = page.last else { return }
            for r in page { try line(AuditChain.canonicalJSON(r.exportValue)) }
            after = last.id
        }
    }
}

extension PostgresAuditStore {
    /// `$1, $2, ..., $count`, starting after `offset`.
    func placeholders(_ count: Int, offset: Int = 0) -> String {
        (1...count).map { "$\($0 + offset)" }.joined(separator: ", ")
    }

    /// Inserts a completed record's objects, many rows per statement.
    func insertObjects(_ objects: [AuditObjectEntry], of id: Int64, _ session: Session) throws {
        guard let names = objects.first?.storedColumns(of: id, position: 0).map(\.name) else { return }
        // A statement takes at most 65535 parameters; 1000 rows of 12 columns stay well below.
        let rowsPerStatement = 1000
        var start = 0
        while start < objects.count {
            let end = min(objects.count, start + rowsPerStatement)
            var values: [AuditColumnValue] = []
            var rows: [String] = []
            for position in start..<end {
                rows.append("(\(placeholders(names.count, offset: values.count)))")
                values += objects[position].storedColumns(of: id, position: position).map(\.value)
            }
            try session.query(
                "INSERT INTO audit_object (\(names.joined(separator: ", "))) VALUES \(rows.joined(separator: ", "))", values)
            start = end
        }
    }

    /// The records matching `condition` (SQL over `audit_record` with `$1`... bound to
    /// `binds`), in id order (or newest first), with their objects; `forUpdate` locks their rows.
    func loadRecords(
        _ session: Session, where condition: String, _ binds: [AuditColumnValue], newestFirst: Bool = false,
        limit: Int? = nil, forUpdate: Bool = false
    ) throws -> [AuditRecord] {
        var sql = "SELECT * FROM audit_record WHERE \(condition) ORDER BY id \(newestFirst ? "DESC" : "ASC")"
        if let limit { sql += " LIMIT \(max(0, limit))" }
        if forUpdate { sql += " FOR UPDATE" }
        var records = try session.query(sql, binds).map { try AuditRecord(stored: PostgresStoredRow($0)) }
        guard !records.isEmpty else { return records }
        var index: [Int64: Int] = [:]
        for (i, r) in records.enumerated() { index[r.id] = i }
        let rows = try session.query(
            "SELECT * FROM audit_object WHERE record_id = ANY($1) ORDER BY record_id, position", ids: records.map(\.id))
        for row in rows {
            let stored = PostgresStoredRow(row)
            guard let id = stored.integer("record_id"), let i = index[id] else { continue }
            records[i].objects.append(try AuditObjectEntry(stored: stored, of: id))
        }
        return records
    }
}
