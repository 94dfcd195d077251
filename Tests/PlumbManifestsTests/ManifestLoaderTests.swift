import PlumbCore
import PlumbManifests
import XCTest

final class ManifestLoaderTests: XCTestCase {
    let configMap = """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: settings
          namespace: web
        data:
          a: "1"
        """

    func load(_ items: [String: InMemorySnapshot.Item], path: String = "apps", include: [String] = [],
              exclude: [String] = [], maxFileSize: Int = ManifestOptions.defaultMaxFileSize) throws -> DesiredSet {
        let options = ManifestOptions(
            path: path, include: include.map(Glob.init), exclude: exclude.map(Glob.init), maxFileSize: maxFileSize)
        return try ManifestLoader(options: options).load(from: InMemorySnapshot(items))
    }

    func errors(_ items: [String: InMemorySnapshot.Item], path: String = "apps",
                maxFileSize: Int = ManifestOptions.defaultMaxFileSize) -> [String] {
        do {
            _ = try load(items, path: path, maxFileSize: maxFileSize)
            XCTFail("expected an error")
            return []
        } catch let e as ManifestErrors {
            return e.errors.map(\.description)
        } catch {
            XCTFail("unexpected error \(error)")
            return []
        }
    }

    func testReadsYAMLAndJSONRecursivelyInStableOrderSkippingHiddenAndOthers() throws {
        let set = try load([
            "apps/b/deploy.yml": .file("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: web}\n"),
            "apps/a.yaml": .file(configMap),
            "apps/ns.json": .file(#"{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "web"}}"#),
            "apps/.hidden.yaml": .file("not: [valid"),
            "apps/.git-crypt/x.yaml": .file("not: [valid"),
            "apps/README.md": .file("# not read"),
            "other/c.yaml": .file("not: [valid"),
        ])
        XCTAssertEqual(set.files, ["apps/a.yaml", "apps/b/deploy.yml", "apps/ns.json"])
        XCTAssertEqual(
            set.resources.map(\.ref.description),
            ["v1 Namespace web", "v1 ConfigMap web/settings", "apps/v1 Deployment web/web"])
        XCTAssertEqual(set.resources[1].source, SourceLocation(file: "apps/a.yaml", line: 1, column: 1))
    }

    func testIncludeAndExcludeGlobs() throws {
        let files: [String: InMemorySnapshot.Item] = [
            "apps/prod/a.yaml": .file(configMap),
            "apps/dev/b.yaml": .file(configMap.replacingOccurrences(of: "settings", with: "b")),
            "apps/dev/c-test.yaml": .file(configMap.replacingOccurrences(of: "settings", with: "c")),
        ]
        XCTAssertEqual(try load(files, include: ["prod/**"]).files, ["apps/prod/a.yaml"])
        XCTAssertEqual(try load(files, exclude: ["*-test.yaml"]).files, ["apps/dev/b.yaml", "apps/prod/a.yaml"])
        XCTAssertEqual(try load(files, include: ["dev/*.yaml"], exclude: ["c-*"]).files, ["apps/dev/b.yaml"])
    }

    func testListDocumentsExpandToTheirItems() throws {
        let list = """
            apiVersion: v1
            kind: List
            items:
              - {apiVersion: v1, kind: ConfigMap, metadata: {name: one, namespace: x}}
              - apiVersion: v1
                kind: ConfigMapList
                items:
                  - {apiVersion: v1, kind: ConfigMap, metadata: {name: two, namespace: x}}
            """
        let set = try load(["apps/list.yaml": .file(list)])
        XCTAssertEqual(set.resources.map(\.name), ["one", "two"])
    }

    func testTheSameObjectTwiceNamesBothFiles() {
        let errs = errors([
            "apps/a.yaml": .file(configMap),
            "apps/b.yaml": .file("# comment\n---\n" + configMap),
        ])
        XCTAssertEqual(
            errs, ["apps/b.yaml:3:1: v1 ConfigMap web/settings is defined twice: first at apps/a.yaml:1:1, again here"])
    }

    func testDocumentsThatAreNotObjectsOrLackFieldsAreErrorsWithTheirLine() {
        let errs = errors([
            "apps/a.yaml": .file("- just\n- a list\n"),
            "apps/b.yaml": .file("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  namespace: x\n"),
            "apps/c.yaml": .file("kind: ConfigMap\nmetadata: {name: x}\n"),
        ])
        XCTAssertEqual(
            errs,
            [
                "apps/a.yaml:1:1: a document must be an object, not array",
                "apps/b.yaml:1:1: v1 ConfigMap: object has no metadata.name",
                "apps/c.yaml:1:1: object has no apiVersion",
            ])
    }

    func testSymlinksInsideAreFollowedAndOutsideAreRefused() throws {
        let set = try load([
            "apps/link.yaml": .symlink("../shared/cm.yaml"),
            "shared/cm.yaml": .file(configMap),
        ])
        XCTAssertEqual(set.resources.map(\.name), ["settings"])
        XCTAssertEqual(
            errors(["apps/evil.yaml": .symlink("../../etc/passwd"), "apps/abs.yaml": .symlink("/etc/passwd")]),
            [
                "apps/abs.yaml: symlink to \"/etc/passwd\" leaves the repository",
                "apps/evil.yaml: symlink to \"../../etc/passwd\" leaves the repository",
            ])
    }

    func testFilesOverTheSizeLimitAreRefused() {
        XCTAssertEqual(
            errors(["apps/big.yaml": .file(String(repeating: "#", count: 3000))], maxFileSize: 2048),
            ["apps/big.yaml: file is 2.9 KiB, over the 2 KiB limit (--max-file-size)"])
    }

    func testMissingPathAndPathOutsideTheRepository() {
        XCTAssertEqual(errors(["apps/a.yaml": .file(configMap)], path: "nope"), ["nope: no such directory at revision test"])
        XCTAssertEqual(errors(["apps/a.yaml": .file(configMap)], path: "../x"), ["../x: path leaves the repository"])
    }

    func testSubmodulesAreNotFollowed() throws {
        let set = try load(["apps/a.yaml": .file(configMap), "apps/vendor.yaml": .submodule])
        XCTAssertEqual(set.files, ["apps/a.yaml"])
    }

    func testJSONErrorsCarryLineAndColumn() {
        XCTAssertEqual(
            errors(["apps/a.json": .file("{\n  \"kind\": \"ConfigMap\",\n  \"kind\": \"Secret\"\n}")]),
            ["apps/a.json:3:3: duplicate key \"kind\""])
    }
}

final class GlobTests: XCTestCase {
    func testTable() {
        let cases: [(String, String, Bool)] = [
            ("*.yaml", "a.yaml", true),
            ("*.yaml", "dir/a.yaml", true),  // no slash: matches the file name
            ("*.yaml", "a.yml", false),
            ("dir/*.yaml", "dir/a.yaml", true),
            ("dir/*.yaml", "dir/sub/a.yaml", false),
            ("dir/**/*.yaml", "dir/a.yaml", true),
            ("dir/**/*.yaml", "dir/x/y/a.yaml", true),
            ("**", "a/b/c", true),
            ("prod/**", "prod/a/b.yaml", true),
            ("prod/**", "dev/a.yaml", false),
            ("?.yaml", "a.yaml", true),
            ("?.yaml", "ab.yaml", false),
            ("[a-c]*.yaml", "b1.yaml", true),
            ("[!a-c]*.yaml", "b1.yaml", false),
            ("[!a-c]*.yaml", "d1.yaml", true),
            ("./x/*.json", "x/y.json", true),
        ]
        for (pattern, path, expected) in cases {
            XCTAssertEqual(Glob(pattern).matches(path), expected, "\(pattern) vs \(path)")
        }
    }

    func testByteSizes() {
        XCTAssertEqual(parseByteSize("8Mi"), 8 << 20)
        XCTAssertEqual(parseByteSize("512Ki"), 512 << 10)
        XCTAssertEqual(parseByteSize("10M"), 10_000_000)
        XCTAssertEqual(parseByteSize("123"), 123)
        XCTAssertNil(parseByteSize("lots"))
    }
}
