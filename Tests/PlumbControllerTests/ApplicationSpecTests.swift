import PlumbController
import PlumbCore
import PlumbYAML
import XCTest

final class ApplicationSpecTests: XCTestCase {
    func spec(_ yaml: String) throws -> Value { try YAML.parseDocuments(Array(yaml.utf8), file: "app.yaml")[0].value }

    func testDefaults() throws {
        let s = try ApplicationSpec(try spec("source: {repoURL: 'git://h/r.git', path: apps/web}"), namespace: "team-a")
        XCTAssertEqual(s.source.revision, "HEAD")
        XCTAssertEqual(s.destinationNamespace, "team-a")
        XCTAssertEqual(s.interval, .seconds(180))
        XCTAssertEqual(s.timeout, .seconds(300))
        XCTAssertFalse(s.automated)
        XCTAssertEqual(s.retry.limit, 5)
        XCTAssertEqual(s.retry.backoff, .seconds(5))
    }

    func testEveryField() throws {
        let s = try ApplicationSpec(
            try spec("""
                source: {repoURL: 'https://h/r.git', revision: v1.2, path: apps/web, include: ['*.yaml'], exclude: [test/*], secretRef: {name: git}}
                destination: {namespace: prod}
                interval: 1m30s
                syncPolicy: {automated: true, prune: true, selfHeal: true, retry: {limit: 2, backoff: 500ms}}
                suspend: true
                wait: true
                timeout: 10m
                ignoreDifferences: [{kind: Deployment, jsonPointers: [/spec/replicas]}]
                """), namespace: "team-a")
        XCTAssertEqual(s.source.secretRef, "git")
        XCTAssertEqual(s.source.include, ["*.yaml"])
        XCTAssertEqual(s.destinationNamespace, "prod")
        XCTAssertEqual(s.interval, .seconds(90))
        XCTAssertEqual(s.retry, ApplicationSpec.Retry(limit: 2, backoff: .milliseconds(500)))
        XCTAssertTrue(s.automated && s.prune && s.selfHeal && s.suspend && s.wait)
        XCTAssertEqual(s.timeout, .seconds(600))
        XCTAssertEqual(s.ignoreDifferences, [IgnoreRule(kind: "Deployment", jsonPointers: ["/spec/replicas"])])
    }

    /// A bad spec names its field.
    func testProblemsNameTheField() throws {
        let cases: [(String, String)] = [
            ("source: {path: x}", "spec.source.repoURL"),
            ("source: {repoURL: r, path: ../x}", "spec.source.path"),
            ("source: {repoURL: r}\ninterval: 3 minutes", "spec.interval"),
            ("source: {repoURL: r}\ninterval: 0s", "spec.interval"),
            ("source: {repoURL: r}\nsyncPolicy: {automated: 'yes'}", "spec.syncPolicy.automated"),
            ("source: {repoURL: r}\nsyncPolicy: {retry: {limit: -1}}", "spec.syncPolicy.retry.limit"),
            ("source: {repoURL: r, secretRef: {}}", "spec.source.secretRef.name"),
            ("source: {repoURL: r}\nignoreDifferences: [{kind: X, jsonPointers: [spec]}]", "spec.ignoreDifferences[0].jsonPointers"),
            ("source: {repoURL: r, include: [1]}", "spec.source.include[0]"),
        ]
        for (yaml, field) in cases {
            XCTAssertThrowsError(try ApplicationSpec(try spec(yaml), namespace: "a"), yaml) { error in
                XCTAssertEqual((error as? SpecError)?.field, field, "\(yaml): \(error)")
            }
        }
    }

    func testDurations() {
        XCTAssertEqual(GoDuration.parse("3m"), .seconds(180))
        XCTAssertEqual(GoDuration.parse("1h30m"), .seconds(5400))
        XCTAssertEqual(GoDuration.parse("250ms"), .milliseconds(250))
        XCTAssertEqual(GoDuration.parse("1.5s"), .milliseconds(1500))
        XCTAssertNil(GoDuration.parse("3"))
        XCTAssertNil(GoDuration.parse("3 m"))
        XCTAssertEqual(GoDuration.format(.seconds(90)), "1m30s")
        XCTAssertEqual(GoDuration.format(.milliseconds(100)), "100ms")
    }

    /// Two Applications of one name in two namespaces label their objects apart; a label
    /// value holds no '/' and at most 63 characters.
    func testLabelValue() {
        XCTAssertEqual(Application.labelValue(AppKey(namespace: "team-a", name: "web")), "team-a.web")
        XCTAssertNotEqual(
            Application.labelValue(AppKey(namespace: "team-a", name: "web")), Application.labelValue(AppKey(namespace: "team-b", name: "web")))
        let long = AppKey(namespace: String(repeating: "n", count: 40), name: String(repeating: "a", count: 40) + ".x")
        let other = AppKey(namespace: String(repeating: "n", count: 40), name: String(repeating: "a", count: 40) + ".y")
        let value = Application.labelValue(long)
        XCTAssertLessThanOrEqual(value.utf8.count, 63)
        XCTAssertNotEqual(value, Application.labelValue(other))
        XCTAssertTrue(value.last!.isLetter || value.last!.isNumber)
    }

    func testStatusRoundTripsAndKeepsTransitionTimes() {
        var s = ApplicationStatus()
        s.syncStatus = .synced
        s.set(Condition(type: "Ready", status: .true, observedGeneration: 1, reason: "Succeeded", message: "a", now: Date(timeIntervalSince1970: 0)))
        XCTAssertEqual(ApplicationStatus(s.value), s)
        var t = s
        t.set(Condition(type: "Ready", status: .true, observedGeneration: 2, reason: "Succeeded", message: "b"))
        XCTAssertEqual(t.condition("Ready")?.lastTransitionTime, "1970-01-01T00:00:00Z", "same status: the transition time stays")
        t.set(Condition(type: "Ready", status: .false, observedGeneration: 2, reason: "SyncFailed", message: "c"))
        XCTAssertNotEqual(t.condition("Ready")?.lastTransitionTime, "1970-01-01T00:00:00Z")
    }
}
