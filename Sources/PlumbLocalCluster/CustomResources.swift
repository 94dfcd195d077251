import Foundation
import PlumbCore

/// What the apiextensions controllers do to a CRD: accept its names and establish it.
enum CustomResources {
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
        let stored = (crd[path: ["spec", "versions"]]?.arrayValue ?? [])
            .filter { $0["storage"]?.boolValue == true }
            .compactMap { $0["name"] }
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
