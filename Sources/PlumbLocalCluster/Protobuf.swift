import Foundation
import PlumbCore

/// Reads the Kubernetes protobuf envelope (`k8s\0` + runtime.Unknown) that kubectl's typed
/// clients send for `kubectl create namespace|configmap|secret|serviceaccount|deployment|job|cronjob`,
/// into the JSON-shaped `Value` of the object. Only the fields those commands send are known.
enum Protobuf {
    indirect enum FieldType {
        case string, int, bool, bytes, time
        /// Non-pointer Go fields with `omitempty`: proto always carries them, JSON leaves zero out.
        case intOmitZero, boolOmitFalse
        case message(Schema)
        case stringMap, bytesMap
        case repeated(FieldType)
    }

    struct Schema {
        var fields: [Int: (name: String, type: FieldType)]
    }

    enum DecodeError: Error { case truncated, badWireType, unknownType(String) }

    static let ownerReference = Schema(fields: [
        1: ("kind", .string), 3: ("name", .string), 4: ("uid", .string), 5: ("apiVersion", .string),
        6: ("controller", .bool), 7: ("blockOwnerDeletion", .bool),
    ])
    static let objectMeta = Schema(fields: [
        1: ("name", .string), 2: ("generateName", .string), 3: ("namespace", .string), 5: ("uid", .string),
        6: ("resourceVersion", .string), 7: ("generation", .intOmitZero), 11: ("labels", .stringMap),
        12: ("annotations", .stringMap), 13: ("ownerReferences", .repeated(.message(ownerReference))),
        14: ("finalizers", .repeated(.string)),
    ])
    static let labelSelector = Schema(fields: [
        1: ("matchLabels", .stringMap),
        2: ("matchExpressions", .repeated(.message(Schema(fields: [1: ("key", .string), 2: ("operator", .string), 3: ("values", .repeated(.string))])))),
    ])
    static let container = Schema(fields: [
        1: ("name", .string), 2: ("image", .string), 3: ("command", .repeated(.string)), 4: ("args", .repeated(.string)),
        5: ("workingDir", .string),
        6: ("ports", .repeated(.message(Schema(fields: [
            1: ("name", .string), 2: ("hostPort", .intOmitZero), 3: ("containerPort", .int), 4: ("protocol", .string), 5: ("hostIP", .string),
        ])))),
        7: ("env", .repeated(.message(Schema(fields: [1: ("name", .string), 2: ("value", .string)])))),
        13: ("terminationMessagePath", .string), 14: ("imagePullPolicy", .string), 16: ("stdin", .boolOmitFalse),
        17: ("stdinOnce", .boolOmitFalse), 18: ("tty", .boolOmitFalse), 20: ("terminationMessagePolicy", .string),
    ])
    static let podTemplate = Schema(fields: [
        1: ("metadata", .message(objectMeta)),
        2: ("spec", .message(Schema(fields: [
            2: ("containers", .repeated(.message(container))), 3: ("restartPolicy", .string),
            4: ("terminationGracePeriodSeconds", .int), 6: ("dnsPolicy", .string), 7: ("nodeSelector", .stringMap),
            8: ("serviceAccountName", .string), 11: ("hostNetwork", .boolOmitFalse), 19: ("schedulerName", .string),
            20: ("initContainers", .repeated(.message(container))),
        ]))),
    ])
    static let jobSpec = Schema(fields: [
        1: ("parallelism", .int), 2: ("completions", .int), 3: ("activeDeadlineSeconds", .int), 4: ("selector", .message(labelSelector)),
        5: ("manualSelector", .bool), 6: ("template", .message(podTemplate)), 7: ("backoffLimit", .int),
        8: ("ttlSecondsAfterFinished", .int), 9: ("completionMode", .string), 10: ("suspend", .bool),
    ])
    static let resourceAttributes = Schema(fields: [
        1: ("namespace", .string), 2: ("verb", .string), 3: ("group", .string), 4: ("version", .string),
        5: ("resource", .string), 6: ("subresource", .string), 7: ("name", .string),
    ])
    static let nonResourceAttributes = Schema(fields: [1: ("path", .string), 2: ("verb", .string)])
    static let schemas: [String: Schema] = [
        // What kubectl auth can-i / whoami and drain send through their typed clients.
        "authorization.k8s.io/v1/SelfSubjectAccessReview": Schema(fields: [
            1: ("metadata", .message(objectMeta)),
            2: ("spec", .message(Schema(fields: [1: ("resourceAttributes", .message(resourceAttributes)), 2: ("nonResourceAttributes", .message(nonResourceAttributes))]))),
        ]),
        "authorization.k8s.io/v1/SelfSubjectRulesReview": Schema(fields: [
            1: ("metadata", .message(objectMeta)), 2: ("spec", .message(Schema(fields: [1: ("namespace", .string)]))),
        ]),
        "authentication.k8s.io/v1/SelfSubjectReview": Schema(fields: [1: ("metadata", .message(objectMeta))]),
        "policy/v1/Eviction": Schema(fields: [
            1: ("metadata", .message(objectMeta)),
            2: ("deleteOptions", .message(Schema(fields: [
                1: ("gracePeriodSeconds", .int),
                2: ("preconditions", .message(Schema(fields: [1: ("uid", .string), 2: ("resourceVersion", .string)]))),
                3: ("orphanDependents", .bool), 4: ("propagationPolicy", .string), 5: ("dryRun", .repeated(.string)),
            ]))),
        ]),
        "apps/v1/Deployment": Schema(fields: [
            1: ("metadata", .message(objectMeta)),
            2: ("spec", .message(Schema(fields: [
                1: ("replicas", .int), 2: ("selector", .message(labelSelector)), 3: ("template", .message(podTemplate)),
                4: ("strategy", .message(Schema(fields: [1: ("type", .string)]))), 5: ("minReadySeconds", .intOmitZero),
                6: ("revisionHistoryLimit", .int), 7: ("paused", .boolOmitFalse), 9: ("progressDeadlineSeconds", .int),
            ]))),
        ]),
        "batch/v1/Job": Schema(fields: [1: ("metadata", .message(objectMeta)), 2: ("spec", .message(jobSpec))]),
        "batch/v1/CronJob": Schema(fields: [
            1: ("metadata", .message(objectMeta)),
            2: ("spec", .message(Schema(fields: [
                1: ("schedule", .string), 2: ("startingDeadlineSeconds", .int), 3: ("concurrencyPolicy", .string),
                4: ("suspend", .bool),
                5: ("jobTemplate", .message(Schema(fields: [1: ("metadata", .message(objectMeta)), 2: ("spec", .message(jobSpec))]))),
                6: ("successfulJobsHistoryLimit", .int), 7: ("failedJobsHistoryLimit", .int), 8: ("timeZone", .string),
            ]))),
        ]),
        "v1/Namespace": Schema(fields: [
            1: ("metadata", .message(objectMeta)),
            2: ("spec", .message(Schema(fields: [1: ("finalizers", .repeated(.string))]))),
        ]),
        "v1/ConfigMap": Schema(fields: [
            1: ("metadata", .message(objectMeta)), 2: ("data", .stringMap), 3: ("binaryData", .bytesMap),
            4: ("immutable", .bool),
        ]),
        "v1/Secret": Schema(fields: [
            1: ("metadata", .message(objectMeta)), 2: ("data", .bytesMap), 3: ("type", .string),
            4: ("stringData", .stringMap), 5: ("immutable", .bool),
        ]),
        "v1/ServiceAccount": Schema(fields: [
            1: ("metadata", .message(objectMeta)),
            3: ("imagePullSecrets", .repeated(.message(Schema(fields: [1: ("name", .string)])))),
            4: ("automountServiceAccountToken", .bool),
        ]),
    ]

