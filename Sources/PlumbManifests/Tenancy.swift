import Foundation
import PlumbCore
import PlumbYAML

/// A bad tenancy file, named by file and field: `tenancy.yaml: namespaces.team-a.clusterKinds: ...`.
public struct TenancyError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Where the Applications of each namespace may deploy, as the operator decides it (Argo CD's
/// AppProject destinations and cluster-resource whitelist, in one small file the controller
/// and the CLI read with `--tenancy FILE`):
///
/// ```yaml
/// apiVersion: plumb.dev/v1alpha1
/// kind: Tenancy
/// namespaces:
///   team-a:
///     destinationNamespaces: [team-a, team-a-*]
///     clusterKinds: []
///   "*":                      # every other Application namespace
///     destinationNamespaces: []
/// ```
///
/// An Application namespace without an entry (and no `"*"` entry) is not restricted.
public struct Tenancy: Sendable {
    /// What the Applications of one namespace may manage.
    public struct Allowance: Sendable {
        /// Globs of the namespaces of namespaced objects (`team-a-*`).
        public var destinationNamespaces: [Glob]
        /// Cluster-scoped kinds, as `Kind` (any group), `group/Kind`, or `*`.
        public var clusterKinds: [String]

        public init(destinationNamespaces: [Glob], clusterKinds: [String]) {
            self.destinationNamespaces = destinationNamespaces
            self.clusterKinds = clusterKinds
        }

        /// Why `ref` is outside the allowance, or nil when it is inside; cluster-scoped objects
        /// are those without a namespace (after the namespaces were resolved by discovery).
        public func refusal(_ ref: ObjectRef) -> String? {
            if ref.namespace.isEmpty {
                let qualified = ref.group.isEmpty ? ref.kind : "\(ref.group)/\(ref.kind)"
                if clusterKinds.contains(where: { $0 == "*" || $0 == ref.kind || $0 == qualified }) { return nil }
                return "cluster-scoped kind \(ref.kind)"
            }
            if destinationNamespaces.contains(where: { $0.matches(ref.namespace) }) { return nil }
            return "namespace \(ref.namespace)"
        }
    }

    /// Allowances by Application namespace; `*` for namespaces without their own.
    public var namespaces: [String: Allowance]

    public init(namespaces: [String: Allowance]) { self.namespaces = namespaces }

    /// The allowance of the Applications of `namespace`, nil when they are not restricted.
    public func allowance(for namespace: String) -> Allowance? { namespaces[namespace] ?? namespaces["*"] }

    /// One line per object that an Application of `namespace` may not manage, in order:
    /// `rbac.authorization.k8s.io/v1 ClusterRole admin-all: not allowed: cluster-scoped kind
    /// ClusterRole is not in the allowance of namespace team-a`.
    public func violations(_ refs: [ObjectRef], namespace: String) -> [String] {
        guard let allowance = allowance(for: namespace) else { return [] }
        return refs.compactMap { ref in
            allowance.refusal(ref).map {
                "\(ref): not allowed: \($0) is not in the allowance of namespace \(namespace)"
            }
        }
    }

    /// Reads and checks the file at `path`.
    public static func load(_ path: String) throws(TenancyError) -> Tenancy {
        guard let bytes = FileManager.default.contents(atPath: path) else {
            throw TenancyError("tenancy \(path): cannot be read")
        }
        return try parse(Array(bytes), file: path)
    }

    /// The tenancy in `bytes` (YAML); `file` names it in errors.
    public static func parse(_ bytes: [UInt8], file: String) throws(TenancyError) -> Tenancy {
        let documents: [YAMLDocument]
        do {
            documents = try YAML.parseDocuments(bytes, file: file)
        } catch {
            throw TenancyError("\(error)")
        }
        guard documents.count == 1, case .object(let top) = documents[0].value else {
            throw TenancyError("\(file): expected one YAML mapping (apiVersion, kind, namespaces)")
        }
        for key in top.keys where !["apiVersion", "kind", "namespaces"].contains(key) {
            throw TenancyError("\(file): \(key): unknown field (expected apiVersion, kind, namespaces)")
        }
        if let kind = top["kind"], kind.stringValue != "Tenancy" {
            throw TenancyError("\(file): kind: expected Tenancy")
        }
        guard case .object(let entries)? = top["namespaces"] else {
            throw TenancyError("\(file): namespaces: expected a mapping of Application namespace to allowance")
        }
        var namespaces: [String: Allowance] = [:]
        for item in entries {
            let (namespace, entry) = (item.key, item.value)
            let field = "\(file): namespaces.\(namespace)"
            guard case .object(let fields) = entry else {
                throw TenancyError("\(field): expected a mapping (destinationNamespaces, clusterKinds)")
            }
            for key in fields.keys where key != "destinationNamespaces" && key != "clusterKinds" {
                throw TenancyError("\(field).\(key): unknown field (expected destinationNamespaces, clusterKinds)")
            }
            let globs = try strings(fields["destinationNamespaces"], "\(field).destinationNamespaces")
            let kinds = try strings(fields["clusterKinds"], "\(field).clusterKinds")
            namespaces[namespace] = Allowance(destinationNamespaces: globs.map(Glob.init), clusterKinds: kinds)
        }
        return Tenancy(namespaces: namespaces)
    }

    private static func strings(_ value: Value?, _ field: String) throws(TenancyError) -> [String] {
        guard let value, !value.isNull else { return [] }
        guard case .array(let items) = value else { throw TenancyError("\(field): expected a list of strings") }
        var out: [String] = []
        for (i, item) in items.enumerated() {
            guard let text = item.stringValue, !text.isEmpty else {
                throw TenancyError("\(field)[\(i)]: expected a non-empty string")
            }
            out.append(text)
        }
        return out
    }
}
