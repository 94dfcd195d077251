import PlumbCore

/// Carries out a `Plan` against a `Target`: validates and dry-runs every object first and
/// applies nothing if any fails; then applies step by step (concurrently inside a step, with
/// a bound), waits for CRDs to be established before the next step, prunes in reverse order
/// when asked, and waits for health when asked. Transient errors are retried with backoff.
public struct Executor: Sendable {
    /// Where objects are applied.
    public var target: any Target
    /// Time for durations, backoff and health polling.
    public var clock: any SyncClock
    /// Receives progress events.
    public var observer: any SyncObserver
    /// The first time in this run that the target was unreachable; a run gets a fresh one.
    var unreachable = UnreachableLatch()

    /// An executor for `target`.
    public init(target: any Target, clock: any SyncClock = SystemClock(), observer: any SyncObserver = SilentObserver()) {
        self.target = target
        self.clock = clock
        self.observer = observer
    }

    /// Runs the plan and returns what happened to every object, in plan order (applies, then
    /// prunes). Failures are entries of the change set, never thrown. When the task is
    /// cancelled, the step under way finishes and the rest is skipped.
    public func run(_ plan: Plan, options: SyncOptions = SyncOptions()) async -> ChangeSet {
        let start = clock.now()
        let stamped = Plan(
            app: plan.app,
            steps: plan.steps.map { step in
                var s = step
                s.objects = step.objects.map { o in
                    var o = o
                    o.resource = SyncLabels.stamped(o.resource, app: plan.app)
                    return o
                }
                return s
            },
            prune: plan.prune, protected: plan.protected)
        var executor = self
        executor.unreachable = UnreachableLatch()
        let objects = await executor.execute(stamped, options: options)
        let result = ChangeSet(objects, interruption: executor.unreachable.value?.description)
        observer.observe(.finished(result, duration: clock.now() - start))
        return result
    }

    private func execute(_ plan: Plan, options: SyncOptions) async -> [ObjectChange] {
        let failures = await validate(plan.objects, options: options)
        if let down = unreachable.value {
            // Nothing was written: every object is not attempted.
            return plan.objects.map { Self.notAttempted($0.ref, down) } + plan.prune.map { Self.notAttempted($0.ref, down) }
        }
        if Task.isCancelled {
            return plan.objects.map { ObjectChange(ref: $0.ref, action: .skipped, error: "\($0.ref): not applied: the sync was interrupted") }
                + plan.prune.map { ObjectChange(ref: $0.ref, action: .skipped, error: "\($0.ref): not pruned: the sync was interrupted") }
        }
        if !failures.isEmpty {
            let failed = Dictionary(failures.map { ($0.ref, $0) }, uniquingKeysWith: { a, _ in a })
            let why = "\(failures.count) of \(plan.objects.count) objects failed validation"
            return plan.objects.map {
                failed[$0.ref] ?? ObjectChange(ref: $0.ref, action: .skipped, error: "\($0.ref): not applied: \(why)")
            } + plan.prune.map { ObjectChange(ref: $0.ref, action: .skipped, error: "\($0.ref): not pruned: \(why)") }
        }
        var results: [ObjectChange] = []
        var stopped = false
        for step in plan.steps {
            if let down = unreachable.value {
                results += step.objects.map { Self.notAttempted($0.ref, down) }
                stopped = true
                continue
            }
            if stopped || Task.isCancelled {
                let why = stopped ? "an earlier step failed" : "the sync was interrupted"
                results += step.objects.map { ObjectChange(ref: $0.ref, action: .skipped, error: "\($0.ref): not applied: \(why)") }
                stopped = true
                continue
            }
            observer.observe(.stepStarted(syncWave: step.syncWave, phase: step.phase, objects: step.objects.map(\.ref)))
            // A step under way finishes even when the sync is interrupted: its writes are not
            // cancelled half way, and the result says what was applied.
            let executor = self
            var changes = await Task { await executor.apply(step, options: options) }.value
            if !options.dryRun && unreachable.value == nil { changes = await waitUntilReady(changes, options: options) }
            results += changes
            stopped = changes.contains { $0.action == .failed || $0.error != nil }
        }
        results += await prune(plan, options: options, blocked: stopped)
        if options.wait && !options.dryRun && !stopped && unreachable.value == nil {
            results = await waitForHealth(results, options: options)
        }
        return results
    }

    /// An object the sync did not reach because the target became unreachable.
    static func notAttempted(_ ref: ObjectRef, _ down: TargetUnreachable) -> ObjectChange {
        ObjectChange(ref: ref, action: .skipped, error: "\(ref): not attempted: \(down)")
    }
}
