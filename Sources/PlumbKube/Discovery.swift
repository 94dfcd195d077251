import PlumbCore
import PlumbEngine

/// The API's kinds as discovered from the server, cached; refreshed when a kind is unknown.
actor Discovery {
    private var mapper: RESTMapper?
    private var lastRefresh: Duration?

    /// The `Accept` kubectl sends for aggregated discovery, falling back to plain JSON.
    static let aggregatedAccept =
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"

    /// The mapping for a kind; discovers on first use and again (at most every few seconds)
    /// when the kind is not known, so a freshly created CRD is found.
    func mapping(apiVersion: String, kind: String, client: KubeClient) async throws -> RESTMapping {
        if let m = mapper?.mapping(apiVersion: apiVersion, kind: kind) { return m }
        let now = client.options.clock.now()
        if mapper == nil || lastRefresh.map({ now - $0 > .seconds(2) }) ?? true {
            mapper = try await Discovery.discover(client)
            lastRefresh = now
            if let m = mapper?.mapping(apiVersion: apiVersion, kind: kind) { return m }
        }
        throw KubeClientError(message: "\(apiVersion) \(kind): the server does not serve this kind")
    }

    /// Drops the cache; the next lookup discovers again.
    func invalidate() { mapper = nil }

    /// The mapping of a kind that is about to be served (its CRD was just established):
    /// discovers again at once and then with a short growing backoff (10 ms, 20 ms, ... up to
    /// 1 s) until the server lists the kind or `timeout` passes. The throttle of `mapping` does
    /// not apply: kube-apiserver lists a new kind within milliseconds of establishing it.
    func awaitMapping(apiVersion: String, kind: String, timeout: Duration, client: KubeClient) async throws -> RESTMapping {
        let clock = client.options.clock
        let deadline = clock.now() + timeout
        var delay = Duration.milliseconds(10)
        while true {
            if let m = mapper?.mapping(apiVersion: apiVersion, kind: kind) { return m }
            let fresh = try await Discovery.discover(client)
            mapper = fresh
            lastRefresh = clock.now()
            if let m = fresh.mapping(apiVersion: apiVersion, kind: kind) { return m }
            let now = clock.now()
            guard now < deadline else {
                throw KubeClientError(
                    message: "\(apiVersion) \(kind): the server does not serve this kind (not listed in discovery \(DurationText.format(timeout)) after its CRD was established)")
            }
            try await clock.sleep(for: min(delay, deadline - now))
            delay = min(delay * 2, .seconds(1))
        }
    }

    func current(client: KubeClient) async throws -> RESTMapper {
        if let mapper { return mapper }
        let fresh = try await Discovery.discover(client)
        mapper = fresh
        lastRefresh = client.options.clock.now()
        return fresh
    }

    /// Aggregated discovery (two requests) when the server has it, else the legacy walk.
    static func discover(_ client: KubeClient) async throws -> RESTMapper {
        var mappings: [RESTMapping] = []
        var aggregated = true
        for root in ["/api", "/apis"] {
            var request = KubeRequest(method: "GET", path: root)
            request.setHeader("Accept", aggregatedAccept)
            let response = try await client.perform(request)
            let body = try JSONReader().parse(response.body)
            guard body["kind"]?.stringValue == "APIGroupDiscoveryList" else {
                aggregated = false
                break
            }
            mappings += parseAggregated(body)
        }
        if aggregated { return RESTMapper(mappings) }
        return RESTMapper(try await discoverLegacy(client))
    }

    static func parseAggregated(_ list: Value) -> [RESTMapping] {
        var out: [RESTMapping] = []
        for item in list["items"]?.arrayValue ?? [] {
            let group = item[path: ["metadata", "name"]]?.stringValue ?? ""
            for version in item["versions"]?.arrayValue ?? [] {
                guard let v = version["version"]?.stringValue else { continue }
                for r in version["resources"]?.arrayValue ?? [] {
                    guard let resource = r["resource"]?.stringValue,
                        let kind = r[path: ["responseKind", "kind"]]?.stringValue
                    else { continue }
                    let subresources = (r["subresources"]?.arrayValue ?? []).compactMap { $0["subresource"]?.stringValue }
                    out.append(
                        RESTMapping(
                            group: group, version: v, kind: kind, resource: resource,
                            namespaced: r["scope"]?.stringValue == "Namespaced",
                            verbs: (r["verbs"]?.arrayValue ?? []).compactMap(\.stringValue), subresources: subresources))
                }
            }
        }
        return out
    }

    static func parseLegacy(_ list: Value, group: String, version: String) -> [RESTMapping] {
        var out: [RESTMapping] = []
        var subresources: [String: [String]] = [:]
        for r in list["resources"]?.arrayValue ?? [] {
            guard let name = r["name"]?.stringValue, let slash = name.firstIndex(of: "/") else { continue }
            subresources[String(name[..<slash]), default: []].append(String(name[name.index(after: slash)...]))
        }
        for r in list["resources"]?.arrayValue ?? [] {
            guard let name = r["name"]?.stringValue, !name.contains("/"), let kind = r["kind"]?.stringValue else {
                continue
            }
            out.append(
                RESTMapping(
                    group: group, version: version, kind: kind, resource: name,
                    namespaced: r["namespaced"]?.boolValue ?? false,
                    verbs: (r["verbs"]?.arrayValue ?? []).compactMap(\.stringValue),
                    subresources: subresources[name] ?? []))
        }
        return out
    }

    /// `/api`, `/apis`, then every group version, fetched concurrently.
    static func discoverLegacy(_ client: KubeClient) async throws -> [RESTMapping] {
        var targets: [(group: String, version: String, path: String)] = []
        let core = try await client.performJSON(KubeRequest(method: "GET", path: "/api"))
        for v in core["versions"]?.arrayValue ?? [] {
            if let v = v.stringValue { targets.append(("", v, "/api/\(v)")) }
        }
        let groups = try await client.performJSON(KubeRequest(method: "GET", path: "/apis"))
        for g in groups["groups"]?.arrayValue ?? [] {
            guard let name = g["name"]?.stringValue else { continue }
            for v in g["versions"]?.arrayValue ?? [] {
                if let version = v["version"]?.stringValue { targets.append((name, version, "/apis/\(name)/\(version)")) }
            }
        }
        return try await withThrowingTaskGroup(of: (Int, [RESTMapping]).self) { tasks in
            for (i, t) in targets.enumerated() {
                tasks.addTask {
                    // Like kubectl, an unavailable group version (a broken aggregated API) is
                    // skipped rather than failing discovery of everything; the core one must work.
                    do {
                        let list = try await client.performJSON(KubeRequest(method: "GET", path: t.path))
                        return (i, parseLegacy(list, group: t.group, version: t.version))
                    } catch let error as StatusError where !t.group.isEmpty {
                        _ = error
                        return (i, [])
                    }
                }
            }
            var results = [[RESTMapping]](repeating: [], count: targets.count)
            for try await (i, m) in tasks { results[i] = m }
            return results.flatMap { $0 }
        }
    }
}

extension KubeClient {
    /// The REST mapping of a kind, from cached discovery.
    public func mapping(apiVersion: String, kind: String) async throws -> RESTMapping {
        try await discovery.mapping(apiVersion: apiVersion, kind: kind, client: self)
    }

    /// Forgets cached discovery.
    public func invalidateDiscovery() async { await discovery.invalidate() }

    /// The mapping of a kind whose CRD was just established, waiting (bounded) until
    /// discovery lists it.
    public func awaitMapping(apiVersion: String, kind: String, timeout: Duration = .seconds(30)) async throws -> RESTMapping {
        try await discovery.awaitMapping(apiVersion: apiVersion, kind: kind, timeout: timeout, client: self)
    }
}
