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
        // Only for a verified signature, so records written before verification hash as they did.
        if let detail = signature.detailValue { o["signatureDetail"] = detail }
        // Only when a policy judged the objects, so records written before policies hash as they did.
        if let policy { o["policy"] = policy.value }
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
        var v: Value = [
            "apiVersion": .string(ref.apiVersion), "kind": .string(ref.kind), "namespace": .string(ref.namespace),
            "name": .string(ref.name), "action": .string(action.rawValue),
            "changedPaths": .array(changedPaths.map(Value.string)),
            "health": health.map { .string($0.rawValue) } ?? .null, "error": error.map(Value.string) ?? .null,
        ]
        // Only when there are some, so records written before warnings were kept hash as they did.
        if !warnings.isEmpty { v["warnings"] = .array(warnings.map(Value.string)) }
        // Likewise for images, kept since the inventory export.
        if !images.isEmpty { v["images"] = .array(images.map(Value.string)) }
        return v
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

    /// Walks `records` (all of them, in id order) and finds the first break; see `AuditChainWalker`.
    public static func verify(_ records: [AuditRecord], lastAssignedID: Int64) -> AuditVerification {
        var owners: [String: Int64] = [:]
        for r in records { owners[r.headerHash] = r.id }
        var walker = AuditChainWalker()
        for r in records {
            if let broken = walker.check(r, ownerOfHeader: { owners[$0] }) { return broken }
        }
        return walker.finish(lastAssignedID: lastAssignedID)
    }
}
