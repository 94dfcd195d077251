import Foundation
import Hummingbird
import PlumbController
import PlumbKube

/// The one looking at a page: their identity, the CSRF token their forms carry, and their
/// session (none with `plumb ui`).
/// A request's caller, or the response that turns it away.
enum Admission {
    case success(Caller)
    case failure(Response)
}

/// A page's caller with the Applications they may list, or the response that turns them away.
enum Listing {
    case success(Caller, [PlumbApp])
    case failure(Response)
}

struct Caller: Sendable {
    var viewer: Viewer
    var csrf: String
    var session: Session?
}

extension Dashboard {
    static let loginCookie = "plumb_login"

    /// The caller of a request, or the response that refuses it: the login page (a GET without
    /// a session), 401 (a POST without one), or 403 (`plumb ui` reached under another host
    /// name, as a DNS-rebinding page would).
    func caller(_ request: Request) -> Admission {
        switch access {
        case .kubeconfig(let viewer):
            let host = (request.head.authority ?? "").lowercased()
            let name = host.hasPrefix("[") ? String(host.prefix { $0 != "]" }) + "]" : String(host.prefix { $0 != ":" })
            guard ["127.0.0.1", "localhost", "[::1]"].contains(name) else {
                return .failure(errorPage(.forbidden, "plumb ui answers only on 127.0.0.1 and localhost", caller: nil))
            }
            return .success(Caller(viewer: viewer, csrf: localCSRF, session: nil))
        case .login:
            if let session = sessions.find(request.cookies[Sessions.cookie]?.value) {
                return .success(Caller(viewer: session.viewer, csrf: session.csrf, session: session))
            }
            // Forms and the event stream get 401; only a page is sent to the login.
            if request.method == .post || request.uri.path.hasSuffix("/events") {
                return .failure(errorPage(.unauthorized, "not logged in (or the session expired)", caller: nil))
            }
            return .failure(Self.redirect(Self.base + "/login"))
        }
    }

    /// Nil when `caller` may `verb` the Applications of `namespace` (or the one named `name`;
    /// or another `plumb.dev` `resource`), else the 403 page. With `plumb ui` the API server
    /// decides on the request itself.
    func authorize(
        _ caller: Caller, _ verb: String, namespace: String, name: String? = nil, resource: String = "applications"
    ) async -> Response? {
        guard case .login = access else { return nil }
        do {
            if try await reviews.allowed(caller.viewer, verb, namespace: namespace, name: name, resource: resource) { return nil }
        } catch {
            return errorPage(.serviceUnavailable, "the API server did not answer the access review: \(Self.oneLine(error))", caller: caller)
        }
        guard resource == "applications" else {
            return errorPage(.forbidden, "\(caller.viewer.name) may not \(verb) \(resource).plumb.dev", caller: caller)
        }
        let what = name.map { "Application \(namespace)/\($0)" } ?? (namespace.isEmpty ? "Applications in every namespace" : "Applications in namespace \(namespace)")
        return errorPage(.forbidden, "\(caller.viewer.name) may not \(verb) \(what)", caller: caller)
    }

    /// The namespaces among `namespaces` whose Applications `caller` may list.
    func listable(_ caller: Caller, _ namespaces: Set<String>) async -> Set<String> {
        guard case .login = access else { return namespaces }
        if (try? await reviews.allowed(caller.viewer, "list", namespace: "")) == true { return namespaces }
        var out = Set<String>()
        for ns in namespaces where (try? await reviews.allowed(caller.viewer, "list", namespace: ns)) == true {
            out.insert(ns)
        }
        return out
    }

