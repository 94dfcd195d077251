/// Text from the cluster, the repository or a commit, made safe to place in HTML: in element
/// content and in double-quoted attribute values alike. Every value a page shows goes
/// through here; nothing from outside is ever written into a page as markup.
public enum HTMLText {
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for ch in text.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "`": out += "&#96;"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }
}
