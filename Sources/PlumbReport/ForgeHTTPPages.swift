import Foundation
import PlumbCore

/// How a forge hands out the next page of a list.
enum ForgePagination: Sendable {
    /// RFC 8288 `Link: <url>; rel="next"` (GitHub, Gitea).
    case linkHeader
    /// `X-Next-Page: <n>`, empty on the last page (GitLab).
    case nextPageHeader
    /// A `next` URL in the body beside `values` (Bitbucket Cloud).
    case bodyNext
}

extension ForgeHTTP {
    /// The most pages Plumb reads of one list, so a forge that always says "next" cannot
    /// keep it busy for ever (100 pages of 100 is ten thousand comments or pull requests).
    static let maxPages = 100

    /// Every item of a paginated list: follows the forge's "next" until there is none.
    func all(_ path: String, pagination: ForgePagination) async throws -> [Value] {
        var items: [Value] = []
        var next: String? = path
        var pages = 0
        while let current = next {
            pages += 1
            guard pages <= Self.maxPages else {
                throw ForgeError(
                    kind: .unexpectedAnswer, forge: forge, method: "GET", path: path,
                    message: "more than \(Self.maxPages) pages")
            }
            let request = ForgeRequest("GET", current)
            let response = try await send(request)
            switch pagination {
            case .linkHeader, .nextPageHeader:
                guard let page = response.json.arrayValue else { throw notAList(request) }
                items += page
            case .bodyNext:
                guard let page = response.json["values"]?.arrayValue else { throw notAList(request) }
                items += page
            }
            switch pagination {
            case .linkHeader:
                next = try response.header("link").flatMap(Self.nextLink).map { try relative($0, request) }
            case .nextPageHeader:
                let page = response.header("x-next-page")?.trimmingCharacters(in: .whitespaces) ?? ""
                next = page.isEmpty ? nil : Self.settingQuery(current, "page", page)
            case .bodyNext:
                next = try response.json["next"]?.stringValue.map { try relative($0, request) }
            }
        }
        return items
    }

    private func notAList(_ request: ForgeRequest) -> ForgeError {
        ForgeError(
            kind: .unexpectedAnswer, forge: forge, method: request.method, path: request.path,
            message: "the answer is not a list")
    }

    /// The path under the API root of a "next" URL. A URL elsewhere is refused: the token
    /// goes to the configured forge and nowhere else.
    private func relative(_ url: String, _ request: ForgeRequest) throws -> String {
        var base = root
        while base.hasSuffix("/") { base.removeLast() }
        if url.hasPrefix("/") { return url }
        guard url.hasPrefix(base + "/") || url.hasPrefix(base + "?") else {
            throw ForgeError(
                kind: .unexpectedAnswer, forge: forge, method: request.method, path: request.path,
                message: "the next page is outside \(base): \(url)")
        }
        return String(url.dropFirst(base.count))
    }

    /// The `rel="next"` target of a `Link` header.
    static func nextLink(_ header: String) -> String? {
        for part in header.split(separator: ",") {
            let fields = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let target = fields.first, target.hasPrefix("<"), target.hasSuffix(">") else { continue }
            let isNext = fields.dropFirst().contains { field in
                let f = field.replacingOccurrences(of: " ", with: "")
                return f == "rel=\"next\"" || f == "rel=next"
            }
            if isNext { return String(target.dropFirst().dropLast()) }
        }
        return nil
    }

    /// `path` with the query parameter `name` set to `value`.
    static func settingQuery(_ path: String, _ name: String, _ value: String) -> String {
        let parts = path.split(separator: "?", maxSplits: 1)
        var query = parts.count > 1 ? parts[1].split(separator: "&").map(String.init) : []
        query.removeAll { $0.hasPrefix(name + "=") }
        query.append("\(name)=\(value)")
        return String(parts[0]) + "?" + query.joined(separator: "&")
    }
}
