import Foundation
import Hummingbird
import PlumbController
import PlumbCore
import PlumbKube
import PlumbRollout

extension Dashboard {
    /// The RolloutStrategies among an Application's managed objects (`status.resources`).
    static func rolloutRefs(_ app: PlumbApp) -> [ObjectRef] {
        app.status.resources
            .filter { $0.group == RolloutDeclaration.group && $0.kind == RolloutDeclaration.kind }
            .map { RolloutControl.ref($0.name, namespace: $0.namespace) }
            .sorted { ($0.namespace, $0.name) < ($1.namespace, $1.name) }
    }

    /// The rollouts of an Application that ran or run (a RolloutStrategy never rolled out is
    /// left out), as `plumb rollout status` reads them, or why they could not be read.
    func rollouts(of app: PlumbApp) async -> (views: [RolloutView], problem: String?) {
        let refs = Self.rolloutRefs(app)
        guard !refs.isEmpty else { return ([], nil) }
        do {
            let statuses = try await RolloutControl(client: client).statuses(refs)
            return (statuses.filter { $0.state != nil }.map { RolloutView(status: $0, app: app.key) }, nil)
        } catch {
            return ([], "the rollouts: \(Self.oneLine(error))")
        }
    }

    /// `GET /ui/rollouts`: every rollout of the Applications the caller may list.
    func rolloutsPage(_ request: Request) async -> Response {
        let caller: Caller
        var apps: [PlumbApp]
        switch await listingCaller(request) {
        case .success(let c, let found): (caller, apps) = (c, found)
        case .failure(let response): return response
        }
        apps = apps.filter { !Self.rolloutRefs($0).isEmpty }
        var views: [RolloutView] = []
        var problems: [String] = []
        for app in apps {
            let found = await rollouts(of: app)
            views += found.views
            if let problem = found.problem { problems.append("\(app.key): \(problem)") }
        }
        var c = common(caller, title: "Rollouts", page: "rollouts")
        c["rollouts"] = views.map(\.context)
        c["rolloutErrors"] = problems
        c["count"] = String(views.count)
        return Self.html(Templates.render("rollouts", c))
    }

    /// `POST /ui/apps/<namespace>/<name>/rollouts/<rollout namespace>/<rollout name>/<command>`:
    /// CSRF token, then a SubjectAccessReview for `patch` on the Application (as Sync now), then
    /// the command on the RolloutStrategy (`plumb.dev/rollout-command`, as `plumb rollout`
    /// writes it) and a reconcile request naming the user, who becomes the initiator of the
    /// sync that carries the command out; an Event on the Application names the user.
    func rolloutAct(_ request: Request, _ key: AppKey, rollout: ObjectRef, command name: String) async -> Response {
        let caller: Caller
        switch self.caller(request) {
        case .success(let c): caller = c
        case .failure(let response): return response
        }
        guard Self.csrfValid(await Self.form(request), caller) else {
            logger.warning("rollout action refused: missing or wrong CSRF token", metadata: ["user": "\(caller.viewer.name)", "app": "\(key)"])
            return errorPage(.forbidden, "missing or wrong CSRF token", caller: caller)
        }
        guard let command = RolloutCommand(rawValue: name) else {
            return errorPage(
                .notFound, "no rollout action \(name); expected one of \(RolloutCommand.allCases.map(\.rawValue).joined(separator: ", "))",
                caller: caller)
        }
        if let refusal = await authorize(caller, "patch", namespace: key.namespace, name: key.name) {
            logger.warning("rollout action refused", metadata: ["user": "\(caller.viewer.name)", "app": "\(key)", "action": "\(name)"])
            return refusal
        }
        let app: PlumbApp
        do {
            guard let found = PlumbApp(try await client.get(Self.ref(key))) else {
                return errorPage(.notFound, "\(key): not an Application", caller: caller)
            }
            app = found
        } catch {
            return apiError(error, caller: caller)
        }
        // Only a RolloutStrategy of this Application answers to its permission.
        guard Self.rolloutRefs(app).contains(rollout) else {
            return errorPage(.notFound, "\(rollout) is not among the objects of Application \(key)", caller: caller)
        }
        do {
            try await RolloutControl(client: client).send(command, to: rollout)
        } catch let error as RolloutError {
            return errorPage(.conflict, error.description, caller: caller)
        } catch {
            return apiError(error, caller: caller)
        }
        let now = Self.timestamp(Date())
        do {
            _ = try await client.patch(Self.ref(key), .merge(AppAction.sync.patch(now: now, user: caller.viewer.name)))
        } catch {
            return apiError(error, caller: caller)
        }
        let done = "\(RolloutView.label(command)) requested"
        logger.info("rollout action", metadata: ["user": "\(caller.viewer.name)", "app": "\(key)", "rollout": "\(rollout)", "action": "\(name)"])
        do {
            try await EventRecorder(client: client).record(
                AppEvent(
                    .normal, reason: "Rollout\(RolloutView.label(command))", action: RolloutView.label(command),
                    message: "\(done) by \(caller.viewer.name) from the dashboard for RolloutStrategy \(rollout.namespace)/\(rollout.name)"),
                on: app)
        } catch {
            logger.debug("event not recorded: \(Self.oneLine(error))")
        }
        let flash = "\(done) for \(rollout.name)".addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        return Self.redirect("\(Self.base)/apps/\(Self.path(key.namespace))/\(Self.path(key.name))?done=\(flash)")
    }
}
