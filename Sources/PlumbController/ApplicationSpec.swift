import PlumbCore
import PlumbManifests

/// An Application's `spec`, parsed and checked. Every field the schema cannot check is checked
/// here, and the first problem names its field (reported as a `Stalled` condition).
public struct ApplicationSpec: Sendable, Equatable {
    public struct Source: Sendable, Equatable {
        public var repoURL: String
        /// A branch, tag or SHA; `HEAD` (the remote's default branch) when absent.
        public var revision: String
        public var path: String
        public var include: [String]
        public var exclude: [String]
        /// A Secret in the Application's namespace with the Git credentials.
        public var secretRef: String?
        /// The renderer and its arguments (`spec.source.render`); nil: the path's `.plumb.yaml`
        /// or what its files call for.
        public var render: RenderSettings? = nil
    }

    public struct Retry: Sendable, Equatable {
        /// How many failed syncs in a row are retried before waiting for the interval.
        public var limit: Int
        /// The first retry's delay; each next one doubles, capped at the interval.
        public var backoff: Duration

        public init(limit: Int, backoff: Duration) {
            self.limit = limit
            self.backoff = backoff
        }
    }

    /// Where the controller reports on commits and pull requests (`spec.notify`).
    public struct Notify: Sendable, Equatable {
        /// `github`, `gitlab`, `gitea` or `bitbucket`.
        public var forge: String
        /// The forge's API address; nil for the public service.
        public var baseURL: String?
        /// `owner/name` (GitLab: project path or ID; Bitbucket: workspace/slug).
        public var repository: String
        /// The Secret in the Application's namespace and its key holding the token.
        public var tokenSecretName: String
        public var tokenSecretKey: String

        public static let forges = ["github", "gitlab", "gitea", "bitbucket"]
    }

    public var source: Source
    /// Commit statuses (and, with `previews`, pull-request plans) go to this forge.
    public var notify: Notify?
    /// Whether open pull requests into the source's branch get a plan comment and a preview status.
    public var previews: Bool
    /// The namespace of objects that name none.
    public var destinationNamespace: String
    public var interval: Duration
    public var automated: Bool
    public var prune: Bool
    public var selfHeal: Bool
    public var retry: Retry
    public var suspend: Bool
    public var wait: Bool
    public var timeout: Duration
    public var ignoreDifferences: [IgnoreRule]
    /// The ServiceAccount (of the Application's namespace) the sync impersonates; nil for the
    /// controller's own permissions.
    public var serviceAccountName: String?
    /// `syncPolicy.approval`: the endpoint that must approve each sync (docs/governance.md).
    public var approval: Approval? = nil
    /// `syncPolicy.windows`: when automated syncs may run.
    public var windows = SyncWindows([])
    /// `syncPolicy.rollbackOnFailure`: a sync that fails after its first write (a failed wave)
    /// is followed by a sync of the previous synced revision, and the failed revision is not
    /// tried again until a newer commit or `plumb app sync`.
    public var rollbackOnFailure = false
    /// `syncPolicy.revertCommitOnRollback`: after an automatic rollback (a canary's, or
    /// `rollbackOnFailure`'s), push a commit reverting the synced commit to the source's branch.
    public var revertCommitOnRollback = false

    public static let defaultInterval: Duration = .seconds(180)
    public static let defaultTimeout: Duration = .seconds(300)
    public static let defaultRetry = Retry(limit: 5, backoff: .seconds(5))

