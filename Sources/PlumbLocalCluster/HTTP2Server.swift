import Foundation
import Hummingbird
import NIOHPACK
import NIOCore
import NIOHTTP2
import Synchronization

/// Serves HTTP/2 requests straight from the connection's frames: one task per request and no
/// channel per stream. Sits after `NIOHTTP2Handler`, which keeps the protocol (settings, HPACK,
/// outbound flow control, stream states); this handler gathers each request's headers and body,
/// has `ClusterResponder` answer it, writes the answer's frames, and gives back the flow-control
/// window of the bytes it read. A watch streams as DATA frames until it ends or the client
/// resets the stream or hangs up.
final class ClusterHTTP2Handler: ChannelInboundHandler, @unchecked Sendable {
    // Only the connection's event loop calls the handler's methods; tasks reach it through
    // `NIOLoopBound`.
    typealias InboundIn = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    /// The settings the server announces: kube-apiserver's 250 streams per connection and a
    /// 256 KiB window per stream.
    static let settings: HTTP2Settings = [
        HTTP2Setting(parameter: .maxConcurrentStreams, value: 250),
        HTTP2Setting(parameter: .initialWindowSize, value: streamWindow),
        HTTP2Setting(parameter: .maxHeaderListSize, value: HPACKDecoder.defaultMaxHeaderListSize),
    ]
    static let streamWindow = 256 << 10
    /// The connection's inbound window, raised from the protocol's 65,535 on the first read.
    static let connectionWindow = 4 << 20

    private struct Stream {
        var headers: HPACKHeaders
        var body: ByteBuffer?
        var tooLarge = false
        /// Body bytes read and not yet given back to the stream's window.
        var unacknowledged = 0
        /// Whether the client has sent the whole request.
        var received = false
        let hangUp = HangUp()
    }

    private let api: APIServer
    private let counters: ProtocolCounters
    private let resetFilter: ClosedStreamResetFilter
    private var context: ChannelHandlerContext?
    private var streams: [HTTP2StreamID: Stream] = [:]
    /// Requests handed to a task whose answer has not ended yet.
    private var answering = 0
    private var connectionUnacknowledged = 0
    private var windowRaised = false
    private var flushScheduled = false
    private var quiescing = false
    private var newestStream = HTTP2StreamID(0)

