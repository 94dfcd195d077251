import GRDB
import PlumbCore

extension SQLiteAuditStore {
    /// Inserts a record's row with empty hashes; the caller seals it once the id is known.
    func insert(_ r: AuditRecord, _ db: Database) throws {
        let columns = r.storedColumns
        try db.execute(
            sql: "INSERT INTO audit_record (\(columns.map(\.name).joined(separator: ", ")), prev_hash, header_hash, hash) "
                + "VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")), '', '', '')",
            arguments: StatementArguments(columns.map(\.value.databaseValue)))
    }

    func insertObjects(_ objects: [AuditObjectEntry], of id: Int64, _ db: Database) throws {
        guard let names = objects.first?.storedColumns(of: id, position: 0).map(\.name) else { return }
        // One statement, compiled once, for every row.
        let insert = try db.cachedStatement(
            sql: "INSERT INTO audit_object (\(names.joined(separator: ", "))) "
                + "VALUES (\(names.map { _ in "?" }.joined(separator: ", ")))")
        for (position, o) in objects.enumerated() {
            try insert.execute(arguments: StatementArguments(o.storedColumns(of: id, position: position).map(\.value.databaseValue)))
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
        var records = try Row.fetchAll(db, sql: sql, arguments: arguments).map { try AuditRecord(stored: SQLiteStoredRow(row: $0)) }
        guard let low = records.map(\.id).min(), let high = records.map(\.id).max() else { return records }
        var index: [Int64: Int] = [:]
        for (i, r) in records.enumerated() { index[r.id] = i }
        let rows = try Row.fetchAll(
            db, sql: "SELECT * FROM audit_object WHERE record_id BETWEEN ? AND ? ORDER BY record_id, position",
            arguments: [low, high])
        for row in rows {
            let id: Int64 = row["record_id"]
            guard let i = index[id] else { continue }
            records[i].objects.append(try AuditObjectEntry(stored: SQLiteStoredRow(row: row), of: id))
        }
        return records
    }
}

/// A GRDB row read by column name.
struct SQLiteStoredRow: AuditStoredRow {
    let row: Row
    func text(_ column: String) -> String? { String.fromDatabaseValue(row[column] as DatabaseValue) }
    func integer(_ column: String) -> Int64? { Int64.fromDatabaseValue(row[column] as DatabaseValue) }
}

extension AuditColumnValue {
    var databaseValue: (any DatabaseValueConvertible)? {
        switch self {
        case .text(let text): return text
        case .integer(let value): return value
        }
    }
}
