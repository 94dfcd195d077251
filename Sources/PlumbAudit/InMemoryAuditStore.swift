import Foundation

/// An `AuditStore` in memory with the same chain and checks as the SQLite store, for tests of
/// the modules that record syncs. Thread safe (one lock around every call).
public final class InMemoryAuditStore: AuditStore, @unchecked Sendable {
    private let lock = NSLock()
    private var records: [AuditRecord] = []
    private var lastAssignedID: Int64 = 0
    private let staleAfter: Int64

    /// An empty store; records of other hosts count as interrupted after `staleAfterMilliseconds`.
    public init(staleAfterMilliseconds: Int64 = defaultAuditStaleness) {
        staleAfter = staleAfterMilliseconds
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    public func begin(_ record: AuditRecord) throws -> Int64 {
        var r = try AuditSafety.cleaned(record)
        r.result = .started
        r.endedAt = nil
        r.objects = []
        return locked {
            lastAssignedID += 1
            r.seal(id: lastAssignedID, prevHash: records.last?.headerHash ?? AuditChain.genesis)
            records.append(r)
            return r.id
        }
    }

    public func complete(
        _ id: Int64, result: AuditResult, endedAt: AuditTimestamp, objects: [AuditObjectEntry], error: String?
    ) throws {
        guard result != .started else { throw AuditError.refused("a record cannot be completed as started") }
        let objects = try AuditSafety.cleaned(objects)
        try locked {
            guard let i = records.firstIndex(where: { $0.id == id }) else { throw AuditError.noSuchRecord(id) }
            guard records[i].result == .started else {
                throw AuditError.notInProgress(id: id, result: records[i].result)
            }
            records[i].result = result
            records[i].endedAt = endedAt
            records[i].objects = objects
            records[i].error = AuditSafety.oneLine(error)
            records[i].rehash()
        }
    }

    public func markInterrupted(now: AuditTimestamp, stopped: [StoppedProcess]) throws -> [AuditRecord] {
        let here = AuditProcess.current()
        return locked {
            var marked: [AuditRecord] = []
            for i in records.indices where records[i].result == .started {
                guard
                    let why = Interruption.reason(records[i], now: now, staleAfterMilliseconds: staleAfter, here: here, stopped: stopped)
                else { continue }
                records[i].result = .interrupted
                records[i].error = why
                records[i].rehash()
                marked.append(records[i])
            }
            return marked
        }
    }

    public func interruptedRecords() throws -> [AuditRecord] {
        locked { records.filter { $0.result == .interrupted } }
    }

    public func history(app: String?, limit: Int) throws -> [AuditRecord] {
        locked { Array(records.reversed().filter { app == nil || $0.app == app }.prefix(max(0, limit))) }
    }

    public func lastRevision(app: String, result: AuditResult) throws -> String? {
        locked { records.last { $0.app == app && $0.result == result }?.revision }
    }

    public func record(_ id: Int64) throws -> AuditRecord? {
        locked { records.first { $0.id == id } }
    }

    public func verify() throws -> AuditVerification {
        locked { AuditChain.verify(records, lastAssignedID: lastAssignedID) }
    }

    public func export(format: AuditExportFormat, line: (String) throws -> Void) throws {
        for r in locked({ records }) { try line(AuditChain.canonicalJSON(r.exportValue)) }
    }
}
