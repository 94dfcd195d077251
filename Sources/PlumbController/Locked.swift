import Synchronization

/// A value behind a lock, shareable by reference (a `Mutex` cannot be captured by a closure).
final class Locked<T: Sendable>: Sendable {
    private let mutex: Mutex<T>
    init(_ value: T) { mutex = Mutex(value) }
    func withLock<R>(_ body: (inout T) throws -> R) rethrows -> R { try mutex.withLock { try body(&$0) } }
}
