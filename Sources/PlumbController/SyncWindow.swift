import Foundation
import PlumbCore

/// A time when syncs may (`allow`) or may not (`deny`) run, as Argo CD's sync windows: it opens
/// at each minute `schedule` matches and stays open for `duration`.
public struct SyncWindow: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable { case allow, deny }

    public var kind: Kind
    public var schedule: CronSchedule
    public var duration: Duration
    public var timeZone: TimeZone
    /// Whether a manual sync (`plumb app sync`) may run when this window blocks automated ones.
    public var manualSync: Bool

    public init(
        kind: Kind, schedule: CronSchedule, duration: Duration, timeZone: TimeZone = TimeZone(identifier: "UTC")!,
        manualSync: Bool = false
    ) {
        self.kind = kind
        self.schedule = schedule
        self.duration = duration
        self.timeZone = timeZone
        self.manualSync = manualSync
    }

    /// Reads one window (`{kind, schedule, duration, timeZone?, manualSync?}`); errors name `field`.
    public init(_ value: Value, field: String) throws(SyncWindowError) {
        guard case .object = value else { throw SyncWindowError(field: field, message: "must be an object") }
        guard let kindText = value["kind"]?.stringValue, let kind = Kind(rawValue: kindText) else {
            throw SyncWindowError(field: field + ".kind", message: "must be allow or deny")
        }
        guard let scheduleText = value["schedule"]?.stringValue else {
            throw SyncWindowError(
                field: field + ".schedule",
                message: "must be a cron expression (minute hour day-of-month month day-of-week)")
        }
        let schedule: CronSchedule
        do {
            schedule = try CronSchedule(scheduleText)
        } catch {
            throw SyncWindowError(field: field + ".schedule", message: error.description)
        }
        guard let durationText = value["duration"]?.stringValue, let duration = Self.duration(durationText),
            duration > .zero
        else {
            throw SyncWindowError(field: field + ".duration", message: "must be a duration such as 30m, 1h or 1h30m")
        }
        var zone = TimeZone(identifier: "UTC")!
        if let zoneValue = value["timeZone"], !zoneValue.isNull {
            guard let name = zoneValue.stringValue, let z = TimeZone(identifier: name) else {
                throw SyncWindowError(
                    field: field + ".timeZone", message: "must be an IANA time zone such as Europe/Berlin")
            }
            zone = z
        }
        var manual = false
        if let m = value["manualSync"], !m.isNull {
            guard let b = m.boolValue else {
                throw SyncWindowError(field: field + ".manualSync", message: "must be true or false")
            }
            manual = b
        }
        self.init(kind: kind, schedule: schedule, duration: duration, timeZone: zone, manualSync: manual)
    }

    /// `30m`, `1h`, `1h30m`, `90s`, `2d`.
    static func duration(_ text: String) -> Duration? { DurationText.parse(text) }

    var seconds: TimeInterval { TimeInterval(duration.components.seconds) }

    /// When the occurrence open at `date` ends, or nil when the window is not open then.
    public func openUntil(_ date: Date) -> Date? {
        // An occurrence that started in (date - duration, date] is open now; the latest one ends last.
        var latest: Date?
        var from = date.addingTimeInterval(-seconds + 1)
        while let start = schedule.next(atOrAfter: from, in: timeZone), start <= date {
            latest = start
            from = start.addingTimeInterval(60)
        }
        return latest.map { $0.addingTimeInterval(seconds) }
    }

    /// The next time at or after `date` an occurrence starts.
    func nextStart(atOrAfter date: Date) -> Date? { schedule.next(atOrAfter: date, in: timeZone) }
}

/// A window that cannot be read: the field and why.
public struct SyncWindowError: Error, Sendable, CustomStringConvertible {
    public var field: String
    public var message: String
    public var description: String { "\(field): \(message)" }
}

/// An Application's sync windows together, and whether a sync may run at a time.
public struct SyncWindows: Sendable, Equatable {
    public var windows: [SyncWindow]

    public init(_ windows: [SyncWindow]) { self.windows = windows }

    /// Reads `syncPolicy.windows` (a list); errors name the item (`spec.syncPolicy.windows[1].schedule`).
    public init(_ value: Value?, field: String) throws(SyncWindowError) {
        guard let value, !value.isNull else {
            self.init([])
            return
        }
        guard let items = value.arrayValue else { throw SyncWindowError(field: field, message: "must be a list") }
        var windows: [SyncWindow] = []
        for (i, item) in items.enumerated() { windows.append(try SyncWindow(item, field: "\(field)[\(i)]")) }
        self.init(windows)
    }

    /// Whether a sync may run at a time, and if not, why and when it may.
    public enum Verdict: Sendable, Equatable {
        case open
        /// `reason` says which window; `opensAt` is nil when no window ever opens again.
        case closed(reason: String, opensAt: Date?)

        public var isOpen: Bool { self == .open }
    }

    /// The verdict for a sync at `date`. A deny window that is open wins; with allow windows,
    /// one must be open. A manual sync passes a blocking window whose `manualSync` is true
    /// (every open deny window must allow it; for allow windows, any of them).
    public func verdict(at date: Date, manual: Bool = false) -> Verdict {
        let denies = windows.filter { $0.kind == .deny }
        let allows = windows.filter { $0.kind == .allow }
        let openDenies = denies.compactMap { w in w.openUntil(date).map { (w, $0) } }
        if !openDenies.isEmpty {
            if manual && openDenies.allSatisfy({ $0.0.manualSync }) { return .open }
            let w = openDenies[0].0
            return .closed(
                reason: "deny window \"\(w.schedule)\" for \(Self.text(w.duration)) is open",
                opensAt: opensAt(after: date, manual: manual))
        }
        if !allows.isEmpty && !allows.contains(where: { $0.openUntil(date) != nil }) {
            if manual && allows.contains(where: \.manualSync) { return .open }
            return .closed(reason: "no allow window is open", opensAt: opensAt(after: date, manual: manual))
        }
        return .open
    }

    /// The first time after `date` at which a sync may run: tried at each moment a deny window
    /// ends or an allow window starts, at most 64 of them.
    func opensAt(after date: Date, manual: Bool) -> Date? {
        var t = date
        for _ in 0..<64 {
            var candidates: [Date] = []
            for w in windows {
                if w.kind == .deny, let end = w.openUntil(t) { candidates.append(end) }
                if w.kind == .allow, let start = w.nextStart(atOrAfter: t.addingTimeInterval(1)) {
                    candidates.append(start)
                }
            }
            guard let next = candidates.filter({ $0 > t }).min() else { return nil }
            if verdict(at: next, manual: manual, searching: false) { return next }
            t = next
        }
        return nil
    }

    private func verdict(at date: Date, manual: Bool, searching: Bool) -> Bool {
        let openDenies = windows.filter { $0.kind == .deny && $0.openUntil(date) != nil }
        if !openDenies.isEmpty { return manual && openDenies.allSatisfy(\.manualSync) }
        let allows = windows.filter { $0.kind == .allow }
        if allows.isEmpty || allows.contains(where: { $0.openUntil(date) != nil }) { return true }
        return manual && allows.contains(where: \.manualSync)
    }

    static func text(_ d: Duration) -> String {
        let s = Int(d.components.seconds)
        if s % 3600 == 0 { return "\(s / 3600)h" }
        if s % 60 == 0 { return "\(s / 60)m" }
        return "\(s)s"
    }
}
