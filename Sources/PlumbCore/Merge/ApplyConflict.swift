/// An apply that would change fields other managers own: the API server's 409 Conflict.
public struct ApplyConflict: Error, Sendable, Equatable, CustomStringConvertible {
    /// One field another manager owns.
    public struct Conflict: Sendable, Hashable {
        /// The manager that owns the field.
        public var manager: ManagerIdentity
        /// The field, printed as `.spec.replicas`.
        public var path: FieldPath

        /// A conflict over `path` with `manager`.
        public init(manager: ManagerIdentity, path: FieldPath) {
            self.manager = manager
            self.path = path
        }
    }

    /// Grouped by manager in the order of their identifiers; each manager's paths as given.
    public var conflicts: [Conflict]

    /// A conflict error over these fields; pass each manager's paths in set order (`FieldSet.paths`).
    public init(conflicts: [Conflict]) {
        self.conflicts = conflicts.enumerated()
            .sorted { ($0.element.manager, $0.offset) < ($1.element.manager, $1.offset) }
            .map(\.element)
    }

    /// One `details.causes[]` entry of the 409 Status (`reason: FieldManagerConflict`).
    public struct Cause: Sendable, Hashable {
        /// `conflict with "plumb"`.
        public var message: String
        /// `.spec.replicas`.
        public var field: String
    }

    /// The `details.causes` of the 409 Status, one per conflicting field.
    public var causes: [Cause] {
        conflicts.map { Cause(message: "conflict with \($0.manager)", field: $0.path.description) }
    }

    /// The Status message, exactly as the API server words it.
    public var message: String {
        if conflicts.count == 1, let c = conflicts.first {
            return "Apply failed with 1 conflict: conflict with \(c.manager): \(c.path)"
        }
        var lines: [String] = []
        var current: ManagerIdentity?
        for c in conflicts {
            if c.manager != current {
                lines.append("conflicts with \(c.manager):")
                current = c.manager
            }
            lines.append("- \(c.path)")
        }
        return "Apply failed with \(conflicts.count) conflicts: " + lines.joined(separator: "\n")
    }

    public var description: String { message }

    public static func == (a: ApplyConflict, b: ApplyConflict) -> Bool { a.conflicts == b.conflicts }
}

/// Why a server-side apply or update failed.
public enum ApplyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Other managers own fields the apply changes (409, terminal until forced or resolved).
    case conflict(ApplyConflict)
    /// The object or its managed fields do not fit the schema (terminal: bad input).
    case invalid(String)

    public var description: String {
        switch self {
        case .conflict(let c): return c.message
        case .invalid(let m): return m
        }
    }
}
