import PlumbCore

extension Executor {
    /// Calls `operation`, retrying with exponential backoff while the target calls its error
    /// transient; throws the last error as a `SyncError` of `stage`.
    func retrying(
        _ ref: ObjectRef, stage: SyncError.Stage, policy: RetryPolicy, _ operation: () async throws -> Void
    ) async throws(SyncError) {
        var attempt = 1
        while true {
            do {
                try await operation()
                return
            } catch let error as TargetUnreachable {
                unreachable.record(error)
                throw SyncError(ref: ref, stage: stage, reason: error.description, unreachable: error)
            } catch {
                if let denial = (error as? any PolicyDenialError)?.policyDenial {
                    // A policy's decision: retrying would get the same answer.
                    throw SyncError(ref: ref, stage: stage, reason: denial.message, policy: denial.policy)
                }
                let transient = target.isTransient(error)
                let reason = SyncError.reason(for: error, of: ref)
                guard transient, attempt < policy.maxAttempts, !Task.isCancelled else {
                    throw SyncError(ref: ref, stage: stage, reason: reason, isTransient: transient)
                }
                let delay = policy.delay(after: attempt)
                observer.observe(.retrying(ref, attempt: attempt, delay: delay, reason: reason))
                try? await clock.sleep(for: delay)
                attempt += 1
            }
        }
    }
}
