import Crypto
import PlumbCore

/// Pieces of the POSIX sh scripts Plumb runs on hosts. Every host path is written as
/// `"$R/etc/..."` where `R` is `$PLUMB_ROOT` (empty on a real host); values are single-quoted.
enum NodeScript {
    /// Where Plumb keeps what it manages on a host: one ledger file per NodeConfig.
    static let ledgerDir = "/var/lib/plumb/ledger"
    /// The state before the last apply of each NodeConfig, for restoring it.
    static let backupDir = "/var/lib/plumb/backup"

    /// `s` as one single-quoted shell word.
    static func quote(_ s: String) -> String {
        "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// A NodeConfig name as a file name (names are DNS labels; anything else is replaced).
    static func fileName(_ config: String) -> String {
        String(config.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." ? $0 : "_" })
    }

    /// The persisted sysctls of a NodeConfig.
    static func sysctlFile(_ config: String) -> String { "/etc/sysctl.d/90-plumb-\(fileName(config)).conf" }

    /// The SHA-256 of `bytes` in hex, as `sha256sum` prints it.
    static func sha256(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { byte in
            let s = String(byte, radix: 16)
            return s.count == 1 ? "0" + s : s
        }.joined()
    }

    /// Functions every script starts with: `R`, failing with a message, a user's or group's
    /// id read from the host root's own files, and whether a systemd runs the host.
    static let prelude = #"""
        R="${PLUMB_ROOT:-}"
        fail() { printf '%s\n' "$*" >&2; exit 1; }
        uid_of() { case "$1" in *[!0-9]*) awk -F: -v n="$1" '$1==n{print $3; exit}' "$R/etc/passwd" 2>/dev/null;; *) echo "$1";; esac; }
        gid_of() { case "$1" in *[!0-9]*) awk -F: -v n="$1" '$1==n{print $3; exit}' "$R/etc/group" 2>/dev/null;; *) echo "$1";; esac; }
        systemd_runs() { [ -z "$R" ] && [ -d /run/systemd/system ]; }
        sctl() { if [ -z "$R" ]; then systemctl "$@"; else systemctl --root "$R" "$@"; fi; }

        """#

    /// Bytes as base64 text (for the here-documents that carry file contents).
    static func base64(_ bytes: [UInt8]) -> String {
        let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4 + bytes.count / 57 + 1)
        var i = 0
        var column = 0
        while i < bytes.count {
            let b0 = UInt32(bytes[i])
            let b1 = i + 1 < bytes.count ? UInt32(bytes[i + 1]) : 0
            let b2 = i + 2 < bytes.count ? UInt32(bytes[i + 2]) : 0
            let n = b0 << 16 | b1 << 8 | b2
            out.append(table[Int(n >> 18 & 63)])
            out.append(table[Int(n >> 12 & 63)])
            out.append(i + 1 < bytes.count ? table[Int(n >> 6 & 63)] : UInt8(ascii: "="))
            out.append(i + 2 < bytes.count ? table[Int(n & 63)] : UInt8(ascii: "="))
            i += 3
            column += 4
            if column == 76 {
                out.append(UInt8(ascii: "\n"))
                column = 0
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes base64 text (`base64 -w0` output); nil when it is not base64.
    static func decodeBase64(_ text: Substring) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count / 4 * 3)
        var acc: UInt32 = 0
        var bits = 0
        for c in text.utf8 {
            let v: UInt8
            switch c {
            case 65...90: v = c - 65
            case 97...122: v = c - 71
            case 48...57: v = c + 4
            case 43: v = 62
            case 47: v = 63
            case 61, 10, 13: continue
            default: return nil
            }
            acc = acc << 6 | UInt32(v)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: acc >> UInt32(bits)))
            }
        }
        return out
    }
}
