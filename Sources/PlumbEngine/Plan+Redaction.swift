import PlumbCore

extension SensitiveValues {
    /// The plan as it may be shown (a diff, a PR comment): each object's diff with decrypted
    /// SOPS values masked. Only for display: the objects to apply are the plan's resources,
    /// which keep their values.
    public func masked(_ plan: Plan) -> Plan {
        guard !isEmpty else { return plan }
        var out = plan
        for s in out.steps.indices {
            for o in out.steps[s].objects.indices {
                out.steps[s].objects[o].diff = masked(out.steps[s].objects[o].diff)
            }
        }
        return out
    }
}
