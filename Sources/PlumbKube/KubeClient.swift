import PlumbCore
import Synchronization

/// Tuning of a `KubeClient`.
public struct KubeClientOptions: Sendable {
    /// Client-side rate limit: requests per second and burst (0 disables).
    public var qps: Double = 100
    public var burst: Int = 200
    /// Let the server pace the client once it shows API Priority and Fairness (every answer
    /// then names its flow schema in `X-Kubernetes-PF-FlowSchema-UID`): the client-side limit
    /// steps aside and 429s with Retry-After do the throttling, as Flux and controller-runtime
    /// do. Off when the user set a limit explicitly.
    public var serverFlowControl = true
    public var retry = RetryPolicy()
    public var clock: any KubeClock = SystemClock()
    public var userAgent = "plumb"
    /// The field manager of server-side apply and of every mutation.
    public var fieldManager = "plumb"
    /// Called with each warning the server sends (`ServerWarnings`) and the object the request
    /// was about; the CLI prints them, as kubectl does.
    public var onWarning: (@Sendable (_ text: String, _ object: ObjectRef?) -> Void)? = nil
    /// How long requests wait for a server that stopped answering (refused or reset
    /// connections, failed TLS handshakes, a shutting-down API server) before they fail with
    /// `TargetUnreachable`.
    public var unreachableTimeout: Duration = .seconds(60)
    /// Called once when the server becomes unreachable, comes back, or is given up.
    public var onReachability: (@Sendable (ReachabilityEvent) -> Void)? = nil
    /// Called once per HTTP answer from the server (retried attempts, reachability probes and
    /// the opening of watch streams included) with the request and the status; for metrics.
    public var onResponse: (@Sendable (_ request: KubeRequest, _ status: Int) -> Void)? = nil
    /// Headers sent with every request of the client (`Impersonate-User`, see `impersonating`).
    public var headers: [HTTPHeader] = []

    public init() {}
}

/// A Kubernetes API client: rate-limited, retrying, authenticated requests over a
/// `KubeTransport`, with discovery and typed errors. Thread safe.
public final class KubeClient: Sendable {
    public let transport: any KubeTransport
    public let credentials: any CredentialProvider
    /// The namespace of objects that do not name one (context namespace, in-cluster namespace).
    public let defaultNamespace: String
    public let options: KubeClientOptions
    let limiter: RateLimiter
    /// Whether any request has had an HTTP answer from the server.
    private let answered = Atomic<Bool>(false)
    let discovery: Discovery
    /// Whether the server answers now: shared by every request (see `Reachability`).
    let reachability: Reachability

    /// A client on a given transport; the building block of tests and of `KubeClient(config:)`.
    public init(
        transport: any KubeTransport, credentials: any CredentialProvider = StaticCredentials(),
        defaultNamespace: String = "default", options: KubeClientOptions = KubeClientOptions()
    ) {
        self.transport = transport
        self.credentials = credentials
        self.defaultNamespace = defaultNamespace
        self.options = options
        limiter = RateLimiter(qps: options.qps, burst: options.burst, clock: options.clock)
        discovery = Discovery()
        reachability = Reachability(bound: options.unreachableTimeout, clock: options.clock, onEvent: options.onReachability)
    }

    /// A client like `parent` with other options, sharing its transport, credentials, rate
    /// limiter, discovery cache and reachability.
    init(deriving parent: KubeClient, options: KubeClientOptions) {
        transport = parent.transport
        credentials = parent.credentials
        defaultNamespace = parent.defaultNamespace
        self.options = options
        limiter = parent.limiter
        discovery = parent.discovery
        reachability = parent.reachability
    }

    /// A client on libcurl for a resolved configuration (kubeconfig or in-cluster).
    public convenience init(config: ClientConfig, options: KubeClientOptions = KubeClientOptions()) throws {
        let transport = try CurlTransport(options: config.transport)
        self.init(
            transport: transport, credentials: config.credentialProvider(), defaultNamespace: config.namespace,
            options: options)
    }

    /// A client configured as kubectl would be by these flags (kubeconfig files, or in-cluster).
    public convenience init(flags: KubeconfigFlags, options: KubeClientOptions = KubeClientOptions()) throws {
        try self.init(config: ClientConfig.load(flags: flags), options: options)
    }

