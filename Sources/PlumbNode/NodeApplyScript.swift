import PlumbCore

/// The script that brings a host to one NodeConfig, idempotently: it first keeps the current
/// state of everything it may touch in `/var/lib/plumb/backup/<name>` (the state `restore`
/// puts back), writes files atomically (a temporary file in the same directory, fsync,
/// rename), sets and persists sysctls, installs or removes packages with apt-get, writes
/// units and enables, starts, stops or restarts them, removes what left Git that Plumb
/// created, and writes the ledger last.
enum NodeApplyScript {
    /// Functions shared by apply, restore and delete.
    static let functions = #"""
        LD="$R/var/lib/plumb/ledger"; BD="$R/var/lib/plumb/backup"
        T=""
        # A script cut off (the SSH connection dropped, a signal) leaves no temporary file behind.
        trap 'if [ -n "$T" ]; then rm -rf "$T"; fi' EXIT
        trap 'exit 129' HUP
        trap 'exit 130' INT
        trap 'exit 143' TERM
        sha() { if [ -f "$R$1" ] && [ ! -L "$R$1" ]; then x=$(sha256sum < "$R$1") && printf '%s' "${x%% *}"; fi; }
        exists() { [ -L "$R$1" ] || [ -e "$R$1" ]; }
        tmpname() { T="$(dirname "$R$1")/.plumb-tmp.$$.${1##*/}"; }
        aptget() { if [ -z "$R" ]; then DEBIAN_FRONTEND=noninteractive apt-get -y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@"; else chroot "$R" env DEBIAN_FRONTEND=noninteractive apt-get -y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@"; fi; }
        installed() { dpkg-query --admindir="$R/var/lib/dpkg" -W -f='${db:Status-Abbrev} ${Version}' "$1" 2>/dev/null | awk '$1 ~ /^[ih]i/ {print $2}'; }
        sysctl_path() { printf '%s/proc/sys/%s' "$R" "$(printf '%s' "$1" | tr . /)"; }
        set_sysctl() { printf '%s\n' "$2" > "$(sysctl_path "$1")" 2>/dev/null || fail "sysctls[$1]: cannot write $(sysctl_path "$1" | sed "s|^$R||")"; }
        # Takes a path, a unit, a package or a sysctl out of Plumb's hands; removes it when Plumb created it.
        unmanage() {
          case "$1" in
            file) if [ "$3" = created ]; then
                    if [ -L "$R$2" ] || [ -f "$R$2" ]; then rm -f "$R$2" && echo "removed $2"; elif [ -d "$R$2" ]; then rmdir "$R$2" 2>/dev/null && echo "removed $2"; fi
                  fi;;
            unit) if [ "$3" = created ]; then
                    if systemd_runs; then systemctl stop "$2" >/dev/null 2>&1; fi
                    sctl disable "$2" >/dev/null 2>&1; echo "disabled $2"
                  fi;;
            package) if [ "$3" = created ] && [ -n "$(installed "$2")" ]; then aptget remove "$2" >&2 || fail "packages[$2]: apt-get remove failed"; echo "removed package $2"; fi;;
            sysctl) if [ "$3" != - ]; then set_sysctl "$2" "$3"; echo "restored sysctl $2"; fi;;
          esac
        }

        """#

    static func apply(_ config: NodeConfig, app: String) -> String {
        let name = NodeScript.fileName(config.name)
        var s = NodeScript.prelude + functions
        s += """
            L="$LD/\(name)"; B="$BD/\(name)"; NL="$L.new"
            mkdir -p "$LD" "$BD" || fail "cannot create \(NodeScript.ledgerDir)"
            rm -rf "$B.new" && mkdir -p "$B.new/files" && : > "$B.new/paths" && : > "$B.new/sysctls" && : > "$B.new/units" || fail "cannot write \(NodeScript.backupDir)"
            if [ -f "$L" ]; then cp "$L" "$B.new/ledger"; fi
            rm -rf "$B" && mv "$B.new" "$B" || fail "cannot write \(NodeScript.backupDir)"
            printf 'app\\t%s\\n' \(NodeScript.quote(app)) > "$NL" || fail "cannot write \(NodeScript.ledgerDir)"
            old() { if [ -f "$B/ledger" ]; then awk -F'\\t' -v k="$1" -v n="$2" '$1==k && $2==n {print $3; exit}' "$B/ledger"; fi; }
            led() { n=$(old "$1" "$2"); printf '%s\\t%s\\t%s\\n' "$1" "$2" "${n:-$3}" >> "$NL"; }
            bk() {
              p="$R$1"
              if [ -d "$p" ] && [ ! -L "$p" ]; then printf 'dir\\t%s\\t%s\\n' "$1" "$(stat --printf '%a:%u:%g' "$p")" >> "$B/paths"
              elif exists "$1"; then mkdir -p "$B/files$(dirname "$1")" && cp -a "$p" "$B/files$1" || fail "$1: cannot back up"; printf 'present\\t%s\\n' "$1" >> "$B/paths"
              else printf 'missing\\t%s\\n' "$1" >> "$B/paths"; fi
            }
            own() {
              if [ -n "$2" ]; then o=$(uid_of "$2"); [ -n "$o" ] || fail "$4: owner $2: no such user on the host"; chown "$o" "$1" || fail "$4: chown failed"; fi
              if [ -n "$3" ]; then g=$(gid_of "$3"); [ -n "$g" ] || fail "$4: group $3: no such group on the host"; chgrp "$g" "$1" || fail "$4: chgrp failed"; fi
            }
            parent() { d=$(dirname "$R$1"); [ -d "$d" ] || fail "$1: the directory $(dirname "$1") does not exist"; }

            """
        var changedVars: [String: String] = [:]
        for (i, managed) in ManagedFile.all(of: config).enumerated() {
            let f = managed.file
            let p = NodeScript.quote(f.path)
            let mode = f.mode.map(NodeScript.quote) ?? "''"
            let owner = f.owner.map(NodeScript.quote) ?? "''"
            let group = f.group.map(NodeScript.quote) ?? "''"
            let label = NodeScript.quote(managed.label)
            changedVars[f.path] = "c\(i)"
            s += "c\(i)=0; bk \(p)\n"
            switch f.kind {
            case .file(let bytes):
                s += """
                    if exists \(p); then led file \(p) adopted; else led file \(p) created; fi
                    if [ -d "$R"\(p) ] && [ ! -L "$R"\(p) ]; then fail \(label)": is a directory"; fi
                    if [ "$(sha \(p))" != \(NodeScript.sha256(bytes)) ]; then
                      parent \(p); tmpname \(p)
                      base64 -d > "$T" <<'PLUMB_CONTENT_EOF' || fail \(label)": cannot write"
                    \(NodeScript.base64(bytes))
                    PLUMB_CONTENT_EOF
                      m=\(mode); if [ -z "$m" ]; then m=$(stat -c %a "$R"\(p) 2>/dev/null || echo 644); fi
                      chmod "$m" "$T" || fail \(label)": chmod failed"
                      if exists \(p); then chown --reference="$R"\(p) "$T" 2>/dev/null; fi
                      own "$T" \(owner) \(group) \(label)
                      sync "$T" 2>/dev/null
                      mv -f "$T" "$R"\(p) || fail \(label)": rename failed"; T=""
                      sync "$(dirname "$R"\(p))" 2>/dev/null
                      c\(i)=1; echo "wrote "\(p)
                    fi

                    """
            case .directory:
                s += """
                    if exists \(p); then led file \(p) adopted; else led file \(p) created; fi
                    if [ ! -d "$R"\(p) ] || [ -L "$R"\(p) ]; then
                      if exists \(p); then fail \(label)": exists and is not a directory"; fi
                      parent \(p); mkdir "$R"\(p) || fail \(label)": mkdir failed"; c\(i)=1; echo "created "\(p)
                      if [ -z \(mode) ]; then chmod 755 "$R"\(p); fi
                    fi

                    """
            case .symlink(let target):
                let t = NodeScript.quote(target)
                s += """
                    if exists \(p); then led file \(p) adopted; else led file \(p) created; fi
                    if [ ! -L "$R"\(p) ] || [ "$(readlink "$R"\(p))" != \(t) ]; then
                      if [ -d "$R"\(p) ] && [ ! -L "$R"\(p) ]; then fail \(label)": is a directory"; fi
                      parent \(p); tmpname \(p)
                      ln -s \(t) "$T" && mv -Tf "$T" "$R"\(p) || fail \(label)": cannot link"; T=""
                      c\(i)=1; echo "linked "\(p)
                    fi

                    """
            case .absent:
                s += """
                    if [ -L "$R"\(p) ] || [ -f "$R"\(p) ]; then rm -f "$R"\(p) || fail \(label)": cannot remove"; c\(i)=1; echo "removed "\(p)
                    elif [ -d "$R"\(p) ]; then rmdir "$R"\(p) 2>/dev/null || fail \(label)": directory not empty"; c\(i)=1; echo "removed "\(p); fi

                    """
            }
            let hasMetadata: Bool
            switch f.kind {
            case .file, .directory: hasMetadata = true
            case .symlink, .absent: hasMetadata = false
            }
            if hasMetadata {
                s += """
                    if [ -n \(mode) ] && [ "$(stat -c %a "$R"\(p))" != "$(printf '%s' \(mode) | sed 's/^0*//')" ]; then chmod \(mode) "$R"\(p) || fail \(label)": chmod failed"; c\(i)=1; fi
                    if [ -n \(owner) ] && [ "$(stat -c %u "$R"\(p))" != "$(uid_of \(owner))" ]; then own "$R"\(p) \(owner) '' \(label); c\(i)=1; fi
                    if [ -n \(group) ] && [ "$(stat -c %g "$R"\(p))" != "$(gid_of \(group))" ]; then own "$R"\(p) '' \(group) \(label); c\(i)=1; fi

                    """
            }
        }
        for sysctl in config.sysctls {
            let k = NodeScript.quote(sysctl.key)
            let v = NodeScript.quote(sysctl.value)
            s += """
                [ -e "$(sysctl_path \(k))" ] || fail "sysctls["\(k)"]: no such key on the host"
                cur=$(tr '\\t\\n' '  ' < "$(sysctl_path \(k))" | sed 's/ *$//')
                printf '%s\\t%s\\n' \(k) "$cur" >> "$B/sysctls"
                led sysctl \(k) "$cur"
                if [ "$(printf '%s' "$cur" | tr -s ' ')" != "$(printf '%s' \(v) | tr -s ' \\t' '  ')" ]; then set_sysctl \(k) \(v); echo "set sysctl "\(k); fi

                """
        }
        for p in config.packages {
            let n = NodeScript.quote(p.name)
            if p.present {
                let spec = NodeScript.quote(p.version.map { "\(p.name)=\($0)" } ?? p.name)
                let want = p.version.map(NodeScript.quote) ?? "''"
                s += """
                    have=$(installed \(n))
                    if [ -z "$have" ]; then led package \(n) created; else led package \(n) adopted; fi
                    if [ -z "$have" ] || { [ -n \(want) ] && [ "$have" != \(want) ]; }; then
                      aptget install --no-install-recommends \(spec) >&2 || fail "packages["\(n)"]: apt-get install failed"; echo "installed "\(spec)
                    fi

                    """
            } else {
                s += """
                    if [ -n "$(installed \(n))" ]; then aptget remove \(n) >&2 || fail "packages["\(n)"]: apt-get remove failed"; echo "removed package "\(n); fi

                    """
            }
        }
        let unitFiles = config.units.filter { $0.content != nil }.compactMap { changedVars[$0.path] }
        if !unitFiles.isEmpty {
            s +=
                "if systemd_runs && [ $((\(unitFiles.map { "$" + $0 }.joined(separator: " + ")))) -gt 0 ]; then systemctl daemon-reload || fail 'systemctl daemon-reload failed'; fi\n"
        }
        for u in config.units {
            let n = NodeScript.quote(u.name)
            s += """
                en=$(sctl is-enabled \(n) 2>/dev/null | head -n 1); ac=""; if systemd_runs; then ac=$(systemctl is-active \(n) 2>/dev/null); fi
                printf '%s\\t%s\\t%s\\n' \(n) "$en" "$ac" >> "$B/units"
                if [ -z "$(old unit \(n))" ] && grep -q "^missing	\(u.path)$" "$B/paths"; then led unit \(n) created; else led unit \(n) adopted; fi

                """
            if let enabled = u.enabled {
                s +=
                    enabled
                    ? "if [ \"$en\" != enabled ]; then sctl enable \(n) >/dev/null 2>&1 || fail \"units[\"\(n)\"]: systemctl enable failed\"; echo \"enabled \"\(n); fi\n"
                    : "if [ \"$en\" = enabled ]; then sctl disable \(n) >/dev/null 2>&1 || fail \"units[\"\(n)\"]: systemctl disable failed\"; echo \"disabled \"\(n); fi\n"
            }
            let triggers =
                (u.restartOn.compactMap { changedVars[$0] }
                    + (u.content != nil ? [changedVars[u.path]].compactMap { $0 } : []))
            let restart = triggers.isEmpty ? "0" : "$((\(triggers.map { "$" + $0 }.joined(separator: " + "))))"
            s += "if systemd_runs; then\n"
            switch u.running {
            case true?:
                s +=
                    "  if [ \"$ac\" != active ]; then systemctl start \(n) || fail \"units[\"\(n)\"]: systemctl start failed\"; echo \"started \"\(n)\n"
                s +=
                    "  elif [ \(restart) -gt 0 ]; then systemctl restart \(n) || fail \"units[\"\(n)\"]: systemctl restart failed\"; echo \"restarted \"\(n); fi\n"
            case false?:
                s +=
                    "  if [ \"$ac\" = active ]; then systemctl stop \(n) || fail \"units[\"\(n)\"]: systemctl stop failed\"; echo \"stopped \"\(n); fi\n"
            case nil:
                s +=
                    "  if [ \"$ac\" = active ] && [ \(restart) -gt 0 ]; then systemctl restart \(n) || fail \"units[\"\(n)\"]: systemctl restart failed\"; echo \"restarted \"\(n); fi\n"
            }
            s += "fi\n"
        }
        // What left Git: units and packages first, then sysctls and files.
        let declared = Set(ManagedFile.all(of: config).map(\.file.path))
        s += """
            if [ -f "$B/ledger" ]; then
              for pass in unit package sysctl file; do
                while IFS='\t' read -r k a b; do
                  [ "$k" = "$pass" ] || continue
                  case "$k" in
                    file) case "$a" in \(declared.isEmpty ? "''" : declared.sorted().map(NodeScript.quote).joined(separator: "|"))) continue;; esac
                          bk "$a";;
                    unit) case "$a" in \(config.units.isEmpty ? "''" : config.units.map { NodeScript.quote($0.name) }.joined(separator: "|"))) continue;; esac;;
                    package) case "$a" in \(config.packages.isEmpty ? "''" : config.packages.map { NodeScript.quote($0.name) }.joined(separator: "|"))) continue;; esac;;
                    sysctl) case "$a" in \(config.sysctls.isEmpty ? "''" : config.sysctls.map { NodeScript.quote($0.key) }.joined(separator: "|"))) continue;; esac
                            printf '%s\\t%s\\n' "$a" "$(tr '\\t\\n' '  ' < "$(sysctl_path "$a")" 2>/dev/null)" >> "$B/sysctls";;
                  esac
                  unmanage "$k" "$a" "$b"
                done < "$B/ledger"
              done
            fi
            sync "$NL" 2>/dev/null; mv -f "$NL" "$L" || fail "cannot write the ledger"

            """
        return s
    }

    /// Puts back the state the last apply of `config` found (its backup): files, directories'
    /// modes, symlinks, sysctls, units' enablement and activity, and the ledger.
    static func restore(_ config: String) -> String {
        let name = NodeScript.fileName(config)
        return NodeScript.prelude + functions + """
            L="$LD/\(name)"; B="$BD/\(name)"
            [ -d "$B" ] || fail "no backup of NodeConfig \(name) on this host"
            # Last touched first: a directory Plumb created is empty again when its turn comes.
            while IFS='\t' read -r st p meta; do
              case "$st" in
                present) tmpname "$p"; cp -a "$B/files$p" "$T" && mv -Tf "$T" "$R$p" || fail "$p: cannot restore"; T=""; echo "restored $p";;
                missing) if [ -L "$R$p" ] || [ -f "$R$p" ]; then rm -f "$R$p" && echo "removed $p"; elif [ -d "$R$p" ]; then rmdir "$R$p" 2>/dev/null && echo "removed $p"; fi;;
                dir) if [ -d "$R$p" ]; then chmod "${meta%%:*}" "$R$p"; o=${meta#*:}; chown "${o%%:*}:${o#*:}" "$R$p"; fi;;
              esac
            done <<PLUMB_PATHS_EOF
            $(awk '{ line[NR] = $0 } END { for (i = NR; i > 0; i--) print line[i] }' "$B/paths")
            PLUMB_PATHS_EOF
            while IFS='\t' read -r k v; do
              if [ -n "$v" ]; then set_sysctl "$k" "$v"; echo "restored sysctl $k"; fi
            done < "$B/sysctls"
            if systemd_runs; then systemctl daemon-reload; fi
            while IFS='\t' read -r n en ac; do
              case "$en" in enabled) sctl enable "$n" >/dev/null 2>&1;; disabled) sctl disable "$n" >/dev/null 2>&1;; esac
              if systemd_runs; then if [ "$ac" = active ]; then systemctl restart "$n"; else systemctl stop "$n" 2>/dev/null; fi; fi
            done < "$B/units"
            if [ -f "$B/ledger" ]; then cp "$B/ledger" "$L.new" && mv -f "$L.new" "$L"; else rm -f "$L"; fi
            sync 2>/dev/null; exit 0

            """
    }

    /// Removes what Plumb created for `config` (units and packages first, then sysctls set
    /// back and files), then its ledger and backup.
    static func delete(_ config: String) -> String {
        let name = NodeScript.fileName(config)
        return NodeScript.prelude + functions + """
            L="$LD/\(name)"; B="$BD/\(name)"
            [ -f "$L" ] || exit 0
            for pass in unit package sysctl file; do
              while IFS='\t' read -r k a b; do
                [ "$k" = "$pass" ] && unmanage "$k" "$a" "$b"
              done < "$L"
            done
            rm -f "$L"; rm -rf "$B"; exit 0

            """
    }
}
