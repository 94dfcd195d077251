/// Text from Git or the cluster placed into a comment so that it reads as itself: it can
/// neither close the comment's HTML nor start Markdown (links, emphasis, tables, mentions).
enum MarkdownText {
    /// Inline text: HTML's special characters as entities, Markdown's with a backslash,
    /// line breaks as spaces. Safe in paragraphs, list items and table cells.
    static func inline(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\n", "\r", "\t": out += " "
            // Emphasis, code, links (with `[`/`]` escaped no `(`/`)` can form one), tables,
            // strikethrough, mentions and autolinks (`https://`).
            case "\\", "`", "*", "_", "[", "]", "#", "|", "~", "@", ":":
                out += "\\" + String(c)
            default: out.append(c)
            }
        }
        return out
    }

    /// Text inside an HTML element (`<summary>`, `<code>`): HTML's special characters as
    /// entities; Markdown is not read there.
    static func html(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\n", "\r": out += " "
            default: out.append(c)
            }
        }
        return out
    }

    /// A code span of `text` (shown as it is, HTML and Markdown included), its backtick run
    /// longer than any inside.
    static func code(_ text: String) -> String {
        let flat = text.map { $0 == "\n" || $0 == "\r" ? " " : String($0) }.joined()
        var longest = 0
        var run = 0
        for c in flat {
            run = c == "`" ? run + 1 : 0
            longest = max(longest, run)
        }
        let ticks = String(repeating: "`", count: longest + 1)
        let pad = flat.hasPrefix("`") || flat.hasSuffix("`") ? " " : ""
        return ticks + pad + flat + pad + ticks
    }

    /// A fenced code block of `lines`, its fence longer than any run of backticks inside so
    /// that no line can close it.
    static func codeBlock(_ lines: [String], language: String = "") -> String {
        let body = lines.joined(separator: "\n")
        var longest = 0
        var run = 0
        for c in body {
            run = c == "`" ? run + 1 : 0
            longest = max(longest, run)
        }
        let fence = String(repeating: "`", count: max(3, longest + 1))
        return fence + language + "\n" + body + "\n" + fence + "\n"
    }
}
