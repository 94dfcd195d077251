import Crypto
import PlumbCore

/// The canonical JSON forms of a record that the hashes are taken over and `export` writes:
/// compact, keys sorted, every field present (`null` where absent).
extension AuditRecord {
    /// The fields known when the record is begun, with `id` and `prevHash`: what `headerHash` covers.
    public var headerValue: Value {
        var o = ValueObject()
        o["id"] = .int(id)
        o["kind"] = .string(kind.rawValue)
        o["startedAt"] = .string(startedAt.iso8601)
        o["app"] = .string(app)
        o["target"] = .string(target)
        o["repo"] = .string(repo)
        o["revision"] = .string(revision)
        o["author"] = .string(author)
        o["committer"] = .string(committer)
        o["message"] = .string(message)
        o["signature"] = .string(signature.rawValue)
        o["previousRevision"] = previousRevision.map(Value.string) ?? .null
        o["initiator"] = .string(initiator)
        o["options"] = options
        o["process"] = [
            "pid": .int(Int64(process.pid)), "host": .string(process.host), "bootID": .string(process.bootID),
            "startTime": .int(process.startTime),
        ]
        o["prevHash"] = .string(prevHash)
        return .object(o)
    }

    /// Every field but `hash` itself: what `hash` covers.
    public var contentValue: Value {
        guard case .object(var o) = headerValue else { return headerValue }
        o["headerHash"] = .string(headerHash)
        o["endedAt"] = endedAt.map { .string($0.iso8601) } ?? .null
        o["result"] = .string(result.rawValue)
        o["error"] = error.map(Value.string) ?? .null
        o["objects"] = .array(objects.map(\.value))
        return .object(o)
    }

    /// The whole record with its `hash`: one line of `export --format jsonl`.
    public var exportValue: Value {
        guard case .object(var o) = contentValue else { return contentValue }
        o["hash"] = .string(hash)
        return .object(o)
    }

    /// Sets `id`, `prevHash`, `headerHash` and `hash` for a record being begun.
    mutating func seal(id: Int64, prevHash: String) {
        self.id = id
        self.prevHash = prevHash
        headerHash = AuditChain.sha256(headerValue)
        hash = AuditChain.sha256(contentValue)
    }

    /// Recomputes `hash` after the record's completion fields changed; the header stays as begun.
    mutating func rehash() {
        hash = AuditChain.sha256(contentValue)
    }
}

extension AuditObjectEntry {
    /// The entry as canonical JSON.
    public var value: Value {
        [
            "apiVersion": .string(ref.apiVersion), "kind": .string(ref.kind), "namespace": .string(ref.namespace),
            "name": .string(ref.name), "action": .string(action.rawValue),
            "changedPaths": .array(changedPaths.map(Value.string)),
            "health": health.map { .string($0.rawValue) } ?? .null, "error": error.map(Value.string) ?? .null,
        ]
    }
}

/// The hash chain: hashing, the genesis link, and the walk that `verify` does.
public enum AuditChain {
    /// The `prevHash` of the first record.
    public static let genesis = String(repeating: "0", count: 64)

    /// Canonical JSON text: compact with sorted keys.
    public static func canonicalJSON(_ value: Value) -> String {
        // Records hold no doubles but those of `options`, which the store checks are finite.
        (try? JSONWriter(style: .compact, sortKeys: true).string(value)) ?? "null"
    }

    /// SHA-256 of the canonical JSON of `value`, as 64 lowercase hex digits.
    public static func sha256(_ value: Value) -> String {
        let digest = SHA256.hash(data: Array(canonicalJSON(value).utf8))
        return digest.map { byte in
            let s = String(byte, radix: 16)
            return byte < 16 ? "0" + s : s
        }.joined()
    }

    /// `7b2e…c19a`: a hash shortened for people.
    public static func abbreviate(_ hash: String) -> String {
        hash.count > 8 ? "\(hash.prefix(4))…\(hash.suffix(4))" : hash
    }

    /// Walks `records` (all of them, in id order) and finds the first break: a gap in ids,
    /// a `prevHash` that is not the previous record's `headerHash`, or a hash that does not
    /// match its record's contents. `lastAssignedID` (the highest id ever given out) catches
    /// records deleted from the end.
    public static func verify(_ records: [AuditRecord], lastAssignedID: Int64) -> AuditVerification {
        var ownerOfHeader: [String: Int64] = [:]
        for r in records { ownerOfHeader[r.headerHash] = r.id }
        var previous: AuditRecord?
        for r in records {
            let expectedID = (previous?.id ?? 0) + 1
            if r.id != expectedID {
                return .broken(recordID: r.id, problem: .missing(from: expectedID, to: r.id - 1))
            }
            let expectedPrev = previous?.headerHash ?? genesis
            if r.prevHash != expectedPrev {
                if let owner = ownerOfHeader[r.prevHash], owner != previous?.id {
                    return .broken(recordID: r.id, problem: .outOfOrder(linksTo: owner, expected: previous?.id ?? 0))
                }
                return .broken(recordID: r.id, problem: .brokenLink(previous: previous?.id ?? 0))
            }
            if sha256(r.headerValue) != r.headerHash || sha256(r.contentValue) != r.hash {
                return .broken(recordID: r.id, problem: .edited)
            }
            previous = r
        }
        let lastID = previous?.id ?? 0
        if lastAssignedID > lastID {
            return .broken(recordID: lastID + 1, problem: .missing(from: lastID + 1, to: lastAssignedID))
        }
        return .intact(count: records.count, head: previous?.hash ?? genesis)
    }
}

/// What `verify` found.
public enum AuditVerification: Sendable, Equatable {
    /// Every record links to the one before and matches its hashes.
    case intact(count: Int, head: String)
    /// The first record at which the chain does not hold, and why.
    case broken(recordID: Int64, problem: AuditChainProblem)
}

/// Why the chain breaks at a record.
public enum AuditChainProblem: Sendable, Equatable, CustomStringConvertible {
    /// A hash does not match the record's contents.
    case edited
    /// Records with these ids are gone.
    case missing(from: Int64, to: Int64)
    /// The record links to another record than the one before it.
    case outOfOrder(linksTo: Int64, expected: Int64)
    /// The record's `prevHash` matches no record (0 stands for the genesis link).
    case brokenLink(previous: Int64)
    /// A stored field cannot be read back as a record.
    case unreadable(String)

    public var description: String {
        switch self {
        case .edited:
            return "hash does not match its contents (edited?)"
        case .missing(let from, let to):
            return from == to ? "record \(from) is missing (deleted?)" : "records \(from)-\(to) are missing (deleted?)"
        case .outOfOrder(let owner, let expected):
            let want = expected == 0 ? "the genesis hash" : "record \(expected)"
            return "it links to record \(owner) instead of \(want) (reordered?)"
        case .brokenLink(let previous):
            if previous == 0 { return "it does not link to the genesis hash (earlier records deleted?)" }
            return "it does not link to record \(previous) (deleted or replaced?)"
        case .unreadable(let why):
            return "\(why) (edited?)"
        }
    }
}
