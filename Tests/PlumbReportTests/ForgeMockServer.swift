import Foundation
import HTTPTypes
import Hummingbird
import Logging
import PlumbCore
import PlumbTesting
import Synchronization
import XCTest

/// One request as a mock forge saw it: method, raw target (path and query), headers with
/// lowercased names, and the JSON body.
struct RecordedRequest: Sendable {
    var method: String
    var target: String
    var headers: [String: String]
    var body: Value?

    var path: String { String(target.split(separator: "?", maxSplits: 1).first ?? "") }
    var query: [String: String] {
        let parts = target.split(separator: "?", maxSplits: 1)
        guard parts.count == 2 else { return [:] }
        var out: [String: String] = [:]
        for pair in parts[1].split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
            out[kv[0]] = kv.count > 1 ? (kv[1].removingPercentEncoding ?? kv[1]) : ""
        }
        return out
    }
}

/// What a mock forge answers.
struct MockAnswer: Sendable {
    var status: Int
    var headers: [(String, String)]
    var body: String

    init(_ status: Int, _ body: String = "", headers: [(String, String)] = []) {
        self.status = status
        self.body = body
        self.headers = headers
    }

    static func json(_ status: Int, _ value: Value, headers: [(String, String)] = []) -> MockAnswer {
        MockAnswer(status, value.jsonString, headers: headers)
    }
}

/// A forge on 127.0.0.1: records every request and answers with `handler`.
final class ForgeMockServer: Sendable {
    let port: Int
    private let recorded: RecordBox
    private let task: Task<Void, any Error>

    var url: String { "http://127.0.0.1:\(port)" }
    var requests: [RecordedRequest] { recorded.items.withLock { $0 } }

    private init(port: Int, recorded: RecordBox, task: Task<Void, any Error>) {
        self.port = port
        self.recorded = recorded
        self.task = task
    }

    static func start(_ handler: @escaping @Sendable (RecordedRequest) async throws -> MockAnswer) async throws
        -> ForgeMockServer
    {
        let box = RecordBox()
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            let bytes = try await request.body.collect(upTo: 8 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            // HTTP/1.1's Host is HTTPTypes' :authority.
            if let authority = request.head.authority { headers["host"] = authority }
            let raw = Array(bytes.readableBytesView)
            let recordedRequest = RecordedRequest(
                method: request.method.rawValue, target: request.uri.description, headers: headers,
                body: raw.isEmpty ? nil : try JSONReader().parse(raw))
            box.append(recordedRequest)
            let answer = try await handler(recordedRequest)
            var fields = HTTPFields()
            fields[.contentType] = "application/json; charset=utf-8"
            for (name, value) in answer.headers {
                if let field = HTTPField.Name(name) { fields.append(HTTPField(name: field, value: value)) }
            }
            return Response(
                status: .init(code: answer.status), headers: fields,
                body: ResponseBody(byteBuffer: ByteBuffer(string: answer.body)))
        }
        let (bound, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "plumb.test-forge")
        logger.logLevel = .critical
        let app = Application(
            responder: responder, configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            }, logger: logger)
        let task = Task {
            defer { continuation.finish() }
            try await app.runService(gracefulShutdownSignals: [])
        }
        var port = 0
        for await p in bound { port = p }
        guard port > 0 else {
            task.cancel()
            throw TestFailure("the mock forge did not bind")
        }
        let server = ForgeMockServer(port: port, recorded: box, task: task)
        return server
    }

    func stop() async {
        task.cancel()
        _ = await task.result
    }

    private final class RecordBox: Sendable {
        let items = Mutex<[RecordedRequest]>([])
        func append(_ r: RecordedRequest) { items.withLock { $0.append(r) } }
    }
}

/// The captured example answer `fixtures/forges/<forge>/<name>`.
func forgeFixture(_ forge: String, _ name: String) throws -> Value {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    let data = try Data(contentsOf: root.appendingPathComponent("fixtures/forges/\(forge)/\(name)"))
    return try JSONReader().parse(Array(data))
}

/// Comments kept by a mock forge, so a second sticky-comment run finds the first one.
final class CommentStore: Sendable {
    private let state = Mutex<(next: Int, items: [(id: Int, body: String)])>((100, []))

    func add(_ body: String) -> Int {
        state.withLock {
            $0.next += 1
            $0.items.append(($0.next, body))
            return $0.next
        }
    }

    func edit(_ id: Int, _ body: String) -> Bool {
        state.withLock { s in
            guard let i = s.items.firstIndex(where: { $0.id == id }) else { return false }
            s.items[i].body = body
            return true
        }
    }

    var all: [(id: Int, body: String)] { state.withLock { $0.items } }

    /// Page `page` (1-based) of `size` items.
    func page(_ page: Int, size: Int) -> (items: [(id: Int, body: String)], more: Bool) {
        let items = all
        let start = min(items.count, (page - 1) * size)
        let end = min(items.count, start + size)
        return (Array(items[start..<end]), end < items.count)
    }
}

/// A counter shared with a mock's handler.
final class Counter: Sendable {
    private let value = Mutex(0)
    func next() -> Int {
        value.withLock {
            $0 += 1
            return $0
        }
    }
    var count: Int { value.withLock { $0 } }
}
