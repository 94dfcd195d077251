import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// One HTTPS POST to an admission webhook: HTTP/1.1 over a fresh connection, the webhook's
/// `caBundle` as the only trust root (the system's roots when it has none, as client-go does),
/// the whole exchange bounded by the webhook's timeout.
enum WebhookClient {
    struct Response: Sendable {
        var status: Int
        var contentType: String
        var body: [UInt8]
    }

    /// Why a call failed, worded as Go's net/http, net and crypto/tls word it: the text that
    /// follows `Post "<url>": ` in kube-apiserver's `failed to call webhook` error.
    struct CallError: Error, Sendable {
        var message: String
    }

    /// Posts `body` as JSON to `url` (which must be https).
    static func post(url: URL, caBundle: [UInt8], body: [UInt8], timeout: Duration) async throws(CallError) -> Response {
        guard let host = url.host, url.scheme == "https" else {
            throw CallError(message: "unsupported protocol scheme \(Self.quoted(url.scheme ?? ""))")
        }
        let port = url.port ?? 443
        let ipHost = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        let isIP = (try? SocketAddress(ipAddress: ipHost, port: port)) != nil
        let context: NIOSSLContext
        do {
            var tls = TLSConfiguration.makeClientConfiguration()
            if !caBundle.isEmpty {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(caBundle))
            }
            context = try NIOSSLContext(configuration: tls)
        } catch {
            // client-go refuses a caBundle it cannot parse before dialling.
            throw CallError(message: "unable to load root certificates: unable to parse bytes as PEM block")
        }
        let group = MultiThreadedEventLoopGroup.singleton
        let loop = group.next()
        let promise = loop.makePromise(of: Response.self)
        let limit = TimeAmount.nanoseconds(timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)
        let deadline = loop.scheduleTask(in: limit) {
            promise.fail(CallError(message: "context deadline exceeded"))
        }
        defer { deadline.cancel() }
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(limit)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // SNI carries names only; an IP address is checked against the certificate's IP SANs.
                    let tlsHandler = try NIOSSLClientHandler(context: context, serverHostname: isIP ? nil : ipHost)
                    try channel.pipeline.syncOperations.addHandler(tlsHandler)
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ResponseCollector(promise: promise, host: ipHost))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: ipHost, port: port).get()
        } catch {
            promise.fail(error)
            throw Self.describe(error, host: ipHost, port: port)
        }
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: Self.requestTarget(url))
        head.headers.add(name: "Host", value: url.port.map { "\(host):\($0)" } ?? host)
        head.headers.add(name: "User-Agent", value: "kube-apiserver-admission")
        head.headers.add(name: "Content-Type", value: "application/json")
        head.headers.add(name: "Accept", value: "application/json, */*")
        head.headers.add(name: "Content-Length", value: String(body.count))
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: body))), promise: nil)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        do {
            let response = try await promise.futureResult.get()
            channel.close(promise: nil)
            return response
        } catch {
            channel.close(promise: nil)
            throw Self.describe(error, host: ipHost, port: port)
        }
    }

    /// The path and query the request line carries.
    private static func requestTarget(_ url: URL) -> String {
        var components = URLComponents(url: url, resolvingAgainstBaseURL: false)
        components?.scheme = nil
        components?.host = nil
        components?.port = nil
        let target = components?.string ?? "/"
        return target.isEmpty ? "/" : (target.hasPrefix("/") ? target : "/" + target)
    }

    /// Go's words for a failed dial, handshake or exchange.
    static func describe(_ error: any Error, host: String, port: Int) -> CallError {
        let address = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        switch error {
        case let e as CallError:
            return e
        case let e as NIOConnectionError:
            if e.dnsAError != nil || e.dnsAAAAError != nil, e.connectionErrors.isEmpty {
                return CallError(message: "dial tcp: lookup \(host): no such host")
            }
            if let first = e.connectionErrors.first { return describe(first.error, host: host, port: port) }
            return CallError(message: "dial tcp \(address): connect: connection refused")
        case let e as IOError:
            return CallError(message: "dial tcp \(address): connect: \(Self.errnoText(e.errnoCode))")
        case ChannelError.connectTimeout:
            return CallError(message: "context deadline exceeded")
        case let e as NIOSSLExtraError where e == .failedToValidateHostname:
            return CallError(message: "tls: failed to verify certificate: x509: certificate is not valid for \(host)")
        case let e as NIOSSLError:
            if case .handshakeFailed(let inner) = e, "\(inner)".contains("CERTIFICATE_VERIFY_FAILED") {
                return CallError(message: "tls: failed to verify certificate: x509: certificate signed by unknown authority")
            }
            if case .uncleanShutdown = e { return CallError(message: "EOF") }
            return CallError(message: "remote error: tls: \(e)")
        case ChannelError.eof, ChannelError.ioOnClosedChannel, ChannelError.outputClosed:
            return CallError(message: "EOF")
        default:
            return CallError(message: "\(error)")
        }
    }

    /// `connection refused`: strerror's text as Go's syscall.Errno prints it (lower case).
    private static func errnoText(_ code: CInt) -> String {
        guard let text = strerror(code).map({ String(cString: $0) }), let first = text.first else { return "errno \(code)" }
        return first.lowercased() + text.dropFirst()
    }

    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}

/// Collects one HTTP/1.1 response into a promise; a close or error before its end fails it.
private final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let promise: EventLoopPromise<WebhookClient.Response>
    private let host: String
    private var status = 0
    private var contentType = ""
    private var body: [UInt8] = []
    /// The largest answer read; a webhook's review is small.
    private static let maximumBody = 16 << 20

    init(promise: EventLoopPromise<WebhookClient.Response>, host: String) {
        self.promise = promise
        self.host = host
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
            contentType = head.headers.first(name: "Content-Type") ?? ""
        case .body(var buffer):
            if body.count + buffer.readableBytes > Self.maximumBody {
                promise.fail(WebhookClient.CallError(message: "http: response body too large"))
                context.close(promise: nil)
                return
            }
            body += buffer.readBytes(length: buffer.readableBytes) ?? []
        case .end:
            promise.succeed(WebhookClient.Response(status: status, contentType: contentType, body: body))
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(ChannelError.eof)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.close(promise: nil)
    }
}