    static let magic: [UInt8] = [0x6b, 0x38, 0x73, 0x00]

    /// Decodes an enveloped object; throws for other types.
    static func decode(_ bytes: [UInt8]) throws -> Value {
        guard bytes.count >= 4, Array(bytes[0..<4]) == magic else { throw DecodeError.truncated }
        var apiVersion = "", kind = ""
        var raw: [UInt8] = []
        var r = Reader(bytes: bytes, position: 4, end: bytes.count)
        while !r.atEnd {
            let (field, wire) = try r.tag()
            switch (field, wire) {
            case (1, 2):
                var tm = try r.subReader()
                while !tm.atEnd {
                    let (f, w) = try tm.tag()
                    if f == 1 && w == 2 { apiVersion = try tm.string() } else if f == 2 && w == 2 { kind = try tm.string() } else { try tm.skip(w) }
                }
            case (2, 2): raw = try r.lengthDelimited()
            default: try r.skip(wire)
            }
        }
        guard let schema = schemas["\(apiVersion)/\(kind)"] else { throw DecodeError.unknownType("\(apiVersion)/\(kind)") }
        var inner = Reader(bytes: raw, position: 0, end: raw.count)
        var object = ValueObject()
        object["apiVersion"] = .string(apiVersion)
        object["kind"] = .string(kind)
        for e in try message(&inner, schema) { object[e.key] = e.value }
        return .object(object)
    }

