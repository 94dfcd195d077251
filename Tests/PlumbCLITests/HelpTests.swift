import Foundation
import XCTest

/// `plumb <command> --help` reads well at any terminal width: the argument parser wraps
/// paragraphs itself, so a paragraph hard-wrapped in the source shows up as a short line
/// followed by a line that continues the sentence in lower case.
final class HelpTests: XCTestCase {
    func help(_ command: [String], columns: Int) throws -> CommandResult {
        try CLI.plumb(command + ["--help"], environment: ["COLUMNS": String(columns)])
    }

    /// Every command and subcommand, found through the SUBCOMMANDS sections of the help itself.
    func allCommands() throws -> [[String]] {
        var found: [[String]] = []
        var queue: [[String]] = [[]]
        while let command = queue.first, found.count < 100 {
            queue.removeFirst()
            found.append(command)
            let lines = try help(command, columns: 200).stdout.split(separator: "\n", omittingEmptySubsequences: false)
            guard let start = lines.firstIndex(where: { $0.hasPrefix("SUBCOMMANDS:") }) else { continue }
            for line in lines[(start + 1)...] {
                guard let name = line.split(separator: " ").first else { break }
                if name != "help" { queue.append(command + [String(name)]) }
            }
        }
        return found
    }

    /// The lines that continue a sentence cut short: a lower-case start after a line that is
    /// well short of the width and does not end a sentence. Example lines (`plumb ...`) and an
    /// option's help under a label too long to share its line are not sentences.
    static func brokenLines(_ text: String, columns: Int) -> [String] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var broken: [String] = []
        for (previous, line) in zip(lines, lines.dropFirst()) {
            let prev = previous.trimmingCharacters(in: .whitespaces)
            let cur = line.trimmingCharacters(in: .whitespaces)
            guard let first = cur.first, first.isLowercase, let last = prev.last, !".:!?".contains(last) else { continue }
            if cur.hasPrefix("plumb ") || cur.hasPrefix("kubectl ") || prev.hasPrefix("plumb ") { continue }
            if prev.hasPrefix("-") && !prev.contains("  ") { continue }
            if previous.count < columns - 25 { broken.append("\(previous)⏎\(line)") }
        }
        return broken
    }

    func testTheCheckFindsAHardWrappedParagraph() {
        let wrapped = """
            Watches Applications (in every namespace, or in --namespace) and the objects
            they
            manage; fetches each repository at most once per interval.
            """
        XCTAssertEqual(Self.brokenLines(wrapped, columns: 80).count, 1)
        XCTAssertEqual(Self.brokenLines("Examples:\n  plumb sync --repo .\n  plumb diff --repo .", columns: 80), [])
    }

    func testNoHelpTextBreaksMidSentenceAt80Or200Columns() throws {
        let commands = try allCommands()
        XCTAssertGreaterThan(commands.count, 15, "\(commands)")
        for command in [["sync"], ["rollback"], ["history", "show"], ["audit", "verify"], ["version"], ["app", "list"]] {
            XCTAssertTrue(commands.contains(command), "\(command) missing from \(commands)")
        }
        for columns in [80, 200] {
            for command in commands {
                let r = try help(command, columns: columns)
                XCTAssertEqual(r.status, 0, "\(command): \(r.stderr)")
                XCTAssertTrue(r.stdout.contains("USAGE:"), "\(command)")
                let broken = Self.brokenLines(r.stdout, columns: columns)
                XCTAssertEqual(broken, [], "plumb \(command.joined(separator: " ")) --help at COLUMNS=\(columns)")
            }
        }
    }

    func testEveryCommandThatReportsOffersJSON() throws {
        for command in [
            ["sync"], ["rollback"], ["diff"], ["history", "list"], ["history", "show"], ["audit", "verify"], ["version"],
            ["app", "list"], ["app", "get"],
        ] {
            let r = try help(command, columns: 200)
            XCTAssertTrue(r.stdout.contains("-o, --output <output>"), "plumb \(command.joined(separator: " ")): \(r.stdout)")
            XCTAssertTrue(r.stdout.contains("json"), "plumb \(command.joined(separator: " "))")
        }
    }

    func testCompletionScriptsAreGenerated() throws {
        for shell in ["bash", "zsh", "fish"] {
            let r = try CLI.plumb(["--generate-completion-script", shell])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stdout.contains("rollback"), "\(shell) completion names the subcommands")
        }
    }
}
