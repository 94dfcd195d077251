import PlumbCore

/// The policy checks' verdict on the revision's objects, as the record keeps it: each
/// violation with its mode (`enforce` blocked the sync, `warn` did not) and each finding a
/// named exception waived. Absent (nil) when no policy was configured, so records written
/// before policies hash as they did.
public struct AuditPolicy: Sendable, Equatable {
    /// One finding: the object (`apps/v1 Deployment prod/web`), the check ID, the message,
    /// and either the mode it had or the exception that waived it.
    public struct Entry: Sendable, Equatable {
        public var object: String
        public var check: String
        public var message: String
        /// `enforce` or `warn` for a violation; nil for a waived finding.
        public var mode: String?
        /// The exception's name and reason, for a waived finding.
        public var exception: String?
        public var reason: String?

        public init(
            object: String, check: String, message: String, mode: String? = nil, exception: String? = nil,
            reason: String? = nil
        ) {
            self.object = object
            self.check = check
            self.message = message
            self.mode = mode
            self.exception = exception
            self.reason = reason
        }

        /// `apps/v1 Deployment prod/web: PLB-IMG-002: container web: image nginx has no tag`.
        public var line: String { "\(object): \(check): \(message)" }
    }

    public var violations: [Entry]
    public var exempted: [Entry]

    public init(violations: [Entry] = [], exempted: [Entry] = []) {
        self.violations = violations
        self.exempted = exempted
    }

    /// Whether an enforced violation stopped the sync.
    public var blocked: Bool { violations.contains { $0.mode == "enforce" } }

    /// The canonical JSON form (`policy` of the record).
    public var value: Value {
        func entry(_ e: Entry) -> Value {
            var v: Value = ["object": .string(e.object), "check": .string(e.check), "message": .string(e.message)]
            if let mode = e.mode { v["mode"] = .string(mode) }
            if let exception = e.exception { v["exception"] = .string(exception) }
            if let reason = e.reason { v["reason"] = .string(reason) }
            return v
        }
        return [
            "blocked": .bool(blocked), "violations": .array(violations.map(entry)),
            "exempted": .array(exempted.map(entry)),
        ]
    }

    /// The verdict of a stored or exported `policy` value; nil for null or absent.
    public init?(value: Value?) {
        guard let value, !value.isNull, value.objectValue != nil else { return nil }
        func entries(_ key: String) -> [Entry] {
            (value[key]?.arrayValue ?? []).map {
                Entry(
                    object: $0["object"]?.stringValue ?? "", check: $0["check"]?.stringValue ?? "",
                    message: $0["message"]?.stringValue ?? "", mode: $0["mode"]?.stringValue,
                    exception: $0["exception"]?.stringValue, reason: $0["reason"]?.stringValue)
            }
        }
        self.init(violations: entries("violations"), exempted: entries("exempted"))
    }
}
