// `Benchmarks controller-scale`, the sections that push: one commit touching one Application,
// a burst of twenty, and webhook → first PATCH over fifty pushes. The setup they share is in
// ControllerScaleBenchmark.swift.
import Foundation
import PlumbController
import PlumbGit

private func formatMS(_ d: Duration) -> String { String(format: "%.0f ms", seconds(d) * 1000) }

private func percentile(_ values: [Duration], _ p: Double) -> Duration {
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
}

/// Webhook delivery to the first apply PATCH of the changed Application's object (from the
/// controller client's response hook), 50 pushes each to a different Application. Between
/// pushes it waits for that PATCH and then for the work queue to hand out the push's backlog
/// (the other Applications' revision moves), not for every Application to show the commit.
func measureWebhookLatency(_ setup: ControllerScaleSetup) async throws {
    let pushes = 50
    var latencies: [Duration] = []
    var drains: [Duration] = []
    var before = try setup.head()
    let started = ContinuousClock.now
    for n in 0..<pushes {
        let i = (setup.appCount / pushes * n + 3) % setup.appCount
        let sha = try setup.commit(app: i, value: "latency-\(n)")
        try setup.push(sha)
        let mark = setup.patches.count
        let sent = ContinuousClock.now
        try await setup.deliver(sha, before: before)
        before = sha
        var applied: ContinuousClock.Instant?
        while applied == nil && ContinuousClock.now - sent < .seconds(60) {
            applied = setup.firstApply(i, since: mark)
            if applied == nil { try await Task.sleep(for: .milliseconds(2)) }
        }
        guard let applied else { throw BenchmarkError("no apply of \(ControllerScaleSetup.appName(i)) within 60 s of the push") }
        latencies.append(applied - sent)
        while await setup.controller.queue.backlog > 0 && ContinuousClock.now - sent < .seconds(120) {
            try await Task.sleep(for: .milliseconds(20))
        }
        drains.append(ContinuousClock.now - sent)
    }
    let p99 = percentile(latencies, 0.99)
    print("controller-scale  webhook → first PATCH of the changed Application, \(latencies.count) pushes (each to another of the \(setup.appCount) Applications, the next sent once the queue held no more of the last): p50 \(formatMS(percentile(latencies, 0.5))), p99 \(formatMS(p99)), max \(formatMS(latencies.max()!)); target p99 < 2000 ms \(seconds(p99) < 2 ? "(met)" : "(MISSED)"); peer: Argo CD without webhooks polls every 180000 ms. Queue emptied of each push's \(setup.appCount - 1) revision moves after p50 \(formatMS(percentile(drains, 0.5))); \(pushes) pushes in \(String(format: "%.0f", seconds(ContinuousClock.now - started))) s")
}

/// One push touching one Application's directory: how many Applications were rendered, how
/// many were only moved to the new revision, the API requests it took, and the time to Synced.
func measureMonorepoPush(_ setup: ControllerScaleSetup) async throws {
    let i = setup.appCount / 2 + 1
    let before = try setup.head()
    let sha = try setup.commit(app: i, value: "monorepo")
    try setup.push(sha)
    try await Task.sleep(for: .milliseconds(200))
    let renders = setup.reconciler.renders
    let moves = setup.reconciler.statusOnlyMoves
    let mark = setup.patches.count
    let sent = ContinuousClock.now
    try await setup.deliver(sha, before: before)
    let synced = try await setup.waitSynced(i, sha)
    let all = try await setup.waitAllAt(sha, from: sent)
    try await Task.sleep(for: .milliseconds(500))
    let rendered = setup.reconciler.renders - renders
    let moved = setup.reconciler.statusOnlyMoves - moves
    let sentPatches = setup.patches.since(mark)
    let statusWrites = sentPatches.filter { $0.path.split(separator: "?")[0].hasSuffix("/status") }.count
    print("controller-scale  a push touching 1 of \(setup.appCount) Applications: \(rendered) rendered (target 1 \(rendered == 1 ? "met" : "MISSED")), \(moved) moved to the new revision with their status alone (target \(setup.appCount - 1)); \(sentPatches.count) PATCHes (\(statusWrites) status writes, \(sentPatches.count - statusWrites) object applies); webhook → changed Application Synced \(formatMS(synced - sent)), → all \(setup.appCount) at the new revision \(formatMS(all)); peer: Argo CD re-renders every Application of the repository on a new commit (manifest-generate-paths narrows it)")
}

