import PlumbCore
import PlumbManifests
import XCTest

/// Bad kustomizations give one error line naming the file, line, column and field; nothing is
/// read from outside the snapshot.
final class KustomizeErrorTests: XCTestCase {
    let deployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          template:
            spec:
              containers:
                - name: web
                  image: nginx
        """

    func render(_ items: [String: InMemorySnapshot.Item], _ directory: String = "apps/web") throws -> KustomizeOutput {
        let snapshot = InMemorySnapshot(items)
        return try Kustomize.render(directory: directory, snapshot: snapshot, read: { try snapshot.read($0) })
    }

    func error(_ items: [String: InMemorySnapshot.Item], _ directory: String = "apps/web") -> String {
        do {
            _ = try render(items, directory)
            XCTFail("expected an error")
            return ""
        } catch let error as ManifestErrors {
            XCTAssertEqual(error.errors.count, 1)
            return error.description
        } catch {
            XCTFail("unexpected error \(error)")
            return ""
        }
    }

    func testUnknownFieldIsAnErrorNamingIt() {
        XCTAssertEqual(
            error([
                "apps/web/kustomization.yaml": .file("resources:\n  - deploy.yaml\nnameprefix: x-\n"),
                "apps/web/deploy.yaml": .file(deployment),
            ]),
            "apps/web/kustomization.yaml:3:1: nameprefix: unknown kustomization field")
    }

    func testRefusedFieldsSayWhy() {
        let message = error(["apps/web/kustomization.yaml": .file("resources: []\nhelmCharts:\n  - name: x\n")])
        XCTAssertTrue(message.hasPrefix("apps/web/kustomization.yaml:2:1: helmCharts: "), message)
        XCTAssertTrue(message.contains("renderer plugin"), message)
        XCTAssertTrue(
            error(["apps/web/kustomization.yaml": .file("vars: []\n")]).hasPrefix(
                "apps/web/kustomization.yaml:1:1: vars: "))
    }

    func testRemoteResourceIsAnErrorNamingTheURL() {
        XCTAssertEqual(
            error([
                "apps/web/kustomization.yaml": .file(
                    "resources:\n  - deploy.yaml\n  - https://github.com/example/repo//base?ref=v1\n"),
                "apps/web/deploy.yaml": .file(deployment),
            ]),
            "apps/web/kustomization.yaml:3:5: resources[1]: remote resource \"https://github.com/example/repo//base?ref=v1\""
                + " is not supported: Plumb renders only what is in the repository")
    }

    func testNothingOutsideTheRepository() {
        XCTAssertEqual(
            error(["apps/web/kustomization.yaml": .file("resources:\n- ../../../etc\n")]),
            "apps/web/kustomization.yaml:2:3: resources[0]: \"../../../etc\" is outside the repository")
        // Generator files and patches are read only in or below the kustomization's folder, as kustomize does.
        XCTAssertEqual(
            error([
                "apps/web/kustomization.yaml": .file("configMapGenerator:\n- name: c\n  files:\n  - ../secret.txt\n"),
                "apps/secret.txt": .file("x"),
            ]),
            "apps/web/kustomization.yaml:3:3: configMapGenerator[0].files: \"../secret.txt\" is not in or below apps/web"
        )
        XCTAssertEqual(
            error([
                "apps/web/kustomization.yaml": .file("resources:\n- ../common/c.yaml\n"),
                "apps/common/c.yaml": .file("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n"),
            ]),
            "apps/web/kustomization.yaml:2:3: resources[0]: file \"../common/c.yaml\" is not in or below apps/web"
                + " (use a kustomization folder)")
    }

    func testPatchErrorsNameTheField() {
        let base: [String: InMemorySnapshot.Item] = ["apps/web/deploy.yaml": .file(deployment)]
        XCTAssertEqual(
            error(
                base.merging([
                    "apps/web/kustomization.yaml": .file(
                        """
                        resources:
                          - deploy.yaml
                        patches:
                          - target:
                              kind: Deployment
                              nmae: web
                            patch: |-
                              - op: remove
                                path: /spec
                        """)
                ]) { $1 }),
            "apps/web/kustomization.yaml:6:7: patches[0].target.nmae: unknown field")
        XCTAssertEqual(
            error(
                base.merging([
                    "apps/web/kustomization.yaml": .file(
                        """
                        resources:
                          - deploy.yaml
                        patches:
                          - target:
                              kind: Deployment
                            patch: |-
                              - op: remove
                                path: /spec/replicas
                        """)
                ]) { $1 }),
            "apps/web/kustomization.yaml:4:5: patches[0]: apps/v1 Deployment web: /spec/replicas does not exist")
        XCTAssertEqual(
            error(
                base.merging([
                    "apps/web/kustomization.yaml": .file("resources: [deploy.yaml]\npatches:\n- path: p.yaml\n"),
                    "apps/web/p.yaml": .file("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n"),
                ]) { $1 }),
            "apps/web/p.yaml:1:1: no object matches this patch (apps/v1 Deployment api)")
    }

    func testCyclesComponentsAndMissingFolders() {
        XCTAssertTrue(
            error([
                "apps/web/kustomization.yaml": .file("resources: [../api]\n"),
                "apps/api/kustomization.yaml": .file("resources: [../web]\n"),
            ]).contains(
                "cycle: apps/web/kustomization.yaml -> apps/api/kustomization.yaml -> apps/web/kustomization.yaml"))
        XCTAssertEqual(
            error([
                "apps/web/kustomization.yaml": .file("resources: [../c]\n"),
                "apps/c/kustomization.yaml": .file("apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"),
            ]),
            "apps/c/kustomization.yaml: a Component may only be used in components, not in resources")
        XCTAssertEqual(
            error(["apps/web/kustomization.yaml": .file("resources:\n  - missing.yaml\n")]),
            "apps/web/kustomization.yaml:2:5: resources[0]: \"missing.yaml\" does not exist")
        XCTAssertEqual(
            error(["apps/other/x.yaml": .file(deployment)]),
            "apps/web: no kustomization.yaml, kustomization.yml or Kustomization in this folder")
    }

    func testBadYAMLAndBadGeneratorsPointAtTheLine() {
        XCTAssertEqual(
            error(["apps/web/kustomization.yaml": .file("resources:\n  - a\n - b\n")]).prefix(30),
            "apps/web/kustomization.yaml:3:")
        XCTAssertEqual(
            error([
                "apps/web/kustomization.yaml": .file("configMapGenerator:\n- name: c\n  behavior: upsert\n")
            ]),
            "apps/web/kustomization.yaml:3:3: configMapGenerator[0].behavior: must be create, merge or replace, not \"upsert\""
        )
        XCTAssertEqual(
            error([
                "apps/web/kustomization.yaml": .file("configMapGenerator:\n- name: c\n  literals: [novalue]\n")
            ]),
            "apps/web/kustomization.yaml:3:3: configMapGenerator[0].literals: \"novalue\" is not key=value")
        XCTAssertEqual(
            error([
                "apps/web/kustomization.yaml": .file(
                    "configMapGenerator:\n- name: c\n  behavior: merge\n  literals: [a=b]\n")
            ]),
            "apps/web/kustomization.yaml:2:3: configMapGenerator[0]: v1 ConfigMap c does not exist, so it cannot be merged"
        )
    }

    func testTypesAreCheckedAsKustomizeDoes() {
        let deploy: [String: InMemorySnapshot.Item] = ["apps/web/deploy.yaml": .file(deployment)]
        // kustomize reads a kustomization into Go types: an unquoted number or boolean is not a string.
        XCTAssertEqual(
            error(
                deploy.merging([
                    "apps/web/kustomization.yaml": .file("resources: [deploy.yaml]\ncommonLabels:\n  enabled: true\n")
                ]) { $1 }),
            "apps/web/kustomization.yaml:3:3: commonLabels.enabled: must be a string, not boolean")
        XCTAssertEqual(
            error(
                deploy.merging([
                    "apps/web/kustomization.yaml": .file(
                        "resources: [deploy.yaml]\nimages:\n- name: nginx\n  newTag: 1.20\n")
                ]) { $1 }),
            "apps/web/kustomization.yaml:4:3: images[0].newTag: must be a string, not number")
        XCTAssertEqual(
            error(
                deploy.merging([
                    "apps/web/kustomization.yaml": .file(
                        "resources: [deploy.yaml]\nreplicas:\n- name: api\n  count: 2\n")
                ]) { $1 }),
            "apps/web/kustomization.yaml:3:3: replicas[0].name: no Deployment, ReplicationController, ReplicaSet or"
                + " StatefulSet is named \"api\"")
    }

    func testInputsAreEveryFileRead() throws {
        let output = try render([
            "apps/web/kustomization.yaml": .file(
                "resources: [../base]\nnamePrefix: w-\npatches:\n- path: p.yaml\nconfigMapGenerator:\n- name: c\n  envs: [c.env]\n"
            ),
            "apps/web/p.yaml": .file(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n"),
            "apps/web/c.env": .file("A=1\n"),
            "apps/web/unused.yaml": .file("not read"),
            "apps/base/kustomization.yml": .file("resources: [deploy.yaml]\n"),
            "apps/base/deploy.yaml": .file(deployment),
        ])
        XCTAssertEqual(
            output.inputs,
            [
                "apps/web/kustomization.yaml", "apps/web/p.yaml", "apps/web/c.env", "apps/base/kustomization.yml",
                "apps/base/deploy.yaml",
                // Looked for first: a kustomization.yaml added to the base would be read instead.
                "apps/base/kustomization.yaml",
            ])
        // Only the name tried is looked at; the files are those read.
        XCTAssertEqual(output.lookedAt, ["apps/base/kustomization.yaml"])
        XCTAssertFalse(output.files.contains("apps/base/kustomization.yaml"))
        XCTAssertEqual(output.documents.map { $0.0["metadata"]?["name"]?.stringValue }, ["w-web", "w-c-89g4tffbfk"])
        XCTAssertEqual(output.documents[0].1, SourceLocation(file: "apps/base/deploy.yaml", line: 1, column: 1))
        XCTAssertEqual(output.documents[1].1.file, "apps/web/kustomization.yaml")
        XCTAssertEqual(output.documents[0].0["spec"]?["replicas"], 2)
    }

    func testKustomizationAtTheRepositoryRoot() throws {
        let output = try render(
            ["kustomization.yaml": .file("resources: [apps/deploy.yaml]\n"), "apps/deploy.yaml": .file(deployment)], "")
        XCTAssertEqual(output.documents.count, 1)
        XCTAssertEqual(
            try Kustomize.kustomizationFile(in: "", snapshot: InMemorySnapshot(["kustomization.yaml": .file("")])),
            "kustomization.yaml")
        XCTAssertNil(
            try Kustomize.kustomizationFile(in: "apps", snapshot: InMemorySnapshot(["apps/x.yaml": .file("")])))
    }
}
