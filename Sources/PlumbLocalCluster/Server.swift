import Foundation
import Hummingbird
import NIOCore
import PlumbCore

/// A request context that keeps the connection, so a watch can end when its client hangs up.
struct ClusterRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

/// An answer as both HTTP/1.1 and HTTP/2 send it: a status, header fields, and a body or a
/// watch that streams one.
struct ClusterAnswer: Sendable {
    enum Body: Sendable {
        case bytes([UInt8])
        case watch(WatchStream)
    }
    var status: Int
    var headers: [(name: String, value: String)]
    var body: Body
    /// Whether the connection is to be dropped without an answer (the cluster went down).
    var dropped = false

    static let drop = ClusterAnswer(status: 503, headers: [], body: .bytes([]), dropped: true)
}

/// The HTTP face of the cluster: authenticates, parses, dispatches, encodes.
struct ClusterResponder: HTTPResponder {
    typealias Context = ClusterRequestContext
    let api: APIServer

    /// HTTP/1.1 (and plain HTTP): Hummingbird's request in, its response out.
    func respond(to request: Request, context: Context) async throws -> Response {
        let headers = request.headers
        let body: [UInt8]
        if request.method == .get || request.method == .head {
            body = []
        } else {
            let buffer = try await request.body.collect(upTo: Self.maximumBody)
            body = Array(buffer.readableBytesView)
        }
        let answer = await Self.answer(
            api: api, method: request.method.rawValue, path: request.uri.path, query: request.uri.query,
            authorization: headers[.authorization], impersonateUser: headers[Self.impersonateUser],
            impersonateGroups: headers[values: Self.impersonateGroup], accept: headers[.accept], contentType: headers[.contentType],
            userAgent: headers[.userAgent], body: body)
        if answer.dropped {
            context.channel.close(promise: nil)
            throw CancellationError()
        }
        var fields = HTTPFields()
        for (name, value) in answer.headers {
            if let name = HTTPFields.Element.Name(name) { fields.append(HTTPFields.Element(name: name, value: value)) }
        }
        switch answer.body {
        case .bytes(let bytes):
            return Response(
                status: HTTPResponse.Status(code: answer.status), headers: fields,
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        case .watch(let stream):
            let hangUp = try? await context.channel.pipeline.handler(type: HangUpHandler.self).map { $0.hangUp }.get()
            return Response(status: HTTPResponse.Status(code: answer.status), headers: fields, body: ResponseBody { writer in
                try await stream.run(&writer, hangUp: hangUp)
            })
        }
    }

    static let impersonateUser = HTTPFields.Element.Name("Impersonate-User")!
    static let impersonateGroup = HTTPFields.Element.Name("Impersonate-Group")!

    /// The largest request body the cluster reads.
    static let maximumBody = 64 << 20

    /// Authenticates one request, has the API server answer it, and encodes the answer.
    static func answer(
        api: APIServer, method: String, path rawPath: String, query: String?, authorization: String?,
        impersonateUser: String? = nil, impersonateGroups: [String] = [], accept: String?,
        contentType: String?, userAgent: String?, body: [UInt8]
    ) async -> ClusterAnswer {
        if api.outage.isDown { return .drop }
        let path = APIRequest.percentDecoded(rawPath)
        var user = ClusterUser.admin
        if path != "/healthz" && path != "/livez" && path != "/readyz" {
            switch await api.authenticate(
                authorization: authorization, impersonateUser: impersonateUser, impersonateGroups: impersonateGroups)
            {
            case nil: return encode(.error(.unauthorized))
            case .failure(let error)?: return encode(.error(error))
            case .success(let authenticated)?: user = authenticated
            }
        }
        let apiRequest = APIRequest(
            method: method, path: path, query: APIRequest.parseQuery(query), accept: accept ?? "",
            contentType: contentType ?? "", userAgent: userAgent ?? "", body: body, user: user)
        var answer = encode(await api.handle(apiRequest))
        let isWrite = method != "GET" && method != "HEAD" && answer.status < 300 && apiRequest.query["dryRun"] == nil
        if api.outage.handled(isWrite: isWrite) { return .drop }
        answer.headers.append((flowSchemaHeader, api.flowSchemaUID))
        answer.headers.append((priorityLevelHeader, api.priorityLevelUID))
        return answer
    }

    static let flowSchemaHeader = "X-Kubernetes-PF-FlowSchema-UID"
    static let priorityLevelHeader = "X-Kubernetes-PF-PriorityLevel-UID"

    static func encode(_ result: APIResult) -> ClusterAnswer {
        switch result {
        case let .json(status, value, contentType):
            let bytes = (try? JSONWriter().bytes(value)) ?? Array("{}".utf8)
            return answer(status: status, bytes: bytes, contentType: contentType)
        case let .raw(status, bytes, contentType):
            return answer(status: status, bytes: bytes, contentType: contentType)
        case let .warned(inner, warnings):
            var answer = encode(inner)
            for warning in warnings { answer.headers.append(("Warning", "299 - \(Self.quoted(warning))")) }
            return answer
        case let .watch(stream):
            return ClusterAnswer(
                status: 200, headers: [("Content-Type", "application/json"), ("Cache-Control", "no-cache, private")],
                body: .watch(stream))
        }
    }

    /// A Go-quoted string, as warning texts are sent.
    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    private static func answer(status: Int, bytes: [UInt8], contentType: String) -> ClusterAnswer {
        ClusterAnswer(
            status: status,
            headers: [("Content-Type", contentType), ("Cache-Control", "no-cache, private"), ("Content-Length", String(bytes.count))],
            body: .bytes(bytes))
    }
}

/// Routes API requests to the verb handlers. Thread safe: all state is in the store actor.
final class APIServer: Sendable {
    let store: ClusterStore
    let token: String
    /// Further bearer tokens and the users they authenticate (RBAC applies to them).
    let users: [String: ClusterUser]
    let serverAddress: AddressBox
    let simulation: Simulation?
    let bookmarkInterval: Double
    /// The flow schema and priority level every authenticated request is classified into, named
    /// in each answer as kube-apiserver's API Priority and Fairness does; clients take these
    /// headers as the sign that the server paces them itself.
    let flowSchemaUID = ObjectMeta.uid()
    let priorityLevelUID = ObjectMeta.uid()
    /// Whether the cluster is down (answers nothing) and when it goes down next.
    let outage = Outage()

