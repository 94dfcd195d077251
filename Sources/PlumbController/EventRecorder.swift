import Foundation
import PlumbCore
import PlumbKube

/// Records `events.k8s.io/v1` Events on Applications (what `kubectl describe` and
/// `kubectl events --for application/NAME` show), as Flux's controllers do: `Normal` for
/// progress and success, `Warning` for failures. A failure to record is logged, never fatal.
public struct EventRecorder: Sendable {
    public let client: KubeClient
    /// `reportingController` (a qualified name).
    public var controller = "plumb.dev/controller"
    /// `reportingInstance`: this pod or host.
    public var instance: String

    public init(client: KubeClient, instance: String = ProcessInfo.processInfo.hostName) {
        self.client = client
        self.instance = String(instance.prefix(128))
    }

    /// Creates one Event about `app`.
    public func record(_ event: AppEvent, on app: Application) async throws {
        let now = Date()
        // Names as client-go's recorder makes them: the object's name and a unique suffix.
        let suffix = String(UInt64(now.timeIntervalSince1970 * 1e9), radix: 16) + String(UInt16.random(in: 0...UInt16.max), radix: 16)
        let body: Value = [
            "apiVersion": "events.k8s.io/v1", "kind": "Event",
            "metadata": ["name": .string("\(app.key.name).\(suffix)"), "namespace": .string(app.key.namespace)],
            "eventTime": .string(Self.microTime(now)),
            "reportingController": .string(controller), "reportingInstance": .string(instance),
            "action": .string(event.action), "reason": .string(event.reason), "type": .string(event.type.rawValue),
            // events.k8s.io/v1 note: at most 1 kB.
            "note": .string(event.message.utf8.count > 1024 ? String(event.message.prefix(1000)) + " ..." : event.message),
            "regarding": [
                "apiVersion": .string(Application.apiVersion), "kind": .string(Application.kind),
                "namespace": .string(app.key.namespace), "name": .string(app.key.name), "uid": .string(app.uid),
                "resourceVersion": .string(app.resourceVersion),
            ],
        ]
        _ = try await client.create(body)
    }

    /// metav1.MicroTime: RFC 3339 with microseconds, UTC.
    static func microTime(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        let base = f.string(from: date).replacingOccurrences(of: "Z", with: "")
        let micros = Int((date.timeIntervalSince1970 - floor(date.timeIntervalSince1970)) * 1_000_000)
        return base + "." + String(format: "%06d", micros) + "Z"
    }
}
