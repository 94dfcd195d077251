/// Durations as Plumb's flags and settings write them: `90s`, `5m`, `1h`, `1m30s`, `2d`, or a
/// plain number of seconds.
public enum DurationText {
    public static func parse(_ text: String) -> Duration? {
        if let seconds = Int(text), seconds >= 0 { return .seconds(seconds) }
        var total = 0
        var number = ""
        for c in text {
            if c.isNumber {
                number.append(c)
                continue
            }
            guard let n = Int(number) else { return nil }
            switch c {
            case "s": total += n
            case "m": total += n * 60
            case "h": total += n * 3600
            case "d": total += n * 86400
            default: return nil
            }
            number = ""
        }
        return number.isEmpty && !text.isEmpty ? .seconds(total) : nil
    }
}