/// Twenty pushes to one Application within a second: how many syncs ran, and of which commit.
/// The commits' objects reach the served repository first (a push to a side branch); each of
/// the 20 pushes is then what a forge's receive-pack does last, the ref update of main, and the
/// delivery GitHub sends for it, sent without waiting for the answer to the one before (as
/// GitHub delivers), 45 ms apart.
func measurePushBurst(_ setup: ControllerScaleSetup) async throws {
    let i = setup.appCount / 3 + 2
    let app = "\(ControllerScaleSetup.namespace)/\(ControllerScaleSetup.appName(i))"
    var before = try setup.head()
    var commits: [String] = []
    for n in 0..<20 { commits.append(try setup.commit(app: i, value: "burst-\(n)")) }
    try git(["push", "-q", "-f", setup.served + "/repo.git", "\(commits.last!):refs/heads/burst-objects"], in: setup.repo)
    let lastRecord = try setup.audit.history(app: app, limit: 1).first?.id ?? 0
    let fetches = await setup.reconciler.git.fetches[setup.url] ?? 0
    let renders = setup.reconciler.renders
    let moves = setup.reconciler.statusOnlyMoves
    let start = ContinuousClock.now
    var deliveries: [Task<Int, any Error>] = []
    for (n, sha) in commits.enumerated() {
        try await Task.sleep(until: start + .milliseconds(45 * n), clock: .continuous)
        try git(["--git-dir", setup.served + "/repo.git", "update-ref", "refs/heads/main", sha], in: setup.repo)
        let previous = before
        deliveries.append(Task { try await setup.deliver(sha, before: previous) })
        before = sha
    }
    for delivery in deliveries { _ = try await delivery.value }
    let burst = ContinuousClock.now - start
    let last = commits.last!
    // Reported rather than thrown: the figures say what went wrong.
    let synced = try? await setup.waitSynced(i, last)
    _ = try? await setup.waitAllAt(last, from: start)
    try await Task.sleep(for: .seconds(2))
    let syncs = try setup.audit.history(app: app, limit: 50).filter { $0.id > lastRecord }.sorted { $0.id < $1.id }
    let revisions = syncs.map { r in
        (commits.firstIndex(of: r.revision).map { "#\($0 + 1)" } ?? String(r.revision.prefix(7))) + " \(r.result)"
    }
    let status = try await setup.statuses()[ControllerScaleSetup.appName(i)]
    let lastSynced = status?.lastSyncedRevision == last
    let fetched = (await setup.reconciler.git.fetches[setup.url] ?? 0) - fetches
    let rendered = setup.reconciler.renders - renders
    let moved = setup.reconciler.statusOnlyMoves - moves
    print("controller-scale  20 pushes to one Application in \(formatMS(burst)) (ref update + signed delivery each, 45 ms apart): \(fetched) fetch\(fetched == 1 ? "" : "es") (target 1 \(fetched == 1 ? "met" : "MISSED")); \(syncs.count) sync\(syncs.count == 1 ? "" : "s") (\(revisions.joined(separator: ", "))) (target 1 \(syncs.count == 1 ? "met" : "MISSED")); revision synced: \(lastSynced ? "the last (#20)" : "NOT the last: \(status?.lastSyncedRevision.map { r in commits.firstIndex(of: r).map { "#\($0 + 1)" } ?? String(r.prefix(7)) } ?? "none")") (target the last); \(rendered) rendered, \(moved) moved to the last commit with their status alone (target \(setup.appCount - 1)); first delivery → last commit Synced \(synced.map { formatMS($0 - start) } ?? "NOT within 60 s") (the controller waits \(formatMS(ApplicationController.pushQuiet)) for a newer push, at most \(formatMS(ApplicationController.pushMaxWait)) from the first)")
}
