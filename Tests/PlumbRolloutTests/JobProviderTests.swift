import PlumbCore
import PlumbKube
import PlumbTesting
import XCTest

@testable import PlumbRollout

/// The job provider against the local cluster, whose simulated Job controller completes Jobs
/// (or fails the ones a test names), and Prometheus credentials read from a Secret.
final class JobProviderTests: XCTestCase {
    let smoke: Value = [
        "name": "smoke",
        "provider": [
            "job": [
                "timeout": "20s",
                "spec": [
                    "backoffLimit": 0,
                    "template": [
                        "spec": [
                            "restartPolicy": "Never",
                            "containers": [
                                [
                                    "name": "smoke", "image": "curlimages/curl:8.8.0",
                                    "args": ["http://{{ args.name }}/healthz"],
                                ]
                            ],
                        ]
                    ],
                ],
            ]
        ],
    ]

    func testJobThatCompletesIsSuccessfulAndOneThatFailsIsFailed() async throws {
        let c = try await RouterCluster.start(simulateWorkloads: true)
        try await c.namespace("shop")
        let run = AnalysisRun.standard(client: c.client, namespace: "shop")
        let metric = try AnalysisMetric.parse(smoke, field: "metrics[0]")
        let args = ["name": "web-canary", "namespace": "shop"]

        let ok = await run.run(metrics: [metric], args: args)
        XCTAssertEqual(ok.phase, .successful, ok.message)
        XCTAssertEqual(ok.measurements.first?.message, "batch/v1 Job shop/web-canary-smoke-1 completed")
        // The Job was created from the declared spec with the args substituted, then deleted.
        try await c.waitUntil("the Job deleted") {
            (try? c.kubectl(["get", "jobs", "-n", "shop", "-o", "name"]))?.isEmpty == true
        }

        await c.cluster.failWorkload(namespace: "shop", name: "web-canary-smoke-1")
        let failed = await run.run(metrics: [metric], args: args)
        XCTAssertEqual(failed.phase, .failed)
        XCTAssertEqual(
            failed.message,
            "smoke: batch/v1 Job shop/web-canary-smoke-1 failed: BackoffLimitExceeded: Job has reached the specified backoff limit (1 failed measurement, failureLimit 0)"
        )
        await c.stop()
    }

    func testJobSpecAsCreated() async throws {
        let c = try await RouterCluster.start(simulateWorkloads: true)
        try await c.namespace("shop")
        // Keep the Job running so kubectl can see it as the provider created it.
        await c.cluster.keepUnready(namespace: "shop", name: "web-canary-smoke-1")
        var declared = smoke
        declared["provider"]?["job"]?["timeout"] = "1s"
        let metric = try AnalysisMetric.parse(declared, field: "metrics[0]")
        let run = AnalysisRun.standard(client: c.client, namespace: "shop")
        let task = Task { await run.run(metrics: [metric], args: ["name": "web-canary"]) }
        try await c.waitUntil("the Job created") {
            (try? c.kubectl(["get", "job", "web-canary-smoke-1", "-n", "shop", "-o", "name"])) != nil
        }
        let job = try c.kubectlJSON(["job", "web-canary-smoke-1", "-n", "shop"])
        XCTAssertEqual(job[path: ["metadata", "labels", "plumb.dev/analysis"]], "smoke")
        XCTAssertEqual(
            job[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.first?["args"],
            ["http://web-canary/healthz"])
        let verdict = await task.value
        XCTAssertEqual(verdict.phase, .failed)
        XCTAssertTrue(verdict.message.contains("did not finish within 1s"), verdict.message)
        await c.stop()
    }

    func testPrometheusBearerTokenFromASecret() async throws {
        let c = try await RouterCluster.start()
        try await c.namespace("shop")
        let exporter = try MetricsExporter()
        try exporter.setTraffic(app: "web-canary", rps: 20, success: 1)
        let prometheus = try PrometheusServer(targets: [exporter.target])
        try exporter.proxy(to: prometheus.address, token: "s3cret-t0ken")
        _ = try await prometheus.waitForValue(#"sum(http_requests_total{app="web-canary"}) > 0"#)
        try await c.apply([
            "apiVersion": "v1", "kind": "Secret", "metadata": ["name": "prom", "namespace": "shop"],
            "stringData": ["token": "s3cret-t0ken"],
        ])
        let metric = try AnalysisMetric.parse(
            [
                "name": "requests", "successCondition": "result[0] > 0", "consecutiveErrorLimit": 0,
                "provider": [
                    "prometheus": [
                        "address": .string(exporter.address),
                        "query": #"sum(http_requests_total{app="{{ args.name }}"})"#,
                        "authentication": ["bearer": ["secretRef": ["name": "prom", "key": "token"]]],
                    ]
                ],
            ], field: "metrics[0]")
        let run = AnalysisRun.standard(client: c.client, namespace: "shop")
        let ok = await run.run(metrics: [metric], args: ["name": "web-canary"])
        XCTAssertEqual(ok.phase, .successful, ok.message)
        XCTAssertTrue(exporter.requests.contains("Bearer s3cret-t0ken"))

        var wrongKey = metric
        wrongKey.providerSpec["authentication"] = ["bearer": ["secretRef": ["name": "prom", "key": "nope"]]]
        let missing = await run.run(metrics: [wrongKey], args: ["name": "web-canary"])
        XCTAssertEqual(missing.phase, .failed)
        XCTAssertTrue(missing.message.contains("v1 Secret shop/prom: has no key \"nope\""), missing.message)
        XCTAssertFalse(missing.message.contains("s3cret-t0ken"))
        await c.stop()
    }
}
