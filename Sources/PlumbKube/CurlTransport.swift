import CCurl
import Foundation

/// How to reach and trust one API server.
public struct TransportOptions: Sendable {
    /// The server URL, e.g. `https://127.0.0.1:6443` (a path prefix is kept).
    public var server: String
    /// PEM CA bundle to trust; nil trusts the system store.
    public var certificateAuthorityPEM: [UInt8]?
    /// Skips certificate verification entirely (kubeconfig `insecure-skip-tls-verify`).
    public var insecureSkipTLSVerify: Bool = false
    /// The name to verify the server certificate against, instead of the URL's host.
    public var tlsServerName: String?
    /// A proxy URL (`http://`, `https://`, `socks5://`).
    public var proxyURL: String?
    /// The client certificate sent on every request, unless a request carries its own.
    public var clientCertificate: ClientCertificate?
    public var connectTimeout: Duration = .seconds(10)
    /// Default total time of a request; watches pass their own.
    public var requestTimeout: Duration = .seconds(60)
    /// Connections per host when the server does not multiplex (HTTP/1.1 keep-alive pool).
    public var maxHostConnections: Int = 8
    /// Offers HTTP/2 over TLS and multiplexes requests on one connection when accepted.
    public var http2: Bool = true
    /// How long a connection may have been idle and still be reused (libcurl's
    /// `CURLOPT_MAXAGE_CONN`, 118 s by default); an older one is closed and a new one opened.
    public var maxIdleConnectionAge: Duration = .seconds(118)

    public init(server: String) { self.server = server }
}

/// A `KubeTransport` on libcurl's multi interface: one event thread per transport, HTTP/2
/// multiplexing or a keep-alive pool, TLS verification on unless told otherwise. Thread safe.
public final class CurlTransport: KubeTransport {
    public let options: TransportOptions
    private let multi: CurlMulti
    /// Watches, each on an HTTP/1.1 connection of its own, apart from the requests' pool: a
    /// controller holds more watches than `maxHostConnections`, and in one multi handle they
    /// would take every slot of the host, leaving requests (and further watches) waiting for
    /// a connection that never frees.
    private let streams: CurlMulti
    private let base: String
    /// `CURLOPT_CONNECT_TO` entry and `Host` header when `tlsServerName` is set.
    private let connectTo: String?
    private let hostHeader: String?

    public init(options: TransportOptions) throws {
        self.options = options
        multi = try CurlMulti(
            maxHostConnections: options.maxHostConnections, multiplex: options.http2 && CurlGlobal.supportsHTTP2)
        streams = try CurlMulti(maxHostConnections: 0, multiplex: false)
        var server = options.server
        while server.hasSuffix("/") { server.removeLast() }
        // To verify against another name, the URL carries that name and libcurl is told to
        // connect to the real host instead; the Host header keeps the real authority.
        if let name = options.tlsServerName, !name.isEmpty, let url = URLComponents(string: server),
            let host = url.host, url.scheme == "https"
        {
            let port = url.port ?? 443
            var rewritten = url
            rewritten.host = name
            base = rewritten.string ?? server
            let bracketed = host.contains(":") ? "[\(host)]" : host
            connectTo = "\(name):\(port):\(bracketed):\(port)"
            hostHeader = url.port.map { "\(bracketed):\($0)" } ?? bracketed
        } else {
            base = server
            connectTo = nil
            hostHeader = nil
        }
    }

    deinit {
        multi.stop()
        streams.stop()
    }

