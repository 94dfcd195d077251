import Foundation
import GRDB
import PlumbCore

/// Objects and the resourceVersion counter in one SQLite file, so a cluster survives restart.
final class SQLiteBackend: PersistenceBackend {
    private let queue: DatabaseQueue

    init(path: String) throws {
        var config = Configuration()
        config.label = "plumb-local-cluster"
        queue = try DatabaseQueue(path: path, configuration: config)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
        }
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE IF NOT EXISTS objects (key TEXT PRIMARY KEY NOT NULL, body BLOB NOT NULL)")
            try db.execute(sql: "CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL)")
        }
    }

    func load() throws -> (objects: [(key: String, object: Value)], resourceVersion: Int64) {
        try queue.read { db in
            var objects: [(key: String, object: Value)] = []
            let rows = try Row.fetchCursor(db, sql: "SELECT key, body FROM objects")
            while let row = try rows.next() {
                let key: String = row["key"]
                let body: Data = row["body"]
                objects.append((key, try JSONReader().parse(Array(body))))
            }
            let rv = try Int64.fetchOne(db, sql: "SELECT value FROM counters WHERE name = 'resourceVersion'") ?? 0
            return (objects, rv)
        }
    }

    func save(key: String, object: Value?, resourceVersion: Int64) throws {
        let body = try object.map { try JSONWriter().bytes($0) }
        try queue.write { db in
            if let body {
                try db.execute(
                    sql: "INSERT INTO objects (key, body) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET body = excluded.body",
                    arguments: [key, Data(body)])
            } else {
                try db.execute(sql: "DELETE FROM objects WHERE key = ?", arguments: [key])
            }
            try db.execute(
                sql: "INSERT INTO counters (name, value) VALUES ('resourceVersion', ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                arguments: [resourceVersion])
        }
    }
}
