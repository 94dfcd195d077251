import Foundation
import PlumbCore
import PlumbKube

/// The `job` provider: a Kubernetes Job created from the declared spec; the measurement is
/// Successful when the Job completes and Failed when it fails (its `Failed` condition).
///
/// ```yaml
/// provider:
///   job:
///     metadata: {name: web-smoke, labels: {team: web}}   # optional; name defaults to <canary>-<metric>
///     timeout: 5m                                          # how long to wait (default 10m)
///     spec:                                                # a batch/v1 JobSpec
///       backoffLimit: 0
///       template: {spec: {restartPolicy: Never, containers: [{name: smoke, image: curlimages/curl, args: [...]}]}}
/// ```
///
/// The Job is named `<name>-1` (`-2`, ... when that exists), labelled `plumb.dev/analysis:
/// <metric>`, and deleted (with its pods) once judged. A Job that has not finished within
/// `timeout` is Failed.
public struct JobProvider: AnalysisProvider {
    public var kind: String { "job" }
    let client: KubeClient
    let namespace: String
    /// How often the Job's status is read.
    var poll: Duration = .milliseconds(250)

    public init(client: KubeClient, namespace: String) {
        self.client = client
        self.namespace = namespace
    }

    public func measure(metric: String, spec: Value, args: [String: String]) async throws -> Measurement {
        try AnalysisMetric.checkProvider("job", spec, field: "provider.job")
        guard let jobSpec = spec["spec"], jobSpec.objectValue != nil else {
            throw AnalysisDeclarationError(field: "provider.job.spec", message: "must be a batch/v1 JobSpec object")
        }
        let timeout = spec["timeout"]?.stringValue.flatMap(AnalysisFormat.duration) ?? .seconds(600)
        let prefix = spec[path: ["metadata", "name"]]?.stringValue ?? "\(args["name"] ?? "analysis")-\(metric)"
        var labels = spec[path: ["metadata", "labels"]]?.objectValue ?? ValueObject()
        labels["plumb.dev/analysis"] = .string(metric)
        labels["app.kubernetes.io/managed-by"] = "plumb"
        func measurement(_ phase: MeasurementPhase, _ message: String) -> Measurement {
            Measurement(metric: metric, phase: phase, value: nil, message: message, at: Date())
        }

        var created: Value?
        var name = ""
        for attempt in 1...50 {
            name = "\(prefix)-\(attempt)"
            var meta: Value = ["name": .string(name), "namespace": .string(namespace), "labels": .object(labels)]
            if let annotations = spec[path: ["metadata", "annotations"]] { meta["annotations"] = annotations }
            let job: Value = ["apiVersion": "batch/v1", "kind": "Job", "metadata": meta, "spec": jobSpec]
            do {
                created = try await client.create(job)
                break
            } catch let error as StatusError where error.reason == .alreadyExists {
                continue
            } catch let error as StatusError where error.reason == .invalid {
                throw AnalysisDeclarationError(field: "provider.job.spec", message: error.description)
            } catch {
                return measurement(.error, "batch/v1 Job \(namespace)/\(name): \(error)")
            }
        }
        guard created != nil else {
            return measurement(.error, "batch/v1 Job \(namespace)/\(prefix)-*: 50 Jobs of that name exist")
        }
        let ref = ObjectRef(apiVersion: "batch/v1", kind: "Job", namespace: namespace, name: name)
        defer {
            let client = self.client
            Task { _ = try? await client.delete(ref, options: DeleteOptions(propagationPolicy: .background)) }
        }
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            let job: Value
            do {
                job = try await client.get(ref)
            } catch let error as StatusError where error.reason == .notFound {
                return measurement(.error, "batch/v1 Job \(namespace)/\(name) was deleted before it finished")
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                return measurement(.error, "batch/v1 Job \(namespace)/\(name): \(error)")
            }
            for c in job[path: ["status", "conditions"]]?.arrayValue ?? [] where c["status"]?.stringValue == "True" {
                switch c["type"]?.stringValue {
                case "Complete":
                    return measurement(.successful, "batch/v1 Job \(namespace)/\(name) completed")
                case "Failed":
                    let why = [c["reason"]?.stringValue, c["message"]?.stringValue].compactMap { $0 }.joined(
                        separator: ": ")
                    return measurement(.failed, "batch/v1 Job \(namespace)/\(name) failed: \(why)")
                default: continue
                }
            }
            if clock.now >= deadline {
                return measurement(
                    .failed, "batch/v1 Job \(namespace)/\(name) did not finish within \(AnalysisFormat.text(timeout))")
            }
            try await Task.sleep(for: poll)
        }
    }
}
