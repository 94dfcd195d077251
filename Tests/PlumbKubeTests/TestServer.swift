import Foundation
import PlumbCore
import XCTest

@testable import PlumbKube

/// One scripted route of the test server.
struct Route {
    var method = "GET"
    var path: String
    /// Substrings the raw query must contain.
    var query: [String] = []
    var notQuery: [String] = []
    var responses: [Value]

    var value: Value {
        [
            "method": .string(method), "path": .string(path), "query": .array(query.map { .string($0) }),
            "notQuery": .array(notQuery.map { .string($0) }), "responses": .array(responses),
        ]
    }
}

/// A request the test server received.
struct LoggedRequest {
    var method: String
    var path: String
    var query: String
    var headers: [String: String]
    var body: String?
}

/// The Python test server in its own temp dir, on 127.0.0.1 and a free port; stopped on deinit.
final class TestServer {
    let dir: URL
    let port: Int
    let scheme: String
    private let process: Process
    private let input = Pipe()

    init(routes: [Route], tls: (cert: String, key: String, clientCA: String?)? = nil) throws {
        dir = try makeTempDir("server")
        try testServerScript.write(to: dir.appendingPathComponent("server.py"), atomically: true, encoding: .utf8)
        var config: Value = ["routes": .array(routes.map(\.value))]
        if let tls {
            config["tls"] = [
                "cert": .string(tls.cert), "key": .string(tls.key),
                "clientCA": tls.clientCA.map { .string($0) } ?? .null,
            ]
        }
        try JSONWriter().string(config).write(to: dir.appendingPathComponent("routes.json"), atomically: true, encoding: .utf8)
        _ = FileManager.default.createFile(atPath: dir.appendingPathComponent("log.jsonl").path, contents: nil)
        process = Process()
        // The system Python directly: a version-manager shim would put a shell in between.
        let python = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") ? "/usr/bin/python3" : "python3"
        process.executableURL = URL(fileURLWithPath: python.hasPrefix("/") ? python : "/usr/bin/env")
        process.arguments = (python.hasPrefix("/") ? [] : [python]) + [
            dir.appendingPathComponent("server.py").path, dir.appendingPathComponent("routes.json").path,
            dir.appendingPathComponent("log.jsonl").path,
        ]
        let out = Pipe()
        process.standardOutput = out
        process.standardInput = input
        try process.run()
        // The first line is the port; readLine-style, bounded by the server's start-up.
        var line = [UInt8]()
        let handle = out.fileHandleForReading
        while line.count < 16 {
            let byte = handle.readData(ofLength: 1)
            if byte.isEmpty || byte.first == 0x0A { break }
            line += byte
        }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            process.terminate()
            throw KubeClientError(message: "test server did not start")
        }
        self.port = port
        scheme = tls == nil ? "http" : "https"
    }

    deinit {
        // Closing the server's stdin ends it (it also does so if this process dies).
        try? input.fileHandleForWriting.close()
        process.terminate()
        process.waitUntilExit()
    }

    var url: String { "\(scheme)://127.0.0.1:\(port)" }

    func requests() -> [LoggedRequest] {
        let text = (try? String(contentsOf: dir.appendingPathComponent("log.jsonl"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            guard let v = try? JSONReader().parse(String(line)) else { return nil }
            var headers: [String: String] = [:]
            for e in v["headers"]?.objectValue ?? ValueObject() { headers[e.key] = e.value.stringValue }
            return LoggedRequest(
                method: v["method"]?.stringValue ?? "", path: v["path"]?.stringValue ?? "",
                query: v["query"]?.stringValue ?? "", headers: headers, body: v["body"]?.stringValue)
        }
    }

    func requests(_ method: String, _ path: String) -> [LoggedRequest] {
        requests().filter { $0.method == method && $0.path == path }
    }
}

func makeTempDir(_ label: String) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plumb-kube-\(label)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

/// A captured kube-wire document from the test bundle.
func fixture(_ name: String) throws -> Value {
    guard let url = Bundle.module.url(forResource: "Fixtures/kube-wire/\(name)", withExtension: "json") else {
        throw KubeClientError(message: "no fixture \(name)")
    }
    return try JSONReader().parse([UInt8](try Data(contentsOf: url)))
}

/// Routes serving the captured aggregated discovery documents.
func discoveryRoutes() throws -> [Route] {
    [
        Route(path: "/api", responses: [["body": try fixture("discovery-aggregated-api")]]),
        Route(path: "/apis", responses: [["body": try fixture("discovery-aggregated-apis")]]),
    ]
}

/// A response with a JSON body.
func reply(_ status: Int64 = 200, _ body: Value, headers: Value = [:], delay: Double = 0) -> Value {
    ["status": .int(status), "body": body, "headers": headers, "delay": .double(delay)]
}

/// A client on the test server without rate limiting and with quick retries.
func testClient(
    _ server: TestServer, credentials: any CredentialProvider = StaticCredentials(Credentials(bearerToken: "t0k3n")),
    configure: (inout TransportOptions) -> Void = { _ in }
) throws -> KubeClient {
    var transport = TransportOptions(server: server.url)
    transport.requestTimeout = .seconds(20)
    configure(&transport)
    var options = KubeClientOptions()
    options.qps = 0
    options.retry.initialBackoff = .milliseconds(20)
    options.retry.maxBackoff = .milliseconds(200)
    return KubeClient(
        transport: try CurlTransport(options: transport), credentials: credentials, defaultNamespace: "wire",
        options: options)
}
