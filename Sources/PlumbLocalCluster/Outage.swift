import Synchronization

/// The cluster going away and coming back, for tests of clients during an outage. While the
/// cluster is down it answers nothing: a request under way is dropped with its connection
/// (what it wrote stays written, as when kube-apiserver is killed between its etcd write and
/// its answer), and the port refuses connections until the cluster comes back.
final class Outage: Sendable {
    /// What brings the cluster down: stored writes (creates, updates, patches, applies,
    /// deletes that are not dry runs), or any answered request (reads and dry runs too).
    enum Counting: Sendable { case writes, requests }

    private struct State {
        var down = false
        /// Go down once this many more writes (or requests) have been answered, and stay down
        /// this long (nil: until `comeBack`).
        var trigger: (count: Int, counting: Counting, lasting: Duration?)?
    }

    private let state = Mutex(State())
    /// Takes the listener down and, after `lasting`, brings it back; set by `LocalCluster`.
    let onTrigger = Mutex<(@Sendable (Duration?) -> Void)?>(nil)

    /// Whether answers are dropped now.
    var isDown: Bool { state.withLock { $0.down } }

    func setDown(_ down: Bool) { state.withLock { $0.down = down } }

    func arm(after count: Int, counting: Counting, lasting: Duration?) {
        state.withLock { $0.trigger = (max(1, count), counting, lasting) }
    }

    /// Counts one handled request (`isWrite`: a stored write); the one that reaches the
    /// trigger takes the cluster down and its own answer is dropped. Returns whether the
    /// cluster is down now.
    func handled(isWrite: Bool) -> Bool {
        let fired: Duration?? = state.withLock { s in
            guard let trigger = s.trigger, !s.down, isWrite || trigger.counting == .requests else { return nil }
            if trigger.count > 1 {
                s.trigger = (trigger.count - 1, trigger.counting, trigger.lasting)
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
