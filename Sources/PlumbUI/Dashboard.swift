import Foundation
import Hummingbird
import Logging
import PlumbAudit
import PlumbController
import PlumbCore
import PlumbKube
import PlumbRollout

/// The web dashboard: the Applications, one Application (summary, rollouts, resource tree,
/// diff, history, Events), an audit record, the rollouts, the NodeConfigs' nodes, the actions
/// (sync now, suspend, resume; promote, abort, retry a rollout) and a live event stream, as server-rendered HTML under `/ui`. One code base for two ways to open it:
/// - `plumb ui` (`Access.kubeconfig`): on 127.0.0.1 with the user's kubeconfig; every read and
///   write is the user's and the API server authorises it;
/// - the controller's `--ui` (`Access.login`): behind a login with a bearer token checked by a
///   `TokenReview`; every page and action is authorised for that user with a
///   `SubjectAccessReview` on the Application (get, list, patch) before the controller's own
///   client reads or writes.
public final class Dashboard: Sendable {
    /// Who is looking and who decides what they may do.
    public enum Access: Sendable {
        /// `plumb ui`: the kubeconfig's user (named for the audit trail's initiator).
        case kubeconfig(Viewer)
        /// The controller's `--ui`: a session per login.
        case login
    }

    /// The path every page lives under.
    public static let base = "/ui"

    let client: KubeClient
    let audit: (any AuditStore)?
    let diff: ApplicationDiff?
    let access: Access
    let namespace: String?
    let logger: Logger
    let sessions = Sessions()
    let reviews: AccessReviews
    let feed: AppFeed
    /// The Applications from one list and a watch, shared by every page and stream.
    let apps: AppCache
    /// The applications table's rendered rows, while their values stay the same.
    let rows = RowCache()
    let subjects: CommitSubjects
    /// The CSRF token of `plumb ui`'s forms (one per process; a page of another origin cannot read it).
    let localCSRF = Sessions.random()

    /// - Parameters:
    ///   - client: reads and writes (the user's with `.kubeconfig`, the controller's with `.login`).
    ///   - audit: the audit trail the history comes from (none: the history says so).
    ///   - diff: how an Application's diff is planned (none: no diff section).
    ///   - namespace: the one namespace whose Applications are shown (nil: all).
    ///   - pollInterval: how often the live stream looks at the Applications (the watched copy).
    public init(
        client: KubeClient, audit: (any AuditStore)?, diff: ApplicationDiff?, access: Access, namespace: String? = nil,
        pollInterval: Duration = .seconds(1), logger: Logger = Logger(label: "plumb.ui")
    ) {
        self.client = client
        self.audit = audit
        self.diff = diff
        self.access = access
        self.namespace = namespace
        self.logger = logger
        self.reviews = AccessReviews(client: client)
        self.subjects = CommitSubjects(audit: audit)
        self.apps = AppCache(client: client, namespace: namespace)
        self.feed = AppFeed(apps: apps, interval: pollInterval, subjects: subjects)
    }

    /// Adds the dashboard's routes (`/`, `/ui/...`) to `router`.
    public func register(on router: Router<BasicRequestContext>) {
        let b = Self.base
        router.get("/") { _, _ in Self.redirect(b + "/") }
        // Hummingbird matches `/ui` and `/ui/` alike.
        router.get("ui") { request, _ in await self.applicationsPage(request) }
        router.get("ui/static/plumb.css") { _, _ in Self.asset(Assets.css, "text/css; charset=utf-8") }
        router.get("ui/static/plumb.js") { _, _ in Self.asset(Assets.js, "text/javascript; charset=utf-8") }
        router.get("ui/login") { request, _ in self.loginPage(request, message: nil) }
        router.post("ui/login") { request, _ in await self.login(request) }
        router.post("ui/logout") { request, _ in await self.logout(request) }
        router.get("ui/events") { request, _ in await self.events(request) }
        router.get("ui/rollouts") { request, _ in await self.rolloutsPage(request) }
        router.get("ui/nodes") { request, _ in await self.nodesPage(request) }
        router.post("ui/apps/{namespace}/{name}/rollouts/{rolloutNamespace}/{rollout}/{command}") { request, context in
            await self.rolloutAct(
                request, AppKey(namespace: context.parameters.get("namespace") ?? "", name: context.parameters.get("name") ?? ""),
                rollout: RolloutControl.ref(
                    context.parameters.get("rollout") ?? "", namespace: context.parameters.get("rolloutNamespace") ?? ""),
                command: context.parameters.get("command") ?? "")
        }
        router.get("ui/apps/{namespace}/{name}") { request, context in
            await self.applicationPage(
                request, AppKey(namespace: context.parameters.get("namespace") ?? "", name: context.parameters.get("name") ?? ""))
        }
        router.get("ui/apps/{namespace}/{name}/history/{id}") { request, context in
            await self.recordPage(
                request, AppKey(namespace: context.parameters.get("namespace") ?? "", name: context.parameters.get("name") ?? ""),
                id: Int64(context.parameters.get("id") ?? "") ?? -1)
        }
        router.post("ui/apps/{namespace}/{name}/{action}") { request, context in
            await self.act(
                request, AppKey(namespace: context.parameters.get("namespace") ?? "", name: context.parameters.get("name") ?? ""),
                action: context.parameters.get("action") ?? "")
        }
    }

    /// The user of a kubeconfig's credentials as the API server names them (`SelfSubjectReview`),
    /// for `Access.kubeconfig`; nil when the server cannot say.
    public static func kubeconfigUser(_ client: KubeClient) async -> Viewer? {
        await AccessReviews.whoAmI(client)
    }

    /// Serves only the dashboard on `host:port` until cancelled (`plumb ui`); `onBound` gets
    /// the port once it listens (port 0 picks a free one).
    public func serve(host: String, port: Int, onBound: @escaping @Sendable (Int) -> Void) async throws {
        let router = Router()
        register(on: router)
        // The server's own log stays quiet: stopping it (Ctrl-C cancels it) is not an error.
        var quiet = logger
        quiet.logLevel = .critical
        let app = Hummingbird.Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in onBound(channel.localAddress?.port ?? port) },
            logger: quiet)
        do {
            try await app.runService()
        } catch {
            await apps.stop()
            throw error
        }
        await apps.stop()
    }
}
