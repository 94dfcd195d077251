import PlumbAudit
import PlumbCore
import PlumbKube
import Synchronization

/// Which Applications this replica may reconcile now: all of them (one replica), all or none
/// (leader election), or its share (sharding). The controller asks before each reconcile and
/// `FencedTransport` asks before each write made for an Application, so a replica that lost
/// an Application (or its lease) stops writing for it at once, in the middle of a sync too.
public protocol WorkGate: AnyObject, Sendable {
    /// Whether this replica may reconcile, and write for, `key` now.
    func admits(_ key: AppKey) -> Bool
    /// Sets what is called when the admitted set may have changed (leadership won or lost,
    /// membership changed).
    func onChange(_ body: @escaping @Sendable () async -> Void)
    /// The processes of the replicas whose expired leases this replica took over (their
    /// lease, or their Applications) since the last call: they have stopped working, and
    /// their `started` audit records of the Applications this replica now holds are interrupted.
    func takeStopped() -> [StoppedProcess]
}

extension WorkGate {
    public func takeStopped() -> [StoppedProcess] { [] }
}

/// The Application a task works for: the controller runs each reconcile (and the writing of
/// its status and Events) with it set, and `FencedTransport` reads it.
public enum WorkFence {
    @TaskLocal public static var key: AppKey?
}

/// The gate closed under a write: this replica no longer holds the Application (or the lease).
public struct FenceClosed: Error, Sendable, CustomStringConvertible {
    public var key: AppKey
    public var method: String
    public var description: String {
        "\(key): not written (\(method)): this replica no longer holds the Application (lease lost or it moved to another shard)"
    }
}

/// A transport that refuses every write made for an Application the gate no longer admits
/// (reads pass, and so does work for no Application: leases, the watches). Requests are
/// checked when they are sent, so a sync that loses its Application stops before its next
/// write rather than at the end of its wave.
public struct FencedTransport: KubeTransport {
    public let base: any KubeTransport
    public let gate: any WorkGate

    public init(base: any KubeTransport, gate: any WorkGate) {
        self.base = base
        self.gate = gate
    }

    public func send(_ request: KubeRequest) async throws -> KubeResponse {
        if request.method != "GET" && request.method != "HEAD", let key = WorkFence.key, !gate.admits(key) {
            throw FenceClosed(key: key, method: request.method)
        }
        return try await base.send(request)
    }

    public func stream(_ request: KubeRequest) -> AsyncThrowingStream<[UInt8], any Error> {
        base.stream(request)
    }
}

extension KubeClient {
    /// A client like this one whose writes for an Application pass `gate` first.
    public func fenced(by gate: any WorkGate) -> KubeClient {
        KubeClient(
            transport: FencedTransport(base: transport, gate: gate), credentials: credentials,
            defaultNamespace: defaultNamespace, options: options)
    }
}

/// Calls the handlers of `onChange`; shared by the gates.
final class ChangeHandlers: Sendable {
    private let handlers = Mutex<[@Sendable () async -> Void]>([])

    func add(_ body: @escaping @Sendable () async -> Void) { handlers.withLock { $0.append(body) } }

    func fire() async {
        for h in handlers.withLock({ $0 }) { await h() }
    }
}