    init(
        store: ClusterStore, token: String, users: [String: ClusterUser] = [:], serverAddress: AddressBox,
        simulation: Simulation?, bookmarkInterval: Double
    ) {
        self.store = store
        self.token = token
        self.users = users
        self.serverAddress = serverAddress
        self.simulation = simulation
        self.bookmarkInterval = bookmarkInterval
    }

    func handle(_ request: APIRequest) async -> APIResult {
        do {
            return try await route(request)
        } catch {
            return .error(error)
        }
    }

    private func route(_ request: APIRequest) async throws(APIError) -> APIResult {
        let s = request.segments
        switch s.first {
        case "version"? where s.count == 1:
            return .ok(Discovery.version)
        case "openapi"? where s.count == 2 && s[1] == "v2":
            return OpenAPI.v2(accept: request.accept)
        case "openapi"? where s.count >= 2 && s[1] == "v3":
            let types = await store.types
            if s.count == 2 { return .ok(OpenAPI.root(types: types)) }
            // /openapi/v3/api/v1 or /openapi/v3/apis/<group>/<version>
            let gv: (group: String, version: String)?
            switch (s[2], s.count) {
            case ("api", 4): gv = ("", s[3])
            case ("apis", 5): gv = (s[3], s[4])
            default: gv = nil
            }
            guard let gv, let doc = OpenAPI.groupVersion(group: gv.group, version: gv.version, types: types) else {
                throw APIError.pathNotFound()
            }
            return .ok(doc)
        case "healthz"?, "livez"?, "readyz"?:
            return .raw(status: 200, body: Array("ok".utf8), contentType: "text/plain; charset=utf-8")
        case "api"?:
            if s.count == 1 { return try await discoveryRoot(request, legacy: true) }
            guard s[1] == "v1" else { throw APIError.pathNotFound() }
            if s.count == 2 { return .ok(await Discovery.resourceList(group: "", version: "v1", types: store.types)) }
            return try await resource(request, group: "", version: "v1", rest: Array(s[2...]))
        case "apis"?:
            if s.count == 1 { return try await discoveryRoot(request, legacy: false) }
            let types = await store.types
            if s.count == 2 {
                guard let g = Discovery.group(s[1], types: types) else { throw APIError.pathNotFound() }
                return .ok(g)
            }
            if s.count == 3 {
                guard types.versions(of: s[1]).contains(s[2]) else { throw APIError.pathNotFound() }
                return .ok(Discovery.resourceList(group: s[1], version: s[2], types: types))
            }
            return try await resource(request, group: s[1], version: s[2], rest: Array(s[3...]))
        default:
            throw APIError.pathNotFound()
        }
    }

