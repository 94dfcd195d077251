import Foundation

/// A five-field cron schedule (`minute hour day-of-month month day-of-week`) as Vixie cron
/// reads it: `*`, numbers, ranges `a-b`, lists `a,b`, steps `*/n` and `a-b/n`, month names
/// `jan`–`dec` and weekday names `sun`–`sat` (0 and 7 both Sunday). When both day fields are
/// restricted a day matches if either does, as in cron(5).
public struct CronSchedule: Sendable, Equatable, CustomStringConvertible {
    public let minutes: Set<Int>
    public let hours: Set<Int>
    public let daysOfMonth: Set<Int>
    public let months: Set<Int>
    /// 0 (Sunday) to 6.
    public let daysOfWeek: Set<Int>
    let domRestricted: Bool
    let dowRestricted: Bool
    /// The expression as given.
    public let description: String

    /// A bad expression: which field and why.
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var expression: String
        public var message: String
        public var description: String { "cron \"\(expression)\": \(message)" }
    }

    static let monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    static let dayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

    /// Parses five space-separated fields, or one of `@hourly`, `@daily`, `@midnight`,
    /// `@weekly`, `@monthly`, `@yearly`, `@annually`.
    public init(_ expression: String) throws(ParseError) {
        let text = expression.trimmingCharacters(in: .whitespaces)
        let macros = [
            "@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@weekly": "0 0 * * 0",
            "@monthly": "0 0 1 * *", "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *",
        ]
        let expanded = macros[text.lowercased()] ?? text
        let fields = expanded.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else {
            throw ParseError(
                expression: expression,
                message: "expected 5 fields (minute hour day-of-month month day-of-week), found \(fields.count)")
        }
        func field(_ i: Int, _ name: String, _ range: ClosedRange<Int>, names: [String] = [], nameBase: Int = 0)
            throws(ParseError) -> Set<Int>
        {
            do {
                return try Self.parseField(fields[i], range: range, names: names, nameBase: nameBase)
            } catch {
                throw ParseError(expression: expression, message: "\(name) field \"\(fields[i])\": \(error.message)")
            }
        }
        minutes = try field(0, "minute", 0...59)
        hours = try field(1, "hour", 0...23)
        daysOfMonth = try field(2, "day-of-month", 1...31)
        months = try field(3, "month", 1...12, names: Self.monthNames, nameBase: 1)
        var dow = try field(4, "day-of-week", 0...7, names: Self.dayNames)
        if dow.remove(7) != nil { dow.insert(0) }
        daysOfWeek = dow
        domRestricted = !fields[2].hasPrefix("*")
        dowRestricted = !fields[4].hasPrefix("*")
        description = expression
    }

    struct FieldError: Error { var message: String }

    static func parseField(_ text: String, range: ClosedRange<Int>, names: [String], nameBase: Int) throws(FieldError)
        -> Set<Int>
    {
        func value(_ s: Substring) throws(FieldError) -> Int {
            if let n = Int(s) {
                guard range.contains(n) else {
                    throw FieldError(message: "\(n) is outside \(range.lowerBound)-\(range.upperBound)")
                }
                return n
            }
            if let i = names.firstIndex(of: s.lowercased()) { return i + nameBase }
            throw FieldError(message: "\"\(s)\" is not a number\(names.isEmpty ? "" : " or a name")")
        }
        var out = Set<Int>()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !part.isEmpty else { throw FieldError(message: "empty list item") }
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { throw FieldError(message: "more than one step in \"\(part)\"") }
            var step = 1
            if pieces.count == 2 {
                guard let s = Int(pieces[1]), s > 0 else {
                    throw FieldError(message: "step \"\(pieces[1])\" is not a positive number")
                }
                step = s
            }
            let base = pieces[0]
            var low: Int
            var high: Int
            if base == "*" {
                low = range.lowerBound
                high = range.upperBound
            } else if let dash = base.firstIndex(of: "-") {
                low = try value(base[..<dash])
                high = try value(base[base.index(after: dash)...])
                guard low <= high else { throw FieldError(message: "range \(base) runs backwards") }
            } else {
                low = try value(base)
                // `5/15` means from 5 to the end in steps of 15, as Vixie cron reads it.
                high = pieces.count == 2 ? range.upperBound : low
            }
            out.formUnion(stride(from: low, through: high, by: step))
        }
        return out
    }

    /// Whether the minute starting at `date` matches, read in `timeZone`.
    public func matches(_ date: Date, in timeZone: TimeZone) -> Bool {
        let c = Self.calendar(timeZone).dateComponents([.minute, .hour, .day, .month, .weekday], from: date)
        return minutes.contains(c.minute!) && hours.contains(c.hour!) && months.contains(c.month!)
            && dayMatches(day: c.day!, weekday: c.weekday! - 1)
    }

    func dayMatches(day: Int, weekday: Int) -> Bool {
        let dom = daysOfMonth.contains(day)
        let dow = daysOfWeek.contains(weekday)
        if domRestricted && dowRestricted { return dom || dow }
        return dom && dow
    }

    /// The first matching minute at or after `date` (rounded up to a whole minute), within
    /// about five years (a schedule such as `0 0 30 2 *` never matches: nil).
    public func next(atOrAfter date: Date, in timeZone: TimeZone) -> Date? {
        let calendar = Self.calendar(timeZone)
        var t = Date(timeIntervalSince1970: (date.timeIntervalSince1970 / 60).rounded(.up) * 60)
        let limit = t.addingTimeInterval(5 * 366 * 86400)
        while t < limit {
            let c = calendar.dateComponents([.year, .minute, .hour, .day, .month, .weekday], from: t)
            if !months.contains(c.month!) {
                // The first minute of the next month.
                guard let start = calendar.date(from: DateComponents(year: c.year, month: c.month! + 1, day: 1)) else {
                    return nil
                }
                t = start
                continue
            }
            if !dayMatches(day: c.day!, weekday: c.weekday! - 1) {
                guard let start = calendar.date(byAdding: .day, value: 1, to: calendar.startOfDay(for: t)) else {
                    return nil
                }
                t = start
                continue
            }
            if !hours.contains(c.hour!) {
                // The next hour's first minute; across a DST change the hour may repeat or skip.
                t = Date(timeIntervalSince1970: (t.timeIntervalSince1970 / 60).rounded(.down) * 60)
                    .addingTimeInterval(Double(60 - c.minute!) * 60)
                continue
            }
            if !minutes.contains(c.minute!) {
                t = t.addingTimeInterval(60)
                continue
            }
            return t
        }
        return nil
    }

    static func calendar(_ timeZone: TimeZone) -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }
}
