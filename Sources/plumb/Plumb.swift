import ArgumentParser
import PlumbGit
import PlumbYAML

@main
struct Plumb: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plumb",
        abstract: "Keep live systems plumb with Git.",
        subcommands: [Version.self])
}

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print Plumb's version.")
    func run() {
        print("plumb 0.1.0 (libgit2 \(libgit2Version), libyaml \(libyamlVersion))")
    }
}
