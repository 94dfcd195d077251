import Foundation
import PlumbEngine

/// What a client tells its user about the server's reachability, once per change.
public enum ReachabilityEvent: Sendable, Equatable {
    /// The server stopped answering at `since` (`12:03:04`); requests wait up to `bound`.
    case unreachable(since: String, bound: Duration)
    /// It answers again after `after`; the waiting requests are sent.
    case reachable(after: Duration)
    /// It did not come back within the bound; every waiting and later request fails.
    case gaveUp(since: String, bound: Duration)

    /// `server unreachable since 12:03:04; waiting up to 60s`, and so on.
    public var line: String {
        switch self {
        case let .unreachable(since, bound): return "server unreachable since \(since); waiting up to \(DurationText.bound(bound))"
        case let .reachable(after): return "server reachable again after \(DurationText.format(after))"
        case let .gaveUp(since, bound): return "server unreachable since \(since): gave up after \(DurationText.bound(bound))"
        }
    }
}

/// Whether the API server answers: one fact shared by every request of a client. An outage
/// is one event, not one per request: the first request that finds the server gone marks it
/// down, every request then waits here instead of retrying on its own, one prober asks the
/// server with a growing backoff, and when it answers every waiting request goes on. Past
/// the bound each waiting request and every later one throws `TargetUnreachable`, until
/// `reset()`.
actor Reachability {
    private enum State {
        case reachable
        /// One request's connection failed; asking the server once before calling it an outage.
        case checking
        case down(since: Duration, text: String)
        case gaveUp(TargetUnreachable)
    }

    private var state = State.reachable
    private var waiters: [CheckedContinuation<Void, any Error>] = []
    let bound: Duration
    let clock: any KubeClock
    let onEvent: (@Sendable (ReachabilityEvent) -> Void)?

    init(bound: Duration, clock: any KubeClock, onEvent: (@Sendable (ReachabilityEvent) -> Void)?) {
        self.bound = bound
        self.clock = clock
        self.onEvent = onEvent
    }

    /// Returns at once while the server answers; during an outage, when it answers again.
    /// Throws `TargetUnreachable` once the bound has passed (`sent`: whether an earlier
    /// attempt of the caller's request may have reached the server).
    func waitUntilReachable(sent: Bool) async throws {
        switch state {
        case .reachable:
            return
        case .gaveUp(var error):
            error.requestSent = sent
            throw error
        case .down, .checking:
            do {
                try await withCheckedThrowingContinuation { waiters.append($0) }
            } catch var error as TargetUnreachable {
                error.requestSent = sent
                throw error
            }
        }
    }

    /// The server did not answer a request: marks it down and starts the prober, unless an
    /// outage is already under way. `probe` asks the server directly, bypassing this gate.
    /// With `confirm`, the server is asked once first: one dropped connection (a keep-alive
    /// connection the server closed as it was reused) is not an outage, and when the server
    /// answers at once no event is raised. Returns whether the server answered that question.
    @discardableResult
    func markDown(confirm: Bool = false, probe: @escaping @Sendable () async -> Bool) async -> Bool {
        guard case .reachable = state else { return false }
        let since = clock.now()
        let text = Self.timeText(Date())
        if confirm {
            state = .checking
            if await probe() {
                state = .reachable
                resume(throwing: nil)
                return true
            }
        }
        state = .down(since: since, text: text)
        onEvent?(.unreachable(since: text, bound: bound))
        Task { await self.probeUntilBack(since: since, text: text, probe: probe) }
        return false
    }

    /// After an outage that was given up: the next request tries the server again (a
    /// controller's next reconcile).
    func reset() {
        if case .gaveUp = state { state = .reachable }
    }

    private func probeUntilBack(since: Duration, text: String, probe: @Sendable () async -> Bool) async {
        var delay = Duration.milliseconds(250)
        while true {
            let elapsed = clock.now() - since
            if elapsed >= bound {
                let error = TargetUnreachable(since: text, bound: bound, requestSent: false)
                state = .gaveUp(error)
                onEvent?(.gaveUp(since: text, bound: bound))
                resume(throwing: error)
                return
            }
            try? await clock.sleep(for: min(delay, bound - elapsed))
            if await probe() {
                state = .reachable
                onEvent?(.reachable(after: clock.now() - since))
                resume(throwing: nil)
                return
            }
            delay = min(delay * 2, .seconds(2))
        }
    }

    private func resume(throwing error: TargetUnreachable?) {
        let waiting = waiters
        waiters = []
        for w in waiting {
            if let error { w.resume(throwing: error) } else { w.resume() }
        }
    }

    private static func timeText(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "HH:mm:ss"
        return formatter.string(from: date)
    }
}
