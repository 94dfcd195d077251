import Foundation
import PlumbTesting

/// Python's http.server on 127.0.0.1 serving `metrics.json`, which `set` rewrites: the
/// endpoint a `web` analysis provider reads.
final class MetricsServer {
    let dir: TempDir
    let port: Int
    let server: Server

    init(successRate: Double = 1.0) throws {
        dir = try TempDir("plumbmetrics")
        port = try freePort()
        try write(dir.sub("metrics.json"), #"{"successRate": \#(successRate)}"#)
        server = try Server(
            "/usr/bin/python3", ["-m", "http.server", "--bind", "127.0.0.1", "--directory", dir.path, String(port)],
            log: dir.sub("server.log"), env: ProcessInfo.processInfo.environment)
        try waitForPort(port, server: server)
    }

    var url: String { "http://127.0.0.1:\(port)/metrics.json" }

    func set(successRate: Double) throws {
        try write(dir.sub("metrics.json"), #"{"successRate": \#(successRate)}"#)
    }

    deinit { server.stop() }
}
