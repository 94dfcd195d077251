import ArgumentParser
import PlumbCore
import PlumbYAML

/// `plumb render`: prints the objects a path of a commit defines.
struct Render: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the objects a path of a Git commit defines.",
        discussion: """
            Reads every *.yaml, *.yml and *.json file below --path at --revision, straight from Git's object database, and prints the objects in a stable order.

            Examples:
              plumb render --repo . --path fixtures/demo
              plumb render --repo https://git.example.com/deploy.git --revision v1.2.0 --path apps/web -o json
              plumb render --repo ssh://git@git.example.com/deploy.git --ssh-key ~/.ssh/id_ed25519 --path apps
            """)

    @OptionGroup var source: RepoOptions

    @Option(name: .shortAndLong, help: "Output format: yaml or json.")
    var output: RenderFormat = .yaml

    func run() throws {
        let (_, desired) = try source.load()
        let bodies = desired.resources.map(\.body)
        switch output {
        case .yaml:
            Terminal.writeOut(YAMLWriter().string(documents: bodies))
        case .json:
            let list: Value = [
                "apiVersion": "v1", "kind": "List", "items": .array(bodies), "metadata": ["resourceVersion": ""],
            ]
            do {
                Terminal.writeOut(try JSONWriter(style: .pretty(indent: 4)).string(list) + "\n")
            } catch {
                throw CLIError("cannot print as JSON: \(error) (use -o yaml)")
            }
        }
    }
}

enum RenderFormat: String, ExpressibleByArgument, CaseIterable {
    case yaml, json
}