    private static func message(_ r: inout Reader, _ schema: Schema) throws -> ValueObject {
        var out = ValueObject()
        while !r.atEnd {
            let (field, wire) = try r.tag()
            guard let (name, type) = schema.fields[field] else { try r.skip(wire); continue }
            if case .repeated(let element) = type {
                var list = out[name]?.arrayValue ?? []
                if let v = try value(&r, element) { list.append(v) }
                out[name] = .array(list)
            } else if case .stringMap = type {
                var map = out[name]?.objectValue ?? ValueObject()
                let (k, v) = try entry(&r, bytesValue: false)
                map[k] = v
                out[name] = .object(map)
            } else if case .bytesMap = type {
                var map = out[name]?.objectValue ?? ValueObject()
                let (k, v) = try entry(&r, bytesValue: true)
                map[k] = v
                out[name] = .object(map)
            } else if let v = try value(&r, type) {
                out[name] = v
            }
        }
        return out
    }

    /// A single field value; empty strings, zero times and empty messages read as absent (omitempty).
    private static func value(_ r: inout Reader, _ type: FieldType) throws -> Value? {
        switch type {
        case .string:
            let s = try r.string()
            return s.isEmpty ? nil : .string(s)
        case .int: return .int(Int64(bitPattern: try r.varint()))
        case .intOmitZero:
            let v = Int64(bitPattern: try r.varint())
            return v == 0 ? nil : .int(v)
        case .bool: return .bool(try r.varint() != 0)
        case .boolOmitFalse: return try r.varint() != 0 ? .bool(true) : nil
        case .bytes: return .string(Data(try r.lengthDelimited()).base64EncodedString())
        case .time:
            _ = try r.lengthDelimited()
            return nil
        case .message(let schema):
            var sub = try r.subReader()
            let o = try message(&sub, schema)
            return o.isEmpty ? nil : .object(o)
        case .stringMap, .bytesMap, .repeated:
            _ = try r.lengthDelimited()
            return nil
        }
    }

    private static func entry(_ r: inout Reader, bytesValue: Bool) throws -> (String, Value) {
        var sub = try r.subReader()
        var key = ""
        var value: Value = .string("")
        while !sub.atEnd {
            let (f, w) = try sub.tag()
            if f == 1 && w == 2 {
                key = try sub.string()
            } else if f == 2 && w == 2 {
                let b = try sub.lengthDelimited()
                value = .string(bytesValue ? Data(b).base64EncodedString() : String(decoding: b, as: UTF8.self))
            } else {
                try sub.skip(w)
            }
        }
        return (key, value)
    }

    struct Reader {
        let bytes: [UInt8]
        var position: Int
        let end: Int

        var atEnd: Bool { position >= end }

        mutating func varint() throws -> UInt64 {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                guard position < end, shift < 64 else { throw DecodeError.truncated }
                let b = bytes[position]
                position += 1
                result |= UInt64(b & 0x7f) << shift
                if b & 0x80 == 0 { return result }
                shift += 7
            }
        }

        mutating func tag() throws -> (Int, Int) {
            let t = try varint()
            return (Int(t >> 3), Int(t & 7))
        }

        mutating func lengthDelimited() throws -> [UInt8] {
            let n = Int(try varint())
            guard n >= 0, position + n <= end else { throw DecodeError.truncated }
            defer { position += n }
            return Array(bytes[position..<position + n])
        }

        mutating func subReader() throws -> Reader {
            let n = Int(try varint())
            guard n >= 0, position + n <= end else { throw DecodeError.truncated }
            defer { position += n }
            return Reader(bytes: bytes, position: position, end: position + n)
        }

        mutating func string() throws -> String { String(decoding: try lengthDelimited(), as: UTF8.self) }

        mutating func skip(_ wire: Int) throws {
            switch wire {
            case 0: _ = try varint()
            case 1: position += 8
            case 2: _ = try lengthDelimited()
            case 5: position += 4
            default: throw DecodeError.badWireType
            }
            guard position <= end else { throw DecodeError.truncated }
        }
    }
}
