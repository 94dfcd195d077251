import Foundation
import PlumbController
import XCTest

/// The five-field cron parser of sync windows, judged on Vixie cron's rules (cron(5)).
final class CronScheduleTests: XCTestCase {
    let utc = TimeZone(identifier: "UTC")!

    func date(_ text: String, _ zone: TimeZone? = nil) -> Date {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = zone ?? utc
        f.dateFormat = "yyyy-MM-dd HH:mm"
        return f.date(from: text)!
    }

    func testFieldsRangesListsStepsAndNames() throws {
        let table: [(String, KeyPath<CronSchedule, Set<Int>>, Set<Int>)] = [
            ("*/15 * * * *", \.minutes, [0, 15, 30, 45]),
            ("5/20 * * * *", \.minutes, [5, 25, 45]),
            ("1,2,10-12 * * * *", \.minutes, [1, 2, 10, 11, 12]),
            ("0 9-17/4 * * *", \.hours, [9, 13, 17]),
            ("0 0 1,15 * *", \.daysOfMonth, [1, 15]),
            ("0 0 * jan,Mar-may *", \.months, [1, 3, 4, 5]),
            ("0 0 * * mon-fri", \.daysOfWeek, [1, 2, 3, 4, 5]),
            ("0 0 * * 7", \.daysOfWeek, [0]),
            ("0 0 * * sat,sun", \.daysOfWeek, [0, 6]),
        ]
        for (expression, field, expected) in table {
            XCTAssertEqual(try CronSchedule(expression)[keyPath: field], expected, expression)
        }
        let daily = try CronSchedule("@daily")
        XCTAssertEqual(daily.minutes, [0])
        XCTAssertEqual(daily.hours, [0])
        XCTAssertEqual(daily.daysOfMonth.count, 31)
        XCTAssertEqual(daily.daysOfWeek.count, 7)
    }

    func testBadExpressionsNameTheField() {
        let table = [
            ("* * * *", "expected 5 fields"),
            ("60 * * * *", "minute field \"60\": 60 is outside 0-59"),
            ("* 24 * * *", "hour field"),
            ("* * 0 * *", "day-of-month field \"0\": 0 is outside 1-31"),
            ("* * * foo *", "month field \"foo\": \"foo\" is not a number or a name"),
            ("* * * * 1-", "day-of-week field"),
            ("*/0 * * * *", "step \"0\" is not a positive number"),
            ("5-1 * * * *", "range 5-1 runs backwards"),
            ("1,,2 * * * *", "empty list item"),
        ]
        for (expression, message) in table {
            XCTAssertThrowsError(try CronSchedule(expression), expression) { error in
                XCTAssertTrue("\(error)".contains(message), "\(expression): \(error)")
                XCTAssertTrue("\(error)".hasPrefix("cron \"\(expression)\""), "\(error)")
            }
        }
    }

    func testNextMatch() throws {
        let table: [(String, String, String)] = [
            // expression, from, first match at or after
            ("*/15 * * * *", "2026-12-07 10:01", "2026-12-07 10:15"),
            ("0 22 * * *", "2026-12-07 23:00", "2026-12-08 22:00"),
            ("30 9 * * mon", "2026-12-07 09:30", "2026-12-07 09:30"),  // a Monday: at the minute itself
            ("30 9 * * mon", "2026-12-07 09:31", "2026-12-14 09:30"),
            ("0 0 1 * *", "2026-12-07 00:00", "2027-01-01 00:00"),
            ("0 0 29 2 *", "2026-03-01 00:00", "2028-02-29 00:00"),
            // Both day fields restricted: either matches (the 13th, or any Friday).
            ("0 0 13 * fri", "2026-12-07 00:00", "2026-12-11 00:00"),
            ("0 0 13 * fri", "2026-12-12 00:00", "2026-12-13 00:00"),
            ("59 23 31 dec *", "2026-01-01 00:00", "2026-12-31 23:59"),
        ]
        for (expression, from, expected) in table {
            let s = try CronSchedule(expression)
            XCTAssertEqual(s.next(atOrAfter: date(from), in: utc), date(expected), "\(expression) from \(from)")
        }
        XCTAssertNil(
            try CronSchedule("0 0 30 2 *").next(atOrAfter: date("2026-01-01 00:00"), in: utc),
            "February 30th never comes")
    }

    func testTimeZonesAndDaylightSaving() throws {
        let berlin = TimeZone(identifier: "Europe/Berlin")!
        let s = try CronSchedule("0 9 * * *")
        // 09:00 in Berlin is 08:00 UTC in winter and 07:00 UTC in summer.
        XCTAssertEqual(s.next(atOrAfter: date("2026-12-07 00:00"), in: berlin), date("2026-12-07 08:00"))
        XCTAssertEqual(s.next(atOrAfter: date("2026-07-07 00:00"), in: berlin), date("2026-07-07 07:00"))
        // 02:30 does not exist in Berlin on 2026-03-29 (clocks jump 02:00 → 03:00): the next day's.
        let skipped = try CronSchedule("30 2 * * *")
        XCTAssertEqual(
            skipped.next(atOrAfter: date("2026-03-29 00:00", berlin), in: berlin), date("2026-03-30 02:30", berlin))
        XCTAssertTrue(s.matches(date("2026-12-07 09:00", berlin), in: berlin))
        XCTAssertFalse(s.matches(date("2026-12-07 09:00", utc), in: berlin))
    }
}
