/// A UTC instant with millisecond precision, written as ISO-8601 (`2026-11-21T19:02:11.042Z`).
/// Whole milliseconds, so that a record reads back exactly as it was hashed.
public struct AuditTimestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public var milliseconds: Int64

    /// The instant `milliseconds` after the Unix epoch.
    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    /// The current time, truncated to the millisecond.
    public static func now() -> AuditTimestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return AuditTimestamp(milliseconds: Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000)
    }

    public static func < (a: AuditTimestamp, b: AuditTimestamp) -> Bool { a.milliseconds < b.milliseconds }

    /// `2026-11-21T19:02:11.042Z`.
    public var iso8601: String {
        let (date, time, ms) = parts
        return "\(date)T\(time).\(pad(ms, 3))Z"
    }

    /// `2026-11-21 19:02:11` (UTC), as tables show it.
    public var display: String {
        let (date, time, _) = parts
        return "\(date) \(time)"
    }

    public var description: String { iso8601 }

    /// Reads `YYYY-MM-DDTHH:MM:SS.mmmZ` (the fraction may be absent or have 1 to 9 digits).
    public init?(iso8601 text: String) {
        let b = Array(text.utf8)
        func num(_ from: Int, _ count: Int) -> Int64? {
            guard from + count <= b.count else { return nil }
            var v: Int64 = 0
            for c in b[from..<from + count] {
                guard c >= 0x30 && c <= 0x39 else { return nil }
                v = v * 10 + Int64(c - 0x30)
            }
            return v
        }
        guard b.count >= 20, b[4] == 0x2D, b[7] == 0x2D, b[10] == 0x54, b[13] == 0x3A, b[16] == 0x3A,
            let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2), let h = num(11, 2), let mi = num(14, 2),
            let s = num(17, 2), (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s < 61
        else { return nil }
        var i = 19
        var ms: Int64 = 0
        if b[i] == 0x2E {
            i += 1
            var digits = 0
            while i < b.count, b[i] >= 0x30 && b[i] <= 0x39 {
                if digits < 3 { ms = ms * 10 + Int64(b[i] - 0x30) }
                digits += 1
                i += 1
            }
            guard digits > 0 else { return nil }
            if digits < 3 { for _ in digits..<3 { ms *= 10 } }
        }
        guard i == b.count - 1, b[i] == 0x5A else { return nil }
        let days = AuditTimestamp.daysFromCivil(y, mo, d)
        milliseconds = ((days * 24 + h) * 60 + mi) * 60_000 + s * 1000 + ms
    }

    private var parts: (date: String, time: String, ms: Int64) {
        let ms = ((milliseconds % 1000) + 1000) % 1000
        let seconds = (milliseconds - ms) / 1000
        let secOfDay = ((seconds % 86_400) + 86_400) % 86_400
        let days = (seconds - secOfDay) / 86_400
        let (y, m, d) = AuditTimestamp.civilFromDays(days)
        let date = "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
        let time = "\(pad(secOfDay / 3600, 2)):\(pad(secOfDay / 60 % 60, 2)):\(pad(secOfDay % 60, 2))"
        return (date, time, ms)
    }

    private func pad(_ v: Int64, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    // Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian calendar).
    static func daysFromCivil(_ year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
