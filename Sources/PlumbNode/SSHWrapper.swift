import Foundation

/// The text `SSHHostShell` sends to `sh -s` on a host: the script and its input travel
/// base64-encoded inside it (binary-safe, and no shell reads the input as commands), are
/// decoded into a private temporary directory, and the script runs with the input as its
/// stdin. The script's exit status comes back as the last line of stderr, marked with a
/// token of this run, so a script that exits 255 is not mistaken for ssh failing to connect.
struct SSHWrapper {
    let token: String
    let text: String

    init(script: String, input: [UInt8]?, root: String = "") {
        token = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        var text = """
            PLUMB_ROOT=\(SSHWrapper.quote(root)); export PLUMB_ROOT
            LC_ALL=C; export LC_ALL
            umask 077
            plumb_d=$(mktemp -d "${TMPDIR:-/tmp}/plumb.XXXXXXXX") || { echo "plumb: cannot create a temporary directory" >&2; exit 125; }
            trap 'rm -rf "$plumb_d"' EXIT
            trap 'exit 129' HUP
            trap 'exit 143' TERM
            base64 -d > "$plumb_d/script" <<'PLUMB_EOF' || exit 125

            """
        text += SSHWrapper.base64Lines(Array(script.utf8))
        text += "PLUMB_EOF\n"
        if let input {
            text += "base64 -d > \"$plumb_d/input\" <<'PLUMB_EOF' || exit 125\n"
            text += SSHWrapper.base64Lines(input)
            text += "PLUMB_EOF\n"
        } else {
            text += ": > \"$plumb_d/input\"\n"
        }
        text += """
            umask 022
            ( cd / && sh "$plumb_d/script" ) < "$plumb_d/input"
            plumb_s=$?
            printf '\\nplumb-exit-\(token) %d\\n' "$plumb_s" >&2
            exit "$plumb_s"

            """
        self.text = text
    }

    /// Splits the stderr ssh returned into the script's stderr and its exit status, when the
    /// wrapper got as far as reporting one.
    func parse(stderr: [UInt8]) -> (stderr: String, status: Int32?) {
        let text = String(decoding: stderr, as: UTF8.self)
        let marker = "\nplumb-exit-\(token) "
        guard let range = text.range(of: marker, options: .backwards) else { return (text, nil) }
        let rest = text[range.upperBound...]
        let digits = rest.prefix(while: \.isNumber)
        guard let status = Int32(digits) else { return (text, nil) }
        // Anything after the status line is ssh's own (a warning as the connection closed).
        let after = rest.dropFirst(digits.count).drop(while: { $0 == "\n" })
        return (String(text[..<range.lowerBound]) + after, status)
    }

    /// Base64 in lines of 76 characters, each ending with a newline. A base64 line is a
    /// multiple of 4 characters of its alphabet, so it never equals the delimiter.
    static func base64Lines(_ bytes: [UInt8]) -> String {
        guard !bytes.isEmpty else { return "" }
        return Data(bytes).base64EncodedString(options: [.lineLength76Characters, .endLineWithLineFeed]) + "\n"
    }

    /// Single-quotes `text` for POSIX sh.
    static func quote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
