import Foundation
import Synchronization

/// Who is looking: the Kubernetes user a TokenReview returned (or the kubeconfig's user of
/// `plumb ui`), with what a SubjectAccessReview needs to ask about them.
public struct Viewer: Sendable, Equatable {
    public var name: String
    public var uid: String
    public var groups: [String]
    public var extra: [String: [String]]

    public init(name: String, uid: String = "", groups: [String] = [], extra: [String: [String]] = [:]) {
        self.name = name
        self.uid = uid
        self.groups = groups
        self.extra = extra
    }
}

/// A logged-in browser: the viewer and the CSRF token every form of theirs carries. The
/// bearer token it logged in with is not kept.
struct Session: Sendable {
    var id: String
    var viewer: Viewer
    var csrf: String
    var expires: ContinuousClock.Instant
}

/// The sessions of the controller's dashboard, in memory (a restart logs everyone out). The
/// cookie holds a random id of 256 bits from the system's CSPRNG.
final class Sessions: Sendable {
    static let cookie = "plumb_session"
    let lifetime: Duration
    private let table = Mutex<[String: Session]>([:])

    init(lifetime: Duration = .seconds(8 * 3600)) { self.lifetime = lifetime }

    /// A new session of `viewer`, ending after `lifetime` or when the token it logged in with
    /// expires (`tokenLeft`), whichever comes first; returns it (its `id` goes into the cookie).
    func create(_ viewer: Viewer, tokenLeft: Duration? = nil) -> Session {
        let session = Session(
            id: Self.random(), viewer: viewer, csrf: Self.random(), expires: .now + min(lifetime, tokenLeft ?? lifetime))
        table.withLock { sessions in
            let now = ContinuousClock.now
            sessions = sessions.filter { $0.value.expires > now }
            sessions[session.id] = session
        }
        return session
    }

    /// The live session of a cookie value, if any.
    func find(_ id: String?) -> Session? {
        guard let id, !id.isEmpty else { return nil }
        return table.withLock { sessions in
            let key = id
            guard let session = sessions[key] else { return nil }
            guard session.expires > .now else {
                sessions[key] = nil
                return nil
            }
            return session
        }
    }

    func remove(_ id: String) { _ = table.withLock { $0.removeValue(forKey: id) } }

    /// 32 random bytes, base64url without padding.
    static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Whether two tokens are equal, in time that does not depend on where they differ.
    static func same(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }
}
