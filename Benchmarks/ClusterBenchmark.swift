// `swift run -c release Benchmarks cluster`: server-side apply throughput of the local cluster.
import Foundation
import PlumbCore
import PlumbLocalCluster

#if canImport(Glibc)
    import Glibc
#endif

/// Applies 1,000 ConfigMaps and 1,000 Deployments from 16 keep-alive clients (one thread
/// each), then applies them all again unchanged, printing requests/s and latency percentiles.
func runClusterBenchmark() async throws {
    let cluster = LocalCluster(options: .init(port: 0, tls: false, simulateWorkloads: false, token: "bench"))
    let endpoint = try await cluster.start()
    let setup = KeepAliveClient(port: endpoint.port, token: endpoint.token)
    _ = try setup.send("POST", "/api/v1/namespaces", body: #"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"bench"}}"#)

    var bodies: [(path: String, body: String)] = []
    for i in 0..<1000 {
        bodies.append((
            "/api/v1/namespaces/bench/configmaps/cm-\(i)?fieldManager=plumb",
            #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm-\#(i)","namespace":"bench","labels":{"app.kubernetes.io/managed-by":"plumb","plumb.dev/app":"bench"}},"data":{"index":"\#(i)","payload":"value-\#(i)"}}"#
        ))
    }
    for i in 0..<1000 {
        bodies.append((
            "/apis/apps/v1/namespaces/bench/deployments/web-\(i)?fieldManager=plumb",
            #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web-\#(i)","namespace":"bench","labels":{"plumb.dev/app":"bench"}},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"web-\#(i)"}},"template":{"metadata":{"labels":{"app":"web-\#(i)"}},"spec":{"containers":[{"name":"web","image":"nginx:1.25","ports":[{"containerPort":80}],"env":[{"name":"MODE","value":"blue"}],"resources":{"requests":{"cpu":"100m","memory":"128Mi"},"limits":{"cpu":"1000m","memory":"1024Mi"}}}]}}}}"#
        ))
    }
    for round in ["create", "re-apply (no-op)"] {
        let result = try runClients(bodies: bodies, clients: 16, port: endpoint.port, token: endpoint.token)
        let sorted = result.latencies.sorted()
        func pct(_ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] * 1000 }
        print(
            String(
                format: "cluster apply %-17@ %5d applies, 16 clients: %7.0f applies/s, p50 %.2f ms, p99 %.2f ms, errors %d",
                round as NSString, sorted.count, Double(sorted.count) / result.seconds, pct(0.5), pct(0.99), result.errors))
    }
    await cluster.stop()
}

private struct ClientRun: Sendable {
    var latencies: [Double]
    var seconds: Double
    var errors: Int
}

/// Splits the bodies over `clients` threads with one keep-alive connection each.
private func runClients(bodies: [(path: String, body: String)], clients: Int, port: Int, token: String) throws -> ClientRun {
    let collected = Collected()
    let done = DispatchSemaphore(value: 0)
    let start = Date()
    for c in 0..<clients {
        let mine = stride(from: c, to: bodies.count, by: clients).map { bodies[$0] }
        Thread {
            var local: [Double] = []
            var failed = 0
            let client = KeepAliveClient(port: port, token: token)
            for (path, body) in mine {
                let t0 = Date()
                let status = (try? client.send("PATCH", path, body: body, contentType: "application/apply-patch+yaml")) ?? 0
                local.append(Date().timeIntervalSince(t0))
                if status != 200 && status != 201 { failed += 1 }
            }
            collected.add(local, failed)
            done.signal()
        }.start()
    }
    for _ in 0..<clients { done.wait() }
    let seconds = Date().timeIntervalSince(start)
    let (latencies, errors) = collected.result
    return ClientRun(latencies: latencies, seconds: seconds, errors: errors)
}

/// Latencies gathered from the client threads.
private final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var latencies: [Double] = []
    private var errors = 0

    func add(_ l: [Double], _ e: Int) { lock.withLock { latencies += l; errors += e } }
    var result: ([Double], Int) { lock.withLock { (latencies, errors) } }
}

/// One HTTP/1.1 keep-alive connection on a loopback socket; not thread safe (one per thread).
private final class KeepAliveClient {
    let port: Int
    let token: String
    private var fd: Int32 = -1

    init(port: Int, token: String) {
        self.port = port
        self.token = token
    }

    deinit { if fd >= 0 { close(fd) } }

    private func connectIfNeeded() throws {
        guard fd < 0 else { return }
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { throw ClusterBenchmarkError.connect }
    }

    /// Sends one request and reads the whole response; returns the status code.
    func send(_ method: String, _ path: String, body: String, contentType: String = "application/json") throws -> Int {
        try connectIfNeeded()
        let bytes = Array(body.utf8)
        let head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\nAccept: application/json\r\nContent-Type: \(contentType)\r\nContent-Length: \(bytes.count)\r\n\r\n"
        let out = Array(head.utf8) + bytes
        var sent = 0
        while sent < out.count {
            let n = out[sent...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw ClusterBenchmarkError.io }
            sent += n
        }
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        var headerEnd: Int? = nil
        var contentLength = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw ClusterBenchmarkError.io }
            data.append(contentsOf: buffer[0..<n])
            if headerEnd == nil, let r = data.firstRange(of: Array("\r\n\r\n".utf8)) {
                headerEnd = r.upperBound
                let head = String(decoding: data[..<r.lowerBound], as: UTF8.self).lowercased()
                for line in head.split(separator: "\r\n") where line.hasPrefix("content-length:") {
                    contentLength = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) ?? 0
                }
            }
            if let headerEnd, data.count >= headerEnd + contentLength {
                let statusLine = String(decoding: data.prefix(12), as: UTF8.self).split(separator: " ")
                return statusLine.count > 1 ? Int(statusLine[1]) ?? 0 : 0
            }
        }
    }
}

private enum ClusterBenchmarkError: Error { case connect, io }
