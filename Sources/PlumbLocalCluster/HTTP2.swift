import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP2
import NIOSSL
import NIOTLS
import Synchronization

/// What the TLS listener has served, for diagnostics and tests.
public struct ProtocolStats: Sendable, Equatable {
    /// HTTP/2 streams opened (one per request).
    public var http2Streams: Int
    /// Resets of already closed streams left out before the HTTP/2 layer.
    public var droppedResets: Int
}

/// The counters behind `ProtocolStats`, shared by every connection of one cluster.
final class ProtocolCounters: Sendable {
    let http2Streams = Atomic<Int>(0)
    let droppedResets = Atomic<Int>(0)

    var stats: ProtocolStats {
        ProtocolStats(http2Streams: http2Streams.load(ordering: .relaxed), droppedResets: droppedResets.load(ordering: .relaxed))
    }
}

/// TLS with ALPN: HTTP/2 for clients that offer it (kubectl, Plumb, client-go), HTTP/1.1 for
/// the rest, as kube-apiserver serves. HTTP/1.1 goes through Hummingbird; HTTP/2 through
/// `ClusterHTTP2Handler`, behind a filter that drops resets of streams that already closed
/// cleanly.
struct ClusterTLSChannel: ServerChildChannel {
    enum Negotiated: Sendable {
        case http1(HTTP1Channel.Value)
        case http2(any Channel)
    }

    struct Value: ServerChildChannelValue {
        let negotiated: EventLoopFuture<Negotiated>
        let channel: any Channel
    }

    let sslContext: NIOSSLContext
    let http1: HTTP1Channel
    let api: APIServer
    let counters: ProtocolCounters

    init(
        tlsConfiguration: TLSConfiguration, api: APIServer, counters: ProtocolCounters,
        responder: @escaping HTTPChannelHandler.Responder
    ) throws {
        self.api = api
        self.counters = counters
        var tls = tlsConfiguration
        tls.applicationProtocols = ["h2", "http/1.1"]
        sslContext = try NIOSSLContext(configuration: tls)
        http1 = HTTP1Channel(responder: responder, configuration: .init(additionalChannelHandlers: [HangUpHandler()]))
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let http1 = self.http1
        let api = self.api
        let counters = self.counters
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext))
            let alpn = NIOTypedApplicationProtocolNegotiationHandler<Negotiated> { result, channel in
                switch result {
                case .negotiated("h2"):
                    return channel.eventLoop.makeCompletedFuture {
                        let filter = ClosedStreamResetFilter(counters: counters)
                        var connection = NIOHTTP2Handler.ConnectionConfiguration()
                        connection.initialSettings = ClusterHTTP2Handler.settings
                        try channel.pipeline.syncOperations.addHandlers([
                            filter, NIOHTTP2Handler(mode: .server, connectionConfiguration: connection),
                            ClusterHTTP2Handler(api: api, counters: counters, resetFilter: filter),
                        ])
                        return .http2(channel)
                    }
                case .negotiated("http/1.1"), .fallback:
                    return http1.setup(channel: channel, logger: logger).map { .http1($0) }
                case .negotiated(let other):
                    return channel.close().flatMapThrowing { throw LocalCluster.ClusterError.startFailed("unexpected ALPN protocol \(other)") }
                }
            }
            try channel.pipeline.syncOperations.addHandler(alpn)
            return Value(negotiated: alpn.protocolNegotiationResult, channel: channel)
        }
    }

    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.negotiated.get() {
            case .http1(let connection): await http1.handle(value: connection, logger: logger)
            case .http2(let channel): try? await channel.closeFuture.get()
            }
        } catch {
            logger.debug("TLS or ALPN negotiation failed: \(error)")
        }
    }
}

/// Sits between TLS and the HTTP/2 layer and drops a client's RST_STREAM for a stream that had
/// already closed cleanly: such a reset changes nothing (RFC 9113 §5.1), but libcurl 7.x sends
/// one after most finished requests, and the HTTP/2 layer's rapid-reset defence counts every
/// reset and closes the connection after 200 in 30 seconds (ENHANCE_YOUR_CALM). A reset of a
/// stream still open (a cancelled watch) passes through. Every other byte passes unchanged.
final class ClosedStreamResetFilter: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    // Only the connection's event loop calls these methods.
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// The client connection preface comes before the first frame.
    private var prefaceLeft = 24
    private var pending: ByteBuffer?
    private var closed = Set<Int>()
    private var newestClosed = 0
    private let counters: ProtocolCounters

    init(counters: ProtocolCounters) { self.counters = counters }

    /// Streams closed long ago are forgotten: a late reset of one only counts against the limit.
    private static let remembered = 4096

    func streamClosed(_ id: Int) {
        closed.insert(id)
        newestClosed = max(newestClosed, id)
        if closed.count > Self.remembered {
            closed = closed.filter { $0 > newestClosed - Self.remembered }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if prefaceLeft > 0 {
            let n = min(prefaceLeft, incoming.readableBytes)
            prefaceLeft -= n
            if let preface = incoming.readSlice(length: n) { context.fireChannelRead(wrapInboundOut(preface)) }
            if incoming.readableBytes == 0 { return }
        }
        if var buffer = pending {
            buffer.writeBuffer(&incoming)
            pending = buffer
        } else {
            pending = incoming
        }
        forwardCompleteFrames(context: context)
    }

    /// Forwards every complete frame held (runs of them as one buffer), keeping back a partial
    /// frame and leaving out resets of closed streams.
    private func forwardCompleteFrames(context: ChannelHandlerContext) {
        guard var buffer = pending else { return }
        var runStart = buffer.readerIndex
        var offset = buffer.readerIndex
        while buffer.writerIndex - offset >= 9,
            let b0 = buffer.getInteger(at: offset, as: UInt8.self),
            let b1 = buffer.getInteger(at: offset + 1, as: UInt16.self),
            let type = buffer.getInteger(at: offset + 3, as: UInt8.self),
            let rawStream = buffer.getInteger(at: offset + 5, as: UInt32.self)
        {
            let length = Int(b0) << 16 | Int(b1)
            guard buffer.writerIndex - offset >= 9 + length else { break }
            let stream = Int(rawStream & 0x7FFF_FFFF)
            if type == 0x3, length == 4, closed.remove(stream) != nil {
                if offset > runStart, let run = buffer.getSlice(at: runStart, length: offset - runStart) {
                    context.fireChannelRead(wrapInboundOut(run))
                }
                counters.droppedResets.add(1, ordering: .relaxed)
                runStart = offset + 9 + length
            }
            offset += 9 + length
        }
        if offset > runStart, let run = buffer.getSlice(at: runStart, length: offset - runStart) {
            context.fireChannelRead(wrapInboundOut(run))
        }
        buffer.moveReaderIndex(to: offset)
        if buffer.readableBytes == 0 {
            pending = nil
        } else {
            buffer.discardReadBytes()
            pending = buffer
        }
    }
}
