import PlumbCore

extension AuditRecord {
    /// Reads a record back from its `exportValue` (one line of `export --format jsonl`).
    public init(exportValue v: Value) throws {
        func field(_ key: String) throws -> Value {
            guard let value = v[key] else { throw AuditExportError(field: key, why: "is missing") }
            return value
        }
        func string(_ key: String) throws -> String {
            guard let s = try field(key).stringValue else { throw AuditExportError(field: key, why: "is not a string") }
            return s
        }
        func optionalString(_ key: String) throws -> String? {
            let value = try field(key)
            if value.isNull { return nil }
            guard let s = value.stringValue else { throw AuditExportError(field: key, why: "is not a string or null") }
            return s
        }
        func int(_ key: String, in object: Value? = nil) throws -> Int64 {
            guard let i = (object ?? v)[key]?.intValue else {
                throw AuditExportError(field: key, why: "is not an integer")
            }
            return i
        }
        func oneOf<E: RawRepresentable<String>>(_ key: String, _ text: String?, as: E.Type) throws -> E {
            guard let text, let e = E(rawValue: text) else {
                throw AuditExportError(field: key, why: "\"\(text ?? "")\" is not a known value")
            }
            return e
        }
        func time(_ key: String, _ text: String) throws -> AuditTimestamp {
            guard let t = AuditTimestamp(iso8601: text) else {
                throw AuditExportError(field: key, why: "is not an ISO-8601 time")
            }
            return t
        }
        let processValue = try field("process")
        guard let pid = Int32(exactly: try int("pid", in: processValue)),
            let host = processValue["host"]?.stringValue, let bootID = processValue["bootID"]?.stringValue
        else { throw AuditExportError(field: "process", why: "is not a process") }
        self.init(
            kind: try oneOf("kind", try string("kind"), as: AuditKind.self),
            startedAt: try time("startedAt", try string("startedAt")), app: try string("app"),
            target: try string("target"), repo: try string("repo"), revision: try string("revision"),
            author: try string("author"), committer: try string("committer"), message: try string("message"),
            signature: try oneOf("signature", try string("signature"), as: AuditSignature.self),
            previousRevision: try optionalString("previousRevision"), initiator: try string("initiator"),
            options: try field("options"),
            process: AuditProcess(
                pid: pid, host: host, bootID: bootID, startTime: try int("startTime", in: processValue)))
        signature.setDetails(v["signatureDetail"])
        policy = AuditPolicy(value: v["policy"])
        id = try int("id")
        endedAt = try optionalString("endedAt").map { try time("endedAt", $0) }
        result = try oneOf("result", try string("result"), as: AuditResult.self)
        error = try optionalString("error")
        guard let items = try field("objects").arrayValue else {
            throw AuditExportError(field: "objects", why: "is not an array")
        }
        /// An entry's list of strings (absent: none when `required` is false).
        func strings(_ o: Value, _ key: String, required: Bool) throws -> [String]? {
            guard let list = o[key]?.arrayValue else { return required ? nil : [] }
            return try list.map { item in
                guard let s = item.stringValue else { throw AuditExportError(field: "objects.\(key)", why: "holds a non-string") }
                return s
            }
        }
        objects = try items.map { o in
            guard let apiVersion = o["apiVersion"]?.stringValue, let kind = o["kind"]?.stringValue,
                let namespace = o["namespace"]?.stringValue, let name = o["name"]?.stringValue,
                let paths = try strings(o, "changedPaths", required: true)
            else { throw AuditExportError(field: "objects", why: "holds an entry that is not an object reference") }
            let health = o["health"]?.stringValue
            var entry = AuditObjectEntry(
                ref: ObjectRef(apiVersion: apiVersion, kind: kind, namespace: namespace, name: name),
                action: try oneOf("objects.action", o["action"]?.stringValue, as: AuditAction.self),
                changedPaths: paths,
                health: try health.map { try oneOf("objects.health", $0, as: AuditHealth.self) },
                error: o["error"]?.stringValue,
                warnings: try strings(o, "warnings", required: false) ?? [])
            entry.images = try strings(o, "images", required: false) ?? []
            return entry
        }
        prevHash = try string("prevHash")
        headerHash = try string("headerHash")
        hash = try string("hash")
    }
}

extension AuditChain {
    /// Verifies an export (`export --format jsonl` output) without the database: every line
    /// must read back as a record, and the records must form an intact chain. Records deleted
    /// from the end of an export cannot be told from a shorter export.
    public static func verify(exportLines lines: [String]) -> AuditVerification {
        var records: [AuditRecord] = []
        for (n, line) in lines.enumerated() where !line.isEmpty {
            do {
                records.append(try AuditRecord(exportValue: try JSONReader().parse(line)))
            } catch {
                let id = (try? JSONReader().parse(line))?["id"]?.intValue ?? Int64(records.last?.id ?? 0) + 1
                return .broken(recordID: id, problem: .unreadable("line \(n + 1): \(error)"))
            }
        }
        return verify(records, lastAssignedID: 0)
    }
}

/// A line of an export that is not a record.
public struct AuditExportError: Error, Sendable, CustomStringConvertible {
    /// The field that is wrong.
    public var field: String
    /// What is wrong with it.
    public var why: String

    public var description: String { "\(field) \(why)" }
}
