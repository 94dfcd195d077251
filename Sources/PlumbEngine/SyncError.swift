import PlumbCore

/// Why one object failed a stage of a sync. Its text starts with the object:
/// `apps/v1 Deployment web/web: dry-run failed: spec.replicas: Invalid value: -1`.
public struct SyncError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The stages of a sync an object can fail.
    public enum Stage: String, Sendable, Hashable {
        case dryRun = "dry-run"
        case apply
        case prune
        case health
    }

    /// The object.
    public var ref: ObjectRef
    /// Where it failed.
    public var stage: Stage
    /// Why, without the object.
    public var reason: String
    /// Whether the failure may go away by itself (the target said so, and retries ran out).
    public var isTransient: Bool
    /// Set when the object was not handled because the target became unreachable.
    public var unreachable: TargetUnreachable?
    /// The target's policy that refused the object (`reason` is then the policy's message).
    public var policy: String?

    /// An error of `ref` at `stage`.
    public init(
        ref: ObjectRef, stage: Stage, reason: String, isTransient: Bool = false, unreachable: TargetUnreachable? = nil,
        policy: String? = nil
    ) {
        self.ref = ref
        self.stage = stage
        self.reason = reason
        self.isTransient = isTransient
        self.unreachable = unreachable
        self.policy = policy
    }

    /// What becomes of the object when the target was unreachable: `unknown` when its write
    /// was sent and never answered, else skipped as not attempted. Nil for any other error.
    public func unreachableChange(changes: [FieldChange] = []) -> ObjectChange? {
        guard let unreachable else { return nil }
        let verb = stage == .prune ? "pruned" : "applied"
        if unreachable.requestSent && stage != .dryRun && stage != .health {
            return ObjectChange(
                ref: ref, action: .unknown, changes: changes,
                error: "\(ref): unknown: sent, but the server became unreachable before it answered; the next observe settles whether it was \(verb)")
        }
        return ObjectChange(ref: ref, action: .skipped, changes: changes, error: "\(ref): not attempted: \(unreachable)")
    }

    public var description: String {
        if let policy { return "\(ref): \(policy): \(reason)" }
        switch stage {
        case .health: return "\(ref): \(reason)"
        default: return "\(ref): \(stage.rawValue) failed: \(reason)"
        }
    }

    /// The words for a target's error about `ref`, without a leading copy of the object's
    /// name (target errors name it too); a conflict names its managers and fields.
    public static func reason(for error: any Error, of ref: ObjectRef) -> String {
        guard case .conflict(let conflict)? = error as? ApplyError else {
            let text = String(describing: error)
            let prefix = "\(ref): "
            return text.hasPrefix(prefix) ? String(text.dropFirst(prefix.count)) : text
        }
        var byManager: [(ManagerIdentity, [String])] = []
        for c in conflict.conflicts {
            if let last = byManager.indices.last, byManager[last].0 == c.manager {
                byManager[last].1.append(c.path.description)
            } else {
                byManager.append((c.manager, [c.path.description]))
            }
        }
        let parts = byManager.map { "conflict with \($0.0): \($0.1.joined(separator: ", "))" }
        return parts.joined(separator: "; ") + " (force the sync to take these fields)"
    }
}

/// Short durations as people read them: `0.4s`, `6.1s`, `2m5s`.
public enum DurationText {
    /// `duration` with tenths of a second below a minute, whole seconds above.
    /// A bound a user set, as they wrote it: `60s`, `90s`; a fraction as `format` has it.
    public static func bound(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return attoseconds == 0 ? "\(seconds)s" : format(duration)
    }

    public static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let tenths = max(0, seconds * 10 + attoseconds / 100_000_000_000_000_000)
        if tenths < 600 { return "\(tenths / 10).\(tenths % 10)s" }
        let whole = tenths / 10
        let (h, m, s) = (whole / 3600, whole % 3600 / 60, whole % 60)
        return h > 0 ? "\(h)h\(m)m\(s)s" : "\(m)m\(s)s"
    }
}
