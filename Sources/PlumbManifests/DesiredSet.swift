import PlumbCore

/// The objects a path of a snapshot asks for, in a stable order: Namespaces, then
/// CustomResourceDefinitions, then everything else by group, kind, namespace and name.
public struct DesiredSet: Sendable {
    public var resources: [Resource]
    /// The repository paths of the files read, sorted.
    public var files: [String]

    public init(resources: [Resource], files: [String]) {
        self.resources = resources.sorted(by: DesiredSet.renderOrder)
        self.files = files
    }

    public var count: Int { resources.count }

    /// The order `render` prints objects in.
    public static func renderOrder(_ a: Resource, _ b: Resource) -> Bool {
        let ra = rank(a.ref), rb = rank(b.ref)
        if ra != rb { return ra < rb }
        return a.ref < b.ref
    }

    private static func rank(_ ref: ObjectRef) -> Int {
        switch (ref.group, ref.kind) {
        case ("", "Namespace"): return 0
        case ("apiextensions.k8s.io", "CustomResourceDefinition"): return 1
        default: return 2
        }
    }
}
