import ArgumentParser
import PlumbCore
import PlumbYAML

/// `plumb render`: prints the objects a path of a commit defines.
struct Render: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the objects a path of a Git commit defines.",
        discussion: """
            Renders --path at --revision, straight from Git's object database, and prints the objects in a stable order. The renderer is the one the path's .plumb.yaml (render:) names, else the first that fits: a kustomization file (Kustomize), *.jsonnet files (Jsonnet), a plugin of --plugin-config whose detect glob matches, else every *.yaml, *.yml and *.json file below the path. The YAML output starts with a comment naming the renderer ("# 3f9c2ab rendered by kustomize from 4 files"). SOPS-encrypted files are decrypted in memory with --sops-age-key-file / SOPS_AGE_KEY_FILE or --sops-gnupghome.

            Examples:
              plumb render --repo . --path fixtures/demo
              plumb render --repo https://git.example.com/deploy.git --revision v1.2.0 --path apps/web -o json
              plumb render --repo ssh://git@git.example.com/deploy.git --ssh-key ~/.ssh/id_ed25519 --path apps
              plumb render --repo . --path charts/web --plugin-config /etc/plumb/plugins.yaml
            """)

    @OptionGroup var source: RepoOptions

    @Option(help: "The app the render is for (PLUMB_APP_NAME for plugins); default the last component of --path.")
    var app: String?

    @Option(name: .shortAndLong, help: "Output format: yaml or json.")
    var output: RenderFormat = .yaml

    func run() throws {
        let (commit, rendered) = try source.load(app: app)
        let desired = rendered.desired
        let count = desired.files.count
        // A render that decrypted SOPS files prints Secrets masked, as diff does: their data may
        // hold decrypted values in a form (base64 from a generator) the redactor cannot see.
        let bodies = desired.resources.map {
            rendered.secrets.isEmpty || !SecretData.isSecret($0.ref) ? $0.body : SecretData.masked($0.body)
        }
        switch output {
        case .yaml:
            // A comment: YAML readers (kubectl apply -f -) skip it.
            Terminal.writeOut("# \(commit.id.short) rendered by \(rendered.renderer) from \(count) file\(count == 1 ? "" : "s")\n")
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