    public func send(_ request: KubeRequest) async throws -> KubeResponse {
        let transfer = try makeTransfer(request, streaming: false)
        let multi = self.multi
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                transfer.sink = .buffered(continuation)
                multi.add(transfer)
            }
        } onCancel: {
            multi.cancel(transfer)
        }
    }

    public func stream(_ request: KubeRequest) -> AsyncThrowingStream<[UInt8], any Error> {
        let (stream, continuation) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
        do {
            let transfer = try makeTransfer(request, streaming: true)
            transfer.sink = .stream(continuation)
            let streams = self.streams
            continuation.onTermination = { _ in streams.cancel(transfer) }
            streams.add(transfer)
        } catch {
            continuation.finish(throwing: error)
        }
        return stream
    }

    private func makeTransfer(_ request: KubeRequest, streaming: Bool) throws -> CurlTransfer {
        let url = base + request.path
        let easy = try CurlEasyHandle()
        let transfer = try CurlTransfer(easy: easy, method: request.method, url: url)
        try easy.set(CURLOPT_URL, url, "CURLOPT_URL")
        try easy.set(CURLOPT_NOSIGNAL, 1, "CURLOPT_NOSIGNAL")
        try easy.set(CURLOPT_TCP_KEEPALIVE, 1, "CURLOPT_TCP_KEEPALIVE")
        try easy.set(CURLOPT_ACCEPT_ENCODING, "", "CURLOPT_ACCEPT_ENCODING")
        if streaming {
            // A watch gets a connection of its own that goes when the watch goes. Cancelling a
            // multiplexed HTTP/2 stream relies on libcurl sending RST_STREAM, which libcurl 7.x
            // leaves queued on an idle connection, so the server would keep the watch open.
            try easy.set(CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_1_1), "CURLOPT_HTTP_VERSION")
            try easy.set(CURLOPT_FORBID_REUSE, 1, "CURLOPT_FORBID_REUSE")
            try easy.set(CURLOPT_FRESH_CONNECT, 1, "CURLOPT_FRESH_CONNECT")
        } else if options.http2 && CurlGlobal.supportsHTTP2 {
            try easy.set(CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS), "CURLOPT_HTTP_VERSION")
            // Wait for a connection that can multiplex rather than opening a second one.
            try easy.set(CURLOPT_PIPEWAIT, 1, "CURLOPT_PIPEWAIT")
        }
        try easy.set(CURLOPT_CONNECTTIMEOUT_MS, milliseconds(options.connectTimeout), "CURLOPT_CONNECTTIMEOUT_MS")
        try easy.set(
            CURLOPT_MAXAGE_CONN, max(1, Int(options.maxIdleConnectionAge.components.seconds)), "CURLOPT_MAXAGE_CONN")
        if let timeout = request.timeout ?? (streaming ? nil : options.requestTimeout) {
            try easy.set(CURLOPT_TIMEOUT_MS, milliseconds(timeout), "CURLOPT_TIMEOUT_MS")
        }
        try configureTLS(easy, request)
        if let proxy = options.proxyURL, !proxy.isEmpty {
            try easy.set(CURLOPT_PROXY, proxy, "CURLOPT_PROXY")
        }
        if let connectTo {
            try easy.set(CURLOPT_CONNECT_TO, list: [connectTo], "CURLOPT_CONNECT_TO")
        }
        switch request.method {
        case "GET": try easy.set(CURLOPT_HTTPGET, 1, "CURLOPT_HTTPGET")
        case "HEAD": try easy.set(CURLOPT_NOBODY, 1, "CURLOPT_NOBODY")
        default: try easy.set(CURLOPT_CUSTOMREQUEST, request.method, "CURLOPT_CUSTOMREQUEST")
        }
        if let body = request.body {
            try easy.setBody(body)
        } else if request.method == "POST" || request.method == "PUT" || request.method == "PATCH" {
            try easy.setBody([])
        }
        var lines = request.headers.map { "\($0.name): \($0.value)" }
        if let hostHeader, !request.headers.contains(where: { $0.name.lowercased() == "host" }) {
            lines.append("Host: \(hostHeader)")
        }
        // libcurl adds `Expect: 100-continue` to large bodies; the API server does not need the round trip.
        lines.append("Expect:")
        try easy.set(CURLOPT_HTTPHEADER, list: lines, "CURLOPT_HTTPHEADER")
        return transfer
    }

    private func configureTLS(_ easy: CurlEasyHandle, _ request: KubeRequest) throws {
        if options.insecureSkipTLSVerify {
            try easy.set(CURLOPT_SSL_VERIFYPEER, 0, "CURLOPT_SSL_VERIFYPEER")
            try easy.set(CURLOPT_SSL_VERIFYHOST, 0, "CURLOPT_SSL_VERIFYHOST")
        } else {
            try easy.set(CURLOPT_SSL_VERIFYPEER, 1, "CURLOPT_SSL_VERIFYPEER")
            try easy.set(CURLOPT_SSL_VERIFYHOST, 2, "CURLOPT_SSL_VERIFYHOST")
            if let ca = options.certificateAuthorityPEM {
                try easy.set(CURLOPT_CAINFO_BLOB, blob: ca, "CURLOPT_CAINFO_BLOB")
            }
        }
        if let cert = request.clientCertificate ?? options.clientCertificate {
            try easy.set(CURLOPT_SSLCERTTYPE, "PEM", "CURLOPT_SSLCERTTYPE")
            try easy.set(CURLOPT_SSLCERT_BLOB, blob: cert.certificatePEM, "CURLOPT_SSLCERT_BLOB")
            try easy.set(CURLOPT_SSLKEYTYPE, "PEM", "CURLOPT_SSLKEYTYPE")
            try easy.set(CURLOPT_SSLKEY_BLOB, blob: cert.keyPEM, "CURLOPT_SSLKEY_BLOB")
        }
    }

    private func milliseconds(_ d: Duration) -> Int {
        let (s, atto) = d.components
        return max(1, Int(s) * 1000 + Int(atto / 1_000_000_000_000_000))
    }
}
