import ArgumentParser
import Foundation
import PlumbCore
import PlumbManifests

/// `--tenancy FILE`, or `--allow-namespaces`/`--allow-cluster-kinds`: where the objects of a
/// sync may go (docs/governance.md, "Tenancy"); an object outside it stops the sync before any
/// write (exit 2).
struct TenancyOptions: ParsableArguments {
    @Option(
        help: "Tenancy allowances (YAML, kind Tenancy): the entry of the target namespace decides where objects may go."
    )
    var tenancy: String?

    @Option(
        help:
            "Namespaces (globs, comma-separated) namespaced objects may be in; objects elsewhere stop the sync (exit 2)."
    )
    var allowNamespaces: String?

    @Option(
        help:
            "Cluster-scoped kinds (Kind or group/Kind, comma-separated) the sync may manage; with --allow-namespaces and without, none."
    )
    var allowClusterKinds: String?

    func validate() throws {
        if tenancy != nil && (allowNamespaces != nil || allowClusterKinds != nil) {
            throw ValidationError("--tenancy and --allow-namespaces/--allow-cluster-kinds exclude each other")
        }
    }

    /// The tenancy file at `path`, read and checked; nil without one.
    static func load(_ path: String?) throws -> Tenancy? {
        guard let path else { return nil }
        do {
            return try Tenancy.load(path)
        } catch {
            throw CLIError(error.description)
        }
    }

    /// The allowance for a sync whose Application namespace is `namespace`; nil when unrestricted.
    func rules(namespace: String) throws -> Tenancy? {
        if let tenancy { return try Self.load(tenancy) }
        guard allowNamespaces != nil || allowClusterKinds != nil else { return nil }
        func list(_ text: String?) -> [String] {
            (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        let allowance = Tenancy.Allowance(
            destinationNamespaces: list(allowNamespaces).map(Glob.init), clusterKinds: list(allowClusterKinds))
        return Tenancy(namespaces: [namespace: allowance])
    }

    /// Throws one line per object outside the allowance (exit 2).
    func check(_ desired: [Resource], namespace: String) throws {
        guard let rules = try rules(namespace: namespace) else { return }
        let violations = rules.violations(desired.map(\.ref), namespace: namespace)
        guard !violations.isEmpty else { return }
        throw CLIError(violations.joined(separator: "\n"))
    }
}
