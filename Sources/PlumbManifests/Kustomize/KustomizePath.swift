/// Repository paths as Kustomize resolves them: relative to a kustomization's folder,
/// never leaving the repository.
enum KustomizePath {
    /// `directory/name`, or `name` at the root.
    static func join(_ directory: String, _ name: String) -> String {
        directory.isEmpty ? name : directory + "/" + name
    }

    /// The folder of a file path ("" at the root).
    static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[..<slash])
    }

    /// The last component of a path.
    static func base(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// A path without `.`, empty components and trailing slashes; nil when `..` leaves the root.
    static func clean(_ path: String) -> String {
        resolve("", path) ?? path
    }

    /// `relative` resolved against `directory`; nil when it leaves the repository or is absolute.
    static func resolve(_ directory: String, _ relative: String) -> String? {
        if relative.hasPrefix("/") { return nil }
        var parts = directory.split(separator: "/").map(String.init)
        for part in relative.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..":
                if parts.isEmpty { return nil }
                parts.removeLast()
            default: parts.append(String(part))
            }
        }
        return parts.joined(separator: "/")
    }

    /// Whether a resource entry names something outside the repository: a URL or a go-getter address.
    static func isRemote(_ entry: String) -> Bool {
        if entry.contains("://") || entry.hasPrefix("git@") || entry.hasPrefix("git::") { return true }
        if entry.contains("?ref=") || entry.contains("?version=") { return true }
        for host in ["github.com/", "gitlab.com/", "bitbucket.org/"] where entry.hasPrefix(host) { return true }
        return false
    }
}
