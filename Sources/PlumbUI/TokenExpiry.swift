import Foundation
import PlumbCore

/// When a bearer token stops being valid, when it says so: the `exp` claim of a JWT (a
/// ServiceAccount token from a TokenRequest, an OIDC id token). Read only after a TokenReview
/// accepted the token, so the signature is the API server's business; an opaque token (a
/// static token, a legacy Secret token without `exp`) has no expiry of its own.
enum TokenExpiry {
    /// The `exp` of a JWT-shaped token, or nil.
    static func notAfter(_ token: String) -> Date? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let payload = base64URLDecoded(parts[1]) else { return nil }
        guard let claims = try? JSONReader().parse(payload), let exp = claims["exp"] else { return nil }
        if let seconds = exp.intValue { return Date(timeIntervalSince1970: Double(seconds)) }
        if let seconds = exp.doubleValue { return Date(timeIntervalSince1970: seconds) }
        return nil
    }

    private static func base64URLDecoded(_ text: Substring) -> [UInt8]? {
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.utf8.count % 4 != 0 { s += "=" }
        return Data(base64Encoded: s).map { [UInt8]($0) }
    }
}
