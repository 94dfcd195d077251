import Synchronization

/// The cluster going away and coming back, for tests of clients during an outage. While the
/// cluster is down it answers nothing: a request under way is dropped with its connection
/// (what it wrote stays written, as when kube-apiserver is killed between its etcd write and
/// its answer), and the port refuses connections until the cluster comes back.
final class Outage: Sendable {
    private struct State {
        var down = false
        /// Go down once this many more writes have been stored, and stay down this long
        /// (nil: until `comeBack`).
        var trigger: (writes: Int, lasting: Duration?)?
    }

    private let state = Mutex(State())
    /// Takes the listener down and, after `lasting`, brings it back; set by `LocalCluster`.
    let onTrigger = Mutex<(@Sendable (Duration?) -> Void)?>(nil)

    /// Whether answers are dropped now.
    var isDown: Bool { state.withLock { $0.down } }

    func setDown(_ down: Bool) { state.withLock { $0.down = down } }

    func arm(afterWrites writes: Int, lasting: Duration?) {
        state.withLock { $0.trigger = (max(1, writes), lasting) }
    }

    /// Counts one stored write; the write that reaches the trigger takes the cluster down and
    /// its own answer is dropped. Returns whether the cluster is down now.
    func stored() -> Bool {
        let fired: Duration?? = state.withLock { s in
            guard let trigger = s.trigger, !s.down else { return nil }
            if trigger.writes > 1 {
                s.trigger = (trigger.writes - 1, trigger.lasting)
                return nil
            }
            s.trigger = nil
            s.down = true
            return .some(trigger.lasting)
        }
        guard let lasting = fired else { return isDown }
        onTrigger.withLock { $0 }?(lasting)
        return true
    }
}