    /// Sends a request with rate limiting, credentials and retries; returns a 2xx response or
    /// throws `StatusError` (about `object` when given) or `KubeTransportError`.
    public func perform(_ request: KubeRequest, object: ObjectRef? = nil) async throws -> KubeResponse {
        var attempt = 0
        var reauthenticated = false
        // Whether an earlier attempt of this request may have reached the server.
        var sent = false
        // Whether this request already lost one connection while the server kept answering.
        var droppedOnce = false
        while true {
            try Task.checkCancellation()
            try await reachability.waitUntilReachable(sent: sent)
            if !limiter.steppedAside { try await limiter.acquire() }
            let prepared = try await authorize(request)
            let response: KubeResponse
            do {
                response = try await transport.send(prepared)
            } catch let error as KubeTransportError {
                if answered.load(ordering: .relaxed), Self.isOutage(error) {
                    // One event for the whole client: wait for the server with every other
                    // request, then send this one again if that is safe.
                    // A refused connection means nothing listens: an outage. A connection lost
                    // mid-request may be one keep-alive connection the server closed: ask first.
                    let confirm = !droppedOnce && error.kind != .connect
                    if await reachability.markDown(confirm: confirm, probe: { await self.probe() }) {
                        droppedOnce = true
                    }
                    if error.kind != .connect {
                        guard request.isResendable else { throw error }
                        sent = true
                    }
                    continue
                }
                guard
                    let delay = options.retry.delay(
                        after: error, request: request, attempt: attempt, answered: answered.load(ordering: .relaxed))
                else {
                    throw error
                }
                attempt += 1
                try await options.clock.sleep(for: delay)
                continue
            }
            answered.store(true, ordering: .relaxed)
            options.onResponse?(request, response.status)
            if Self.isShuttingDown(response) {
                // Refused before it was handled: nothing of it was done.
                await reachability.markDown(probe: { await self.probe() })
                continue
            }
            if options.serverFlowControl, !limiter.steppedAside, Self.showsFlowControl(response) {
                limiter.stepAside()
            }
            if let report = options.onWarning, let header = response.headers["warning"] {
                for text in ServerWarnings.parse(header) { report(text, object) }
            }
            if response.status < 300 { return response }
            if response.status == 401, !reauthenticated, await credentials.invalidate() {
                reauthenticated = true
                continue
            }
            if let delay = options.retry.delay(after: response, request: request, attempt: attempt) {
                attempt += 1
                try await options.clock.sleep(for: delay)
                continue
            }
            throw StatusError(response: response, object: object)
        }
    }

    /// Transport failures that mean the server is gone (down, restarting, unreachable), not
    /// that this request was bad: refused or reset connections and failed TLS handshakes.
    /// A timeout is the caller's choice of how long to wait and is not one.
    static func isOutage(_ error: KubeTransportError) -> Bool {
        error.kind == .connect || error.kind == .tls || error.kind == .other
    }

    /// kube-apiserver shutting down refuses new requests with 429 (or 503) "The apiserver is
    /// shutting down"; a proxy in front of a dead one answers 503 without an API Status.
    static func isShuttingDown(_ response: KubeResponse) -> Bool {
        guard response.status == 429 || response.status == 503 else { return false }
        let text = String(decoding: response.body.prefix(4096), as: UTF8.self)
        if text.contains("shutting down") { return true }
        return response.status == 503 && !text.contains("\"kind\":\"Status\"")
    }

    /// Asks the server whether it answers (`GET /readyz`), past the reachability gate: any
    /// answer but a 5xx or 429 counts (a server that forbids /readyz still answers).
    func probe() async -> Bool {
        do {
            var request = try await authorize(KubeRequest(method: "GET", path: "/readyz", timeout: .seconds(2)))
            request.setHeader("Accept", "text/plain")
            let response = try await transport.send(request)
            options.onResponse?(request, response.status)
            return response.status < 500 && response.status != 429
        } catch {
            return false
        }
    }

    /// Lets requests try the server again after an outage that was given up.
    public func resetReachability() async { await reachability.reset() }

    /// Whether an answer came through API Priority and Fairness.
    static func showsFlowControl(_ response: KubeResponse) -> Bool {
        response.headers["x-kubernetes-pf-flowschema-uid"] != nil
            || response.headers["x-kubernetes-pf-prioritylevel-uid"] != nil
    }

    /// Adds credentials and the standard headers to a request.
    func authorize(_ request: KubeRequest) async throws -> KubeRequest {
        var r = request
        let creds = try await credentials.credentials()
        if let token = creds.bearerToken { r.setHeader("Authorization", "Bearer \(token)") }
        if let cert = creds.clientCertificate { r.clientCertificate = cert }
        if !r.headers.contains(where: { $0.name.lowercased() == "accept" }) { r.setHeader("Accept", "application/json") }
        r.setHeader("User-Agent", options.userAgent)
        // The request's own headers win; a name may repeat (one Impersonate-Group per group).
        let own = Set(r.headers.map { $0.name.lowercased() })
        r.headers += options.headers.filter { !own.contains($0.name.lowercased()) }
        return r
    }

    /// Sends a request and parses the JSON body of its answer.
    func performJSON(_ request: KubeRequest, object: ObjectRef? = nil) async throws -> Value {
        let response = try await perform(request, object: object)
        do {
            return try JSONReader().parse(response.body)
        } catch {
            let subject = object.map { "\($0): " } ?? ""
            throw KubeClientError(message: "\(subject)\(request.method) \(request.path): response is not JSON: \(error)")
        }
    }
}

/// A client-side failure that is not an API error: bad object, unknown kind, bad response.
public struct KubeClientError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
