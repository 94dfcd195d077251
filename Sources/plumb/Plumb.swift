import ArgumentParser

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `plumb`: keeps live systems plumb with Git.
struct Plumb: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plumb",
        abstract: "Keep live systems plumb with Git.",
        discussion: """
            Plumb reads a path of a Git repository, turns it into the desired set of objects, and compares it with the live state. Shell completion: plumb --generate-completion-script bash|zsh|fish.

            Examples:
              plumb render --repo . --path fixtures/demo
              plumb diff --repo . --path fixtures/demo --sandbox
              plumb sync --repo . --path fixtures/demo --sandbox --prune --wait
              plumb history --app web
              plumb audit verify
              plumb version
            """,
        version: PlumbVersion.string,
        subcommands: [
            Render.self, Diff.self, Sync.self, Rollback.self, Sandbox.self, History.self, Audit.self, Install.self, AppCommand.self, RolloutCommandGroup.self, Controller.self, UI.self, NodeCommand.self, NodeAgentCommand.self, Version.self,
        ])
}

/// The entry point: runs a command and turns every failure into one `error:` line on stderr
/// with exit code 2 (usage errors included); `--help` exits 0.
@main
enum Main {
    static func main() async {
        // Output into a closed pipe (`plumb sync | head`) must not kill a sync halfway: the
        // write fails, the sync goes on and is recorded.
        signal(SIGPIPE, SIG_IGN)
        do {
            var command = try Plumb.parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let exit as ExitCode {
            Terminal.exit(exit.rawValue)
        } catch let error as CLIError {
            Terminal.fail(error.message, code: error.exitCode)
        } catch {
            let code = Plumb.exitCode(for: error)
            if code == .success {
                print(Plumb.fullMessage(for: error))
                Terminal.exit(0)
            }
            let message = Plumb.message(for: error)
            Terminal.fail(message.isEmpty ? "\(error)" : lowercasedFirst(message) + hint(for: error), code: 2)
        }
        Terminal.exit(0)
    }

    private static func lowercasedFirst(_ s: String) -> String {
        guard let first = s.first, first.isUppercase, !(s.dropFirst().first?.isUppercase ?? false) else { return s }
        return first.lowercased() + s.dropFirst()
    }

    private static func hint(for error: Error) -> String {
        " (see 'plumb --help')"
    }
}
