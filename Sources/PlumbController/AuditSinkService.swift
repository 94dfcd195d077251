import ServiceLifecycle

/// Audit sink delivery as a service of the controller: delivers until graceful shutdown; what
/// is not delivered by then stays in the outbox for the next start.
public struct AuditSinkService: Service {
    let delivery: AuditSinkDelivery

    public init(delivery: AuditSinkDelivery) { self.delivery = delivery }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await delivery.run() }
    }
}
