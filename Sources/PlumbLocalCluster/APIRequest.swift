import Foundation
import PlumbCore

/// One request as the API handlers see it, independent of the HTTP library.
struct APIRequest: Sendable {
    var method: String
    var path: String
    var query: [String: String]
    var accept: String
    var contentType: String
    var userAgent: String
    var body: [UInt8]

    var segments: [String] { path.split(separator: "/").map(String.init) }

    func flag(_ name: String) -> Bool {
        guard let v = query[name] else { return false }
        return v == "1" || v == "true" || v == "True"
    }

    /// `dryRun=All` (the only value kube-apiserver accepts).
    func isDryRun() throws(APIError) -> Bool {
        guard let v = query["dryRun"] else { return false }
        guard v == "All" else {
            throw APIError.badRequest("Invalid dry run value: \(v): supported values are All")
        }
        return true
    }

    /// Whether the client asked for a `meta.k8s.io` Table rendering.
    var wantsTable: Bool { accept.contains("as=Table") }

    /// Whether the client asked for metadata only (`as=PartialObjectMetadata[List]`).
    var wantsMetadata: Bool { accept.contains("as=PartialObjectMetadata") && !wantsTable }

    /// Parses a query string the way Go's url.ParseQuery does (`+` is a space).
    static func parseQuery(_ query: String?) -> [String: String] {
        guard let query, !query.isEmpty else { return [:] }
        var out: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = decode(kv[0])
            let value = kv.count > 1 ? decode(kv[1]) : ""
            if out[key] == nil { out[key] = value }
        }
        return out
    }

    private static func decode(_ s: Substring) -> String {
        let spaced = s.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    /// The body as a JSON value; a body that is not JSON is a 400 like the real decoder's.
    func jsonBody() throws(APIError) -> Value {
        if contentType.hasPrefix("application/vnd.kubernetes.protobuf") {
            do {
                return try Protobuf.decode(body)
            } catch {
                throw APIError(
                    code: 415, reason: "UnsupportedMediaType",
                    message: "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml")
            }
        }
        do {
            return try JSONReader().parse(body)
        } catch {
            throw APIError.badRequest("the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf")
        }
    }
}

/// What a handler answers.
enum APIResult: Sendable {
    case json(status: Int, body: Value, contentType: String)
    case raw(status: Int, body: [UInt8], contentType: String)
    case watch(WatchStream)

    static func ok(_ v: Value) -> APIResult { .json(status: 200, body: v, contentType: "application/json") }
    static func created(_ v: Value) -> APIResult { .json(status: 201, body: v, contentType: "application/json") }
    static func error(_ e: APIError) -> APIResult { .json(status: e.code, body: e.status, contentType: "application/json") }
}