    init(api: APIServer, counters: ProtocolCounters, resetFilter: ClosedStreamResetFilter) {
        self.api = api
        self.counters = counters
        self.resetFilter = resetFilter
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        hangUpAll()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        let id = frame.streamID
        switch frame.payload {
        case .headers(let headers):
            if var stream = streams[id] {
                // Trailers: nothing in them is used, but they may end the request.
                if headers.endStream, !stream.received {
                    stream.received = true
                    streams[id] = stream
                    dispatch(id)
                }
            } else {
                guard !quiescing else { return }
                streams[id] = Stream(headers: headers.headers, received: headers.endStream)
                if id > newestStream { newestStream = id }
                if headers.endStream { dispatch(id) }
            }
        case .data(let data):
            guard case .byteBuffer(var bytes) = data.data else { return }
            let counted = bytes.readableBytes + (data.paddingBytes.map { $0 + 1 } ?? 0)
            connectionUnacknowledged += counted
            guard var stream = streams[id], !stream.received else { return }
            if !stream.tooLarge {
                if (stream.body?.readableBytes ?? 0) + bytes.readableBytes > ClusterResponder.maximumBody {
                    stream.tooLarge = true
                    stream.body = nil
                } else if stream.body == nil {
                    stream.body = bytes
                } else {
                    stream.body!.writeBuffer(&bytes)
                }
            }
            if data.endStream {
                stream.received = true
                streams[id] = stream
                dispatch(id)
            } else {
                stream.unacknowledged += counted
                streams[id] = stream
            }
        case .rstStream:
            streams.removeValue(forKey: id)?.hangUp.fire()
        default:
            break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        var wrote = false
        if !windowRaised {
            windowRaised = true
            connectionUnacknowledged += Self.connectionWindow - 65_535
        }
        if connectionUnacknowledged > 0 {
            context.write(wrapOutboundOut(HTTP2Frame(streamID: .rootStream, payload: .windowUpdate(windowSizeIncrement: connectionUnacknowledged))), promise: nil)
            connectionUnacknowledged = 0
            wrote = true
        }
        for (id, stream) in streams where stream.unacknowledged > 0 && !stream.received {
            context.write(wrapOutboundOut(HTTP2Frame(streamID: id, payload: .windowUpdate(windowSizeIncrement: stream.unacknowledged))), promise: nil)
            streams[id]?.unacknowledged = 0
            wrote = true
        }
        if wrote { context.flush() }
        context.fireChannelReadComplete()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case let closed as StreamClosedEvent:
            streams.removeValue(forKey: closed.streamID)?.hangUp.fire()
            resetFilter.streamClosed(Int(closed.streamID))
        case is ChannelShouldQuiesceEvent:
            // Shutting down: no new streams, watches end, and the connection closes once every
            // answer has been sent.
            quiescing = true
            context.writeAndFlush(
                wrapOutboundOut(HTTP2Frame(streamID: .rootStream, payload: .goAway(lastStreamID: newestStream, errorCode: .noError, opaqueData: nil))),
                promise: nil)
            hangUpAll()
            closeIfQuiet()
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        hangUpAll()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // The HTTP/2 layer has answered its own errors: a stream's with RST_STREAM (and a closed
        // stream event), the connection's with GOAWAY, after which the client closes. Anything
        // else (TLS, the socket) ends the connection here.
        if error is any NIOHTTP2Error { return }
        hangUpAll()
        context.close(promise: nil)
    }

    private func hangUpAll() {
        let open = streams
        streams = [:]
        for stream in open.values { stream.hangUp.fire() }
    }

    private func closeIfQuiet() {
        if quiescing, answering == 0 { context?.close(promise: nil) }
    }

    /// Hands a complete request to a task that answers it.
    private func dispatch(_ id: HTTP2StreamID) {
        guard let stream = streams[id], let context else { return }
        counters.http2Streams.add(1, ordering: .relaxed)
        answering += 1
        let loop = context.eventLoop
        let handler = NIOLoopBound(self, eventLoop: loop)
        let headers = stream.headers
        let method = headers.first(name: ":method") ?? "GET"
        let target = headers.first(name: ":path") ?? "/"
        let (path, query) = Self.split(target)
        if stream.tooLarge {
            respond(id, ClusterAnswer(status: 413, headers: [("Content-Type", "text/plain")], body: .bytes(Array("request body too large".utf8))), method: method)
            return
        }
        let body = stream.body.map { Array($0.readableBytesView) } ?? []
        let hangUp = stream.hangUp
        let api = self.api
        Task {
            let answer = await ClusterResponder.answer(
                api: api, method: method, path: path, query: query, authorization: headers.first(name: "authorization"),
                impersonateUser: headers.first(name: "impersonate-user"), impersonateGroups: headers["impersonate-group"],
                accept: headers.first(name: "accept"), contentType: headers.first(name: "content-type"),
                userAgent: headers.first(name: "user-agent"), body: body)
            if answer.dropped {
                loop.execute { handler.value.context?.close(promise: nil) }
                return
            }
            guard case .watch(let watch) = answer.body else {
                loop.execute { handler.value.respond(id, answer, method: method) }
                return
            }
            var writer: any ResponseBodyWriter = HTTP2BodyWriter(handler: handler, streamID: id)
            let started = loop.submit { handler.value.writeHead(id, answer, endStream: false) }
            if (try? await started.get()) == true {
                try? await watch.run(&writer, hangUp: hangUp)
            }
            loop.execute { handler.value.answered() }
        }
    }

    /// Writes a whole answer: HEADERS, then one DATA frame that ends the stream (none for HEAD
    /// or an empty body).
    private func respond(_ id: HTTP2StreamID, _ answer: ClusterAnswer, method: String) {
        guard case .bytes(let bytes) = answer.body else { return }
        let headOnly = method == "HEAD" || bytes.isEmpty
        if writeHead(id, answer, endStream: headOnly), !headOnly, let context {
            let data = HTTP2Frame.FramePayload.Data(data: .byteBuffer(context.channel.allocator.buffer(bytes: bytes)), endStream: true)
            context.write(wrapOutboundOut(HTTP2Frame(streamID: id, payload: .data(data))), promise: nil)
        }
        answered()
    }

    /// Writes the response headers; false when the stream or connection is gone.
    @discardableResult
    fileprivate func writeHead(_ id: HTTP2StreamID, _ answer: ClusterAnswer, endStream: Bool) -> Bool {
        guard let context, context.channel.isActive else { return false }
        var fields = HPACKHeaders()
        fields.reserveCapacity(answer.headers.count + 2)
        fields.add(name: ":status", value: String(answer.status))
        for (name, value) in answer.headers { fields.add(name: name.lowercased(), value: value) }
        fields.add(name: "date", value: HTTPDate.now())
        let payload = HTTP2Frame.FramePayload.Headers(headers: fields, endStream: endStream)
        context.write(wrapOutboundOut(HTTP2Frame(streamID: id, payload: .headers(payload))), promise: nil)
        scheduleFlush()
        return true
    }

    /// Writes one DATA frame of a streamed answer; the future completes once the frame is sent
    /// (the HTTP/2 layer holds it while the client's window is closed).
    fileprivate func writeData(_ id: HTTP2StreamID, _ bytes: ByteBuffer, endStream: Bool, promise: EventLoopPromise<Void>) {
        guard let context, context.channel.isActive else {
            promise.fail(ChannelError.ioOnClosedChannel)
            return
        }
        let data = HTTP2Frame.FramePayload.Data(data: .byteBuffer(bytes), endStream: endStream)
        context.writeAndFlush(wrapOutboundOut(HTTP2Frame(streamID: id, payload: .data(data))), promise: promise)
    }

    fileprivate func answered() {
        answering -= 1
        closeIfQuiet()
    }

    /// One flush for every answer written in the same turn of the event loop.
    private func scheduleFlush() {
        guard !flushScheduled, let context else { return }
        flushScheduled = true
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.eventLoop.execute {
            let h = handler.value
            h.flushScheduled = false
            h.context?.flush()
        }
    }

    /// `/api/v1/pods?limit=5` → (`/api/v1/pods`, `limit=5`).
    static func split(_ target: String) -> (path: String, query: String?) {
        guard let q = target.firstIndex(of: "?") else { return (target, nil) }
        return (String(target[..<q]), String(target[target.index(after: q)...]))
    }
}

/// The body of a streamed HTTP/2 answer (a watch), written frame by frame.
struct HTTP2BodyWriter: ResponseBodyWriter, Sendable {
    let handler: NIOLoopBound<ClusterHTTP2Handler>
    let streamID: HTTP2StreamID

    mutating func write(_ buffer: ByteBuffer) async throws {
        try await send(buffer, endStream: false)
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        try await send(ByteBuffer(), endStream: true)
    }

    private func send(_ buffer: ByteBuffer, endStream: Bool) async throws {
        let (handler, id) = (handler, streamID)
        let promise = handler.eventLoop.makePromise(of: Void.self)
        handler.eventLoop.execute { handler.value.writeData(id, buffer, endStream: endStream, promise: promise) }
        try await promise.futureResult.get()
    }
}

/// The `Date` header's IMF-fixdate, formatted once a second.
enum HTTPDate {
    private static let cache = Mutex<(second: Int, text: String)>((-1, ""))
    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func now() -> String {
        let second = time(nil)
        return cache.withLock { c in
            if c.second == second { return c.text }
            var t = second
            var parts = tm()
            gmtime_r(&t, &parts)
            func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
            let text = "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
                + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
            c = (second, text)
            return text
        }
    }
}