    /// Parses `spec` of an Application in `namespace`.
    public init(_ spec: Value, namespace: String) throws(SpecError) {
        guard spec.objectValue != nil else { throw SpecError("spec", "must be an object") }
        let source = spec["source"] ?? .null
        guard source.objectValue != nil else { throw SpecError("spec.source", "is required") }
        guard let repoURL = try Self.string(source, "repoURL", "spec.source.repoURL"), !repoURL.isEmpty else {
            throw SpecError("spec.source.repoURL", "is required")
        }
        let path = try Self.string(source, "path", "spec.source.path") ?? "."
        guard !path.hasPrefix("/"), !path.split(separator: "/").contains("..") else {
            throw SpecError("spec.source.path", "\(Value.string(path).jsonString) must be a relative path inside the repository")
        }
        var secretRef: String?
        if let ref = source["secretRef"], !ref.isNull {
            guard let name = try Self.string(ref, "name", "spec.source.secretRef.name"), !name.isEmpty else {
                throw SpecError("spec.source.secretRef.name", "is required")
            }
            secretRef = name
        }
        self.source = Source(
            repoURL: repoURL, revision: try Self.string(source, "revision", "spec.source.revision").flatMap { $0.isEmpty ? nil : $0 } ?? "HEAD",
            path: path, include: try Self.strings(source, "include", "spec.source.include"),
            exclude: try Self.strings(source, "exclude", "spec.source.exclude"), secretRef: secretRef)
        if let render = source["render"], !render.isNull {
            do {
                self.source.render = try RenderSettings.parse(render, field: "spec.source.render")
            } catch {
                let text = error.description
                let field = text.split(separator: ":").first.map(String.init) ?? "spec.source.render"
                throw SpecError(field, String(text.dropFirst(field.count + 2)))
            }
        }
        var destination: String?
        if let d = spec["destination"], !d.isNull { destination = try Self.string(d, "namespace", "spec.destination.namespace") }
        destinationNamespace = destination.flatMap { $0.isEmpty ? nil : $0 } ?? namespace
        interval = try Self.duration(spec, "interval", "spec.interval") ?? Self.defaultInterval
        guard interval > .zero else { throw SpecError("spec.interval", "must be more than 0s") }
        let policy = spec["syncPolicy"] ?? .null
        automated = try Self.bool(policy, "automated", "spec.syncPolicy.automated")
        prune = try Self.bool(policy, "prune", "spec.syncPolicy.prune")
        selfHeal = try Self.bool(policy, "selfHeal", "spec.syncPolicy.selfHeal")
        rollbackOnFailure = try Self.bool(policy, "rollbackOnFailure", "spec.syncPolicy.rollbackOnFailure")
        revertCommitOnRollback = try Self.bool(policy, "revertCommitOnRollback", "spec.syncPolicy.revertCommitOnRollback")
        retry = Self.defaultRetry
        if let r = policy["retry"], !r.isNull {
            if let limit = r["limit"] {
                guard let n = limit.intValue, n >= 0 else { throw SpecError("spec.syncPolicy.retry.limit", "must be an integer, 0 or more") }
                retry.limit = Int(n)
            }
            retry.backoff = try Self.duration(r, "backoff", "spec.syncPolicy.retry.backoff") ?? retry.backoff
        }
        suspend = try Self.bool(spec, "suspend", "spec.suspend")
        wait = try Self.bool(spec, "wait", "spec.wait")
        timeout = try Self.duration(spec, "timeout", "spec.timeout") ?? Self.defaultTimeout
        if let list = spec["ignoreDifferences"], !list.isNull {
            do {
                ignoreDifferences = try PlumbSettings.ignoreRules(list, field: "spec.ignoreDifferences")
            } catch {
                let text = error.description
                let field = text.split(separator: ":").first.map(String.init) ?? "spec.ignoreDifferences"
                throw SpecError(field, String(text.dropFirst(field.count + 2)))
            }
        } else {
            ignoreDifferences = []
        }
        notify = try Self.notify(spec)
        previews = try Self.bool(spec, "previews", "spec.previews")
        serviceAccountName = try Self.string(spec, "serviceAccountName", "spec.serviceAccountName").flatMap { $0.isEmpty ? nil : $0 }
        if previews && notify == nil { throw SpecError("spec.previews", "needs spec.notify (the forge to list pull requests on)") }
        try parseChangeManagement(policy)
    }

