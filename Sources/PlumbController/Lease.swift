import Foundation
import PlumbAudit
import PlumbCore
import PlumbKube

/// The spec of a `coordination.k8s.io/v1` Lease as leader election reads and writes it
/// (client-go's `LeaderElectionRecord`), with the resourceVersion it was read at.
public struct LeaseRecord: Sendable, Equatable {
    /// Empty when nobody holds the lease (released).
    public var holderIdentity: String
    public var leaseDurationSeconds: Int64
    public var acquireTime: Date?
    public var renewTime: Date?
    public var leaseTransitions: Int64
    /// The resourceVersion the lease was read at; an update sends it (a newer one on the
    /// server makes the update a 409 Conflict: another replica wrote first).
    public var resourceVersion: String
    /// The holder's process (annotation `plumb.dev/holder-process`), so that the replica that
    /// takes an expired lease over can tell which audit records the holder left `started`.
    public var holderProcess: AuditProcess?

    public init(
        holderIdentity: String, leaseDurationSeconds: Int64, acquireTime: Date?, renewTime: Date?,
        leaseTransitions: Int64,
        resourceVersion: String = "", holderProcess: AuditProcess? = nil
    ) {
        self.holderIdentity = holderIdentity
        self.leaseDurationSeconds = leaseDurationSeconds
        self.acquireTime = acquireTime
        self.renewTime = renewTime
        self.leaseTransitions = leaseTransitions
        self.resourceVersion = resourceVersion
        self.holderProcess = holderProcess
    }

    /// The annotation that names the holder's process: `<pid> <start time> <boot id> <host>`.
    public static let processAnnotation = "plumb.dev/holder-process"

    static func format(_ p: AuditProcess) -> String {
        "\(p.pid) \(p.startTime) \(p.bootID.isEmpty ? "-" : p.bootID) \(p.host)"
    }

    static func parseProcess(_ text: String) -> AuditProcess? {
        let parts = text.split(separator: " ", maxSplits: 3).map(String.init)
        guard parts.count == 4, let pid = Int32(parts[0]), let start = Int64(parts[1]) else { return nil }
        return AuditProcess(pid: pid, host: parts[3], bootID: parts[2] == "-" ? "" : parts[2], startTime: start)
    }

    /// The record of a Lease object.
    public init(_ object: Value) {
        let spec = object["spec"]
        holderIdentity = spec?["holderIdentity"]?.stringValue ?? ""
        leaseDurationSeconds = spec?["leaseDurationSeconds"]?.intValue ?? 0
        acquireTime = spec?["acquireTime"]?.stringValue.flatMap(MicroTime.parse)
        renewTime = spec?["renewTime"]?.stringValue.flatMap(MicroTime.parse)
        leaseTransitions = spec?["leaseTransitions"]?.intValue ?? 0
        resourceVersion = object[path: ["metadata", "resourceVersion"]]?.stringValue ?? ""
        holderProcess = object[path: ["metadata", "annotations", Self.processAnnotation]]?.stringValue.flatMap(
            Self.parseProcess)
    }

    /// The `spec` of the Lease.
    var spec: Value {
        var spec: Value = [
            "leaseDurationSeconds": .int(leaseDurationSeconds), "leaseTransitions": .int(leaseTransitions),
        ]
        // client-go writes an empty holder on release (omitempty drops it).
        if !holderIdentity.isEmpty { spec["holderIdentity"] = .string(holderIdentity) }
        if let acquireTime { spec["acquireTime"] = .string(MicroTime.format(acquireTime)) }
        if let renewTime { spec["renewTime"] = .string(MicroTime.format(renewTime)) }
        return spec
    }
}

