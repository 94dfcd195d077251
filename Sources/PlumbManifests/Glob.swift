/// A shell-style glob for `--include`/`--exclude`: `*` and `?` stay within one path
/// component, `**` crosses components, `[abc]`/`[a-z]`/`[!a]` match one character.
/// A pattern without `/` is matched against the file name alone, as in `.gitignore`.
public struct Glob: Sendable, Hashable, CustomStringConvertible {
    public let pattern: String
    private let chars: [Character]
    private let matchesBasename: Bool

    public init(_ pattern: String) {
        self.pattern = pattern
        var p = pattern
        if p.hasPrefix("./") { p.removeFirst(2) }
        self.matchesBasename = !p.contains("/")
        self.chars = Array(p)
    }

    public var description: String { pattern }

    /// Whether `path` (relative, `/`-separated) matches.
    public func matches(_ path: String) -> Bool {
        let subject: Substring
        if matchesBasename, let slash = path.lastIndex(of: "/") {
            subject = path[path.index(after: slash)...]
        } else {
            subject = path[...]
        }
        return Glob.match(chars[...], Array(subject)[...])
    }

    private static func match(_ p: ArraySlice<Character>, _ s: ArraySlice<Character>) -> Bool {
        var p = p
        var s = s
        while let c = p.first {
            switch c {
            case "*":
                let isDouble = p.dropFirst().first == "*"
                p = p.dropFirst(isDouble ? 2 : 1)
                if isDouble && p.first == "/" {
                    // `**/` also matches nothing at all.
                    if match(p.dropFirst(), s) { return true }
                }
                if p.isEmpty { return isDouble || !s.contains("/") }
                var rest = s
                while true {
                    if match(p, rest) { return true }
                    guard let next = rest.first, isDouble || next != "/" else { return false }
                    rest = rest.dropFirst()
                }
            case "?":
                guard let next = s.first, next != "/" else { return false }
                p = p.dropFirst()
                s = s.dropFirst()
            case "[":
                guard let next = s.first, next != "/",
                    let (matched, rest) = matchClass(p.dropFirst(), next)
                else { return false }
                if !matched { return false }
                p = rest
                s = s.dropFirst()
            default:
                guard s.first == c else { return false }
                p = p.dropFirst()
                s = s.dropFirst()
            }
        }
        return s.isEmpty
    }

    /// Matches one character against a `[...]` class; nil when the class is not closed.
    private static func matchClass(_ p: ArraySlice<Character>, _ ch: Character)
        -> (Bool, ArraySlice<Character>)?
    {
        var p = p
        var negate = false
        if p.first == "!" || p.first == "^" { negate = true; p = p.dropFirst() }
        var matched = false
        var first = true
        while let c = p.first {
            if c == "]" && !first { return (matched != negate, p.dropFirst()) }
            first = false
            p = p.dropFirst()
            if p.first == "-", let hi = p.dropFirst().first, hi != "]" {
                if c <= ch && ch <= hi { matched = true }
                p = p.dropFirst(2)
            } else if c == ch {
                matched = true
            }
        }
        return nil
    }
}
