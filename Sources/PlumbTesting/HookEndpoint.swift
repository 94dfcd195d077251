import Foundation

/// A real HTTP endpoint on 127.0.0.1 for approval and audit-sink tests: Python's http.server in
/// a child process, driven through files in its directory.
///
/// - `POST /approve`, `GET /poll/<n>`: answers with the next line of `decisions` (the last line
///   repeats): `approved`, `rejected:<reason>`, `pending`, `pending-poll` (pending with a
///   `pollURL`), or a number (that HTTP status). Every request is logged to `requests.jsonl`.
/// - `POST /sink`: while the file `down` exists answers 503; while `store-then-fail` exists,
///   stores the delivery and answers 500 (so the sender retries: a duplicate). Each stored
///   delivery is a line of `received.jsonl`: `{delivery, event, signature, signatureOK, body}`.
public final class HookEndpoint {
    public let dir: TempDir
    public let port: Int
    /// The HMAC key the endpoint checks `X-Plumb-Signature-256` with.
    public let key: String
    public private(set) var server: Server?

    static let script = #"""
        import hmac, hashlib, json, os, sys
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        port, state, key = int(sys.argv[1]), sys.argv[2], sys.argv[3].encode()

        def path(name): return os.path.join(state, name)

        def next_decision():
            lines = [l.strip() for l in open(path("decisions")) if l.strip()] if os.path.exists(path("decisions")) else ["approved"]
            d = lines[0]
            if len(lines) > 1:
                open(path("decisions"), "w").write("\n".join(lines[1:]) + "\n")
            return d

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a): pass
            def reply(self, status, obj):
                body = json.dumps(obj).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def handle_one(self, body):
                sig = self.headers.get("X-Plumb-Signature-256")
                good = sig == "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()
                entry = {"method": self.command, "path": self.path, "signature": sig, "signatureOK": good,
                         "delivery": self.headers.get("X-Plumb-Delivery"), "event": self.headers.get("X-Plumb-Event"),
                         "approvalID": self.headers.get("X-Plumb-Approval-Id"),
                         "body": json.loads(body) if body else None}
                if self.path.startswith("/sink"):
                    if os.path.exists(path("down")):
                        return self.reply(503, {"error": "down"})
                    with open(path("received.jsonl"), "a") as f: f.write(json.dumps(entry) + "\n")
                    if os.path.exists(path("store-then-fail")):
                        os.remove(path("store-then-fail"))
                        return self.reply(500, {"error": "stored, then failed"})
                    return self.reply(200, {})
                with open(path("requests.jsonl"), "a") as f: f.write(json.dumps(entry) + "\n")
                d = next_decision()
                if d.isdigit(): return self.reply(int(d), {"error": "status " + d})
                if d == "pending-poll": return self.reply(200, {"decision": "pending", "pollURL": "/poll/1", "reason": "waiting for the CAB"})
                kind, _, reason = d.partition(":")
                answer = {"decision": kind}
                if reason: answer["reason"] = reason
                self.reply(200, answer)
            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                self.handle_one(self.rfile.read(n))
            def do_GET(self):
                self.handle_one(b"")

        ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
        """#

    public init(key: String = "s3cr3t-hmac-key") throws {
        dir = try TempDir("plumb-hook")
        port = try freePort()
        self.key = key
        try Self.script.write(toFile: dir.sub("hook.py"), atomically: true, encoding: .utf8)
        try key.write(toFile: dir.sub("key"), atomically: true, encoding: .utf8)
        try start()
    }

    public var url: String { "http://127.0.0.1:\(port)" }
    public var keyFile: String { dir.sub("key") }

    public func start() throws {
        let python =
            FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")
            ? "/usr/bin/python3" : "/usr/local/bin/python3"
        let s = try Server(python, [dir.sub("hook.py"), String(port), dir.path, key], log: dir.sub("hook.log"))
        try waitForPort(port, timeout: 10, server: s)
        server = s
    }

    public func stop() {
        server?.stop()
        server = nil
    }

    public func decisions(_ lines: [String]) throws {
        try (lines.joined(separator: "\n") + "\n").write(
            toFile: dir.sub("decisions"), atomically: true, encoding: .utf8)
    }

    public func flag(_ name: String, _ on: Bool) {
        if on {
            _ = FileManager.default.createFile(atPath: dir.sub(name), contents: Data())
        } else {
            try? FileManager.default.removeItem(atPath: dir.sub(name))
        }
    }

    /// The lines of one of the endpoint's logs (`received.jsonl`, `requests.jsonl`).
    public func lines(_ file: String) -> [String] {
        guard let text = try? String(contentsOfFile: dir.sub(file), encoding: .utf8) else { return [] }
        return text.split(separator: "\n").map(String.init)
    }

    deinit { stop() }
}
