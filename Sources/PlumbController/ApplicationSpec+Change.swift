import PlumbCore

extension ApplicationSpec {
    /// `syncPolicy.approval`: where each sync's plan is sent for approval, and the Secret (in
    /// the Application's namespace) holding the HMAC key that signs it.
    public struct Approval: Sendable, Equatable {
        public var settings: ApprovalSettings
        public var secretName: String?
        public var secretKey: String
    }

    static let defaultApprovalTimeout: Duration = .seconds(3600)
    static let defaultApprovalPollInterval: Duration = .seconds(30)

    /// Reads `syncPolicy.approval` and `syncPolicy.windows`.
    mutating func parseChangeManagement(_ policy: Value) throws(SpecError) {
        do {
            windows = try SyncWindows(policy["windows"], field: "spec.syncPolicy.windows")
        } catch {
            throw SpecError(error.field, error.message)
        }
        guard let a = policy["approval"], !a.isNull else { return }
        guard a.objectValue != nil else { throw SpecError("spec.syncPolicy.approval", "must be an object") }
        guard let url = try Self.string(a, "url", "spec.syncPolicy.approval.url"),
            url.hasPrefix("http://") || url.hasPrefix("https://")
        else {
            throw SpecError("spec.syncPolicy.approval.url", "must be an http:// or https:// URL")
        }
        let timeout = try Self.duration(a, "timeout", "spec.syncPolicy.approval.timeout") ?? Self.defaultApprovalTimeout
        let poll =
            try Self.duration(a, "pollInterval", "spec.syncPolicy.approval.pollInterval")
            ?? Self.defaultApprovalPollInterval
        guard timeout > .zero else { throw SpecError("spec.syncPolicy.approval.timeout", "must be more than 0s") }
        guard poll > .zero else { throw SpecError("spec.syncPolicy.approval.pollInterval", "must be more than 0s") }
        var secretName: String?
        var secretKey = "secret"
        if let ref = a["secretRef"], !ref.isNull {
            guard let name = try Self.string(ref, "name", "spec.syncPolicy.approval.secretRef.name"), !name.isEmpty
            else {
                throw SpecError("spec.syncPolicy.approval.secretRef.name", "is required")
            }
            secretName = name
            secretKey =
                try Self.string(ref, "key", "spec.syncPolicy.approval.secretRef.key").flatMap { $0.isEmpty ? nil : $0 }
                ?? "secret"
        }
        approval = Approval(
            settings: ApprovalSettings(url: url, timeout: timeout, pollInterval: poll), secretName: secretName,
            secretKey: secretKey)
    }
}
