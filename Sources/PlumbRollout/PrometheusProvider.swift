import Foundation
import PlumbCore
import PlumbKube

/// How Plumb authenticates to Prometheus, from the metric's `authentication` block:
///
/// ```yaml
/// authentication:
///   bearer: {secretRef: {name: prom, key: token}}        # or {file: /var/run/prom/token}
///   basic: {username: plumb, password: {secretRef: {name: prom, key: password}}}
/// ```
///
/// Credentials are read at each measurement (a rotated Secret is picked up), sent only in the
/// `Authorization` header, and never appear in a message.
enum PrometheusAuthentication: Sendable {
    case none
    case bearer(CredentialSource)
    case basic(username: String, password: CredentialSource)

    static func check(_ v: Value, field: String) throws(AnalysisDeclarationError) {
        _ = try parse(v, field: field)
    }

    static func parse(_ v: Value?, field: String) throws(AnalysisDeclarationError) -> PrometheusAuthentication {
        guard let v else { return .none }
        guard let o = v.objectValue, o.count == 1 else {
            throw AnalysisDeclarationError(field: field, message: "needs exactly one of bearer, basic")
        }
        if let b = o["bearer"] {
            return .bearer(try CredentialSource.parse(b, field: "\(field).bearer", defaultKey: "token"))
        }
        if let b = o["basic"] {
            guard let user = b["username"]?.stringValue, !user.isEmpty else {
                throw AnalysisDeclarationError(field: "\(field).basic.username", message: "required")
            }
            guard let pw = b["password"] else {
                throw AnalysisDeclarationError(field: "\(field).basic.password", message: "required")
            }
            return .basic(
                username: user,
                password: try CredentialSource.parse(pw, field: "\(field).basic.password", defaultKey: "password"))
        }
        throw AnalysisDeclarationError(
            field: "\(field).\(o.keys[0])", message: "unknown authentication (bearer, basic)")
    }

    func headers(client: KubeClient?, namespace: String) async throws -> [HTTPHeader] {
        switch self {
        case .none: return []
        case .bearer(let source):
            return [
                HTTPHeader("Authorization", "Bearer " + (try await source.read(client: client, namespace: namespace)))
            ]
        case .basic(let user, let source):
            let password = try await source.read(client: client, namespace: namespace)
            return [HTTPHeader("Authorization", "Basic " + Data("\(user):\(password)".utf8).base64EncodedString())]
        }
    }
}

/// The `prometheus` provider: an instant query on Prometheus' HTTP API
/// (`GET <address>/api/v1/query?query=...`).
///
/// ```yaml
/// provider:
///   prometheus:
///     address: http://prometheus.monitoring:9090
///     query: sum(rate(http_requests_total{job="{{ args.name }}",code!~"5.."}[1m])) / sum(rate(http_requests_total{job="{{ args.name }}"}[1m]))
///     timeout: 10s                      # per request (default 10s)
///     minRequests: {query: 'sum(increase(http_requests_total{job="{{ args.name }}"}[1m]))', count: 20}
///     authentication: {bearer: {secretRef: {name: prom, key: token}}}
/// ```
///
/// A `vector` answer gives one value per sample, a `scalar` one value; an empty vector is
/// Inconclusive ("no values"), not a failure. `minRequests` asks a second query first; fewer
/// than `count` requests is Inconclusive. Errors of Prometheus (`status: error`) and an
/// unreachable server are measurement errors (`consecutiveErrorLimit`).
public struct PrometheusProvider: AnalysisProvider {
    public var kind: String { "prometheus" }
    let client: KubeClient?
    let namespace: String
    let http = AnalysisHTTP()

    /// `client` reads the Secrets of `authentication` in `namespace`; nil allows files only.
    public init(client: KubeClient?, namespace: String) {
        self.client = client
        self.namespace = namespace
    }

    public func measure(metric: String, spec: Value, args: [String: String]) async throws -> Measurement {
        try AnalysisMetric.checkProvider("prometheus", spec, field: "provider.prometheus")
        let address = spec["address"]?.stringValue ?? ""
        let query = spec["query"]?.stringValue ?? ""
        let timeout = spec["timeout"]?.stringValue.flatMap(AnalysisFormat.duration) ?? .seconds(10)
        let auth = try PrometheusAuthentication.parse(
            spec["authentication"], field: "provider.prometheus.authentication")
        func measurement(_ phase: MeasurementPhase, _ message: String, _ result: [Value]? = nil) -> Measurement {
            Measurement(metric: metric, phase: phase, value: nil, message: message, at: Date(), result: result)
        }
        let headers: [HTTPHeader]
        do {
            headers = try await auth.headers(client: client, namespace: namespace)
        } catch {
            return measurement(.error, "prometheus credentials: \(error)")
        }
        if let min = spec["minRequests"] {
            guard let q = min["query"]?.stringValue, let count = min["count"].flatMap(AnalysisRun.number) else {
                throw AnalysisDeclarationError(
                    field: "provider.prometheus.minRequests", message: "needs query and count")
            }
            switch await instant(address, q, headers, timeout) {
            case .failure(let message): return measurement(.error, message)
            case .success(let values):
                let requests = values.compactMap(AnalysisRun.number).filter { !$0.isNaN }.reduce(0, +)
                if requests < count {
                    return measurement(
                        .inconclusive,
                        "\(AnalysisFormat.number(requests)) requests, fewer than the \(AnalysisFormat.number(count)) required (minRequests)"
                    )
                }
            }
        }
        switch await instant(address, query, headers, timeout) {
        case .failure(let message): return measurement(.error, message)
        case .success(let values):
            if values.isEmpty {
                return measurement(.inconclusive, "no values (the query returned an empty vector)", [])
            }
            return measurement(.successful, "", values)
        }
    }

    enum Answer {
        case success([Value])
        case failure(String)
    }

    /// One instant query: its sample values (as Prometheus prints them: strings such as "0.95").
    func instant(_ address: String, _ query: String, _ headers: [HTTPHeader], _ timeout: Duration) async -> Answer {
        var base = address
        while base.hasSuffix("/") { base.removeLast() }
        var parts = URLComponents()
        parts.queryItems = [URLQueryItem(name: "query", value: query)]
        // `+` is a literal in URLComponents' encoding but a space in a query string.
        let encoded = (parts.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
        let answer: AnalysisHTTP.Answer
        do {
            answer = try await http.get(base + "/api/v1/query?" + encoded, headers: headers, timeout: timeout)
        } catch {
            return .failure("prometheus \(base) unreachable: \(error)")
        }
        guard let body = try? JSONReader().parse(answer.body), body["status"] != nil else {
            return .failure("prometheus \(base): HTTP \(answer.status), not an API answer")
        }
        guard body["status"]?.stringValue == "success" else {
            let type = body["errorType"]?.stringValue ?? "error"
            return .failure(
                "prometheus \(base): \(type): \(body["error"]?.stringValue ?? "HTTP \(answer.status)") (query: \(query))"
            )
        }
        let data = body["data"]
        switch data?["resultType"]?.stringValue {
        case "vector":
            return .success((data?["result"]?.arrayValue ?? []).compactMap { $0["value"]?.arrayValue?.last })
        case "scalar":
            return .success([data?["result"]?.arrayValue?.last].compactMap { $0 })
        case let other:
            return .failure(
                "prometheus \(base): result type \(other ?? "missing") is not supported (vector or scalar; query: \(query))"
            )
        }
    }
}
