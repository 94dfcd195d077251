import PlumbCore

/// The one script that reads everything the NodeConfigs of a host name, and every ledger.
/// It prints one tab-separated record per line:
/// `F path type mode uid gid sha256|target` for a path, `C path base64` for the content of a
/// file that differs from Git (small, not secret), `U`/`G name id` for users and groups,
/// `S key value` for a sysctl, `P name version status` for a package, `E`/`A unit state` for
/// `is-enabled`/`is-active`, `D` when a systemd runs the host, `L name base64` for a ledger.
enum NodeObserveScript {
    /// Files larger than this are compared by hash only (the diff says the content changed).
    static let maxShownBytes = 262_144

    static func script(for configs: [NodeConfig], sensitive: SensitiveValues) -> String {
        var s = NodeScript.prelude
        s += #"""
            f() {
              p="$R$1"
              if [ -L "$p" ]; then t=symlink; m=$(stat --printf '%a\t%u\t%g' "$p"); x=$(readlink "$p")
              elif [ -d "$p" ]; then t=directory; m=$(stat --printf '%a\t%u\t%g' "$p"); x=
              elif [ -f "$p" ]; then t=file; m=$(stat --printf '%a\t%u\t%g' "$p"); x=$(sha256sum < "$p"); x=${x%% *}
              elif [ -e "$p" ]; then t=other; m=$(printf '\t\t'); x=
              else t=absent; m=$(printf '\t\t'); x=; fi
              printf 'F\t%s\t%s\t%s\t%s\t\n' "$1" "$t" "$m" "$x"
              if [ "$t" = file ] && [ "$3" = 1 ] && [ "$x" != "$2" ] && [ "$(stat -c %s "$p")" -le \#(maxShownBytes) ]; then
                printf 'C\t%s\t%s\n' "$1" "$(base64 -w0 < "$p")"
              fi
            }
            s() { if v=$(cat "$R/proc/sys/$2" 2>/dev/null); then printf 'S\t%s\t%s\n' "$1" "$(printf '%s' "$v" | tr '\t\n' '  ')"; fi; }
            u() { printf 'E\t%s\t%s\n' "$1" "$(sctl is-enabled "$1" 2>/dev/null | head -n 1)"; if systemd_runs; then printf 'A\t%s\t%s\n' "$1" "$(systemctl is-active "$1" 2>/dev/null)"; fi; }
            pk() { if command -v dpkg-query >/dev/null 2>&1 && [ -d "$R/var/lib/dpkg" ]; then dpkg-query --admindir="$R/var/lib/dpkg" -W -f='P\t${Package}\t${Version}\t${db:Status-Abbrev}\n' "$@" 2>/dev/null; fi; return 0; }
            if systemd_runs; then echo D; fi
            awk -F: '{print "U\t"$1"\t"$3}' "$R/etc/passwd" 2>/dev/null
            awk -F: '{print "G\t"$1"\t"$3}' "$R/etc/group" 2>/dev/null
            for l in "$R\#(NodeScript.ledgerDir)"/*; do
              [ -f "$l" ] || continue
              printf 'L\t%s\t%s\n' "${l##*/}" "$(base64 -w0 < "$l")"
            done

            """#
        var packages: [String] = []
        for config in configs {
            for managed in ManagedFile.all(of: config) {
                let f = managed.file
                if case .file(let bytes) = f.kind {
                    let secret = f.sensitive || sensitive.leaks(String(decoding: bytes, as: UTF8.self))
                    s += "f \(NodeScript.quote(f.path)) \(NodeScript.sha256(bytes)) \(secret ? 0 : 1)\n"
                } else {
                    s += "f \(NodeScript.quote(f.path)) '' 0\n"
                }
            }
            for sysctl in config.sysctls {
                s += "s \(NodeScript.quote(sysctl.key)) \(NodeScript.quote(String(sysctl.procPath.dropFirst(10))))\n"
            }
            for unit in config.units { s += "u \(NodeScript.quote(unit.name))\n" }
            packages += config.packages.map(\.name)
            // What the ledger holds beyond the declaration: items that left Git.
            s += """
                if [ -f "$R\(NodeScript.ledgerDir)/\(NodeScript.fileName(config.name))" ]; then
                  while IFS='\t' read -r k a b; do
                    case "$k" in file) f "$a" '' 0;; unit) u "$a";; package) pk "$a";; sysctl) s "$a" "$(printf '%s' "$a" | tr . /)";; esac
                  done < "$R\(NodeScript.ledgerDir)/\(NodeScript.fileName(config.name))"
                fi

                """
        }
        if !packages.isEmpty { s += "pk " + packages.map(NodeScript.quote).joined(separator: " ") + "\n" }
        return s
    }
}

/// A path Plumb writes for a NodeConfig: a declared file, a unit file, or the persisted sysctls.
struct ManagedFile: Sendable {
    var file: NodeFile
    /// How a diff names it: `files[/etc/motd]`, `units[nginx.service]`, `sysctls`.
    var label: String
    /// The unit it is the file of.
    var unit: String?

    static func all(of config: NodeConfig) -> [ManagedFile] {
        var out = config.files.map { ManagedFile(file: $0, label: "files[\($0.path)]") }
        for unit in config.units {
            guard let content = unit.content else { continue }
            out.append(
                ManagedFile(
                    file: NodeFile(path: unit.path, kind: .file(Array(content.utf8)), mode: "0644"),
                    label: "units[\(unit.name)]",
                    unit: unit.name))
        }
        if !config.sysctls.isEmpty {
            var text = "# Written by Plumb for NodeConfig \(config.name); changes are overwritten.\n"
            for s in config.sysctls { text += "\(s.key) = \(s.value)\n" }
            out.append(
                ManagedFile(
                    file: NodeFile(
                        path: NodeScript.sysctlFile(config.name), kind: .file(Array(text.utf8)), mode: "0644"),
                    label: "sysctls.persisted"))
        }
        return out
    }
}
