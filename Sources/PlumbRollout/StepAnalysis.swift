import Foundation
import PlumbCore

/// The verdict of one analysis step.
public struct StepAnalysisResult: Sendable, Equatable {
    /// Successful, Failed (the rollout aborts) or Inconclusive (it pauses for promote or abort).
    public var phase: AnalysisPhase
    /// Every measurement taken, in order.
    public var measurements: [Measurement]
    /// The deciding measurement's words, with its value and threshold
    /// (`success-rate: 0.82 is below the minimum 0.95 (1 failed measurement, failureLimit 0)`).
    public var message: String

    public init(phase: AnalysisPhase, measurements: [Measurement], message: String) {
        self.phase = phase
        self.measurements = measurements
        self.message = message
    }
}

/// Runs one analysis step for the rollout runner, which knows no provider by name.
public protocol StepAnalyzer: Sendable {
    /// Measures the templates' metrics until a verdict; `measured` sees each measurement.
    func analyze(
        _ templates: [RolloutAnalysisTemplate], args: [String: String], measured: @escaping @Sendable (Measurement) -> Void
    ) async -> StepAnalysisResult
}

extension AnalysisRun: StepAnalyzer {
    public func analyze(
        _ templates: [RolloutAnalysisTemplate], args: [String: String], measured: @escaping @Sendable (Measurement) -> Void
    ) async -> StepAnalysisResult {
        let verdict = await run(metrics: templates.flatMap(\.metrics), args: args, onMeasurement: measured)
        return StepAnalysisResult(phase: verdict.phase, measurements: verdict.measurements, message: verdict.message)
    }
}
