/// How healthy a live object is, as a target judges it, with a short reason.
public struct HealthStatus: Sendable, Hashable, CustomStringConvertible {
    /// The closed set of health states, in the vocabulary of Argo CD.
    public enum State: String, Sendable, Hashable, CaseIterable {
        case healthy = "Healthy"
        case progressing = "Progressing"
        case degraded = "Degraded"
        case missing = "Missing"
        case unknown = "Unknown"
    }

    /// The state.
    public var state: State
    /// Why, such as `Deployment "web" exceeded its progress deadline`; empty when there is nothing to say.
    public var message: String

    /// A status in `state` saying `message`.
    public init(_ state: State, _ message: String = "") {
        self.state = state
        self.message = message
    }

    /// Healthy, with no message.
    public static let healthy = HealthStatus(.healthy)

    /// `Degraded: exceeded its progress deadline`, or just the state without a message.
    public var description: String { message.isEmpty ? state.rawValue : "\(state.rawValue): \(message)" }
}
