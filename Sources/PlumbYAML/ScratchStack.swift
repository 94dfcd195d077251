/// A stack of members of the containers still open. A container's members are moved, not
/// copied, into their final array when it closes, so building costs no retain/release pairs.
struct ScratchStack<Element>: ~Copyable {
    private var base: UnsafeMutablePointer<Element>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    @inline(__always)
    mutating func push(_ element: Element) {
        if count == capacity { grow() }
        (base + count).initialize(to: element)
        count += 1
    }

    private mutating func grow() {
        let bigger = UnsafeMutablePointer<Element>.allocate(capacity: capacity * 2)
        bigger.moveInitialize(from: base, count: count)
        base.deallocate()
        base = bigger
        capacity *= 2
    }

    /// In-place access: no copy of the element, no uniqueness check.
    @inline(__always)
    subscript(i: Int) -> Element {
        unsafeAddress { UnsafePointer(base + i) }
        unsafeMutableAddress { base + i }
    }

    /// Moves the top element out.
    @inline(__always)
    mutating func pop() -> Element {
        count -= 1
        return (base + count).move()
    }

    func contains(where predicate: (Element) -> Bool) -> Bool {
        for i in 0..<count where predicate(base[i]) { return true }
        return false
    }

    /// Moves the elements from `start` to the top into a new array and pops them.
    mutating func popArray(from start: Int) -> [Element] {
        let n = count - start
        guard n > 0 else { return [] }
        // reserveCapacity is inlined and specialized here, so the array's storage type comes
        // from a cached metadata accessor; `init(unsafeUninitializedCapacity:)` goes through a
        // generic runtime path that looks the storage type up in a hash map on every call.
        var result: [Element] = []
        result.reserveCapacity(n)
        for i in start..<count { result.append((base + i).move()) }
        count = start
        return result
    }

    /// Drops the elements from `start` to the top.
    mutating func truncate(to start: Int) {
        (base + start).deinitialize(count: count - start)
        count = start
    }

    mutating func removeAll() { truncate(to: 0) }
}
