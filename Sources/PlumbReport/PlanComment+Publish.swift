/// Where and how a plan is reported on a forge: the pull request for the sticky comment,
/// the commit for the status, and the status's name.
public struct PlanDestination: Sendable, Equatable {
    /// The pull (merge) request; nil reports only the status.
    public var pullRequest: Int?
    /// The head commit for the status; nil reports only the comment.
    public var sha: String?
    /// The status's name (default `plumb/<app>`).
    public var context: String?
    /// Skip the comment when nothing changes, but still turn an existing one into "no changes".
    public var onlyOnChanges: Bool
    /// A link for the status and the comment (the CI run).
    public var runURL: String?
    /// The command that shows the whole plan, named when the comment is cut.
    public var localCommand: String?
    /// A line under the comment's title.
    public var note: String?

    public init(
        pullRequest: Int?, sha: String?, context: String? = nil, onlyOnChanges: Bool = false, runURL: String? = nil,
        localCommand: String? = nil, note: String? = nil
    ) {
        self.pullRequest = pullRequest
        self.sha = sha
        self.context = context
        self.onlyOnChanges = onlyOnChanges
        self.runURL = runURL
        self.localCommand = localCommand
        self.note = note
    }
}

/// What publishing did on the forge, for a log line.
public struct PublishResult: Sendable, Equatable {
    public enum CommentAction: String, Sendable { case created, edited, unchanged, skipped, none }
    /// What happened to the sticky comment.
    public var comment: CommentAction = .none
    /// Whether the commit status was set.
    public var statusSet = false
    /// The forge's errors, one line each (the comment's and the status's apart).
    public var problems: [String] = []

    public init(comment: CommentAction = .none, statusSet: Bool = false, problems: [String] = []) {
        self.comment = comment
        self.statusSet = statusSet
        self.problems = problems
    }
}

extension PlanReport {
    /// Posts the plan on `forge`: the commit status on the head commit, and the sticky comment
    /// (edited in place, never duplicated). A forge error does not stop the other half; each
    /// is returned as a problem line, never thrown, so a forge outage never changes what the
    /// caller does with the plan.
    public func publish(on forge: any Forge, to destination: PlanDestination) async -> PublishResult {
        var result = PublishResult()
        if let sha = destination.sha, !sha.isEmpty {
            var status = commitStatus(context: destination.context, targetURL: destination.runURL)
            status.sha = sha
            do {
                try await forge.setStatus(status)
                result.statusSet = true
            } catch {
                result.problems.append("commit status \(status.context) on \(sha.prefix(12)): \(error)")
            }
        }
        guard let number = destination.pullRequest else { return result }
        let body = PlanComment(
            report: self, limit: forge.commentLimit, localCommand: destination.localCommand, runURL: destination.runURL,
            note: destination.note, style: PlanComment.style(for: forge)
        ).render()
        do {
            let existing = try await forge.comments(pullRequest: number).first { $0.body.contains(marker) }
            if destination.onlyOnChanges && succeeded && !hasChanges && existing == nil {
                result.comment = .skipped
            } else if let existing {
                if existing.body == body {
                    result.comment = .unchanged
                } else {
                    try await forge.editComment(pullRequest: number, id: existing.id, body: body)
                    result.comment = .edited
                }
            } else {
                _ = try await forge.createComment(pullRequest: number, body: body)
                result.comment = .created
            }
        } catch {
            result.problems.append("comment on pull request #\(number): \(error)")
        }
        return result
    }
}
