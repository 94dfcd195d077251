import PlumbCore
import PlumbEngine

/// The live side of one NodeConfig on one host as a `Value` (what `observe` returns), and the
/// field diff between it and the declaration.
enum NodeView {
    /// The live facts a NodeConfig names on a host; nil when Plumb never applied it there.
    static func live(_ config: NodeConfig, state: HostState, host: String) -> Value? {
        guard let ledger = state.ledgers[NodeScript.fileName(config.name)] else { return nil }
        var paths = ManagedFile.all(of: config).map(\.file.path)
        paths += ledger.entries.filter { $0.kind == "file" }.map(\.name).filter { !paths.contains($0) }
        var files = ValueObject()
        for path in paths {
            let f = state.file(path)
            var o: Value = ["type": .string(f.type)]
            if f.type != "absent" {
                o["mode"] = .string(f.mode)
                o["owner"] = .string(state.owner(f.uid))
                o["group"] = .string(state.group(f.gid))
            }
            if f.type == "file" { o["sha256"] = .string(f.sha256) }
            if f.type == "symlink" { o["target"] = .string(f.target) }
            if let c = f.content, let text = String(validating: c, as: UTF8.self) { o["content"] = .string(text) }
            files[path] = o
        }
        var sysctls = ValueObject()
        var units = ValueObject()
        var packages = ValueObject()
        let keys = config.sysctls.map(\.key) + ledger.entries.filter { $0.kind == "sysctl" }.map(\.name)
        for key in keys where sysctls[key] == nil { sysctls[key] = state.sysctls[key].map(Value.string) ?? .null }
        let unitNames = config.units.map(\.name) + ledger.entries.filter { $0.kind == "unit" }.map(\.name)
        for name in unitNames where units[name] == nil {
            var u: Value = ["enabled": .string(state.enabled[name] ?? "not-found")]
            if let active = state.active[name] { u["active"] = .string(active) }
            units[name] = u
        }
        let packageNames = config.packages.map(\.name) + ledger.entries.filter { $0.kind == "package" }.map(\.name)
        for name in packageNames where packages[name] == nil {
            packages[name] = state.packages[name].map(Value.string) ?? .null
        }
        return [
            "host": .string(host), "systemd": .bool(state.systemdRuns), "files": .object(files),
            "sysctls": .object(sysctls),
            "packages": .object(packages), "units": .object(units),
            "ledger": .array(
                ledger.entries.map { ["kind": .string($0.kind), "name": .string($0.name), "note": .string($0.note)] }),
        ]
    }

