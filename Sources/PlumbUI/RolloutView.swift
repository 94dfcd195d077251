import Foundation
import PlumbController
import PlumbCore
import PlumbRollout

/// What a page shows of one RolloutStrategy: the same `RolloutControl.Status` that
/// `plumb rollout status` prints (phase, step k of n, weights, replicas, the last analysis
/// step's measurements with their verdicts, a pending command) and the buttons its state allows.
struct RolloutView: Sendable {
    var status: RolloutControl.Status
    /// The Application whose objects include the RolloutStrategy (its actions are checked on it).
    var app: AppKey

    /// The measurement's verdict in the words of the page: pass, fail, inconclusive, error.
    static func verdict(_ phase: MeasurementPhase) -> String {
        switch phase {
        case .successful: return "pass"
        case .failed: return "fail"
        case .inconclusive: return "inconclusive"
        case .error: return "error"
        }
    }

    static func phaseIcon(_ phase: RolloutState.Phase) -> String {
        switch phase {
        case .progressing: return "◔"
        case .paused: return "⏸"
        case .healthy: return "♥"
        case .degraded: return "✗"
        }
    }

    /// The label of a command's button.
    static func label(_ command: RolloutCommand) -> String {
        switch command {
        case .promote: return "Promote"
        case .abort: return "Abort"
        case .retry: return "Retry"
        }
    }

    /// The values the templates use. Every key is set (false when absent): a Mustache section
    /// looks a missing key up in the enclosing object.
    var context: [String: Any] {
        let ref = status.ref
        var c: [String: Any] = [
            "key": "\(ref.namespace)/\(ref.name)", "rolloutNamespace": ref.namespace, "rolloutName": ref.name,
            "appNamespace": app.namespace, "appName": app.name, "appKey": app.description,
            "target": false, "strategy": status.strategyName ?? false, "router": false, "steps": [] as [Any], "hasSteps": false,
            "revision": "-", "step": "-", "canaryWeight": "0", "stableWeight": "100", "replicas": false, "message": false,
            "updated": "-",
            "command": status.command?.rawValue ?? false, "measurements": [] as [Any], "hasMeasurements": false,
        ]
        if let d = status.declaration {
            c["target"] = "Deployment \(d.target.qualifiedName)"
            c["router"] = d.routing.kind
        }
        guard let state = status.state else {
            c["phase"] = "never rolled out"
            c["phaseClass"] = "unknown"
            c["phaseIcon"] = "?"
            c["actions"] = [] as [Any]
            return c
        }
        c["phase"] = state.phase.rawValue + (state.phase == .degraded ? ", rolled back" : "")
        c["phaseClass"] = AppView.cssClass(state.phase.rawValue)
        c["phaseIcon"] = Self.phaseIcon(state.phase)
        c["revision"] = state.shortRevision
        c["step"] = status.stepLine ?? state.stepText
        c["canaryWeight"] = String(state.weight)
        c["stableWeight"] = String(100 - state.weight)
        var replicas: [String] = []
        if let d = status.declaration {
            if let stable = status.stableReplicas { replicas.append("\(d.target.name) \(stable)") }
            if let canary = status.canaryReplicas { replicas.append("\(d.canaryName) \(canary)") }
        }
        c["replicas"] = replicas.isEmpty ? false : replicas.joined(separator: ", ") + " replicas"
        c["message"] = state.message.isEmpty ? false : state.message
        c["updated"] = Self.time(state.updatedAt)
        if let d = status.declaration {
            c["steps"] = d.steps.enumerated().map { index, step -> [String: Any] in
                let where_: String
                if state.failedStep == index {
                    where_ = "failed"
                } else if index < state.step || state.phase == .healthy {
                    where_ = "done"
                } else if index == state.step && state.isActive {
                    where_ = "current"
                } else {
                    where_ = "pending"
                }
                return ["number": String(index + 1), "text": step.description, "state": where_]
            }
            c["hasSteps"] = !d.steps.isEmpty
        }
        c["measurements"] = state.measurements.map { m -> [String: Any] in
            let verdict = Self.verdict(m.phase)
            return [
                "metric": m.metric, "verdict": verdict, "verdictClass": verdict, "value": m.value ?? "-",
                "threshold": m.threshold ?? "-", "message": m.message, "at": Self.time(m.at),
                "chart": MeasurementChart(value: m.value, threshold: m.threshold)?.context(verdict: verdict) ?? false,
            ]
        }
        c["hasMeasurements"] = !state.measurements.isEmpty
        c["actions"] = status.allowedCommands.map { ["command": $0.rawValue, "label": Self.label($0)] }
        return c
    }

    static func time(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
