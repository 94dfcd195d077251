import ArgumentParser
import PlumbGit
import PlumbYAML

enum PlumbVersion {
    static let string = "0.1.0"
}

/// `plumb version`: Plumb's version and the libraries it reads Git and YAML with.
struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print Plumb's version.",
        discussion: "Example:\n  plumb version -o json")

    @Option(name: .shortAndLong, help: "Output format: text or json.")
    var output: VersionFormat = .text

    func run() {
        switch output {
        case .text:
            print("plumb \(PlumbVersion.string) (libgit2 \(libgit2Version), libyaml \(libyamlVersion))")
        case .json:
            print(
                "{\"plumb\": \"\(PlumbVersion.string)\", \"libgit2\": \"\(libgit2Version)\", \"libyaml\": \"\(libyamlVersion)\"}"
            )
        }
    }
}

enum VersionFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}
