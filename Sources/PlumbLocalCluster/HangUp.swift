import NIOConcurrencyHelpers
import NIOCore

/// Tells a watch that its client went away. Connections allow half-closure, so a client that
/// hangs up shows as an input-closed event (or a TLS unclean shutdown), not as a closed channel.
final class HangUp: Sendable {
    private let state = NIOLockedValueBox<(done: Bool, callbacks: [@Sendable () -> Void])>((false, []))

    /// Runs `callback` once the client hangs up (at once if it already has).
    func onHangUp(_ callback: @escaping @Sendable () -> Void) {
        let runNow = state.withLockedValue { s -> Bool in
            if s.done { return true }
            s.callbacks.append(callback)
            return false
        }
        if runNow { callback() }
    }

    func fire() {
        let callbacks = state.withLockedValue { s -> [@Sendable () -> Void] in
            guard !s.done else { return [] }
            s.done = true
            defer { s.callbacks = [] }
            return s.callbacks
        }
        for c in callbacks { c() }
    }
}

/// Watches one connection's pipeline for the client going away; added after HTTP decoding.
final class HangUpHandler: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    // Only the channel's event loop calls the handler methods; `hangUp` is itself thread safe.
    typealias InboundIn = NIOAny
    let hangUp = HangUp()

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event { hangUp.fire() }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        hangUp.fire()
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        hangUp.fire()
        context.fireChannelInactive()
    }
}
