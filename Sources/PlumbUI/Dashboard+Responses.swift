import Foundation
import Hummingbird

extension Dashboard {
    /// Scripts and styles only from the dashboard itself (no `unsafe-inline`), no frames, forms
    /// only to itself: markup that slipped through could run nothing.
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    static func securityHeaders(_ contentType: String) -> HTTPFields {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[HTTPFields.Element.Name("Content-Security-Policy")!] = contentSecurityPolicy
        headers[HTTPFields.Element.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPFields.Element.Name("Referrer-Policy")!] = "no-referrer"
        headers[HTTPFields.Element.Name("X-Frame-Options")!] = "DENY"
        headers[.cacheControl] = "no-store"
        return headers
    }

    /// An HTML page.
    static func html(_ body: String, status: HTTPResponse.Status = .ok, cookies: [String] = []) -> Response {
        var headers = securityHeaders("text/html; charset=utf-8")
        for cookie in cookies { headers.append(HTTPFields.Element(name: .setCookie, value: cookie)) }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    static func asset(_ text: String, _ contentType: String) -> Response {
        var headers = securityHeaders(contentType)
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// 303 See Other (after a POST, the browser GETs the location).
    static func redirect(_ location: String, cookies: [String] = []) -> Response {
        var headers = securityHeaders("text/plain; charset=utf-8")
        headers[.location] = location
        for cookie in cookies { headers.append(HTTPFields.Element(name: .setCookie, value: cookie)) }
        return Response(status: .seeOther, headers: headers)
    }

    /// The values every page's head and foot use.
    func common(_ caller: Caller?, title: String, page: String) -> [String: Any] {
        var c: [String: Any] = ["base": Self.base, "title": title, "page": page]
        if let caller {
            c["csrf"] = caller.csrf
            c["user"] = ["name": caller.viewer.name, "logout": caller.session != nil] as [String: Any]
        }
        return c
    }

    /// An error page: `403 Forbidden`, `404 Not found`, ... with one line saying why.
    func errorPage(_ status: HTTPResponse.Status, _ message: String, caller: Caller?) -> Response {
        var c = common(caller, title: status.reasonPhrase, page: "error")
        c["code"] = String(status.code)
        c["title"] = status.reasonPhrase
        c["message"] = message
        return Self.html(Templates.render("error", c), status: status)
    }

    /// The session cookie: `HttpOnly`, `SameSite=Strict`, `Secure` when the browser reached
    /// the dashboard over TLS (a TLS-terminating proxy says so with `X-Forwarded-Proto`).
    static func sessionCookie(_ value: String, secure: Bool, maxAge: Int) -> String {
        "\(Sessions.cookie)=\(value); Path=\(base); Max-Age=\(maxAge); HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
    }

    static func overTLS(_ request: Request) -> Bool {
        request.head.scheme == "https" || request.headers[HTTPFields.Element.Name("X-Forwarded-Proto")!]?.lowercased() == "https"
    }
}
