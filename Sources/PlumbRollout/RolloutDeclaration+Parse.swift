import PlumbCore
import PlumbEngine
import PlumbManifests

/// A declaration Plumb cannot use: the object's file (line and column of its document) and the
/// field, as render errors are printed.
public struct DeclarationProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public var ref: ObjectRef
    public var source: SourceLocation?
    /// `spec.strategy.canary.steps[1].setWeight`.
    public var field: String
    public var message: String

    public var description: String {
        let place = source.map { "\($0): " } ?? ""
        return "\(place)\(ref): \(field): \(message)"
    }

    /// The problem as a manifest error (the file and place of the object's document).
    public var manifestError: ManifestError {
        ManifestError(
            file: source?.file ?? ref.description, line: source?.line, column: source?.column,
            message: "\(ref): \(field): \(message)")
    }
}

extension RolloutDeclaration {
    /// Reads a RolloutStrategy object; every problem is thrown with its field.
    public init(_ resource: Resource) throws(DeclarationProblem) {
        let ref = resource.ref
        func problem(_ field: String, _ message: String) -> DeclarationProblem {
            DeclarationProblem(ref: ref, source: resource.source, field: field, message: message)
        }
        guard let spec = resource.body["spec"], spec.objectValue != nil else { throw problem("spec", "required") }
        guard let targetRef = spec["targetRef"]?.objectValue else { throw problem("spec.targetRef", "required") }
        let kind = targetRef["kind"]?.stringValue ?? "Deployment"
        guard kind == "Deployment" else {
            throw problem("spec.targetRef.kind", "\"\(kind)\" is not supported (Deployment)")
        }
        let apiVersion = targetRef["apiVersion"]?.stringValue ?? "apps/v1"
        guard apiVersion == "apps/v1" else { throw problem("spec.targetRef.apiVersion", "\"\(apiVersion)\" is not apps/v1") }
        guard let name = targetRef["name"]?.stringValue, !name.isEmpty else { throw problem("spec.targetRef.name", "required") }
        guard let strategy = spec["strategy"]?.objectValue else { throw problem("spec.strategy", "required (canary or blueGreen)") }
        let parsed: Strategy
        switch (strategy["canary"], strategy["blueGreen"]) {
        case (let canary?, nil):
            parsed = .canary(try Self.canary(canary, problem))
        case (nil, let blueGreen?):
            parsed = .blueGreen(try Self.blueGreen(blueGreen, problem))
        case (nil, nil):
            throw problem("spec.strategy", "one of canary or blueGreen is required")
        default:
            throw problem("spec.strategy", "canary and blueGreen exclude each other")
        }
        self.init(
            ref: ref, target: ObjectRef(apiVersion: "apps/v1", kind: "Deployment", namespace: ref.namespace, name: name),
            strategy: parsed, source: resource.source)
    }

    typealias Problem = (String, String) -> DeclarationProblem

    static func canary(_ value: Value, _ problem: Problem) throws(DeclarationProblem) -> Canary {
        let base = "spec.strategy.canary"
        guard value.objectValue != nil else { throw problem(base, "expected an object") }
        guard let steps = value["steps"]?.arrayValue, !steps.isEmpty else { throw problem(base + ".steps", "at least one step is required") }
        var parsed: [Step] = []
        for (i, step) in steps.enumerated() {
            let field = "\(base).steps[\(i)]"
            guard let object = step.objectValue, object.count == 1, let key = object.keys.first, let body = object[key] else {
                throw problem(field, "expected one of setWeight, pause or analysis")
            }
            switch key {
            case "setWeight":
                guard let w = body.intValue, (0...100).contains(w) else {
                    throw problem(field + ".setWeight", "expected an integer from 0 to 100")
                }
                parsed.append(.setWeight(Int(w)))
            case "pause":
                guard body.objectValue != nil else { throw problem(field + ".pause", "expected {} or {duration: 1m}") }
                guard let duration = body["duration"] else {
                    parsed.append(.pause(nil))
                    continue
                }
                let text = duration.intValue.map { "\($0)" } ?? duration.stringValue ?? ""
                guard let d = DurationText.parse(text) else {
                    throw problem(field + ".pause.duration", "\"\(text)\" is not a duration such as 30s, 5m or 1h")
                }
                parsed.append(.pause(d))
            case "analysis":
                parsed.append(.analysis(try analysis(body, field: field + ".analysis", problem)))
            default:
                throw problem(field + "." + key, "unknown step (setWeight, pause or analysis)")
            }
        }
        let routing = try routing(value["trafficRouting"], problem)
        let stable = value["stableService"]?.stringValue
        let canary = value["canaryService"]?.stringValue
        if routing != .none {
            if stable == nil { throw problem(base + ".stableService", "required with trafficRouting.\(routing.kind)") }
            if canary == nil { throw problem(base + ".canaryService", "required with trafficRouting.\(routing.kind)") }
        }
        return Canary(steps: parsed, routing: routing, stableService: stable, canaryService: canary)
    }

