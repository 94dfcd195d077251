import Foundation
import PlumbController
import PlumbCore
import XCTest

/// Sync windows as Argo CD has them: deny wins, allow windows must be open, manualSync lets a
/// manual sync through, and a closed verdict says when a sync may run.
final class SyncWindowTests: XCTestCase {
    let utc = TimeZone(identifier: "UTC")!

    func date(_ text: String) -> Date {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = utc
        f.dateFormat = "yyyy-MM-dd HH:mm"
        return f.date(from: text)!
    }

    func windows(_ yamlLike: [Value]) throws -> SyncWindows {
        try SyncWindows(.array(yamlLike), field: "spec.syncPolicy.windows")
    }

    func testDenyWindowClosesAutomatedSyncsAndSaysWhenItOpens() throws {
        // A change freeze every night 22:00-06:00.
        let w = try windows([["kind": "deny", "schedule": "0 22 * * *", "duration": "8h"]])
        XCTAssertEqual(w.verdict(at: date("2026-12-07 21:59")), .open)
        XCTAssertEqual(
            w.verdict(at: date("2026-12-07 22:00")),
            .closed(reason: "deny window \"0 22 * * *\" for 8h is open", opensAt: date("2026-12-08 06:00")))
        XCTAssertEqual(w.verdict(at: date("2026-12-08 05:59")).isOpen, false)
        XCTAssertEqual(w.verdict(at: date("2026-12-08 06:00")), .open)
        XCTAssertFalse(w.verdict(at: date("2026-12-07 23:00"), manual: true).isOpen, "manualSync is false")
    }

    func testAllowWindowsAndManualSync() throws {
        // Deploys on weekdays 09:00-17:00 only; manual syncs always.
        let w = try windows([["kind": "allow", "schedule": "0 9 * * mon-fri", "duration": "8h", "manualSync": true]])
        XCTAssertEqual(w.verdict(at: date("2026-12-07 10:00")), .open)  // Monday
        XCTAssertEqual(
            w.verdict(at: date("2026-12-05 10:00")),  // Saturday
            .closed(reason: "no allow window is open", opensAt: date("2026-12-07 09:00")))
        XCTAssertEqual(w.verdict(at: date("2026-12-05 10:00"), manual: true), .open)
        XCTAssertEqual(
            w.verdict(at: date("2026-12-07 17:00")),
            .closed(reason: "no allow window is open", opensAt: date("2026-12-08 09:00")))
    }

    func testDenyWinsOverAllowAndOpeningSkipsOverlaps() throws {
        let w = try windows([
            ["kind": "allow", "schedule": "0 * * * *", "duration": "1h"],  // always open
            ["kind": "deny", "schedule": "0 12 * * *", "duration": "1h", "manualSync": true],
            ["kind": "deny", "schedule": "30 12 * * *", "duration": "1h"],
        ])
        XCTAssertEqual(w.verdict(at: date("2026-12-07 11:00")), .open)
        // 12:00-13:00 and 12:30-13:30 overlap: open again at 13:30, not 13:00.
        guard case .closed(_, let opens) = w.verdict(at: date("2026-12-07 12:10")) else {
            return XCTFail("closed expected")
        }
        XCTAssertEqual(opens, date("2026-12-07 13:30"))
        XCTAssertEqual(
            w.verdict(at: date("2026-12-07 12:10"), manual: true), .open,
            "the only open deny window allows manual syncs")
        XCTAssertFalse(w.verdict(at: date("2026-12-07 12:40"), manual: true).isOpen, "the second deny window does not")
    }

    func testTimeZoneOfAWindow() throws {
        let w = try windows([
            ["kind": "allow", "schedule": "0 9 * * *", "duration": "1h", "timeZone": "America/New_York"]
        ])
        XCTAssertEqual(w.verdict(at: date("2026-12-07 14:30")), .open)  // 09:30 in New York (UTC-5)
        XCTAssertFalse(w.verdict(at: date("2026-12-07 09:30")).isOpen)
    }

    func testBadWindowsNameTheField() {
        let table: [(Value, String)] = [
            (
                ["kind": "maybe", "schedule": "* * * * *", "duration": "1h"],
                "spec.syncPolicy.windows[0].kind: must be allow or deny"
            ),
            (
                ["kind": "allow", "schedule": "* * *", "duration": "1h"],
                "spec.syncPolicy.windows[0].schedule: cron \"* * *\": expected 5 fields"
            ),
            (
                ["kind": "allow", "schedule": "* * * * *", "duration": "soon"],
                "spec.syncPolicy.windows[0].duration: must be a duration"
            ),
            (
                ["kind": "allow", "schedule": "* * * * *", "duration": "1h", "timeZone": "Mars/Olympus"],
                "spec.syncPolicy.windows[0].timeZone"
            ),
            (
                ["kind": "allow", "schedule": "* * * * *", "duration": "1h", "manualSync": "yes"],
                "spec.syncPolicy.windows[0].manualSync"
            ),
        ]
        for (item, message) in table {
            XCTAssertThrowsError(try windows([item])) { error in
                XCTAssertTrue("\(error)".hasPrefix(message), "\(error)")
            }
        }
    }
}
