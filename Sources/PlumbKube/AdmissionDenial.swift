import PlumbEngine

extension StatusError: PolicyDenialError {
    /// The admission policy that refused the request, read from the message forms of
    /// kube-apiserver: `admission webhook "<name>" denied the request: <message>` (a
    /// validating or mutating webhook) and `ValidatingAdmissionPolicy '<name>' with binding
    /// '<binding>' denied request: <message>` (the message may follow a prefix such as
    /// `Deployment.apps "web" is invalid: : `). Nil for any other error.
    public var policyDenial: PolicyDenial? {
        guard code == 400 || code == 403 || code == 422 || code >= 500 else { return nil }
        return Self.denial(in: message)
    }

    /// The denial in an API server message, if it is one.
    static func denial(in text: String) -> PolicyDenial? {
        if let start = text.range(of: "admission webhook \"") {
            let rest = text[start.upperBound...]
            if let close = rest.firstIndex(of: "\""), let denied = rest[close...].range(of: "\" denied the request") {
                let name = String(rest[..<close])
                var message = String(rest[denied.upperBound...])
                if message.hasPrefix(": ") { message.removeFirst(2) }
                if message.isEmpty || message == " without explanation" {
                    message = "denied the request without explanation"
                }
                return PolicyDenial(policy: name, message: message)
            }
        }
        if let start = text.range(of: "ValidatingAdmissionPolicy '") {
            let rest = text[start.upperBound...]
            if let close = rest.firstIndex(of: "'"), let denied = rest[close...].range(of: " denied request") {
                let name = String(rest[..<close])
                var message = String(rest[denied.upperBound...])
                if message.hasPrefix(": ") { message.removeFirst(2) }
                return PolicyDenial(policy: name, message: message.isEmpty ? "denied request" : message)
            }
        }
        return nil
    }
}

extension ObjectError: PolicyDenialError {
    /// The admission policy that refused the object, when the server's message says so (a
    /// terminal `StatusError` reaches the executor as an `ObjectError` with its message).
    public var policyDenial: PolicyDenial? { StatusError.denial(in: message) }
}
