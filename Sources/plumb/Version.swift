import ArgumentParser
import PlumbCore
import PlumbGit
import PlumbKube
import PlumbYAML

enum PlumbVersion {
    static let string = "0.1.0"
}

/// `plumb version`: Plumb's version and the versions of the C libraries it runs with, as each
/// library reports itself at run time (not the headers it was built against).
struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print Plumb's version and the libgit2, libcurl and libyaml versions it runs with.",
        discussion: """
            Examples:
              plumb version
              plumb version -o json
            """)

    @Option(name: .shortAndLong, help: "Output format: text or json.")
    var output: VersionFormat = .text

    func run() {
        switch output {
        case .text:
            Terminal.writeOut(
                "plumb \(PlumbVersion.string) (libgit2 \(libgit2Version), libcurl \(libcurlVersion), libyaml \(libyamlVersion))\n")
        case .json:
            let value: Value = [
                "plumb": .string(PlumbVersion.string), "libgit2": .string(libgit2Version),
                "libcurl": .string(libcurlVersion), "libyaml": .string(libyamlVersion),
            ]
            Terminal.writeOut(HistoryFormat.json(value))
        }
    }
}

enum VersionFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}
