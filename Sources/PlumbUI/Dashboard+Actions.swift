import Foundation
import Hummingbird
import PlumbController
import PlumbCore
import PlumbKube

/// What a button of an Application's page does; each is a `patch` of the Application, checked
/// on its own. Rollout promote/abort join here when rollouts land.
enum AppAction: String, CaseIterable, Sendable {
    /// Asks the controller for a reconcile now (`plumb app sync`): `plumb.dev/reconcile-at`, with
    /// `plumb.dev/reconcile-by` naming the user, who becomes the audit record's initiator.
    case sync
    /// `spec.suspend: true` (`plumb app suspend`).
    case suspend
    /// `spec.suspend: false` and a reconcile now (`plumb app resume`).
    case resume

    /// The merge patch, at `now` by `user`.
    func patch(now: String, user: String) -> Value {
        let annotations: Value = [
            "metadata": [
                "annotations": [
                    PlumbApp.reconcileAtAnnotation: .string(now),
                    PlumbApp.reconcileByAnnotation: .string(PlumbApp.reconcileBy(at: now, user: user)),
                ]
            ]
        ]
        switch self {
        case .sync: return annotations
        case .suspend: return ["spec": ["suspend": true]]
        case .resume:
            var patch = annotations
            patch["spec"] = ["suspend": false]
            return patch
        }
    }

    var done: String {
        switch self {
        case .sync: return "Sync requested"
        case .suspend: return "Suspended"
        case .resume: return "Resumed"
        }
    }
}

extension Dashboard {
    /// `POST /ui/apps/<namespace>/<name>/<action>`: CSRF token, then a SubjectAccessReview for
    /// `patch` on that Application, then the patch; an Event on the Application names the user.
    func act(_ request: Request, _ key: AppKey, action name: String) async -> Response {
        let caller: Caller
        switch self.caller(request) {
        case .success(let c): caller = c
        case .failure(let response): return response
        }
        guard Self.csrfValid(await Self.form(request), caller) else {
            logger.warning("action refused: missing or wrong CSRF token", metadata: ["user": "\(caller.viewer.name)", "app": "\(key)"])
            return errorPage(.forbidden, "missing or wrong CSRF token", caller: caller)
        }
        guard let action = AppAction(rawValue: name) else {
            return errorPage(.notFound, "no action \(name); expected one of \(AppAction.allCases.map(\.rawValue).joined(separator: ", "))", caller: caller)
        }
        if let refusal = await authorize(caller, "patch", namespace: key.namespace, name: key.name) {
            logger.warning("action refused", metadata: ["user": "\(caller.viewer.name)", "app": "\(key)", "action": "\(name)"])
            return refusal
        }
        let now = Self.timestamp(Date())
        let updated: Value
        do {
            updated = try await client.patch(Self.ref(key), .merge(action.patch(now: now, user: caller.viewer.name)))
        } catch {
            return apiError(error, caller: caller)
        }
        logger.info("action", metadata: ["user": "\(caller.viewer.name)", "app": "\(key)", "action": "\(name)"])
        if let app = PlumbApp(updated) {
            let message = "\(action.done) by \(caller.viewer.name) from the dashboard"
            do {
                try await EventRecorder(client: client).record(
                    AppEvent(.normal, reason: action.done.replacingOccurrences(of: " ", with: ""), action: action.rawValue.capitalized, message: message),
                    on: app)
            } catch {
                logger.debug("event not recorded: \(Self.oneLine(error))")
            }
        }
        let done = action.done.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        return Self.redirect("\(Self.base)/apps/\(Self.path(key.namespace))/\(Self.path(key.name))?done=\(done)")
    }

    /// A path segment, percent-encoded.
    static func path(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? ""
    }

    /// RFC 3339 with milliseconds, UTC, as `plumb app sync` writes `plumb.dev/reconcile-at`.
    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}
