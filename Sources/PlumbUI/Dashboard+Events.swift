import Hummingbird
import NIOCore

extension Dashboard {
    /// How long one event stream lasts; the browser's `EventSource` reconnects at once, so a
    /// server shutting down never waits longer than this for its streams.
    static let streamLifetime: Duration = .seconds(15)

    /// `GET /ui/events`: `text/event-stream` of `app` events, one per Application the caller may
    /// list whenever its row changed (all of them first), and a comment as a keep-alive.
    func events(_ request: Request) async -> Response {
        let caller: Caller
        switch self.caller(request) {
        case .success(let c): caller = c
        case .failure(let response): return response
        }
        var headers = Self.securityHeaders("text/event-stream; charset=utf-8")
        headers[HTTPFields.Element.Name("X-Accel-Buffering")!] = "no"
        let feed = self.feed
        let interval = feed.interval
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: "retry: 1000\n\n"))
                var sent: [String: AppView] = [:]
                let end = ContinuousClock.now + Self.streamLifetime
                while ContinuousClock.now < end, !Task.isCancelled {
                    let (views, problem) = await feed.latest()
                    let allowed = await self.listable(caller, Set(views.map(\.namespace)))
                    var out = ""
                    for view in views where allowed.contains(view.namespace) && sent[view.key] != view {
                        out += "event: app\ndata: \(view.json)\n\n"
                        sent[view.key] = view
                    }
                    if let problem { out += ": list failed: \(problem.split(whereSeparator: \.isNewline).joined(separator: " "))\n\n" }
                    if out.isEmpty { out = ": ok\n\n" }
                    try await writer.write(ByteBuffer(string: out))
                    try? await Task.sleep(for: interval)
                }
                try await writer.finish(nil)
            })
    }
}
