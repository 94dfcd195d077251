import PlumbCore
import PlumbEngine

/// Another field manager owns fields an apply sets (HTTP 409, `FieldManagerConflict`). Terminal
/// until the other manager lets go or the apply is forced.
public struct FieldManagerConflict: Error, Sendable, Equatable, CustomStringConvertible {
    /// Per manager (`"kubectl"`, `"other" using apps/v1`), the fields it owns (`.spec.replicas`).
    public var fields: [(manager: String, paths: [String])]

    public static func == (a: Self, b: Self) -> Bool {
        a.fields.map(\.manager) == b.fields.map(\.manager) && a.fields.map(\.paths) == b.fields.map(\.paths)
    }

    /// The conflict a 409 Status describes, or nil when it is not a field manager conflict.
    public init?(_ error: StatusError) {
        guard error.code == 409 else { return nil }
        let causes = error.causes.filter { $0.reason == "FieldManagerConflict" }
        guard !causes.isEmpty else { return nil }
        var fields: [(manager: String, paths: [String])] = []
        for cause in causes {
            let prefix = "conflict with "
            let manager = cause.message.hasPrefix(prefix) ? String(cause.message.dropFirst(prefix.count)) : cause.message
            if let i = fields.firstIndex(where: { $0.manager == manager }) {
                fields[i].paths.append(cause.field)
            } else {
                fields.append((manager, [cause.field]))
            }
        }
        self.fields = fields
    }

    /// Whether every conflicting manager wrote with an Update (imperative drift), none applied.
    public var onlyUpdates: Bool { fields.allSatisfy { $0.manager.contains(" using ") } }

    public var description: String {
        fields.map { "conflict with \($0.manager): \($0.paths.joined(separator: ", "))" }.joined(separator: "; ")
            + " (use --force-conflicts to take these fields)"
    }
}

extension KubernetesTarget {
    /// Server-side apply with `dryRun=All`: the API server validates, defaults and admits the
    /// object without persisting it.
    /// An object in a namespace this sync creates is validated in `default` instead; one of a
    /// kind whose CRD this sync creates cannot be validated before the CRD is established.
    public func dryRun(_ resource: Resource, force: Bool) async throws {
        if pending.createsKind(group: resource.ref.group, kind: resource.kind) {
            if (try? await client.mapping(apiVersion: resource.apiVersion, kind: resource.kind)) == nil { return }
        }
        if !resource.namespace.isEmpty, pending.createsNamespace(resource.namespace) {
            var standIn = resource
            standIn.setNamespace(client.defaultNamespace)
            do {
                try await serverSideApplyDiscardingResult(standIn, force: true, dryRun: true)
            } catch var error as ObjectError {
                // The server's message may name the stand-in: say why.
                error.message += " (checked in namespace \"\(client.defaultNamespace)\": this sync creates \"\(resource.namespace)\")"
                throw error
            }
            return
        }
        try await serverSideApplyDiscardingResult(resource, force: force, dryRun: true)
    }

    public func apply(_ resource: Resource, force: Bool) async throws {
        if pending.createsKind(group: resource.ref.group, kind: resource.kind) {
            // Its CRD was applied and established in an earlier step of this sync; discovery
            // may not have listed the kind when it was last read.
            _ = try await client.awaitMapping(apiVersion: resource.apiVersion, kind: resource.kind)
        }
        try await serverSideApplyDiscardingResult(resource, force: force, dryRun: false)
    }

    /// What the server would store for `resource` (SSA with `dryRun=All`): the exact mode of `diff`.
    public func dryRunResult(_ resource: Resource, force: Bool = true) async throws -> Value {
        try await serverSideApply(resource, force: force, dryRun: true)
    }

    /// Server-side apply as Plumb's field manager, labelled for the app; a 409 field manager
    /// conflict becomes a `FieldManagerConflict` naming the managers and fields.
    ///
    /// Drift is taken back: when every conflicting manager made an Update (`kubectl edit`,
    /// `patch`, `scale`: the cause says `using <apiVersion>`), the apply is repeated with
    /// force. A conflict with another applier (a second declarative owner) is only
    /// overridden with `force`.
    func serverSideApply(_ resource: Resource, force: Bool, dryRun: Bool) async throws -> Value {
        try await withConflictRules(resource, force: force) { body, force in
            try await client.apply(body, force: force, dryRun: dryRun)
        }
    }

    /// `serverSideApply` for a sync, which needs only to know that the server took the object:
    /// the stored object that comes back is not read.
    func serverSideApplyDiscardingResult(_ resource: Resource, force: Bool, dryRun: Bool) async throws {
        try await withConflictRules(resource, force: force) { body, force in
            try await client.applyDiscardingResult(body, force: force, dryRun: dryRun)
        }
    }

    private func withConflictRules<T>(
        _ resource: Resource, force: Bool, _ send: (Value, Bool) async throws -> T
    ) async throws -> T {
        var body = resource.body
        body["status"] = nil
        do {
            return try await send(body, force)
        } catch let error as StatusError where !error.isTransient {
            guard let conflict = FieldManagerConflict(error) else { throw ObjectError(message: Self.message(of: error)) }
            guard conflict.onlyUpdates else { throw conflict }
        }
        do {
            return try await send(body, true)
        } catch let error as StatusError where !error.isTransient {
            throw ObjectError(message: Self.message(of: error))
        }
    }

    /// The server's message with its causes (`spec.replicas: Invalid value: -1: ...`).
    static func message(of error: StatusError) -> String {
        var text = error.message
        // The API server repeats the object's kind and name in front of an invalid message.
        if let range = text.range(of: "is invalid: ") { text = String(text[range.upperBound...]) }
        return text
    }
}

/// A terminal error about an object whose text does not repeat the object's name.
public struct ObjectError: Error, Sendable, CustomStringConvertible {
    /// The reason.
    public var message: String
    /// An error saying `message`.
    public init(message: String) { self.message = message }
    public var description: String { message }
}