    static func notify(_ spec: Value) throws(SpecError) -> Notify? {
        guard let n = spec["notify"], !n.isNull else { return nil }
        guard n.objectValue != nil else { throw SpecError("spec.notify", "must be an object") }
        guard let forge = try string(n, "forge", "spec.notify.forge"), Notify.forges.contains(forge) else {
            throw SpecError("spec.notify.forge", "must be one of \(Notify.forges.joined(separator: ", "))")
        }
        guard let repository = try string(n, "repository", "spec.notify.repository"), !repository.isEmpty else {
            throw SpecError("spec.notify.repository", "is required")
        }
        let baseURL = try string(n, "baseURL", "spec.notify.baseURL").flatMap { $0.isEmpty ? nil : $0 }
        if let baseURL, !(baseURL.hasPrefix("https://") || baseURL.hasPrefix("http://")) {
            throw SpecError("spec.notify.baseURL", "\(Value.string(baseURL).jsonString) is not an http(s) URL")
        }
        if forge == "gitea" && baseURL == nil { throw SpecError("spec.notify.baseURL", "is required for gitea") }
        let ref = n["tokenSecretRef"] ?? .null
        guard ref.objectValue != nil else { throw SpecError("spec.notify.tokenSecretRef", "is required") }
        guard let name = try string(ref, "name", "spec.notify.tokenSecretRef.name"), !name.isEmpty else {
            throw SpecError("spec.notify.tokenSecretRef.name", "is required")
        }
        let key = try string(ref, "key", "spec.notify.tokenSecretRef.key").flatMap { $0.isEmpty ? nil : $0 } ?? "token"
        return Notify(forge: forge, baseURL: baseURL, repository: repository, tokenSecretName: name, tokenSecretKey: key)
    }

    static func string(_ object: Value, _ key: String, _ field: String) throws(SpecError) -> String? {
        guard let v = object[key], !v.isNull else { return nil }
        guard let s = v.stringValue else { throw SpecError(field, "must be a string, not \(v.typeName)") }
        return s
    }

    static func strings(_ object: Value, _ key: String, _ field: String) throws(SpecError) -> [String] {
        guard let v = object[key], !v.isNull else { return [] }
        guard let items = v.arrayValue else { throw SpecError(field, "must be a list of strings") }
        var out: [String] = []
        for (i, item) in items.enumerated() {
            guard let s = item.stringValue else { throw SpecError("\(field)[\(i)]", "must be a string") }
            out.append(s)
        }
        return out
    }

    static func bool(_ object: Value, _ key: String, _ field: String) throws(SpecError) -> Bool {
        guard let v = object[key], !v.isNull else { return false }
        guard let b = v.boolValue else { throw SpecError(field, "must be true or false, not \(v.typeName)") }
        return b
    }

    static func duration(_ object: Value, _ key: String, _ field: String) throws(SpecError) -> Duration? {
        guard let v = object[key], !v.isNull else { return nil }
        guard let text = v.stringValue, let d = GoDuration.parse(text) else {
            throw SpecError(field, "\(v.stringValue.map { Value.string($0).jsonString } ?? v.typeName) is not a duration such as 30s, 3m or 1h")
        }
        return d
    }
}

/// Durations as Kubernetes API fields write them (Go's `time.ParseDuration`: `1m30s`,
/// `500ms`, `1.5h`), without a sign.
public enum GoDuration {
    public static func parse(_ text: String) -> Duration? {
        guard !text.isEmpty else { return nil }
        if text == "0" { return .zero }
        let units: [(String, Double)] = [("ns", 1e-9), ("us", 1e-6), ("µs", 1e-6), ("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600)]
        var rest = Substring(text)
        var seconds = 0.0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard !number.isEmpty, let n = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            guard let (unit, scale) = units.first(where: { rest.hasPrefix($0.0) && !(($0.0 == "m") && rest.hasPrefix("ms")) })
            else { return nil }
            rest = rest.dropFirst(unit.count)
            seconds += n * scale
        }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    /// `3m`, `1m30s`, `500ms`.
    public static func format(_ d: Duration) -> String {
        let ms = d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000
        if ms % 1000 != 0 { return "\(ms)ms" }
        var s = ms / 1000
        var out = ""
        if s >= 3600 { out += "\(s / 3600)h"; s %= 3600 }
        if s >= 60 { out += "\(s / 60)m"; s %= 60 }
        if s > 0 || out.isEmpty { out += "\(s)s" }
        return out
    }
}
