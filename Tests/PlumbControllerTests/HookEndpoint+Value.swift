import PlumbCore
import PlumbTesting

extension HookEndpoint {
    /// The audit sink deliveries the endpoint stored, in arrival order.
    var received: [Value] { lines("received.jsonl").compactMap { try? JSONReader().parse($0) } }
    /// The approval requests the endpoint answered, in arrival order.
    var requests: [Value] { lines("requests.jsonl").compactMap { try? JSONReader().parse($0) } }
}
