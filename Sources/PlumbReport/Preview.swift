import Synchronization

/// Keeps the plans of an Application's open pull requests on the forge: for each open pull
/// request into the Application's branch, the plan of its head commit against the live
/// cluster as the sticky comment and a `plumb/<app>/preview` status. A pull request is
/// published again only when what it would say changed (its head moved, or the live state
/// drifted and so the plan changed); closed pull requests are forgotten.
public final class PreviewTracker: Sendable {
    /// What one refresh did with one pull request.
    public struct Update: Sendable, Equatable {
        public var pullRequest: Int
        public var headSHA: String
        /// Whether it was published (false: the plan was the one already shown).
        public var published: Bool
        /// Forge errors, one line each.
        public var problems: [String]
    }

    /// What was last published per app and pull request: the head and the comment text.
    private let shown = Mutex<[String: [Int: (sha: String, body: String)]]>([:])

    public init() {}

    /// The pull requests remembered for `app`, by number, with the head last shown.
    public func remembered(app: String) -> [Int: String] {
        shown.withLock { ($0[app] ?? [:]).mapValues(\.sha) }
    }

    /// Forgets an Application (deleted, or previews turned off).
    public func forget(app: String) { _ = shown.withLock { $0.removeValue(forKey: app) } }

    /// Lists the open pull requests into `branch` and brings each one's comment and status up
    /// to date; `plan` renders and plans a head commit against the live cluster (no write).
    /// Throws only when the pull requests cannot be listed.
    public func refresh(
        app: String, forge: any Forge, branch: String?, localCommand: String? = nil,
        plan: @Sendable (PullRequest) async -> PlanReport
    ) async throws -> [Update] {
        let open = try await forge.openPullRequests(base: branch)
        let numbers = Set(open.map(\.number))
        shown.withLock { all in all[app] = (all[app] ?? [:]).filter { numbers.contains($0.key) } }
        var updates: [Update] = []
        for pr in open.sorted(by: { $0.number < $1.number }) {
            var report = await plan(pr)
            report.revision = pr.headSHA
            let destination = PlanDestination(
                pullRequest: pr.number, sha: pr.headSHA, context: PlanReport.context(app: report.app, preview: true),
                localCommand: localCommand,
                note:
                    "Preview of #\(pr.number) at \(pr.headSHA.prefix(7)) against the live cluster, kept current by the Plumb controller"
            )
            let body = PlanComment(
                report: report, limit: forge.commentLimit, localCommand: localCommand, note: destination.note,
                style: PlanComment.style(for: forge)
            ).render()
            let last = shown.withLock { $0[app]?[pr.number] }
            if let last, last.sha == pr.headSHA, last.body == body {
                updates.append(Update(pullRequest: pr.number, headSHA: pr.headSHA, published: false, problems: []))
                continue
            }
            let result = await report.publish(on: forge, to: destination)
            if result.problems.isEmpty {
                shown.withLock { $0[app, default: [:]][pr.number] = (pr.headSHA, body) }
            }
            updates.append(
                Update(pullRequest: pr.number, headSHA: pr.headSHA, published: true, problems: result.problems))
        }
        return updates
    }
}
