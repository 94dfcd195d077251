import Dispatch
import Foundation
import Synchronization

/// Waits for the first of some signals, delivered through Dispatch instead of the default
/// handler, so that a command can shut down cleanly.
enum SignalWaiter {
    /// Returns the first of `signals` the process receives.
    static func wait(for signals: [Int32]) async -> Int32 {
        let state = Mutex<(continuation: CheckedContinuation<Int32, Never>?, fired: Int32?)>((nil, nil))
        var sources: [any DispatchSourceSignal] = []
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                let continuation = state.withLock { s -> CheckedContinuation<Int32, Never>? in
                    guard s.fired == nil else { return nil }
                    s.fired = number
                    defer { s.continuation = nil }
                    return s.continuation
                }
                continuation?.resume(returning: number)
            }
            source.resume()
            sources.append(source)
        }
        let received = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Int32, Never>) in
                let already = state.withLock { s -> Int32? in
                    if let fired = s.fired { return fired }
                    s.continuation = continuation
                    return nil
                }
                if let already { continuation.resume(returning: already) }
            }
        } onCancel: {
            let continuation = state.withLock { s -> CheckedContinuation<Int32, Never>? in
                guard s.fired == nil else { return nil }
                s.fired = 0
                defer { s.continuation = nil }
                return s.continuation
            }
            continuation?.resume(returning: 0)
        }
        for source in sources { source.cancel() }
        return received
    }
}
