import Foundation
import PlumbCore
import PlumbYAML

/// What a policy check's violations do: stop the sync before any write, be printed and
/// recorded as warnings, or nothing (the check does not run).
public enum PolicyMode: String, Sendable, CaseIterable, Comparable {
    case off, warn, enforce

    public static func < (a: PolicyMode, b: PolicyMode) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// A bad policy file, named by file and field: `policy.yaml: checks.PLB-X: unknown check`.
public struct PolicyConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The checks' parameters, as the operator sets them.
public struct PolicyParameters: Sendable, Equatable {
    /// Registries (`ghcr.io`) or registry paths (`ghcr.io/acme`) images may come from; nil: any.
    public var allowedRegistries: [String]?
    /// Labels every object must carry; nil: none.
    public var requiredLabels: [String]?

    public init(allowedRegistries: [String]? = nil, requiredLabels: [String]? = nil) {
        self.allowedRegistries = allowedRegistries
        self.requiredLabels = requiredLabels
    }
}

/// Which Application a policy is applied for: its namespace and name. `plumb diff` and
/// `plumb sync` have no Application object: there the namespace is `--namespace` (empty when
/// not given) and the name the app's.
public struct PolicyScope: Sendable, Equatable {
    public var namespace: String
    public var name: String

    public init(namespace: String, name: String) {
        self.namespace = namespace
        self.name = name
    }
}

/// The operator's policy file (never read from the repository it judges): a mode per check,
/// overrides per Application namespace or name, the checks' parameters, and named
/// exceptions for single objects. See docs/governance.md, "Policy checks".
public struct PolicyConfig: Sendable {
    /// Modes set together: the file's top level, or one override.
    public struct Modes: Sendable {
        /// The mode of every check the layer does not list; nil: the layer below decides.
        public var defaultMode: PolicyMode?
        public var checks: [String: PolicyMode]

        public init(defaultMode: PolicyMode?, checks: [String: PolicyMode]) {
            self.defaultMode = defaultMode
            self.checks = checks
        }
    }

    /// Modes for the Applications whose namespace or name matches (globs); both given: both must.
    public struct Override: Sendable {
        /// `overrides[0]`, for messages.
        public var name: String
        public var namespaces: [Glob]
        public var applications: [Glob]
        public var modes: Modes

        /// Whether the override applies to `scope`.
        public func matches(_ scope: PolicyScope) -> Bool {
            (namespaces.isEmpty || namespaces.contains { $0.matches(scope.namespace) })
                && (applications.isEmpty
                    || applications.contains {
                        $0.matches(scope.name) || $0.matches("\(scope.namespace)/\(scope.name)")
                    })
        }
    }

    /// An object selector of an exception: kind, namespace and name (globs; namespace empty
    /// for cluster-scoped objects, omitted for any).
    public struct ObjectSelector: Sendable {
        public var kind: String
        public var namespace: Glob?
        public var name: Glob

        public init(kind: String, namespace: Glob?, name: Glob) {
            self.kind = kind
            self.namespace = namespace
            self.name = name
        }

        public func matches(_ ref: ObjectRef) -> Bool {
            ref.kind == kind && (namespace.map { $0.pattern == ref.namespace || $0.matches(ref.namespace) } ?? true)
                && (name.pattern == ref.name || name.matches(ref.name))
        }
    }

    /// A named, reasoned exemption of some objects from one check.
    public struct Exception: Sendable {
        public var name: String
        public var check: String
        public var objects: [ObjectSelector]
        public var reason: String

        public init(name: String, check: String, objects: [ObjectSelector], reason: String) {
            self.name = name
            self.check = check
            self.objects = objects
            self.reason = reason
        }

        public func covers(_ finding: PolicyFinding) -> Bool {
            finding.check == check && objects.contains { $0.matches(finding.ref) }
        }
    }

    /// The policy file, for messages.
    public var file: String
    public var modes: Modes
    public var parameters: PolicyParameters
    public var overrides: [Override]
    public var exceptions: [Exception]

    /// A policy from its parts; checks not listed take `modes.defaultMode` (warn when nil).
    public init(
        file: String = "policy", modes: Modes = Modes(defaultMode: .warn, checks: [:]),
        parameters: PolicyParameters = PolicyParameters(),
        overrides: [Override] = [], exceptions: [Exception] = []
    ) {
        self.file = file
        self.modes = modes
        self.parameters = parameters
        self.overrides = overrides
        self.exceptions = exceptions
    }

    /// The mode of each built-in check for `scope`: the top level, then each matching
    /// override in file order (a later one wins; a check it lists beats its defaultMode).
    public func modes(for scope: PolicyScope) -> [String: PolicyMode] {
        var out: [String: PolicyMode] = [:]
        let layers = [modes] + overrides.filter { $0.matches(scope) }.map(\.modes)
        for check in PolicyCheck.catalogue {
            var mode = PolicyMode.warn
            for layer in layers {
                if let m = layer.checks[check.id] {
                    mode = m
                } else if let m = layer.defaultMode {
                    mode = m
                }
            }
            out[check.id] = mode
        }
        return out
    }

    /// The engine that applies this policy to the objects of `scope`.
    public func engine(for scope: PolicyScope) -> PolicyEngine {
        PolicyEngine(modes: modes(for: scope), parameters: parameters, exceptions: exceptions)
    }

    /// Reads and checks the policy file at `path`.
    public static func load(_ path: String) throws(PolicyConfigError) -> PolicyConfig {
        guard let bytes = FileManager.default.contents(atPath: path) else {
            throw PolicyConfigError("policy \(path): cannot be read")
        }
        return try parse(Array(bytes), file: path)
    }
}