    /// The field changes that bring `live` (nil: never applied) to `config`, and the two sides
    /// as a unified diff shows them (secret contents masked).
    static func diff(_ config: NodeConfig, live: Value?, ref: ObjectRef, sensitive: SensitiveValues) -> ObjectDiff {
        var changes: [FieldChange] = []
        var before = ValueObject()
        var after = ValueObject()
        let liveFiles = live?["files"]?.objectValue ?? ValueObject()
        for managed in ManagedFile.all(of: config) {
            let f = managed.file
            let l = liveFiles[f.path] ?? ["type": "absent"]
            let ltype = l["type"]?.stringValue ?? "absent"
            let label = managed.label
            var secret = f.sensitive
            var desired: Value = ["type": .string(f.typeName)]
            if case .file(let bytes) = f.kind {
                let text = String(decoding: bytes, as: UTF8.self)
                secret = secret || sensitive.leaks(text)
                desired["content"] = .string(secret ? "(\(bytes.count) bytes masked)" : text)
            }
            if case .symlink(let target) = f.kind { desired["target"] = .string(target) }
            for (key, want) in [("mode", f.mode), ("owner", f.owner), ("group", f.group)] {
                if let want { desired[key] = .string(want) }
            }
            var shown = l
            shown["sha256"] = nil
            if secret, shown["type"]?.stringValue == "file" { shown["content"] = "(masked)" }
            before[label] = shown
            after[label] = desired
            if ltype != f.typeName {
                changes.append(FieldChange(path: "\(label).state", old: .string(ltype), new: .string(f.typeName)))
                if case .absent = f.kind { continue }
            }
            switch f.kind {
            case .file(let bytes):
                let sha = NodeScript.sha256(bytes)
                if ltype == "file", l["sha256"]?.stringValue != sha {
                    if secret {
                        changes.append(FieldChange(maskedPath: "\(label).content", oldLength: nil, newLength: nil))
                    } else {
                        changes.append(contentChange(label, live: l["content"]?.stringValue, desired: bytes))
                    }
                    if l["content"] == nil {
                        before[label]?["content"] = .string("(sha256 \(l["sha256"]?.stringValue ?? ""))")
                    }
                } else if ltype == "file" {
                    before[label]?["content"] = desired["content"]
                }
            case .symlink(let target):
                if ltype == "symlink", l["target"]?.stringValue != target {
                    changes.append(FieldChange(path: "\(label).target", old: l["target"], new: .string(target)))
                }
            case .directory, .absent: break
            }
            for (key, want) in [("mode", f.mode), ("owner", f.owner), ("group", f.group)] {
                guard let want, ltype != "absent", ltype == f.typeName || ltype != "symlink" else { continue }
                let have = l[key]?.stringValue
                if ltype == "absent" || have != want {
                    changes.append(
                        FieldChange(path: "\(label).\(key)", old: have.map(Value.string), new: .string(want)))
                }
            }
        }
        // Sysctls, packages, units as declared.
        let liveSysctls = live?["sysctls"]?.objectValue ?? ValueObject()
        for s in config.sysctls {
            let have = liveSysctls[s.key]?.stringValue
            let want = s.value.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
            before["sysctls[\(s.key)]"] = have.map(Value.string) ?? .null
            after["sysctls[\(s.key)]"] = .string(want)
            if have != want {
                changes.append(
                    FieldChange(path: "sysctls[\(s.key)]", old: have.map(sysctlValue), new: sysctlValue(want)))
            }
        }
        let livePackages = live?["packages"]?.objectValue ?? ValueObject()
        for p in config.packages {
            let have = livePackages[p.name]?.stringValue
            let want: String? = p.present ? (p.version ?? have ?? "present") : nil
            before["packages[\(p.name)]"] = have.map(Value.string) ?? .null
            after["packages[\(p.name)]"] = want.map(Value.string) ?? .null
            if have != want {
                changes.append(
                    FieldChange(path: "packages[\(p.name)]", old: have.map(Value.string), new: want.map(Value.string)))
            }
        }
        let liveUnits = live?["units"]?.objectValue ?? ValueObject()
        let systemd = live?["systemd"]?.boolValue ?? false
        for u in config.units {
            let l = liveUnits[u.name]
            if let enabled = u.enabled {
                let have = l?["enabled"]?.stringValue ?? "not-found"
                let want = enabled ? "enabled" : "disabled"
                // `static`, `alias` and the like cannot be enabled; a missing unit is not enabled.
                let matches = enabled ? have == "enabled" : have != "enabled"
                after["units[\(u.name)].enabled"] = .string(want)
                before["units[\(u.name)].enabled"] = .string(have)
                if !matches {
                    changes.append(
                        FieldChange(path: "units[\(u.name)].enabled", old: .string(have), new: .string(want)))
                }
            }
            if let running = u.running, systemd {
                let have = l?["active"]?.stringValue ?? "unknown"
                let want = running ? "active" : "inactive"
                after["units[\(u.name)].active"] = .string(want)
                before["units[\(u.name)].active"] = .string(have)
                if (have == "active") != running {
                    changes.append(FieldChange(path: "units[\(u.name)].active", old: .string(have), new: .string(want)))
                }
            }
        }
        changes += removals(config, live: live, before: &before)
        changes.sort { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        return ObjectDiff(
            ref: ref, changes: changes.map(sensitive.masked),
            before: live.map { _ in sensitive.masked(.object(before)) },
            after: sensitive.masked(.object(after)))
    }

    /// What left the declaration but is in the ledger: removed when Plumb created it, a sysctl
    /// set back to its value before Plumb.
    static func removals(_ config: NodeConfig, live: Value?, before: inout ValueObject) -> [FieldChange] {
        guard let ledger = live?["ledger"]?.arrayValue else { return [] }
        let declaredFiles = Set(ManagedFile.all(of: config).map(\.file.path))
        var out: [FieldChange] = []
        for e in ledger {
            guard let kind = e["kind"]?.stringValue, let name = e["name"]?.stringValue,
                let note = e["note"]?.stringValue
            else {
                continue
            }
            switch kind {
            case "file" where !declaredFiles.contains(name) && note == "created":
                let type = live?["files"]?[name]?["type"]?.stringValue ?? "absent"
                if type != "absent" {
                    out.append(FieldChange(path: "files[\(name)].state", old: .string(type), new: .string("absent")))
                    before["files[\(name)]"] = live?["files"]?[name]
                }
            case "unit" where !config.units.contains(where: { $0.name == name }) && note == "created":
                let enabled = live?["units"]?[name]?["enabled"]?.stringValue ?? "not-found"
                if enabled == "enabled" {
                    out.append(
                        FieldChange(path: "units[\(name)].enabled", old: .string(enabled), new: .string("disabled")))
                }
            case "package" where !config.packages.contains(where: { $0.name == name }) && note == "created":
                if let have = live?["packages"]?[name]?.stringValue {
                    out.append(FieldChange(path: "packages[\(name)]", old: .string(have), new: nil))
                }
            case "sysctl" where !config.sysctls.contains(where: { $0.key == name }) && note != "-":
                let have = live?["sysctls"]?[name]?.stringValue
                if have != note {
                    out.append(
                        FieldChange(path: "sysctls[\(name)]", old: have.map(sysctlValue), new: sysctlValue(note)))
                }
            default: break
            }
        }
        return out
    }

    /// `files[/etc/nginx/nginx.conf].content  (12 lines) → (changed, +3 −1 lines)`, or by
    /// hash when the live content was not read (large or not text).
    static func contentChange(_ label: String, live: String?, desired: [UInt8]) -> FieldChange {
        let path = "\(label).content"
        guard let want = String(validating: desired, as: UTF8.self) else {
            return FieldChange(path: path, old: .string("(changed)"), new: .string("(\(desired.count) bytes)"))
        }
        guard let live else {
            return FieldChange(path: path, old: .string("(changed)"), new: .string("(\(lineCount(want)) lines)"))
        }
        let text = UnifiedDiff.diff(old: live, new: want, oldLabel: "live", newLabel: "git", context: 0)
        var added = 0
        var removed = 0
        for line in text.split(separator: "\n").dropFirst(2) {
            if line.hasPrefix("+") { added += 1 } else if line.hasPrefix("-") { removed += 1 }
        }
        return FieldChange(
            path: path, old: .string("(\(lineCount(live)) lines)"),
            new: .string("(changed, +\(added) −\(removed) lines)"))
    }

    /// A sysctl value as shown: a number bare (`128 → 4096`), anything else as text.
    static func sysctlValue(_ text: String) -> Value { Int64(text).map(Value.int) ?? .string(text) }

    static func lineCount(_ text: String) -> Int {
        text.isEmpty
            ? 0 : text.split(separator: "\n", omittingEmptySubsequences: false).count - (text.hasSuffix("\n") ? 1 : 0)
    }
}