/// Kubernetes' `metav1.MicroTime` on the wire: RFC 3339 in UTC with microseconds,
/// `2006-01-02T15:04:05.000000Z`.
public enum MicroTime {
    public static func format(_ date: Date) -> String {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded(.down))
        let seconds = micros >= 0 ? micros / 1_000_000 : (micros - 999_999) / 1_000_000
        let fraction = micros - seconds * 1_000_000
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        func pad(_ n: Int32, _ width: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        let f = String(fraction)
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))."
            + String(repeating: "0", count: 6 - f.count) + f + "Z"
    }

    /// Parses RFC 3339 with or without a fraction (kube-apiserver accepts both for MicroTime).
    public static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes[4] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T") else { return nil }
        func number(_ from: Int, _ count: Int) -> Int32? {
            var n: Int32 = 0
            for b in bytes[from..<(from + count)] {
                guard b >= 48 && b <= 57 else { return nil }
                n = n * 10 + Int32(b - 48)
            }
            return n
        }
        guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
            let minute = number(14, 2), let second = number(17, 2)
        else { return nil }
        var i = 19
        var fraction = 0.0
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            var scale = 0.1
            while i < bytes.count, bytes[i] >= 48, bytes[i] <= 57 {
                fraction += Double(bytes[i] - 48) * scale
                scale /= 10
                i += 1
            }
        }
        var offset = 0
        guard i < bytes.count else { return nil }
        if bytes[i] == UInt8(ascii: "Z") {
            i += 1
        } else if bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-"), i + 6 <= bytes.count,
            let h = number(i + 1, 2), let m = number(i + 4, 2)
        {
            offset = (bytes[i] == UInt8(ascii: "-") ? -1 : 1) * Int(h * 3600 + m * 60)
            i += 6
        } else {
            return nil
        }
        guard i == bytes.count else { return nil }
        var parts = tm()
        parts.tm_year = year - 1900
        parts.tm_mon = month - 1
        parts.tm_mday = day
        parts.tm_hour = hour
        parts.tm_min = minute
        parts.tm_sec = second
        let seconds = timegm(&parts)
        return Date(timeIntervalSince1970: Double(seconds - offset) + fraction)
    }
}

/// Reads and writes Leases in one namespace: create, optimistic update, list by label,
/// delete with a resourceVersion precondition. Leader election and shard membership share it.
public struct LeaseClient: Sendable {
    public let client: KubeClient
    public let namespace: String

    public init(client: KubeClient, namespace: String) {
        self.client = client
        self.namespace = namespace
    }

    /// The Lease `name`.
    public func ref(_ name: String) -> ObjectRef {
        ObjectRef(apiVersion: "coordination.k8s.io/v1", kind: "Lease", namespace: namespace, name: name)
    }

    /// The lease `name`, or nil when it does not exist.
    public func get(_ name: String) async throws -> LeaseRecord? {
        do {
            return LeaseRecord(try await client.get(ref(name)))
        } catch let error as StatusError where error.reason == .notFound {
            return nil
        }
    }

    /// Creates the lease; throws `StatusError` `.alreadyExists` when another replica made it first.
    public func create(_ name: String, _ record: LeaseRecord, labels: [String: String] = [:]) async throws
        -> LeaseRecord
    {
        LeaseRecord(try await client.create(object(name, record, labels: labels)))
    }

    /// Replaces the lease's spec at `record.resourceVersion`; throws `StatusError` `.conflict`
    /// (409) when the lease changed since it was read.
    public func update(_ name: String, _ record: LeaseRecord, labels: [String: String] = [:]) async throws
        -> LeaseRecord
    {
        LeaseRecord(try await client.update(object(name, record, labels: labels)))
    }

    /// The leases carrying `selector`, by name.
    public func list(labelSelector selector: String) async throws -> [String: LeaseRecord] {
        var out: [String: LeaseRecord] = [:]
        for item in try await client.list(
            apiVersion: "coordination.k8s.io/v1", kind: "Lease", namespace: namespace, labelSelector: selector
        ).items {
            guard let name = item[path: ["metadata", "name"]]?.stringValue else { continue }
            out[name] = LeaseRecord(item)
        }
        return out
    }

    /// Deletes the lease if it is still at `resourceVersion` (a renewal since makes it a 409).
    public func delete(_ name: String, resourceVersion: String) async throws {
        _ = try await client.delete(ref(name), options: DeleteOptions(preconditionResourceVersion: resourceVersion))
    }

    func object(_ name: String, _ record: LeaseRecord, labels: [String: String]) -> Value {
        var metadata: Value = ["name": .string(name), "namespace": .string(namespace)]
        if !record.resourceVersion.isEmpty { metadata["resourceVersion"] = .string(record.resourceVersion) }
        if !labels.isEmpty {
            var l: Value = [:]
            for (k, v) in labels.sorted(by: { $0.key < $1.key }) { l[k] = .string(v) }
            metadata["labels"] = l
        }
        if let process = record.holderProcess, !record.holderIdentity.isEmpty {
            metadata["annotations"] = [LeaseRecord.processAnnotation: .string(LeaseRecord.format(process))]
        }
        return ["apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": metadata, "spec": record.spec]
    }
}
