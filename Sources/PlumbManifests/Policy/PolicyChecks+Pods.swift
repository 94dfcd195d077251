import PlumbCore

/// A container image reference split as the container runtime reads it.
struct ImageReference: Equatable {
    /// `docker.io`, `ghcr.io`, `registry.acme.dev:5000`.
    var registry: String
    /// The repository inside the registry: `library/nginx`, `acme/web`.
    var repository: String
    var tag: String?
    var digest: String?

    init(_ text: String) {
        var rest = text
        if let at = rest.firstIndex(of: "@") {
            digest = String(rest[rest.index(after: at)...])
            rest = String(rest[..<at])
        }
        let slash = rest.lastIndex(of: "/")
        if let colon = rest.lastIndex(of: ":"), slash.map({ colon > $0 }) ?? true {
            tag = String(rest[rest.index(after: colon)...])
            rest = String(rest[..<colon])
        }
        // The first component is a registry when it looks like a host (Docker's rule).
        let parts = rest.split(separator: "/", maxSplits: 1).map(String.init)
        if parts.count == 2, parts[0].contains(".") || parts[0].contains(":") || parts[0] == "localhost" {
            registry = parts[0]
            repository = parts[1]
        } else {
            registry = "docker.io"
            repository = parts.count == 1 ? "library/" + rest : rest
        }
    }

    /// `registry/repository`, the form `allowedRegistries` entries are prefixes of.
    var location: String { "\(registry)/\(repository)" }

    /// Whether `entry` (`ghcr.io`, `ghcr.io/acme`, `docker.io/library`) covers this image.
    func isIn(_ entry: String) -> Bool {
        var e = entry
        while e.hasSuffix("/") { e.removeLast() }
        return location == e || location.hasPrefix(e + "/")
    }
}

extension PolicyEngine {
    /// The violations of the container checks and pod checks on one workload object.
    func podViolations(_ resource: Resource, _ pod: PolicyPodSpec) -> [PolicyFinding] {
        var out: [PolicyFinding] = []
        func add(_ check: PolicyCheck, _ message: String) {
            out.append(PolicyFinding(ref: resource.ref, check: check.id, message: message))
        }
        let podSecurity = pod.spec["securityContext"]
        for c in pod.containers {
            guard let image = c.image, !image.isEmpty else { continue }
            let ref = ImageReference(image)
            if ref.digest == nil {
                add(.imageDigest, "\(c.label): image \(image) is not pinned by digest")
                if ref.tag == nil || ref.tag == "latest" {
                    add(.imageTag, "\(c.label): image \(image) has \(ref.tag == nil ? "no tag" : "the tag latest")")
                }
            }
            if let allowed = parameters.allowedRegistries, !allowed.contains(where: ref.isIn) {
                add(
                    .imageRegistry,
                    "\(c.label): image \(image) is from \(ref.registry), not an allowed registry (\(allowed.joined(separator: ", ")))"
                )
            }
        }
        // Ephemeral containers may not set resources (the API server refuses them).
        for c in pod.containers where !c.label.hasPrefix("ephemeral") {
            let missing = ["cpu", "memory"].filter { c.body[path: ["resources", "requests", $0]] == nil }
            if !missing.isEmpty {
                add(.resourceRequests, "\(c.label): no \(missing.joined(separator: " and ")) request")
            }
            if c.body[path: ["resources", "limits", "memory"]] == nil {
                add(.resourceLimits, "\(c.label): no memory limit")
            }
        }
        for c in pod.containers {
            let security = c.body["securityContext"]
            if security?["privileged"]?.boolValue == true {
                add(.privileged, "\(c.label): securityContext.privileged is true")
            }
            let user = security?["runAsUser"]?.intValue ?? podSecurity?["runAsUser"]?.intValue
            let nonRoot = security?["runAsNonRoot"]?.boolValue ?? podSecurity?["runAsNonRoot"]?.boolValue
            if user == 0 {
                add(.runAsRoot, "\(c.label): runAsUser is 0 (root)")
            } else if nonRoot != true && user == nil {
                add(.runAsRoot, "\(c.label): runAsNonRoot is not true and no runAsUser is set")
            }
        }
        for volume in pod.spec["volumes"]?.arrayValue ?? [] where volume["hostPath"] != nil {
            let path = volume[path: ["hostPath", "path"]]?.stringValue ?? ""
            add(.hostPath, "volume \(volume["name"]?.stringValue ?? "?"): hostPath \(path)")
        }
        let shared = ["hostNetwork", "hostPID", "hostIPC"].filter { pod.spec[$0]?.boolValue == true }
        if !shared.isEmpty {
            add(.hostNamespaces, shared.map { "\($0) is true" }.joined(separator: ", "))
        }
        return out
    }
}
