/// What a sync did, or a plan will do, to one object: a closed set.
public enum Action: String, Sendable, Hashable, CaseIterable {
    case created
    case configured
    case unchanged
    case pruned
    case skipped
    case failed
    /// The write was sent but its answer was lost (the target became unreachable): whether it
    /// took effect is settled by the next observe, never assumed.
    case unknown

    /// The verb a diff shows for a planned action: `create`, `update`, `prune`.
    public var planVerb: String {
        switch self {
        case .created: return "create"
        case .configured: return "update"
        case .unchanged: return "unchanged"
        case .pruned: return "prune"
        case .skipped: return "skip"
        case .failed: return "fail"
        case .unknown: return "unknown"
        }
    }

    /// Whether the action writes to the target.
    public var writes: Bool { self == .created || self == .configured || self == .pruned }

}
