import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// Whether the controller can do its work: its caches have synced.
public enum Readiness: Sendable, Equatable {
    case ready
    /// Not ready, with a short reason for `/readyz` (e.g. `Application cache not synced`).
    case notReady(String)
}

/// The controller's HTTP endpoint for kubelet probes and Prometheus (as controller-runtime's
/// `--health-probe-bind-address` and `--metrics-bind-address` in one listener):
/// - `GET /healthz`: 200 `ok` while the process serves at all (the liveness probe);
/// - `GET /readyz`: 200 `ok` once `readiness` says ready, else 503 with the reason;
/// - `GET /metrics`: `ControllerMetrics.exposition()` as `text/plain; version=0.0.4`.
///
/// A `Service` for a `ServiceGroup`: it stops listening on the group's graceful shutdown.
public struct ProbeServer: Service {
    /// Where to listen.
    public struct Address: Sendable, Equatable, CustomStringConvertible {
        public var host: String
        public var port: Int

        public init(host: String = "0.0.0.0", port: Int = 8080) {
            self.host = host
            self.port = port
        }

        /// `host:port` or `:port` (every interface), as Kubernetes controllers take it.
        public init?(_ text: String) {
            guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
                (0...65535).contains(port)
            else { return nil }
            var host = String(text[..<colon])
            if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            self.init(host: host.isEmpty ? "0.0.0.0" : host, port: port)
        }

        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    public let address: Address
    let metrics: ControllerMetrics
    let readiness: @Sendable () async -> Readiness
    let logger: Logger
    /// `POST /hooks/<kind>`, when set.
    let webhooks: WebhookEndpoint?
    /// Further routes served on the same port (the web dashboard of `--ui`), added last.
    let routes: Routes?
    private let bound = BoundPort()

    /// Adds routes to the server's router; how another module (the dashboard) joins the port
    /// without PlumbController knowing it.
    public typealias Routes = @Sendable (Router<BasicRequestContext>) -> Void

    /// - Parameters:
    ///   - address: where to listen (`:8080` by default; port 0 picks a free one, see `boundPort()`).
    ///   - metrics: what `/metrics` serves.
    ///   - readiness: asked on each `/readyz`.
    ///   - webhooks: the webhook receivers served beside the probes (none by default).
    ///   - routes: further routes on the same port (none by default).
    public init(
        address: Address = Address(), metrics: ControllerMetrics, logger: Logger = Logger(label: "plumb.probes"),
        webhooks: WebhookEndpoint? = nil, routes: Routes? = nil, readiness: @escaping @Sendable () async -> Readiness
    ) {
        self.webhooks = webhooks
        self.routes = routes
        self.address = address
        self.metrics = metrics
        self.readiness = readiness
        self.logger = logger
    }

    /// The port the server listens on, once it does; nil if it stopped or failed to bind.
    public func boundPort() async -> Int? {
        await bound.wait()
    }

    public func run() async throws {
        let router = Router()
        router.get("healthz") { _, _ in Self.text(.ok, "ok\n") }
        router.get("readyz") { _, _ in
            switch await readiness() {
            case .ready: return Self.text(.ok, "ok\n")
            case .notReady(let reason): return Self.text(.serviceUnavailable, "not ready: \(reason)\n")
            }
        }
        router.get("metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: ControllerMetrics.contentType],
                body: ResponseBody(byteBuffer: ByteBuffer(string: metrics.exposition())))
        }
        webhooks?.register(on: router)
        routes?(router)
        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .warning)
        let bound = self.bound
        let app = Hummingbird.Application(
            router: router,
            configuration: ApplicationConfiguration(
                address: .hostname(address.host, port: address.port), serverName: nil),
            onServerRunning: { channel in bound.set(channel.localAddress?.port) },
            logger: quiet)
        logger.info("serving /healthz, /readyz and /metrics", metadata: ["address": "\(address)"])
        defer { bound.set(nil) }
        try await app.run()
    }

    static func text(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(
            status: status, headers: [.contentType: "text/plain; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}

/// The port a server bound, for callers that wait for it.
private final class BoundPort: Sendable {
    private struct State {
        var port: Int?
        var done = false
        var waiters: [CheckedContinuation<Int?, Never>] = []
    }
    private let state = Mutex(State())

    /// Sets the port (nil: the server ended or never bound); only the first call counts.
    func set(_ port: Int?) {
        let waiters = state.withLock { state -> [CheckedContinuation<Int?, Never>] in
            guard !state.done else { return [] }
            state.done = true
            state.port = port
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: port) }
    }

    func wait() async -> Int? {
        await withCheckedContinuation { continuation in
            let now = state.withLock { state -> Int?? in
                if state.done { return .some(state.port) }
                state.waiters.append(continuation)
                return .none
            }
            if let port = now { continuation.resume(returning: port) }
        }
    }
}
