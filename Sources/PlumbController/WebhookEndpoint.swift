import Hummingbird
import Logging
import NIOCore

/// The webhook receivers on the controller's HTTP port: `POST /hooks/<kind>` for `github`,
/// `gitlab`, `gitea` (and Forgejo), `bitbucket` (Cloud) and `generic`. A delivery that is not
/// signed with the kind's secret gets 401 and changes nothing; a body over 1 MiB gets 413
/// (read no further); a ping or an event Plumb does not act on gets 200; a push gets 200 and
/// the Applications it enqueued (`onPush`).
public struct WebhookEndpoint: Sendable {
    let secrets: WebhookSecrets
    let onPush: @Sendable ([WebhookPush]) async -> [AppKey]
    let logger: Logger
    let receiver = WebhookReceiver()

    public init(
        secrets: WebhookSecrets, logger: Logger = Logger(label: "plumb.webhooks"),
        onPush: @escaping @Sendable ([WebhookPush]) async -> [AppKey]
    ) {
        self.secrets = secrets
        self.onPush = onPush
        self.logger = logger
    }

    /// Adds `POST /hooks/{kind}` to `router`.
    func register(on router: Router<BasicRequestContext>) {
        router.post("hooks/{kind}") { request, context in
            await self.handle(request, kind: context.parameters.get("kind") ?? "")
        }
    }

    func handle(_ request: Request, kind name: String) async -> Response {
        guard let kind = WebhookKind(rawValue: name) else {
            return ProbeServer.text(.notFound, "no webhook receiver \(name); expected one of \(WebhookKind.allCases.map(\.rawValue).joined(separator: ", "))\n")
        }
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > WebhookReceiver.maxBody {
            return ProbeServer.text(.contentTooLarge, "body over \(WebhookReceiver.maxBody) bytes\n")
        }
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: WebhookReceiver.maxBody)
        } catch is NIOTooManyBytesError {
            return ProbeServer.text(.contentTooLarge, "body over \(WebhookReceiver.maxBody) bytes\n")
        } catch {
            return ProbeServer.text(.badRequest, "body not read: \(error)\n")
        }
        let headers = request.headers
        let verdict = receiver.judge(
            kind, header: { name in headers.first { $0.name.canonicalName == name.lowercased() }?.value }, body: Array(buffer.readableBytesView),
            secret: await secrets.secret(for: kind))
        var log = logger
        log[metadataKey: "receiver"] = "\(kind.rawValue)"
        switch verdict {
        case .unauthorized(let why):
            log.warning("webhook refused: \(why)")
            return ProbeServer.text(.unauthorized, "unauthorized: \(why)\n")
        case .malformed(let why):
            log.warning("webhook payload not understood: \(why)")
            return ProbeServer.text(.badRequest, "\(kind.rawValue): \(why)\n")
        case .ignored(let what):
            log.debug("webhook ignored: \(what)")
            return ProbeServer.text(.ok, "ok: \(what), nothing to do\n")
        case .push(let pushes):
            let keys = await onPush(pushes)
            let refs = pushes.map { $0.ref }.joined(separator: ", ")
            log.info("push received", metadata: ["ref": "\(refs)", "enqueued": "\(keys.count)"])
            let list = keys.map { "  \($0)\n" }.joined()
            return ProbeServer.text(.ok, "ok: push to \(refs); \(keys.count) Application\(keys.count == 1 ? "" : "s") enqueued\n\(list)")
        }
    }
}
