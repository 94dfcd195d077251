import PlumbCore

/// The dry run of a NodeConfig on a host: everything the apply needs is there (owners and
/// groups in the host root's files, parent directories, no directory where a file goes,
/// sysctl keys, dpkg and apt-get for packages, systemctl for units). Nothing is written.
enum NodeValidateScript {
    static func script(for config: NodeConfig) -> String {
        var s = NodeScript.prelude + "problems=0\nbad() { printf '%s\\n' \"$*\" >&2; problems=$((problems + 1)); }\n"
        let files = ManagedFile.all(of: config)
        let declaredDirs = Set(config.files.filter { $0.kind == .directory }.map(\.path))
        for managed in files {
            let f = managed.file
            let p = NodeScript.quote(f.path)
            let label = NodeScript.quote(managed.label)
            let parent = String(f.path[..<(f.path.lastIndex(of: "/") ?? f.path.startIndex)])
            if case .absent = f.kind {
            } else if !declaredDirs.contains(parent) && !parent.isEmpty {
                s +=
                    "[ -d \"$R\"\(NodeScript.quote(parent)) ] || bad \(label)\": the directory \"\(NodeScript.quote(parent))\" does not exist\"\n"
            }
            switch f.kind {
            case .file, .symlink:
                s += "if [ -d \"$R\"\(p) ] && [ ! -L \"$R\"\(p) ]; then bad \(label)\": is a directory\"; fi\n"
            case .directory:
                s +=
                    "if [ -e \"$R\"\(p) ] && [ ! -d \"$R\"\(p) ]; then bad \(label)\": exists and is not a directory\"; fi\n"
            case .absent:
                s +=
                    "if [ -d \"$R\"\(p) ] && [ ! -L \"$R\"\(p) ] && [ -n \"$(ls -A \"$R\"\(p))\" ]; then bad \(label)\": a directory that is not empty\"; fi\n"
            }
            if let owner = f.owner {
                s +=
                    "[ -n \"$(uid_of \(NodeScript.quote(owner)))\" ] || bad \(label)\".owner: no user \"\(NodeScript.quote(owner))\" on the host\"\n"
            }
            if let group = f.group {
                s +=
                    "[ -n \"$(gid_of \(NodeScript.quote(group)))\" ] || bad \(label)\".group: no group \"\(NodeScript.quote(group))\" on the host\"\n"
            }
        }
        for sysctl in config.sysctls {
            let rel = NodeScript.quote(String(sysctl.procPath.dropFirst()))
            s += "[ -e \"$R/\"\(rel) ] || bad \(NodeScript.quote("sysctls[\(sysctl.key)]: no such key on the host"))\n"
        }
        if !config.packages.isEmpty {
            s +=
                "command -v dpkg-query >/dev/null 2>&1 && [ -d \"$R/var/lib/dpkg\" ] || bad 'packages: no dpkg on the host'\n"
            if config.packages.contains(where: { $0.present }) {
                s +=
                    "if [ -z \"$R\" ]; then command -v apt-get >/dev/null 2>&1 || bad 'packages: no apt-get on the host'; "
                s += "else [ -x \"$R/usr/bin/apt-get\" ] || bad 'packages: no apt-get in the host root'; fi\n"
            }
        }
        if !config.units.isEmpty {
            s += "command -v systemctl >/dev/null 2>&1 || bad 'units: no systemctl on the host'\n"
        }
        s += "[ \"$problems\" = 0 ]\n"
        return s
    }
}

/// The health checks of a NodeConfig, run on the host: one `ok`/`fail` line per check.
enum NodeHealthScript {
    /// How long one check may take.
    static let timeoutSeconds = 5

    static func script(for checks: [NodeHealthCheck]) -> String {
        var s =
            NodeScript.prelude + #"""
                check() { if [ "$2" = 0 ]; then printf 'ok\t%s\n' "$1"; else printf 'fail\t%s\t%s\n' "$1" "$3"; fi; }
                tcp() {
                  if command -v nc >/dev/null 2>&1; then timeout \#(timeoutSeconds) nc -z -w \#(timeoutSeconds) "$1" "$2" >/dev/null 2>&1
                  elif command -v bash >/dev/null 2>&1; then timeout \#(timeoutSeconds) bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null
                  else return 2; fi
                }
                http() {
                  if command -v curl >/dev/null 2>&1; then curl -fsS -o /dev/null --max-time \#(timeoutSeconds) "$1" 2>&1
                  elif command -v wget >/dev/null 2>&1; then wget -q -O /dev/null -T \#(timeoutSeconds) "$1" 2>&1
                  else echo "no curl or wget on the host"; return 2; fi
                }

                """#
        for check in checks {
            let name = NodeScript.quote(check.description)
            switch check {
            case .unit(let unit):
                let u = NodeScript.quote(unit)
                s +=
                    "if systemd_runs; then st=$(systemctl is-active \(u) 2>/dev/null); [ \"$st\" = active ]; check \(name) $? \"$st\"; "
                s += "else check \(name) 1 'no running systemd to ask'; fi\n"
            case .tcp(let host, let port):
                s += "tcp \(NodeScript.quote(host)) \(port); check \(name) $? 'connection refused or timed out'\n"
            case .http(let url):
                s +=
                    "out=$(http \(NodeScript.quote(url))); check \(name) $? \"$(printf '%s' \"$out\" | tr '\\n\\t' '  ')\"\n"
            case .command(let command):
                s += "out=$(timeout \(timeoutSeconds) sh -c \(NodeScript.quote(command)) 2>&1 </dev/null); rc=$?; "
                s += "check \(name) $rc \"exit status $rc$(printf ' %s' \"$out\" | tail -n 1 | tr '\\t' ' ')\"\n"
            }
        }
        return s
    }
}
