import Foundation
import PlumbCore

/// What the apiextensions controllers do to a CRD: accept its names and establish it.
///
/// Like kube-apiserver, a CRD is stored first with no conditions and empty accepted names;
/// its names controller accepts them and establishes it a few milliseconds later
/// (`establishDelay`), and only then do discovery and the custom resource endpoints serve
/// its kinds. A client that creates a CRD and at once uses its kind must wait for that.
enum CustomResources {
    /// How long after a create the CRD is established (about what kube-apiserver v1.36 takes).
    static let establishDelay: Duration = .milliseconds(10)

    /// The status a CRD is created with: stored versions, no names accepted yet, no conditions.
    static func initialStatus(_ crd: inout Value) {
        crd["status"] = [
            "conditions": .null,
            "acceptedNames": ["plural": "", "kind": ""],
            "storedVersions": .array(storedVersions(crd)),
        ]
        defaultSpec(&crd)
    }

    /// Whether the CRD's `Established` condition is true.
    static func isEstablished(_ crd: Value) -> Bool {
        (crd[path: ["status", "conditions"]]?.arrayValue ?? []).contains {
            $0["type"]?.stringValue == "Established" && $0["status"]?.stringValue == "True"
        }
    }

    private static func storedVersions(_ crd: Value) -> [Value] {
        (crd[path: ["spec", "versions"]]?.arrayValue ?? [])
            .filter { $0["storage"]?.boolValue == true }
            .compactMap { $0["name"] }
    }

    static func establish(_ crd: inout Value, now: Date) {
        let ts = Value.string(ObjectMeta.timestamp(now))
        let names = crd[path: ["spec", "names"]] ?? .object(ValueObject())
        var accepted = ValueObject()
        accepted["plural"] = names["plural"] ?? ""
        accepted["singular"] = names["singular"] ?? .string((names["kind"]?.stringValue ?? "").lowercased())
        if let s = names["shortNames"] { accepted["shortNames"] = s }
        accepted["kind"] = names["kind"] ?? ""
        accepted["listKind"] = names["listKind"] ?? .string((names["kind"]?.stringValue ?? "") + "List")
        if let c = names["categories"] { accepted["categories"] = c }
        let stored = crd[path: ["status", "storedVersions"]]?.arrayValue ?? storedVersions(crd)
        crd["status"] = [
            "conditions": [
                [
                    "type": "NamesAccepted", "status": "True", "lastTransitionTime": ts, "reason": "NoConflicts",
                    "message": "no conflicts found",
                ],
                [
                    "type": "Established", "status": "True", "lastTransitionTime": ts, "reason": "InitialNamesAccepted",
                    "message": "the initial names have been accepted",
                ],
            ],
            "acceptedNames": .object(accepted),
            "storedVersions": .array(stored),
        ]
        defaultSpec(&crd)
    }

    private static func defaultSpec(_ crd: inout Value) {
        guard case .object(var o) = crd else { return }
        crd = .null
        defer { crd = .object(o) }
        Defaults.edit(&o, "spec") { spec in
            Defaults.setDefault(&spec, "conversion", ["strategy": "None"])
            Defaults.edit(&spec, "names") { n in
                let kind = n["kind"]?.stringValue ?? ""
                Defaults.setDefault(&n, "singular", .string(kind.lowercased()))
                Defaults.setDefault(&n, "listKind", .string(kind + "List"))
            }
        }
    }
}

extension ClusterStore {
    /// Establishes a new CRD after `CustomResources.establishDelay`, as the names controller does.
    func scheduleEstablishment(of name: String) {
        Task {
            try? await Task.sleep(for: CustomResources.establishDelay)
            // The task is isolated to this actor: establishing is a plain call here.
            try? self.establishCRD(name)
        }
    }

    /// Accepts the CRD's names, marks it Established (a status write by `kube-apiserver`) and
    /// serves its kinds.
    func establishCRD(_ name: String) throws(APIError) {
        let gr = GroupResource(group: "apiextensions.k8s.io", resource: "customresourcedefinitions")
        guard var crd = get(gr, namespace: "", name: name), crd.meta("deletionTimestamp") == nil,
            !CustomResources.isEstablished(crd)
        else { return }
        let before = crd
        CustomResources.establish(&crd, now: clock())
        if let type = types.anyVersion(of: gr) {
            let t = Target(type: type, namespace: "", name: name, subresource: "status")
            setMeta(&crd, "managedFields", updatedManagedFields(t, old: before, new: crd, manager: "kube-apiserver"))
        }
        installIfEstablished(try commit(gr, namespace: "", name: name, object: crd, event: "MODIFIED"))
    }

    /// Serves the kinds of an established CRD (again, after a change to it).
    func installIfEstablished(_ crd: Value) {
        guard CustomResources.isEstablished(crd) else { return }
        types.install(crd: crd)
        schemaCache.removeAll()
    }
}
