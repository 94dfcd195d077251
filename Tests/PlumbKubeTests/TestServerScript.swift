/// The fault-injecting HTTP(S) server the tests script: Python 3 stdlib only. It reads a JSON
/// file of routes; each route answers its responses in order (the last one repeats). A
/// response may wait (`delay`), stream watch events one per line (`events`, each with an
/// optional `delay`), and then `drop` the connection without ending the chunked body. Every
/// request is appended to a log file as one JSON line. Prints the port on its first line.
let testServerScript = #"""
import http.server, json, os, socketserver, ssl, sys, threading, time

def exit_when_parent_goes():
    sys.stdin.read()
    os._exit(0)

threading.Thread(target=exit_when_parent_goes, daemon=True).start()

config = json.load(open(sys.argv[1]))
log_path = sys.argv[2]
lock = threading.Lock()
counters = {}

def pick(method, path, query):
    for i, route in enumerate(config["routes"]):
        if route.get("method", "GET") != method or route["path"] != path:
            continue
        if any(q not in query for q in route.get("query", [])):
            continue
        if any(q in query for q in route.get("notQuery", [])):
            continue
        with lock:
            n = counters.get(i, 0)
            counters[i] = n + 1
        responses = route["responses"]
        return responses[min(n, len(responses) - 1)]
    return {"status": 404, "body": {"kind": "Status", "apiVersion": "v1", "status": "Failure",
            "message": "no route for %s %s?%s" % (method, path, query), "reason": "NotFound", "code": 404}}

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else None
        path, _, query = self.path.partition("?")
        entry = {"method": self.command, "path": path, "query": query,
                 "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
        with lock:
            with open(log_path, "a") as f:
                f.write(json.dumps(entry) + "\n")
        r = pick(self.command, path, query)
        time.sleep(r.get("delay", 0))
        status = r.get("status", 200)
        if "events" in r:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for ev in r["events"]:
                time.sleep(ev.get("delay", 0))
                data = (json.dumps(ev["event"]) + "\n").encode()
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                self.wfile.flush()
            time.sleep(r.get("holdOpen", 0))
            if r.get("drop"):
                self.close_connection = True
                self.connection.shutdown(2)
                return
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
            return
        body = r.get("body", "")
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        for k, v in r.get("headers", {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = handle_any

class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

server = Server(("127.0.0.1", 0), Handler)
tls = config.get("tls")
if tls:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(tls["cert"], tls["key"])
    if tls.get("clientCA"):
        ctx.load_verify_locations(tls["clientCA"])
        ctx.verify_mode = ssl.CERT_REQUIRED
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
"""#
