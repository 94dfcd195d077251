import Foundation
import PlumbCore

/// `{{ args.NAME }}` in a metric's provider block, as Argo Rollouts writes it, and Flagger's
/// `{{ target }}`, `{{ namespace }}` and `{{ interval }}`, replaced in every string of the block.
public enum AnalysisArgs {
    /// The arguments every analysis of a rollout has: `name`/`canary-name` (the canary
    /// workload), `stable-name`, `namespace`/`canary-namespace`, and the Services when known.
    /// Flagger's `{{ target }}` is the stable (target) workload's name.
    public static func standard(for target: RouteTarget) -> [String: String] {
        var args = [
            "name": target.canaryName, "canary-name": target.canaryName, "stable-name": target.stableName,
            "target": target.stableName, "namespace": target.namespace, "canary-namespace": target.namespace,
        ]
        if let s = target.stableService { args["stable-service"] = s }
        if let s = target.canaryService { args["canary-service"] = s }
        return args
    }

    /// A substitution that names an argument nobody gave.
    public struct UnknownArgument: Error, Sendable, Equatable, CustomStringConvertible {
        public var name: String
        public var description: String { "{{ args.\(name) }}: no such argument" }
    }

    /// The block with every `{{ args.x }}` (and `{{ target }}`, `{{ namespace }}`,
    /// `{{ interval }}`) replaced from `args`.
    public static func substitute(_ value: Value, _ args: [String: String]) throws(UnknownArgument) -> Value {
        switch value {
        case .string(let s): return .string(try substitute(s, args))
        case .array(let items):
            var out: [Value] = []
            for item in items { out.append(try substitute(item, args)) }
            return .array(out)
        case .object(let o):
            var out = ValueObject(minimumCapacity: o.count)
            for entry in o { out.appendUnchecked(key: entry.key, value: try substitute(entry.value, args)) }
            return .object(out)
        default: return value
        }
    }

    public static func substitute(_ text: String, _ args: [String: String]) throws(UnknownArgument) -> String {
        guard text.contains("{{") else { return text }
        var out = ""
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                rest = rest[open.lowerBound...]
                break
            }
            let inner = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            let name = inner.hasPrefix("args.") ? String(inner.dropFirst(5)) : inner
            guard let replacement = args[name] else { throw UnknownArgument(name: name) }
            out += replacement
            rest = rest[close.upperBound...]
        }
        return out + rest
    }
}
