import PlumbCore
import PlumbYAML

/// A bad `ignoreDifferences` rule, named by where it was read: `apps/web/.plumb.yaml:
/// ignoreDifferences[0].jsonPointers: ...` or `spec.ignoreDifferences[0].jsonPointers: ...`.
public struct SettingsError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// `ignoreDifferences: [{group, kind, name, namespace, jsonPointers}]`, as `.plumb.yaml` in an
/// app's path and an Application's `spec.ignoreDifferences` take it.
public enum PlumbSettings {
    /// The rules of a `.plumb.yaml` file (every document's `ignoreDifferences`).
    public static func ignoreRules(_ bytes: [UInt8], file: String) throws(SettingsError) -> [IgnoreRule] {
        let documents: [YAMLDocument]
        do {
            documents = try YAML.parseDocuments(bytes, file: file)
        } catch {
            throw SettingsError("\(error)")
        }
        var rules: [IgnoreRule] = []
        for doc in documents {
            guard let list = doc.value["ignoreDifferences"] else { continue }
            rules += try ignoreRules(list, field: "\(file): ignoreDifferences")
        }
        return rules
    }

    /// The rules of one `ignoreDifferences` list; `field` names it in errors.
    public static func ignoreRules(_ list: Value, field: String) throws(SettingsError) -> [IgnoreRule] {
        guard let items = list.arrayValue else { throw SettingsError("\(field): must be a list") }
        var rules: [IgnoreRule] = []
        for (i, item) in items.enumerated() {
            let pointers = item["jsonPointers"]?.arrayValue?.compactMap(\.stringValue) ?? []
            guard !pointers.isEmpty, pointers.allSatisfy({ JSONPointer($0) != nil }) else {
                throw SettingsError("\(field)[\(i)].jsonPointers: a list of JSON pointers such as /spec/replicas")
            }
            rules.append(IgnoreRule(
                group: item["group"]?.stringValue, kind: item["kind"]?.stringValue, name: item["name"]?.stringValue,
                namespace: item["namespace"]?.stringValue, jsonPointers: pointers))
        }
        return rules
    }
}
