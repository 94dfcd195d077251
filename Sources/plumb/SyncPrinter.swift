import Foundation
import PlumbCore
import PlumbEngine

/// Prints a sync as it happens: one line per object (with its health when the sync waits for
/// it); on a TTY a progress line (wave, done/total) is redrawn in place below them. The lines go
/// to stdout, or to stderr when stdout carries a machine-readable result (`-o json`).
final class SyncPrinter: SyncObserver, @unchecked Sendable {
    private let lock = NSLock()
    private let tty: Bool
    private let toStderr: Bool
    private let waits: Bool
    private var total = 0
    private var done = 0
    private var wave = 0
    /// Lines of written objects held until their health is known (only when waiting).
    private var held: [ObjectRef: (ObjectChange, Int)] = [:]
    private var heldOrder: [ObjectRef] = []
    private var progressShown = false

    /// Kinds whose health takes time to reach (the others are healthy once applied).
    static let hasHealthRule: Set<ReconcileOrder.GroupKind> = [
        .init("apps", "Deployment"), .init("apps", "StatefulSet"), .init("apps", "DaemonSet"), .init("batch", "Job"),
        .init("", "PersistentVolumeClaim"), .init("", "Service"),
    ]

    init(tty: Bool, waits: Bool, total: Int, toStderr: Bool = false) {
        self.tty = tty
        self.toStderr = toStderr
        self.waits = waits
        self.total = total
    }

    func observe(_ event: SyncEvent) {
        lock.lock()
        defer { lock.unlock() }
        switch event {
        case .validating:
            break
        case .validated(let count, let failed):
            emit(SyncReport.validated(count: count, failed: failed))
        case .stepStarted(let syncWave, _, _):
            wave = syncWave
            drawProgress()
        case .objectDone(let change, let syncWave, _):
            done += 1
            guard change.action != .skipped && change.action != .failed else {
                drawProgress()
                break
            }
            let kind = ReconcileOrder.GroupKind(change.ref.group, change.ref.kind)
            let waited = kind == ReconcileOrder.customResourceDefinition || (waits && Self.hasHealthRule.contains(kind))
            if waited && (change.action == .created || change.action == .configured) {
                held[change.ref] = (change, syncWave)
                heldOrder.append(change.ref)
                drawProgress()
            } else {
                emit(SyncReport.object(change, syncWave: syncWave))
            }
        case .retrying(let ref, let attempt, let delay, let reason):
            emit("\(ref): retrying in \(DurationText.format(delay)) (attempt \(attempt + 1)): \(reason)")
        case .healthReached(let ref, let status, let after):
            if let (change, syncWave) = held.removeValue(forKey: ref) {
                heldOrder.removeAll { $0 == ref }
                emit(SyncReport.object(change, syncWave: syncWave, health: (status, after)))
            }
        case .pruning:
            break
        case .finished:
            for ref in heldOrder {
                if let (change, syncWave) = held[ref] { emit(SyncReport.object(change, syncWave: syncWave)) }
            }
            held = [:]
            heldOrder = []
            clearProgress()
        }
    }

    private func emit(_ line: String) {
        clearProgress()
        write(line + "\n")
        drawProgress()
    }

    private func write(_ text: String) {
        if toStderr { Terminal.writeErr(text) } else { Terminal.writeOut(text) }
    }

    private func drawProgress() {
        guard tty, total > 0, done < total else { return }
        let width = 20
        let filled = width * done / total
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        write("\r\u{1B}[2Kwave \(wave)  [\(bar)] \(done)/\(total)")
        progressShown = true
    }

    private func clearProgress() {
        guard progressShown else { return }
        write("\r\u{1B}[2K")
        progressShown = false
    }
}
