/// The Kubernetes verb of an HTTP request to the API server, as kube-apiserver names it in
/// its own `apiserver_request_total{verb}` and in RBAC: a port of `NewRequestInfo` in
/// k8s.io/apiserver/pkg/endpoints/request/requestinfo.go.
public enum KubeVerb {
    /// `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, `deletecollection`, or
    /// `proxy` for a resource request; the HTTP method in lower case for any other path
    /// (`/version`, `/readyz`, `/apis`, discovery), as kube-apiserver does.
    public static func of(method: String, path: String) -> String {
        let method = method.uppercased()
        let nonResource = method.lowercased()
        var pathPart = Substring(path)
        var query = Substring("")
        if let q = path.firstIndex(of: "?") {
            pathPart = path[..<q]
            query = path[path.index(after: q)...]
        }
        var parts = pathPart.split(separator: "/", omittingEmptySubsequences: false)
        while parts.first?.isEmpty == true { parts.removeFirst() }
        while parts.last?.isEmpty == true { parts.removeLast() }
        // /api/{version}/... or /apis/{group}/{version}/...: at least one part after those.
        guard parts.count >= 3 else { return nonResource }
        switch parts[0] {
        case "api": parts.removeFirst(2)
        case "apis":
            guard parts.count >= 4 else { return nonResource }
            parts.removeFirst(3)
        default: return nonResource
        }
        var verb: String
        if parts[0] == "watch" || parts[0] == "proxy" {
            guard parts.count >= 2 else { return nonResource }
            verb = String(parts[0])
            parts.removeFirst()
        } else {
            switch method {
            case "POST": verb = "create"
            case "GET", "HEAD": verb = "get"
            case "PUT": verb = "update"
            case "PATCH": verb = "patch"
            case "DELETE": verb = "delete"
            default: return nonResource
            }
        }
        // /namespaces/{ns}/{resource}/...; `status` and `finalize` are the namespace's own
        // subresources, not resources in it.
        if parts[0] == "namespaces", parts.count > 2, parts[2] != "status", parts[2] != "finalize" {
            parts.removeFirst(2)
        }
        let hasName = parts.count >= 2
        if !hasName && verb == "get" {
            // Any value of `watch` but "false" or "0" makes a list a watch.
            let watch = query.split(separator: "&").first { $0 == "watch" || $0.hasPrefix("watch=") }
            if let watch {
                let value = watch.dropFirst("watch".count).drop { $0 == "=" }.lowercased()
                verb = (value == "false" || value == "0") ? "list" : "watch"
            } else {
                verb = "list"
            }
        }
        if !hasName && verb == "delete" { verb = "deletecollection" }
        return verb
    }
}
