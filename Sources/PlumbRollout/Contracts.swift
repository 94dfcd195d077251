import Foundation
import PlumbCore

// The two seams of a progressive rollout: how traffic is split between the stable workload
// and its canary (a `TrafficRouter`), and how a step's health is judged from metrics (an
// `AnalysisProvider`). The rollout runner drives both and knows no router or provider by name.

/// The workloads and Services one rollout splits traffic between.
public struct RouteTarget: Sendable, Equatable {
    /// Namespace of the workload, its Services and the router's objects.
    public var namespace: String
    /// The user's Deployment (`web`) and the canary Plumb creates beside it (`web-canary`).
    public var stableName: String
    public var canaryName: String
    /// Services selecting only the stable pods and only the canary pods, when the router
    /// needs them (Gateway API, NGINX, Istio); nil for the replica-ratio router.
    public var stableService: String?
    public var canaryService: String?
    /// Replicas the stable Deployment declares in Git: the total the replica-ratio router keeps.
    public var totalReplicas: Int

    public init(
        namespace: String, stableName: String, canaryName: String, stableService: String? = nil,
        canaryService: String? = nil, totalReplicas: Int
    ) {
        self.namespace = namespace
        self.stableName = stableName
        self.canaryName = canaryName
        self.stableService = stableService
        self.canaryService = canaryService
        self.totalReplicas = totalReplicas
    }
}

/// Sends a share of the traffic to the canary. `weight` is 0...100; 0 is all on stable.
/// Implementations write their objects with server-side apply under Plumb's rollout field
/// manager and must be idempotent: the runner may set the same weight again after a restart.
public protocol TrafficRouter: Sendable {
    /// `none`, `gatewayAPI`, `nginx`, `istio`: the name used in the declaration and in status.
    var kind: String { get }
    /// Sets the canary's share of the traffic.
    func setWeight(_ weight: Int, for target: RouteTarget) async throws
    /// The canary's share as the cluster has it now (nil: the router's objects are missing).
    func currentWeight(for target: RouteTarget) async throws -> Int?
    /// Ends a rollout (promoted or aborted): all traffic on stable, and whatever the router
    /// added for the canary removed (the NGINX canary Ingress, a canary backendRef it added).
    func reset(for target: RouteTarget) async throws
}

extension TrafficRouter {
    /// Routers with nothing to remove: weight 0.
    public func reset(for target: RouteTarget) async throws { try await setWeight(0, for: target) }
}

/// One measurement's verdict, Argo Rollouts' and Flagger's vocabulary.
public enum MeasurementPhase: String, Sendable, Codable, Equatable {
    case successful = "Successful"
    case failed = "Failed"
    /// No value to judge (an empty query result: no traffic yet), or neither condition met.
    case inconclusive = "Inconclusive"
    /// The provider could not be asked (unreachable, bad query).
    case error = "Error"
}

/// One sample of one metric.
public struct Measurement: Sendable, Codable, Equatable {
    public var metric: String
    public var phase: MeasurementPhase
    /// The value as measured, printed (`0.93`, `[0.93, 0.91]`), nil when there was none.
    public var value: String?
    /// Why, in words: `success-rate 0.82 is below the minimum 0.95`.
    public var message: String
    public var at: Date
    /// The condition the value was judged by, as declared (`min 0.95`, `result[0] >= 0.95`).
    public var threshold: String?
    /// The values as the provider returned them (a Prometheus vector's samples, a web
    /// provider's JSON field), for the evaluator to judge; nil when there were none.
    public var result: [Value]?

    public init(
        metric: String, phase: MeasurementPhase, value: String?, message: String, at: Date, threshold: String? = nil,
        result: [Value]? = nil
    ) {
        self.metric = metric
        self.phase = phase
        self.value = value
        self.message = message
        self.at = at
        self.threshold = threshold
        self.result = result
    }

    // `result` is working data for the evaluator, not part of the recorded measurement.
    enum CodingKeys: String, CodingKey {
        case metric, phase, value, message, at, threshold
    }
}

/// Asks a metrics source one metric's question. A provider that returns values (Prometheus,
/// web) answers `.successful` with `result` set, `.inconclusive` for no values, `.error` when it
/// could not ask; `AnalysisRun` then judges `result` by the metric's `thresholdRange` or
/// conditions. A provider that judges by itself (job) answers `.successful` or `.failed`. `spec` is the metric's provider block as
/// declared (`prometheus: {address, query}`, `web: {url, jsonPath}`, `job: {spec}`), and
/// `args` the values substituted into it (`{{ args.canary-name }}`, ...).
public protocol AnalysisProvider: Sendable {
    /// `prometheus`, `web`, `job`.
    var kind: String { get }
    /// Takes one measurement; throws only for declarations it cannot use at all.
    func measure(metric: String, spec: Value, args: [String: String]) async throws -> Measurement
}
