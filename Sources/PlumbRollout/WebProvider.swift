import Foundation
import PlumbCore
import PlumbKube

/// The `web` provider: an HTTP GET whose JSON answer has a field that is judged.
///
/// ```yaml
/// provider:
///   web:
///     url: http://checks.web.svc/health?canary={{ args.name }}
///     jsonPath: "{$.data.successRate}"   # or data.successRate; [i] indexes a list
///     headers: [{key: X-Team, value: web}]
///     timeout: 10s
/// ```
///
/// The field (a number, string or boolean) is `result[0]`; a list field gives its items.
/// Without `jsonPath` the whole answer is the value. A non-2xx answer, a body that is not
/// JSON or a missing field is a measurement error.
public struct WebProvider: AnalysisProvider {
    public var kind: String { "web" }
    let http = AnalysisHTTP()

    public init() {}

    public func measure(metric: String, spec: Value, args: [String: String]) async throws -> Measurement {
        try AnalysisMetric.checkProvider("web", spec, field: "provider.web")
        let url = spec["url"]?.stringValue ?? ""
        let timeout = spec["timeout"]?.stringValue.flatMap(AnalysisFormat.duration) ?? .seconds(10)
        let path = try Self.path(spec["jsonPath"]?.stringValue ?? "")
        var headers: [HTTPHeader] = []
        for h in spec["headers"]?.arrayValue ?? [] {
            guard let k = h["key"]?.stringValue, let v = h["value"]?.stringValue else {
                throw AnalysisDeclarationError(
                    field: "provider.web.headers", message: "each header needs key and value")
            }
            headers.append(HTTPHeader(k, v))
        }
        func measurement(_ phase: MeasurementPhase, _ message: String, _ result: [Value]? = nil) -> Measurement {
            Measurement(metric: metric, phase: phase, value: nil, message: message, at: Date(), result: result)
        }
        let answer: AnalysisHTTP.Answer
        do {
            answer = try await http.get(url, headers: headers, timeout: timeout)
        } catch {
            return measurement(.error, "web: \(error)")
        }
        let shown = url.split(separator: "?").first.map(String.init) ?? url
        guard (200..<300).contains(answer.status) else {
            return measurement(.error, "web \(shown): HTTP \(answer.status)")
        }
        guard let body = try? JSONReader().parse(answer.body) else {
            return measurement(.error, "web \(shown): the answer is not JSON")
        }
        var value = body
        for step in path {
            let next: Value?
            switch step {
            case .key(let k): next = value[k]
            case .index(let i): next = value.arrayValue.flatMap { i < $0.count ? $0[i] : nil }
            }
            guard let next else {
                return measurement(.error, "web \(shown): the answer has no \(spec["jsonPath"]?.stringValue ?? "")")
            }
            value = next
        }
        if value.isNull { return measurement(.inconclusive, "no values (the field is null)", []) }
        return measurement(.successful, "", value.arrayValue ?? [value])
    }

    enum Step: Equatable {
        case key(String)
        case index(Int)
    }

    /// `{$.a.b[0]}`, `$.a.b[0]`, `.a.b[0]`, `a.b[0]`: keys and list indexes, nothing more.
    static func path(_ text: String) throws(AnalysisDeclarationError) -> [Step] {
        var t = Substring(text.trimmingCharacters(in: .whitespaces))
        if t.hasPrefix("{"), t.hasSuffix("}") { t = t.dropFirst().dropLast() }
        if t.hasPrefix("$") { t = t.dropFirst() }
        var steps: [Step] = []
        var key = ""
        var i = t.startIndex
        func bad(_ why: String) -> AnalysisDeclarationError {
            AnalysisDeclarationError(field: "provider.web.jsonPath", message: "\(why): \(text) (keys and [index] only)")
        }
        while i < t.endIndex {
            let c = t[i]
            if c == "." {
                if !key.isEmpty { steps.append(.key(key)) }
                key = ""
            } else if c == "[" {
                if !key.isEmpty { steps.append(.key(key)) }
                key = ""
                guard let close = t[i...].firstIndex(of: "]"), let n = Int(t[t.index(after: i)..<close]), n >= 0 else {
                    throw bad("an index must be [0], [1], ...")
                }
                steps.append(.index(n))
                i = close
            } else if c == "*" || c == "?" || c == "@" || c == "(" {
                throw bad("filters and wildcards are not supported")
            } else {
                key.append(c)
            }
            i = t.index(after: i)
        }
        if !key.isEmpty { steps.append(.key(key)) }
        return steps
    }
}
