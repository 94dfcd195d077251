import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A real Prometheus (Debian's `prometheus`) on a free 127.0.0.1 port, scraping `targets`
/// every `scrapeInterval`, with its TSDB in a temp dir removed on deinit. `webConfig` is the
/// text of a `--web.config.file` (basic_auth_users with bcrypt hashes, see `bcrypt(_:)`).
public final class PrometheusServer {
    public let dir: TempDir
    public let port: Int
    public let server: Server
    public var address: String { "http://127.0.0.1:\(port)" }

    public static let binary = "/usr/bin/prometheus"

    public init(targets: [String], scrapeInterval: String = "1s", webConfig: String? = nil) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else {
            throw TestFailure("\(Self.binary) is missing: apt-get install prometheus (Makefile DEB_PACKAGES)")
        }
        dir = try TempDir("plumb-prometheus")
        port = try freePort()
        let quoted = targets.map { "'\($0)'" }.joined(separator: ", ")
        try write(
            dir.sub("prometheus.yml"),
            """
            global:
              scrape_interval: \(scrapeInterval)
              evaluation_interval: \(scrapeInterval)
            scrape_configs:
              - job_name: test
                scrape_interval: \(scrapeInterval)
                scrape_timeout: \(scrapeInterval)
                static_configs:
                  - targets: [\(quoted)]
            """)
        var args = [
            "--config.file=\(dir.sub("prometheus.yml"))", "--storage.tsdb.path=\(dir.sub("data"))",
            "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn",
        ]
        if let webConfig {
            try write(dir.sub("web.yml"), webConfig)
            args.append("--web.config.file=\(dir.sub("web.yml"))")
        }
        server = try Server(Self.binary, args, log: dir.sub("prometheus.log"), env: ["HOME": dir.path])
        try waitForPort(port, timeout: 30, server: server)
    }

    /// A bcrypt hash of `password` for `basic_auth_users` (Python's crypt, cost 4: tests only).
    public static func bcrypt(_ password: String) throws -> String {
        let r = try runTool(
            "/usr/bin/python3",
            [
                "-W", "ignore", "-c",
                "import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))",
                password,
            ])
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The sample values of an instant query (empty for an empty vector); `authorization` is
    /// sent as the header when given.
    public func query(_ promQL: String, authorization: String? = nil) async throws -> [String] {
        var parts = URLComponents(string: address + "/api/v1/query")!
        parts.queryItems = [URLQueryItem(name: "query", value: promQL)]
        parts.percentEncodedQuery = parts.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        var request = URLRequest(url: parts.url!)
        if let authorization { request.setValue(authorization, forHTTPHeaderField: "Authorization") }
        let (data, _) = try await URLSession.shared.data(for: request)
        guard let body = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let payload = body["data"] as? [String: Any], let result = payload["result"] as? [Any]
        else { throw TestFailure("prometheus answered \(String(decoding: data, as: UTF8.self))") }
        if payload["resultType"] as? String == "scalar" { return [result.last as? String ?? ""] }
        return result.compactMap { (($0 as? [String: Any])?["value"] as? [Any])?.last as? String }
    }

    /// Waits (bounded) until `promQL` has at least one value that is not NaN.
    public func waitForValue(_ promQL: String, timeout: TimeInterval = 30, authorization: String? = nil) async throws
        -> [String]
    {
        let deadline = Date().addingTimeInterval(timeout)
        var last: [String] = []
        while Date() < deadline {
            if let values = try? await query(promQL, authorization: authorization), !values.isEmpty,
                !values.contains("NaN")
            {
                return values
            }
            if !server.isRunning { throw TestFailure("prometheus exited: \(server.output)") }
            last = (try? await query(promQL, authorization: authorization)) ?? []
            try await Task.sleep(for: .milliseconds(250))
        }
        throw TestFailure("no value for \(promQL) after \(timeout)s (last: \(last)); log: \(server.output)")
    }

    deinit { server.stop() }
}

/// A small HTTP server on 127.0.0.1 (Python's http.server in a child process) for the analysis
/// tests, driven through files in its directory:
/// - `GET /metrics`: Prometheus text of `http_requests_total{app, code}` counters that grow, per
///   app in `apps.json` (`{"web-canary": {"rps": 20, "success": 0.99}}`), by rps × elapsed
///   seconds at each scrape, a `success` share of them with code 200 and the rest 500. An app
///   that is not in the file has no series at all (no traffic).
/// - `GET /json/...`: the file `web.json` with the status in `web-status` (default 200).
/// - `GET /api/...`: a proxy to `upstream` (Prometheus) that requires `Authorization: Bearer
///   <token>` (the file `token`) and answers 401 otherwise.
/// Every request's path and Authorization header is appended to `requests.log`.
public final class MetricsExporter {
    public let dir: TempDir
    public let port: Int
    public let server: Server
    public var address: String { "http://127.0.0.1:\(port)" }
    public var target: String { "127.0.0.1:\(port)" }

    static let script = #"""
        import json, os, sys, time, urllib.request, urllib.error
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        port, state = int(sys.argv[1]), sys.argv[2]
        counters, last = {}, [None]

        def read(name, default=None):
            p = os.path.join(state, name)
            return open(p).read() if os.path.exists(p) else default

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a): pass
            def reply(self, status, body, ctype="application/json"):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def do_GET(self):
                with open(os.path.join(state, "requests.log"), "a") as f:
                    f.write(self.path + " " + (self.headers.get("Authorization") or "-") + "\n")
                if self.path.startswith("/metrics"):
                    now = time.time()
                    dt = 0 if last[0] is None else now - last[0]
                    last[0] = now
                    apps = json.loads(read("apps.json", "{}"))
                    lines = ["# HELP http_requests_total Requests served.", "# TYPE http_requests_total counter"]
                    for app, cfg in sorted(apps.items()):
                        c = counters.setdefault(app, {"200": 0.0, "500": 0.0})
                        n = float(cfg.get("rps", 0)) * dt
                        c["200"] += n * float(cfg.get("success", 1))
                        c["500"] += n * (1 - float(cfg.get("success", 1)))
                        for code in ("200", "500"):
                            lines.append('http_requests_total{app="%s",code="%s"} %f' % (app, code, c[code]))
                    return self.reply(200, ("\n".join(lines) + "\n").encode(), "text/plain; version=0.0.4")
                if self.path.startswith("/json"):
                    return self.reply(int(read("web-status", "200")), read("web.json", "{}").encode())
                if self.path.startswith("/api/"):
                    if self.headers.get("Authorization") != "Bearer " + read("token", "").strip():
                        return self.reply(401, b'{"status":"error","errorType":"unauthorized","error":"bad token"}')
                    try:
                        with urllib.request.urlopen(read("upstream").strip() + self.path, timeout=10) as r:
                            return self.reply(r.status, r.read())
                    except urllib.error.HTTPError as e:
                        return self.reply(e.code, e.read())
                self.reply(404, b"{}")

        ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
        """#

    public init() throws {
        dir = try TempDir("plumb-exporter")
        port = try freePort()
        try Self.script.write(toFile: dir.sub("exporter.py"), atomically: true, encoding: .utf8)
        server = try Server(
            "/usr/bin/python3", [dir.sub("exporter.py"), String(port), dir.path], log: dir.sub("exporter.log"))
        try waitForPort(port, timeout: 10, server: server)
    }

    /// Sets the traffic of one app: requests per second and the share that succeeds.
    public func setTraffic(app: String, rps: Double, success: Double) throws {
        var apps =
            (try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.sub("apps.json")))))
            as? [String: Any] ?? [:]
        apps[app] = ["rps": rps, "success": success]
        let data = try JSONSerialization.data(withJSONObject: apps)
        try data.write(to: URL(fileURLWithPath: dir.sub("apps.json")), options: .atomic)
    }

    /// What `/json/...` answers.
    public func setJSON(_ text: String, status: Int = 200) throws {
        try write(dir.sub("web.json"), text)
        try write(dir.sub("web-status"), String(status))
    }

    /// Makes `/api/...` a bearer-token proxy to `upstream`.
    public func proxy(to upstream: String, token: String) throws {
        try write(dir.sub("upstream"), upstream)
        try write(dir.sub("token"), token)
    }

    /// The request log: one `path authorization` line per request.
    public var requests: String { (try? String(contentsOfFile: dir.sub("requests.log"), encoding: .utf8)) ?? "" }

    deinit { server.stop() }
}
