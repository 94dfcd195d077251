/// A refusal by the target's own policy (for Kubernetes: an admission webhook or a
/// ValidatingAdmissionPolicy answering the server dry-run): which policy, and its message.
/// A sync reports it as `<object>: <policy>: <message>`, the form of Plumb's own checks.
public struct PolicyDenial: Sendable, Hashable {
    /// The policy's name: `deny-latest.acme.dev`.
    public var policy: String
    /// What the policy said, without the target's wrapping.
    public var message: String

    public init(policy: String, message: String) {
        self.policy = policy
        self.message = message
    }
}

/// A target error that may be a policy's refusal.
public protocol PolicyDenialError: Error {
    /// The refusal, when a policy made this error; nil for any other failure.
    var policyDenial: PolicyDenial? { get }
}