    static func routing(_ value: Value?, _ problem: Problem) throws(DeclarationProblem) -> Routing {
        let base = "spec.strategy.canary.trafficRouting"
        guard let value, !value.isNull else { return .none }
        guard let object = value.objectValue else { throw problem(base, "expected an object") }
        guard object.count <= 1 else { throw problem(base, "one router only (gatewayAPI, nginx or istio)") }
        guard let key = object.keys.first, let body = object[key] else { return .none }
        func name(_ field: String) throws(DeclarationProblem) -> String {
            let v = body[field]
            guard let s = v?.stringValue ?? v?["name"]?.stringValue, !s.isEmpty else {
                throw problem("\(base).\(key).\(field)", "required")
            }
            return s
        }
        switch key {
        case "none": return .none
        case "gatewayAPI": return .gatewayAPI(httpRoute: try name("httpRoute"))
        case "nginx": return .nginx(stableIngress: try name("stableIngress"))
        case "istio":
            let rule = body["destinationRule"].flatMap { $0.stringValue ?? $0["name"]?.stringValue }
            return .istio(virtualService: try name("virtualService"), destinationRule: rule)
        default:
            throw problem("\(base).\(key)", "unknown router (gatewayAPI, nginx or istio; none for the replica ratio)")
        }
    }

    static func analysis(_ value: Value, field: String, _ problem: Problem) throws(DeclarationProblem) -> AnalysisStep {
        guard value.objectValue != nil else { throw problem(field, "expected {templates: [...], args: [...]}") }
        guard let templates = value["templates"]?.arrayValue, !templates.isEmpty else {
            throw problem(field + ".templates", "at least one template is required")
        }
        var names: [String] = []
        for (i, t) in templates.enumerated() {
            guard let name = t["templateName"]?.stringValue ?? t.stringValue, !name.isEmpty else {
                throw problem("\(field).templates[\(i)].templateName", "required")
            }
            names.append(name)
        }
        var args: [String: String] = [:]
        for (i, a) in (value["args"]?.arrayValue ?? []).enumerated() {
            guard let name = a["name"]?.stringValue, !name.isEmpty else { throw problem("\(field).args[\(i)].name", "required") }
            guard let v = a["value"], let text = v.stringValue ?? v.intValue.map({ "\($0)" }) ?? v.doubleValue.map({ "\($0)" }) else {
                throw problem("\(field).args[\(i)].value", "required (a string)")
            }
            args[name] = text
        }
        return AnalysisStep(templates: names, args: args)
    }

    static func blueGreen(_ value: Value, _ problem: Problem) throws(DeclarationProblem) -> BlueGreen {
        let base = "spec.strategy.blueGreen"
        guard value.objectValue != nil else { throw problem(base, "expected an object") }
        guard let active = value["activeService"]?.stringValue, !active.isEmpty else { throw problem(base + ".activeService", "required") }
        var delay = 30
        if let d = value["scaleDownDelaySeconds"] {
            guard let n = d.intValue, n >= 0 else { throw problem(base + ".scaleDownDelaySeconds", "expected a whole number of seconds, 0 or more") }
            delay = Int(n)
        }
        let analysis = try value["prePromotionAnalysis"].map { v throws(DeclarationProblem) in
            try Self.analysis(v, field: base + ".prePromotionAnalysis", problem)
        }
        return BlueGreen(
            activeService: active, previewService: value["previewService"]?.stringValue, prePromotionAnalysis: analysis,
            scaleDownDelaySeconds: delay)
    }
}
