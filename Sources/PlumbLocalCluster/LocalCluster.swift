import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import PlumbCore

/// A Kubernetes-API-compatible server on 127.0.0.1 for tests and `plumb sandbox`.
///
/// ```swift
/// let cluster = LocalCluster(options: .init(port: 0, tls: true))
/// let endpoint = try await cluster.start()
/// try await cluster.writeKubeconfig(to: "/tmp/kubeconfig")
/// ...
/// await cluster.stop()
/// ```
public actor LocalCluster {
    /// How to run the cluster.
    public struct Options: Sendable {
        /// Address to listen on; only loopback makes sense.
        public var host: String
        /// Port to listen on; 0 picks a free one.
        public var port: Int
        /// Serve HTTPS with a CA made at start (true) or plain HTTP (false). kubectl (client-go)
        /// sends bearer tokens only over TLS, so plain HTTP suits raw HTTP clients only.
        public var tls: Bool
        /// SQLite file to keep objects in across restarts; nil keeps them in memory.
        public var dataFile: String?
        /// Whether workloads get controller-like status (Deployments ready, Jobs complete, PVCs bound).
        public var simulateWorkloads: Bool
        /// How long simulated controllers take to report status.
        public var workloadDelay: Duration
        /// Watch events kept for resuming watches; older resourceVersions get 410 Expired.
        public var watchHistoryLimit: Int
        /// Seconds between watch bookmarks (when the client allows them).
        public var bookmarkInterval: Double
        /// Bearer token clients must present; nil makes a random one.
        public var token: String?
        /// Further bearer tokens and the users they authenticate; unlike the token above they
        /// are not `system:masters`, so RBAC (stored Roles and bindings) decides what they may do.
        public var users: [String: ClusterUser] = [:]

        public init(
            host: String = "127.0.0.1", port: Int = 0, tls: Bool = true, dataFile: String? = nil,
            simulateWorkloads: Bool = true, workloadDelay: Duration = .milliseconds(300),
            watchHistoryLimit: Int = 10_000, bookmarkInterval: Double = 10, token: String? = nil
        ) {
            self.host = host
            self.port = port
            self.tls = tls
            self.dataFile = dataFile
            self.simulateWorkloads = simulateWorkloads
            self.workloadDelay = workloadDelay
            self.watchHistoryLimit = watchHistoryLimit
            self.bookmarkInterval = bookmarkInterval
            self.token = token
        }
    }

    /// Where a started cluster listens and how to authenticate.
    public struct Endpoint: Sendable {
        /// `https://127.0.0.1:<port>` (or `http://` without TLS).
        public var url: String
        /// The CA that signed the server certificate, PEM; nil without TLS.
        public var caPEM: String?
        /// The bearer token.
        public var token: String
        /// The port actually bound.
        public var port: Int
    }

    /// Errors starting or running the cluster.
    public enum ClusterError: Error, CustomStringConvertible {
        case alreadyStarted
        case notStarted
        case startFailed(String)

        public var description: String {
            switch self {
            case .alreadyStarted: return "local cluster: already started"
            case .notStarted: return "local cluster: not started"
            case .startFailed(let why): return "local cluster: start failed: \(why)"
            }
        }
    }

    public let options: Options
    private var endpoint: Endpoint?
    private var store: ClusterStore?
    private var simulation: Simulation?
    private var serverTask: Task<Void, any Error>?
    /// A take-down under way (the listener's shutdown is awaited outside the actor's turn, so
    /// `comeBack()` waits for it instead of finding the old listener still there).
    private var shuttingDown: Task<Void, Never>?
    private var api: APIServer?
    private var certificates: ClusterCertificates?
    private var stopped = false
    private var stopWaiters: [CheckedContinuation<Void, Never>] = []
    private let addressBox = AddressBox()
    private nonisolated let protocolCounters = ProtocolCounters()

    /// A cluster that does nothing until `start()`.
    public init(options: Options = Options()) {
        self.options = options
    }

    /// Starts listening; returns once the port is bound.
    @discardableResult
    public func start() async throws -> Endpoint {
        guard serverTask == nil, api == nil else { throw ClusterError.alreadyStarted }
        let backend: (any PersistenceBackend)? = try options.dataFile.map { try SQLiteBackend(path: $0) }
        let store = try ClusterStore(backend: backend, historyLimit: options.watchHistoryLimit)
        try await store.bootstrap()
        let token = options.token ?? Self.randomToken()
        let certificates = options.tls ? try ClusterCertificates.generate() : nil
        let simulation = options.simulateWorkloads ? Simulation(store: store, delay: options.workloadDelay) : nil
        if options.simulateWorkloads { try await store.registerNode() }
        let api = APIServer(
            store: store, token: token, users: options.users, serverAddress: addressBox, simulation: simulation,
            bookmarkInterval: options.bookmarkInterval)
        self.api = api
        self.certificates = certificates
        self.store = store
        self.simulation = simulation
        let port = try await listen(on: options.port)
        addressBox.set("\(options.host):\(port)")
        let scheme = options.tls ? "https" : "http"
        let endpoint = Endpoint(url: "\(scheme)://\(options.host):\(port)", caPEM: certificates?.caPEM, token: token, port: port)
        self.endpoint = endpoint
        api.outage.onTrigger.withLock { trigger in
            trigger = { [weak self] lasting in
                Task { await self?.outage(lasting: lasting) }
            }
        }
        return endpoint
    }

    /// Serves the API on `port` (0: any free one); returns the port bound.
    private func listen(on port: Int) async throws -> Int {
        guard let api else { throw ClusterError.notStarted }
        let (bound, boundContinuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "plumb.local-cluster")
        logger.logLevel = .critical
        let server: HTTPServerBuilder
        if let certificates {
            let tlsConfiguration = TLSConfiguration.makeServerConfiguration(
                certificateChain: [.certificate(try NIOSSLCertificate(bytes: Array(certificates.serverCertificatePEM.utf8), format: .pem))],
                privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(certificates.serverKeyPEM.utf8), format: .pem)))
            let counters = protocolCounters
            server = HTTPServerBuilder { responder in
                try ClusterTLSChannel(tlsConfiguration: tlsConfiguration, api: api, counters: counters, responder: responder)
            }
        } else {
            server = .http1(configuration: .init(additionalChannelHandlers: [HangUpHandler()]))
        }
        let app = Application(
            responder: ClusterResponder(api: api),
            server: server,
            configuration: ApplicationConfiguration(address: .hostname(options.host, port: port), serverName: nil),
            onServerRunning: { channel in
                boundContinuation.yield(channel.localAddress?.port ?? 0)
                boundContinuation.finish()
            },
            logger: logger)
        let task = Task {
            defer { boundContinuation.finish() }
            try await app.runService(gracefulShutdownSignals: [])
        }
        var boundPort = 0
        for await p in bound { boundPort = p }
        guard boundPort > 0 else {
            task.cancel()
            let failure = await task.result
            if case .failure(let error) = failure { throw ClusterError.startFailed("\(error)") }
            throw ClusterError.startFailed("the server did not bind")
        }
        serverTask = task
        return boundPort
    }

    /// Runs until the calling task is cancelled or `stop()` is called (an outage in between
    /// does not end it).
    public func run() async throws {
        guard api != nil else { throw ClusterError.notStarted }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                if stopped { continuation.resume() } else { stopWaiters.append(continuation) }
            }
        } onCancel: {
            Task { await self.stop() }
        }
    }

    /// Ends every watch and shuts the server down.
    public func stop() async {
        guard api != nil, !stopped else { return }
        stopped = true
        await takeDown()
        for waiter in stopWaiters { waiter.resume() }
        stopWaiters = []
    }

    /// Goes down as a killed API server does: answers nothing more (requests under way lose
    /// their answers, what they wrote stays), drops every connection and refuses new ones,
    /// keeping every object, until `comeBack()`.
    public func goUnreachable() async {
        api?.outage.setDown(true)
        await takeDown()
    }

    /// Listens again on the same port, with the same certificate, token and objects.
    public func comeBack() async throws {
        guard let api, let endpoint, !stopped else { throw ClusterError.notStarted }
        if let shuttingDown { await shuttingDown.value }
        if serverTask == nil { _ = try await listen(on: endpoint.port) }
        api.outage.setDown(false)
    }

    /// Goes down once `writes` more writes have been stored: that write's answer is lost.
    /// Comes back after `lasting`, or stays down (nil) until `comeBack()`.
    public func goUnreachable(afterWrites writes: Int, lasting: Duration?) {
        api?.outage.arm(after: writes, counting: .writes, lasting: lasting)
    }

    /// Goes down once `requests` more requests of any kind (reads and dry runs too) have been
    /// handled; the last one's answer is lost.
    public func goUnreachable(afterRequests requests: Int, lasting: Duration?) {
        api?.outage.arm(after: requests, counting: .requests, lasting: lasting)
    }

    private func outage(lasting: Duration?) async {
        // Triggered from a request; a `comeBack()` that ran before this task did ends it.
        guard api?.outage.isDown ?? false else { return }
        await takeDown()
        guard let lasting else { return }
        try? await Task.sleep(for: lasting)
        try? await comeBack()
    }

    private func takeDown() async {
        if let shuttingDown { return await shuttingDown.value }
        guard let serverTask else { return }
        self.serverTask = nil
        let store = self.store
        let shutdown = Task {
            await store?.endAllWatches()
            serverTask.cancel()
            _ = await serverTask.result
        }
        shuttingDown = shutdown
        await shutdown.value
        shuttingDown = nil
    }

    /// The endpoint of a started cluster.
    public var currentEndpoint: Endpoint? { endpoint }

    /// Writes a kubeconfig (context `plumb-local`) that reaches this cluster, readable by the owner only.
    public func writeKubeconfig(to path: String) throws {
        guard let endpoint else { throw ClusterError.notStarted }
        try Kubeconfig(server: endpoint.url, caPEM: endpoint.caPEM, token: endpoint.token).write(to: path)
    }

    /// The kubeconfig YAML that `writeKubeconfig(to:)` writes.
    public func kubeconfigYAML() throws -> String {
        guard let endpoint else { throw ClusterError.notStarted }
        return Kubeconfig(server: endpoint.url, caPEM: endpoint.caPEM, token: endpoint.token).yaml
    }

    /// Makes the named workload fail: Deployments report ProgressDeadlineExceeded, Jobs fail.
    public func failWorkload(namespace: String, name: String) async {
        await simulation?.setOutcome(namespace: namespace, name: name, .failed)
    }

    /// Keeps the named workload unready (Progressing, never Available).
    public func keepUnready(namespace: String, name: String) async {
        await simulation?.setOutcome(namespace: namespace, name: name, .unready)
    }

    /// Lets the named workload become healthy again.
    public func makeHealthy(namespace: String, name: String) async {
        await simulation?.setOutcome(namespace: namespace, name: name, .healthy)
    }

    /// How long simulated controllers wait before reporting status.
    public func setWorkloadDelay(_ delay: Duration) async {
        await simulation?.setDelay(delay)
    }

    /// Forgets the watch history, so watches from any older resourceVersion get 410 Expired.
    public func compactWatchHistory() async {
        await store?.compactHistory()
    }

    /// What the TLS listener served: HTTP/2 streams, and resets of closed streams it dropped.
    public nonisolated var protocolStats: ProtocolStats { protocolCounters.stats }

    /// The number of open watches (for leak checks).
    public func openWatchCount() async -> Int {
        await store?.watcherCount ?? 0
    }

    private static func randomToken() -> String {
        var g = SystemRandomNumberGenerator()
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return "plumb-" + String((0..<40).map { _ in alphabet[Int(g.next() % UInt64(alphabet.count))] })
    }
}

/// The address written into `/api`'s serverAddressByClientCIDRs, known once the port is bound.
final class AddressBox: @unchecked Sendable {
    // Written once before the first request can arrive; the lock keeps the read honest anyway.
    private let lock = NSLock()
    private var value = "127.0.0.1:6443"

    func set(_ v: String) { lock.withLock { value = v } }
    func get() -> String { lock.withLock { value } }
}
