import PlumbRollout

extension Reconciler {
    /// How soon a reconcile comes back to a rollout it left paused or running.
    static let rolloutRequeue: Duration = .seconds(10)

    /// The controller's rollout runner: a pause without a duration is not held (the reconcile
    /// returns, Progressing, and looks again for `plumb rollout promote` at its next run).
    func rolloutRunner() -> RolloutRunner {
        var runner = RolloutRunner(client: client)
        runner.holdPauses = false
        runner.observer = settings.rollouts
        return runner
    }
}
