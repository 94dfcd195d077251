import CCurl
import Foundation
import Synchronization

/// Owns one `CURLM *` multi handle; freed in deinit. Touched only on the event thread.
final class CurlMultiHandle {
    let raw: UnsafeMutableRawPointer

    init(maxHostConnections: Int, multiplex: Bool) throws {
        _ = CurlGlobal.initialized
        guard let raw = curl_multi_init() else {
            throw CurlError(call: "curl_multi_init", code: -1, message: "out of memory")
        }
        self.raw = raw
        try CurlError.check(
            plumb_curl_multi_setopt_long(raw, CURLMOPT_PIPELINING, multiplex ? Int(CURLPIPE_MULTIPLEX) : 0),
            "curl_multi_setopt(CURLMOPT_PIPELINING)")
        try CurlError.check(
            plumb_curl_multi_setopt_long(raw, CURLMOPT_MAX_HOST_CONNECTIONS, maxHostConnections),
            "curl_multi_setopt(CURLMOPT_MAX_HOST_CONNECTIONS)")
    }

    deinit { curl_multi_cleanup(raw) }
}

/// The event loop: one dedicated thread drives every transfer of a transport with
/// `curl_multi_perform` and sleeps in `curl_multi_poll`; other threads hand it work through a
/// locked queue and `curl_multi_wakeup`. Thread safe.
final class CurlMulti: Sendable {
    fileprivate enum Command {
        case add(CurlTransfer)
        case cancel(CurlTransfer)
    }

    private struct Queue {
        var commands: [Command] = []
        var stopping = false
    }

    /// Used on the event thread, except `curl_multi_wakeup`, which libcurl allows from any thread.
    /// The event thread holds `self`, so the handle outlives the loop.
    private nonisolated(unsafe) let multi: CurlMultiHandle
    private let queue = Mutex(Queue())

    init(maxHostConnections: Int, multiplex: Bool) throws {
        multi = try CurlMultiHandle(maxHostConnections: maxHostConnections, multiplex: multiplex)
        let loop = EventLoop(multi: multi)
        let thread = Thread { [self] in loop.run(self) }
        thread.name = "plumb-curl"
        thread.start()
    }

    /// Starts a transfer; if it was cancelled before it got here it ends at once.
    func add(_ transfer: CurlTransfer) { submit(.add(transfer)) }

    /// Stops a transfer and fails it with `CancellationError`.
    func cancel(_ transfer: CurlTransfer) {
        transfer.cancelled.store(true, ordering: .sequentiallyConsistent)
        submit(.cancel(transfer))
    }

    /// Ends the event thread; transfers still running fail with `CancellationError`.
    func stop() {
        queue.withLock { $0.stopping = true }
        curl_multi_wakeup(multi.raw)
    }

    private func submit(_ command: Command) {
        // Only the first command after the event thread took the queue wakes it: it takes
        // every command queued by then in one go.
        let (accepted, wake) = queue.withLock { q -> (Bool, Bool) in
            if q.stopping { return (false, false) }
            q.commands.append(command)
            return (true, q.commands.count == 1)
        }
        if wake {
            curl_multi_wakeup(multi.raw)
        } else if !accepted, case .add(let t) = command {
            t.fail(CancellationError())
        }
    }

    fileprivate func take() -> (commands: [Command], stopping: Bool) {
        queue.withLock { q in
            defer { q.commands = [] }
            return (q.commands, q.stopping)
        }
    }

    /// State that lives on the event thread only.
    private final class EventLoop: @unchecked Sendable {
        let multi: CurlMultiHandle
        var active: [UnsafeMutableRawPointer: CurlTransfer] = [:]

        init(multi: CurlMultiHandle) { self.multi = multi }

        func run(_ owner: CurlMulti) {
            while true {
                let (commands, stopping) = owner.take()
                for command in commands {
                    switch command {
                    case .add(let t): start(t)
                    case .cancel(let t): finish(t, error: CancellationError())
                    }
                }
                if stopping { break }
                var running: Int32 = 0
                _ = curl_multi_perform(multi.raw, &running)
                drainMessages()
                // Bounded sleep: a lost wakeup costs at most a second.
                _ = curl_multi_poll(multi.raw, nil, 0, 1000, nil)
            }
            for t in Array(active.values) { finish(t, error: CancellationError()) }
        }

        private func start(_ t: CurlTransfer) {
            if t.cancelled.load(ordering: .sequentiallyConsistent) {
                t.fail(CancellationError())
                return
            }
            do {
                try CurlError.check(curl_multi_add_handle(multi.raw, t.easy.raw), "curl_multi_add_handle")
                active[t.easy.raw] = t
            } catch {
                t.fail(error)
            }
        }

        private func finish(_ t: CurlTransfer, error: any Error) {
            if active.removeValue(forKey: t.easy.raw) != nil {
                curl_multi_remove_handle(multi.raw, t.easy.raw)
            }
            t.fail(error)
        }

        private func drainMessages() {
            var left: Int32 = 0
            while let message = curl_multi_info_read(multi.raw, &left) {
                guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
                let code = message.pointee.data.result
                guard let t = active.removeValue(forKey: easy) else { continue }
                curl_multi_remove_handle(multi.raw, easy)
                t.complete(code)
            }
        }
    }
}