    /// The form of a POST (`application/x-www-form-urlencoded`, at most 64 KiB), or nil.
    static func form(_ request: Request) async -> [String: String]? {
        var request = request
        guard let buffer = try? await request.collectBody(upTo: 64 * 1024) else { return nil }
        var fields: [String: String] = [:]
        for pair in String(buffer: buffer).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            fields[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }

    /// Whether a form carries the caller's CSRF token.
    static func csrfValid(_ form: [String: String]?, _ caller: Caller) -> Bool {
        guard let token = form?["csrf"], !token.isEmpty else { return false }
        return Sessions.same(token, caller.csrf)
    }

    func loginPage(_ request: Request, message: String?, status: HTTPResponse.Status = .ok) -> Response {
        guard case .login = access else { return Self.redirect(Self.base + "/") }
        // The login form's CSRF token: a random value in a cookie and in the form (double
        // submit); the cookie's value is kept while it lasts, so two tabs both work.
        let existing = request.cookies[Self.loginCookie]?.value ?? ""
        let token = existing.count == 43 ? existing : Sessions.random()
        var c = common(nil, title: "Log in", page: "login")
        c["csrf"] = token
        if let message { c["flash"] = message }
        let cookie =
            "\(Self.loginCookie)=\(token); Path=\(Self.base); Max-Age=600; HttpOnly; SameSite=Strict"
            + (Self.overTLS(request) ? "; Secure" : "")
        return Self.html(Templates.render("login", c), status: status, cookies: [cookie])
    }

    /// `POST /ui/login`: the token is reviewed, then forgotten; the session keeps the user.
    func login(_ request: Request) async -> Response {
        guard case .login = access else { return Self.redirect(Self.base + "/") }
        let form = await Self.form(request)
        guard let expected = request.cookies[Self.loginCookie]?.value, let sent = form?["csrf"],
            !expected.isEmpty, Sessions.same(expected, sent)
        else {
            return errorPage(.forbidden, "the login form's CSRF token is missing or wrong; reload the login page", caller: nil)
        }
        let token = (form?["token"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { return loginPage(request, message: "Paste a bearer token.", status: .unauthorized) }
        let viewer: Viewer?
        do {
            viewer = try await reviews.authenticate(token)
        } catch {
            // The error names the review, never the token.
            logger.warning("login: TokenReview failed: \(Self.oneLine(error))")
            return errorPage(.serviceUnavailable, "the API server did not answer the TokenReview", caller: nil)
        }
        guard let viewer else {
            logger.info("login refused: the token was not authenticated")
            return loginPage(request, message: "The API server did not accept that token.", status: .unauthorized)
        }
        // A session never outlives its token: a ServiceAccount or OIDC token's `exp` ends it.
        let tokenLeft = TokenExpiry.notAfter(token).map { Duration.seconds($0.timeIntervalSinceNow) }
        if let tokenLeft, tokenLeft <= .seconds(1) {
            logger.info("login refused: the token has expired", metadata: ["user": "\(viewer.name)"])
            return loginPage(request, message: "That token has expired.", status: .unauthorized)
        }
        let session = sessions.create(viewer, tokenLeft: tokenLeft)
        logger.info("login", metadata: ["user": "\(viewer.name)"])
        let secure = Self.overTLS(request)
        let maxAge = min(sessions.lifetime, tokenLeft ?? sessions.lifetime).components.seconds
        return Self.redirect(
            Self.base + "/",
            cookies: [
                Self.sessionCookie(session.id, secure: secure, maxAge: Int(maxAge)),
                "\(Self.loginCookie)=; Path=\(Self.base); Max-Age=0; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : ""),
            ])
    }

    /// `POST /ui/logout` (with the CSRF token): ends the session.
    func logout(_ request: Request) async -> Response {
        let caller: Caller
        switch self.caller(request) {
        case .success(let c): caller = c
        case .failure(let response): return response
        }
        guard Self.csrfValid(await Self.form(request), caller) else {
            return errorPage(.forbidden, "missing or wrong CSRF token", caller: caller)
        }
        guard let session = caller.session else { return Self.redirect(Self.base + "/") }
        sessions.remove(session.id)
        logger.info("logout", metadata: ["user": "\(caller.viewer.name)"])
        return Self.redirect(
            Self.base + "/login",
            cookies: [Self.sessionCookie("", secure: Self.overTLS(request), maxAge: 0)])
    }

    static func oneLine(_ error: any Error) -> String {
        "\(error)".split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
