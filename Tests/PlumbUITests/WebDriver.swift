import Foundation
import PlumbCore
import PlumbTesting

/// A headless Chromium driven through `chromedriver`'s W3C WebDriver HTTP API (Debian's
/// `chromium` and `chromium-driver`), spoken with the real `curl`: no PyPI package needed.
final class WebDriver {
    static let chromium = "/usr/bin/chromium"
    static let chromedriver = "/usr/bin/chromedriver"
    static var available: Bool {
        FileManager.default.isExecutableFile(atPath: chromium) && FileManager.default.isExecutableFile(atPath: chromedriver)
    }

    let driver: Server
    let port: Int
    let session: String

    init(tmp: TempDir) throws {
        port = try freePort()
        driver = try Server(Self.chromedriver, ["--port=\(port)", "--allowed-ips=127.0.0.1"], log: tmp.sub("chromedriver.log"))
        try waitForPort(port, server: driver)
        let capabilities: Value = [
            "capabilities": [
                "alwaysMatch": [
                    "browserName": "chrome",
                    "goog:chromeOptions": [
                        "binary": .string(Self.chromium),
                        "args": [
                            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                            "--window-size=1280,1000", .string("--user-data-dir=\(tmp.sub("chromium"))"), "--no-first-run",
                        ],
                    ],
                ]
            ]
        ]
        let answer = try Self.call(port, "POST", "/session", capabilities)
        guard let id = answer[path: ["value", "sessionId"]]?.stringValue else {
            throw TestFailure("chromedriver: no session: \(answer)")
        }
        session = id
    }

    func quit() {
        _ = try? Self.call(port, "DELETE", "/session/\(session)", nil)
        driver.stop()
    }

    @discardableResult
    static func call(_ port: Int, _ method: String, _ path: String, _ body: Value?) throws -> Value {
        var args = ["-sS", "--max-time", "60", "-X", method, "-H", "Content-Type: application/json"]
        if let body { args += ["--data-binary", try JSONWriter().string(body)] }
        args.append("http://127.0.0.1:\(port)\(path)")
        let r = try runTool("/usr/bin/curl", args, check: false)
        guard r.status == 0 else { throw TestFailure("chromedriver \(method) \(path): \(r.stderr)") }
        let value = try JSONReader().parse(r.stdout)
        if let error = value[path: ["value", "error"]]?.stringValue {
            throw TestFailure("chromedriver \(method) \(path): \(error): \(value[path: ["value", "message"]]?.stringValue ?? "")")
        }
        return value
    }

    @discardableResult
    func call(_ method: String, _ path: String, _ body: Value? = [:]) throws -> Value {
        try Self.call(port, method, "/session/\(session)\(path)", method == "GET" ? nil : body)
    }

    func open(_ url: String) throws { try call("POST", "/url", ["url": .string(url)]) }

    var url: String { get throws { try call("GET", "/url")["value"]?.stringValue ?? "" } }

    /// Runs `script` in the page and returns its value.
    @discardableResult
    func run(_ script: String, _ args: [Value] = []) throws -> Value {
        try call("POST", "/execute/sync", ["script": .string(script), "args": .array(args)])["value"] ?? .null
    }

    /// Runs an async `script` (its last argument is the callback) and returns what it passed.
    func runAsync(_ script: String) throws -> Value {
        try call("POST", "/execute/async", ["script": .string(script), "args": []])["value"] ?? .null
    }

    /// The element matching a CSS selector (its WebDriver reference).
    func find(_ css: String) throws -> String {
        let answer = try call("POST", "/element", ["using": "css selector", "value": .string(css)])
        guard let id = answer["value"]?.objectValue?.entries.first?.value.stringValue else {
            throw TestFailure("no element \(css)")
        }
        return id
    }

    func text(_ css: String) throws -> String {
        try call("GET", "/element/\(try find(css))/text")["value"]?.stringValue ?? ""
    }

    func click(_ css: String) throws { try call("POST", "/element/\(try find(css))/click") }

    func type(_ css: String, _ text: String) throws {
        try call("POST", "/element/\(try find(css))/value", ["text": .string(text)])
    }

    /// The number of elements matching a CSS selector.
    func count(_ css: String) throws -> Int {
        Int(try run("return document.querySelectorAll(arguments[0]).length", [.string(css)]).intValue ?? -1)
    }

    /// A PNG of the viewport, written to `path`.
    func screenshot(_ path: String) throws {
        guard let data = try call("GET", "/screenshot")["value"]?.stringValue.flatMap({ Data(base64Encoded: $0) }) else {
            throw TestFailure("no screenshot")
        }
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: path))
    }

    /// Waits (at most `timeout` seconds, polling every 100 ms) until `check` holds.
    func wait(_ what: String, timeout: Double = 20, _ check: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        var last: (any Error)?
        while Date() < deadline {
            do {
                if try check() { return }
            } catch {
                last = error
            }
            usleep(100_000)
        }
        throw TestFailure("not within \(timeout)s: \(what)" + (last.map { " (\($0))" } ?? ""))
    }
}
