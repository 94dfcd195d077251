/// The texts of the `Warning` headers kube-apiserver sends (`299 - "v1 Endpoints is deprecated
/// in v1.33+; use discovery.k8s.io/v1 EndpointSlice"`): deprecated APIs, fields dropped under
/// `fieldValidation=Warn`, admission webhooks' warnings. As client-go, only code 299 counts.
public enum ServerWarnings {
    /// The 299 texts of a `Warning` header value; repeated headers arrive joined by commas.
    public static func parse(_ header: String) -> [String] {
        var out: [String] = []
        var s = Substring(header)
        func skipSpaces() { s = s.drop { $0 == " " || $0 == "\t" } }
        /// A quoted string, unescaped; nil when `s` does not start with one.
        func quoted() -> String? {
            guard s.first == "\"" else { return nil }
            var text = ""
            var i = s.index(after: s.startIndex)
            while i < s.endIndex {
                let c = s[i]
                if c == "\"" {
                    s = s[s.index(after: i)...]
                    return text
                }
                if c == "\\", s.index(after: i) < s.endIndex { i = s.index(after: i) }
                text.append(s[i])
                i = s.index(after: i)
            }
            return nil
        }
        while !s.isEmpty {
            skipSpaces()
            let code = s.prefix { $0 != " " }
            s = s.dropFirst(code.count)
            skipSpaces()
            s = s.drop { $0 != " " }  // the agent
            skipSpaces()
            guard let text = quoted() else { break }
            skipSpaces()
            if s.first == "\"" { _ = quoted() }  // a date
            skipSpaces()
            if code == "299" { out.append(text) }
            guard s.first == "," else { break }
            s = s.dropFirst()
        }
        return out
    }
}
