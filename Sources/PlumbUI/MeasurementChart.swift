import Foundation
import PlumbRollout

/// A measurement's values against its threshold as a small inline SVG: a track, the passing
/// range as a band, a line at each bound and a dot per value in the verdict's colour. Only the
/// numbers of the drawing go into the template (never markup), and the colours come from the
/// stylesheet's classes, so the Content-Security-Policy needs no inline style.
struct MeasurementChart {
    /// Width of the drawing in SVG units.
    static let width = 200.0

    var band: (x: Double, width: Double)?
    var bounds: [Double]
    var marks: [Double]

    /// The chart of `value` (`0.93`, `[0.93, 0.91]`) against `threshold` (`min 0.95`,
    /// `max 500`, `min 0.9, max 1`); nil when either has no number to draw.
    init?(value: String?, threshold: String?) {
        guard let value, let threshold else { return nil }
        let values = value.split(whereSeparator: { "[], ".contains($0) }).compactMap { Double($0) }.filter(\.isFinite)
        var min: Double?
        var max: Double?
        for part in threshold.split(separator: ",") {
            let words = part.split(separator: " ")
            guard words.count == 2, let n = Double(words[1]), n.isFinite else { return nil }
            switch words[0] {
            case "min": min = n
            case "max": max = n
            default: return nil
            }
        }
        guard !values.isEmpty, min != nil || max != nil else { return nil }
        let numbers = values + [min, max].compactMap { $0 }
        var lo = Swift.min(0, numbers.min()!)
        var hi = numbers.max()!
        // A little room on either side, so a value on a bound is not cut in half.
        let span = Swift.max(hi - lo, Swift.max(abs(hi), 1) * 0.1)
        lo -= span * 0.05
        hi = lo + span * 1.15
        func x(_ n: Double) -> Double { ((n - lo) / (hi - lo) * Self.width * 10).rounded() / 10 }
        let from = min.map(x) ?? 0
        let to = max.map(x) ?? Self.width
        band = (from, Swift.max(to - from, 0))
        bounds = [min, max].compactMap { $0 }.map(x)
        marks = values.map(x)
    }

    /// The values the template's `chart` section draws.
    func context(verdict: String) -> [String: Any] {
        [
            "width": Self.number(Self.width),
            "band": band.map { ["x": Self.number($0.x), "w": Self.number($0.width)] as [String: Any] } ?? false,
            "bounds": bounds.map { ["x": Self.number($0)] },
            "marks": marks.map { ["x": Self.number($0), "verdictClass": verdict] },
        ]
    }

    static func number(_ n: Double) -> String { String(format: "%.1f", n) }
}
