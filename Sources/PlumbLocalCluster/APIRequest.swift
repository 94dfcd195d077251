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
    /// Who the request acts as (after impersonation).
    var user: ClusterUser = .admin

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
        percentDecoded(s, plusIsSpace: true)
    }

    /// `%XX` escapes decoded (and `+` as a space in a query); the text itself when an escape is
    /// malformed or decodes to invalid UTF-8, as Foundation's `removingPercentEncoding` fallback
    /// did. Byte-level because every request's path and query pass through it.
    static func percentDecoded<S: StringProtocol>(_ s: S, plusIsSpace: Bool = false) -> String {
        let utf8 = s.utf8
        guard utf8.contains(where: { $0 == UInt8(ascii: "%") || (plusIsSpace && $0 == UInt8(ascii: "+")) }) else {
            return String(s)
        }
        func hex(_ b: UInt8) -> UInt8? {
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return b - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count)
        var i = utf8.startIndex
        while i != utf8.endIndex {
            let b = utf8[i]
            if b == UInt8(ascii: "%") {
                let h = utf8.index(after: i)
                guard h != utf8.endIndex, let hi = hex(utf8[h]) else { return String(s) }
                let l = utf8.index(after: h)
                guard l != utf8.endIndex, let lo = hex(utf8[l]) else { return String(s) }
                out.append(hi << 4 | lo)
                i = utf8.index(after: l)
                continue
            }
            out.append(plusIsSpace && b == UInt8(ascii: "+") ? UInt8(ascii: " ") : b)
            i = utf8.index(after: i)
        }
        return String(validating: out, as: UTF8.self) ?? String(s)
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
    /// An answer with `Warning` headers (`299 - "unknown field \"spec.replica\""`).
    indirect case warned(APIResult, warnings: [String])

    static func ok(_ v: Value) -> APIResult { .json(status: 200, body: v, contentType: "application/json") }
    static func created(_ v: Value) -> APIResult { .json(status: 201, body: v, contentType: "application/json") }
    static func error(_ e: APIError) -> APIResult {
        let answer = APIResult.json(status: e.code, body: e.status, contentType: "application/json")
        return e.warnings.isEmpty ? answer : .warned(answer, warnings: e.warnings)
    }
}
