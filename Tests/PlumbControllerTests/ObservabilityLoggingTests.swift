import Foundation
import Logging
import PlumbController
import Synchronization
import XCTest

/// Log lines as a log collector and a person read them: JSON objects with the controller's
/// metadata, or text; never a Secret value.
final class ObservabilityLoggingTests: XCTestCase {
    /// A logger writing into memory.
    func logger(_ format: LogFormat, redaction: LogRedaction = LogRedaction()) -> (Logger, @Sendable () -> [String]) {
        let lines = Mutex<[String]>([])
        let sink = LogSink { line in lines.withLock { $0.append(line) } }
        let logger = Logger(label: "plumb.controller") { label in
            PlumbLogHandler(label: label, format: format, level: .debug, sink: sink, redaction: redaction)
        }
        return (logger, { lines.withLock { $0 } })
    }

    /// Parses a line with Foundation's JSON parser, an independent judge of the writer.
    func object(_ line: String) throws -> [String: Any] {
        XCTAssertTrue(line.hasSuffix("\n"))
        XCTAssertEqual(line.filter { $0 == "\n" }.count, 1, "one object per line")
        let parsed = try JSONSerialization.jsonObject(with: Data(line.utf8))
        return try XCTUnwrap(parsed as? [String: Any])
    }

    func testJSONLinesCarryTimeLevelMessageAndMetadata() throws {
        var (log, lines) = logger(.json)
        log[metadataKey: "app"] = "prod/web"
        log.info(
            "sync succeeded: 3 \"objects\" applied\nsecond line",
            metadata: ["revision": "3f2a9c", "phase": "apply", "objects": ["a", "b"], "counts": ["created": "1"]])
        log.debug("plan", metadata: ["phase": "plan", "message": "not the message"])
        log.trace("below the level")
        let written = lines()
        XCTAssertEqual(written.count, 2)

        let first = try object(written[0])
        XCTAssertEqual(first["level"] as? String, "info")
        XCTAssertEqual(first["label"] as? String, "plumb.controller")
        XCTAssertEqual(first["message"] as? String, "sync succeeded: 3 \"objects\" applied\nsecond line")
        XCTAssertEqual(first["app"] as? String, "prod/web")
        XCTAssertEqual(first["revision"] as? String, "3f2a9c")
        XCTAssertEqual(first["phase"] as? String, "apply")
        XCTAssertEqual(first["objects"] as? [String], ["a", "b"])
        XCTAssertEqual(first["counts"] as? [String: String], ["created": "1"])
        let time = try XCTUnwrap(first["time"] as? String)
        let rfc3339 = ISO8601DateFormatter()
        rfc3339.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let date = try XCTUnwrap(rfc3339.date(from: time), "RFC 3339 time: \(time)")
        XCTAssertLessThan(abs(date.timeIntervalSinceNow), 60)
        XCTAssertTrue(time.hasSuffix("Z"))

        let second = try object(written[1])
        XCTAssertEqual(second["level"] as? String, "debug")
        XCTAssertEqual(second["message"] as? String, "plan")
        XCTAssertEqual(
            second["metadata.message"] as? String, "not the message", "a clashing key does not replace the message")
    }

    func testTextLines() {
        var (log, lines) = logger(.text)
        log[metadataKey: "app"] = "prod/web"
        log.warning("health check failed", metadata: ["phase": "health", "reason": "2 of 3 replicas ready"])
        log.info("two\nlines")
        XCTAssertEqual(lines().count, 2)
        XCTAssertTrue(lines()[1].hasSuffix(" plumb.controller: two\\nlines app=prod/web\n"), lines()[1])
        let line = lines().first ?? ""
        XCTAssertTrue(
            line.hasSuffix(
                #" warning plumb.controller: health check failed app=prod/web phase=health reason="2 of 3 replicas ready""#
                    + "\n"),
            line)
        XCTAssertNotNil(line.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z "#, options: .regularExpression), line)
    }

    func testASecretValueNeverAppears() throws {
        let secret = "hunter2-Secret-Value"
        let token = "eyJhbGciOiJSUzI1NiJ9.payload.sig"
        let key =
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU\n-----END OPENSSH PRIVATE KEY-----"
        let secrets = LogSecrets()
        secrets.add([secret, token, key])
        for format in LogFormat.allCases {
            var (log, lines) = logger(format, redaction: LogRedaction(secrets: secrets))
            log[metadataKey: "app"] = "prod/web"
            log.error(
                "fetch failed for https://deploy:\(secret)@git.example.com/org/app.git",
                metadata: [
                    "password": .string(secret),
                    "bearerToken": .string(token),
                    "identity": .string(key),
                    "secretRef": "git-credentials",
                    "credentials": ["username": "deploy", "password": .string(secret)],
                    "url": .string("https://deploy:\(secret)@git.example.com/org/app.git"),
                    "detail": .string("server said: Authorization: Bearer \(token) rejected"),
                    "echo": .string("the value was \(secret)"),
                    "keyLine": "b3BlbnNzaC1rZXktdjEAAAAABG5vbmU",
                ])
            let line = try XCTUnwrap(lines().first)
            XCTAssertFalse(line.contains(secret), "\(format): \(line)")
            XCTAssertFalse(line.contains(token), "\(format): \(line)")
            XCTAssertFalse(line.contains("b3BlbnNzaC1rZXktdjEAAAAABG5vbmU"), "\(format): \(line)")
            XCTAssertFalse(line.contains("deploy:"), "\(format): \(line)")
            if format == .json {
                let fields = try object(line)
                XCTAssertEqual(fields["password"] as? String, "***")
                XCTAssertEqual(fields["bearerToken"] as? String, "***")
                XCTAssertEqual(fields["identity"] as? String, "***")
                XCTAssertEqual(fields["secretRef"] as? String, "git-credentials", "a Secret's name is not secret")
                XCTAssertEqual(fields["credentials"] as? String, "***")
                XCTAssertEqual(fields["url"] as? String, "https://git.example.com/org/app.git")
                XCTAssertEqual(fields["message"] as? String, "fetch failed for https://git.example.com/org/app.git")
                XCTAssertEqual(fields["detail"] as? String, "server said: Authorization: Bearer *** rejected")
                XCTAssertEqual(fields["echo"] as? String, "the value was ***")
                XCTAssertEqual(fields["app"] as? String, "prod/web")
            }
        }
    }

    func testSecretKeyNames() {
        for key in [
            "password", "Password", "bearerToken", "bearer_token", "token", "identity", "ssh-private-key", "apiKey",
            "GIT_PASSWORD", "client.secret", "authorization", "credentials",
        ] {
            XCTAssertTrue(LogRedaction.namesSecret(key), key)
        }
        for key in [
            "app", "revision", "phase", "secretRef", "secretName", "tokenFile", "username", "known_hosts", "url",
        ] {
            XCTAssertFalse(LogRedaction.namesSecret(key), key)
        }
    }

    func testDefaultFormat() {
        XCTAssertEqual(
            LogFormat.automatic(environment: ["KUBERNETES_SERVICE_HOST": "10.0.0.1"], stderrIsTerminal: true), .json)
        XCTAssertEqual(LogFormat.automatic(environment: [:], stderrIsTerminal: true), .text)
        XCTAssertEqual(LogFormat.automatic(environment: [:], stderrIsTerminal: false), .json)
        XCTAssertEqual(LogFormat(rawValue: "json"), .json)
        XCTAssertEqual(LogFormat(rawValue: "text"), .text)
    }
}
