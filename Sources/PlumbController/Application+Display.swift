import PlumbCore

/// How an Application reads to people, shared by `plumb app` and the dashboard.
extension Application {
    /// The first 7 characters of a commit SHA; other revisions as they are; `-` for none.
    public static func shortRevision(_ revision: String?) -> String {
        guard let revision, !revision.isEmpty else { return "-" }
        let isSHA = revision.count >= 40 && revision.allSatisfy(\.isHexDigit)
        return isSHA ? String(revision.prefix(7)) : revision
    }

    /// `manual`, `auto`, `auto+prune+heal+rollback`; `suspended` wins; `invalid` for a spec the
    /// controller refuses (its Stalled condition says why).
    public var policySummary: String {
        guard case .success(let spec) = spec() else { return "invalid" }
        if spec.suspend { return "suspended" }
        guard spec.automated else { return "manual" }
        var text = "auto"
        if spec.prune { text += "+prune" }
        if spec.selfHeal { text += "+heal" }
        if spec.rollbackOnFailure { text += "+rollback" }
        return text
    }
}