    private func discoveryRoot(_ request: APIRequest, legacy: Bool) async throws(APIError) -> APIResult {
        let types = await store.types
        switch Discovery.negotiate(accept: request.accept) {
        case .aggregated:
            return .json(
                status: 200, body: Discovery.aggregated(legacy: legacy, types: types),
                contentType: Discovery.aggregatedContentType)
        case .plain:
            return .ok(legacy ? Discovery.apiVersions(serverAddress: serverAddress.get()) : Discovery.groupList(types: types))
        case .notAcceptable:
            throw APIError.notAcceptable()
        }
    }

    /// `[namespaces/<ns>/]<resource>[/<name>[/<subresource>]]` below a group/version.
    private func resource(_ request: APIRequest, group: String, version: String, rest: [String]) async throws(APIError) -> APIResult {
        var rest = rest
        var namespace = ""
        // namespaces/<name>/status|finalize are subresources of the Namespace itself.
        if rest.count >= 3 && rest[0] == "namespaces" && !(group.isEmpty && rest.count == 3 && (rest[2] == "status" || rest[2] == "finalize")) {
            namespace = rest[1]
            rest.removeFirst(2)
        }
        guard let resourceName = rest.first,
            let type = await store.types.lookup(group: group, version: version, resource: resourceName)
        else { throw APIError.pathNotFound() }
        if !namespace.isEmpty && !type.namespaced { throw APIError.pathNotFound() }
        let name = rest.count > 1 ? rest[1] : nil
        let subresource = rest.count > 2 ? rest[2] : nil
        if rest.count > 3 { throw APIError.pathNotFound() }
        if let subresource, type.subresource(subresource) == nil { throw APIError.pathNotFound() }
        let target = Target(type: type, namespace: namespace, name: name, subresource: subresource)
        try await authorize(request, target)
        // Verbs discovery does not list (405), kinds that are not stored, other subresources.
        if let answer = try await special(request, target) { return answer }
        switch (request.method, name) {
        case ("GET", nil):
            if request.flag("watch") { return try await watch(request, target) }
            return try await list(request, target)
        case ("GET", _?): return try await get(request, target)
        case ("POST", nil): return try await create(request, target)
        case ("PUT", _?): return try await update(request, target)
        case ("PATCH", _?): return try await patch(request, target)
        case ("DELETE", _?): return try await delete(request, target)
        case ("DELETE", nil): return try await deleteCollection(request, target)
        default: throw APIError.methodNotAllowed()
        }
    }
}

/// What a request addresses: a type, a namespace (or ""), an optional name and subresource.
struct Target: Sendable {
    var type: ResourceType
    var namespace: String
    var name: String?
    var subresource: String?
}
