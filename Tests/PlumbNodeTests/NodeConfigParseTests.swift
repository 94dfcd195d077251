import PlumbCore
import PlumbNode
import PlumbYAML
import XCTest

final class NodeConfigParseTests: XCTestCase {
    func parse(_ spec: String) -> String {
        do {
            _ = try nodeConfigs(
                "apiVersion: plumb.dev/v1alpha1\nkind: NodeConfig\nmetadata: {name: web}\nspec:\n" + spec)
            return "ok"
        } catch {
            return "\(error)"
        }
    }

    func testEveryFieldIsRead() throws {
        let config = try XCTUnwrap(
            try nodeConfigs(
                """
                apiVersion: plumb.dev/v1alpha1
                kind: NodeConfig
                metadata: {name: web}
                spec:
                  nodeSelector: {node-role.kubernetes.io/web: ""}
                  hosts: [h1]
                  groups: [web]
                  files:
                    - {path: /etc/a, content: "x\\n", mode: "640", owner: www-data, group: adm}
                    - {path: /etc/b, source: files/b.conf}
                    - {path: /etc/c, state: absent}
                    - {path: /etc/d, state: directory}
                    - {path: /etc/e, target: /etc/a}
                  sysctls: {net.core.somaxconn: 4096, net.ipv4.tcp_rmem: "4096 87380 6291456"}
                  packages: [curl, {name: hello, version: 2.10-3}, {name: telnet, state: absent}]
                  units:
                    - {name: web.service, content: "[Service]\\n", enabled: true, state: running, restartOn: [/etc/a]}
                  healthChecks:
                    - unit: web.service
                    - tcp: "8080"
                    - http: http://127.0.0.1:8080/healthz
                    - command: "true"
                  rollout: {maxUnavailable: 25%}
                  disruptive: true
                """, files: ["files/b.conf": "b = 1\n"]
            ).first)
        XCTAssertEqual(
            config.selector,
            HostSelector(nodeSelector: ["node-role.kubernetes.io/web": ""], hosts: ["h1"], groups: ["web"]))
        XCTAssertEqual(
            config.files,
            [
                NodeFile(path: "/etc/a", kind: .file(Array("x\n".utf8)), mode: "0640", owner: "www-data", group: "adm"),
                NodeFile(path: "/etc/b", kind: .file(Array("b = 1\n".utf8))),
                NodeFile(path: "/etc/c", kind: .absent), NodeFile(path: "/etc/d", kind: .directory),
                NodeFile(path: "/etc/e", kind: .symlink("/etc/a")),
            ])
        XCTAssertEqual(
            config.sysctls,
            [
                NodeSysctl(key: "net.core.somaxconn", value: "4096"),
                NodeSysctl(key: "net.ipv4.tcp_rmem", value: "4096 87380 6291456"),
            ])
        XCTAssertEqual(
            config.packages,
            [
                NodePackage(name: "curl"), NodePackage(name: "hello", version: "2.10-3"),
                NodePackage(name: "telnet", present: false),
            ])
        XCTAssertEqual(
            config.units,
            [NodeUnit(name: "web.service", content: "[Service]\n", enabled: true, running: true, restartOn: ["/etc/a"])]
        )
        XCTAssertEqual(
            config.healthChecks,
            [
                .unit("web.service"), .tcp(host: "127.0.0.1", port: 8080), .http(url: "http://127.0.0.1:8080/healthz"),
                .command("true"),
            ])
        XCTAssertEqual(config.maxUnavailable, .percent(25))
        XCTAssertEqual(config.maxUnavailable.batchSize(of: 10), 2)
        XCTAssertEqual(config.maxUnavailable.batchSize(of: 3), 1)
        XCTAssertTrue(config.disruptive)
    }

    func testErrorsNameTheFileTheObjectAndTheField() {
        let prefix = "nodes.yaml:1:1: plumb.dev/v1alpha1 NodeConfig web: "
        XCTAssertEqual(
            parse("  files: [{path: /etc/a}]\n"), prefix + "spec: selects no host: give nodeSelector, hosts or groups")
        XCTAssertEqual(
            parse("  hosts: [a]\n  files: [{path: etc/a}]\n"),
            prefix + #"spec.files[0].path: "etc/a" must be an absolute path without "..""#)
        XCTAssertEqual(
            parse("  hosts: [a]\n  files: [{path: /etc/a, mode: \"999\"}]\n"),
            prefix + #"spec.files[/etc/a].mode: "999" is not an octal mode such as "0644""#)
        XCTAssertEqual(
            parse("  hosts: [a]\n  files: [{path: /etc/a, state: gone}]\n"),
            prefix + #"spec.files[/etc/a].state: "gone" is not file, directory, symlink or absent"#)
        XCTAssertEqual(
            parse("  hosts: [a]\n  files: [{path: /etc/a}, {path: /etc/a}]\n"),
            prefix + "spec.files[/etc/a]: declared twice")
        XCTAssertEqual(
            parse("  hosts: [a]\n  files: [{path: /etc/a, source: x.conf}]\n"),
            prefix + "spec.files[/etc/a].source: cannot read x.conf: no file x.conf")
        XCTAssertEqual(
            parse("  hosts: [a]\n  units: [{name: web.service, restartOn: [/etc/x]}]\n"),
            prefix + "spec.units[web.service].restartOn: /etc/x is not a file of this NodeConfig")
        XCTAssertEqual(
            parse("  hosts: [a]\n  rollout: {maxUnavailable: 0}\n"),
            prefix + #"spec.rollout.maxUnavailable: 0 is not a count of at least 1 or a percent such as "25%""#)
        XCTAssertEqual(
            parse("  hosts: [a]\n  healthChecks: [{tcp: \"x:y\"}]\n"),
            prefix + #"spec.healthChecks[0].tcp: "x:y" is not PORT or HOST:PORT"#)
        XCTAssertEqual(
            parse("  hosts: [a]\n  sysctl: {}\n"),
            prefix
                + "spec.sysctl: unknown field (expected one of disruptive, files, groups, healthChecks, hosts, nodeSelector, packages, rollout, sysctls, units)"
        )
    }

    func testInventoryIsReadLikeAnsiblesYAMLInventory() throws {
        let inventory = try Inventory.parse(
            """
            all:
              vars: {user: deploy, labels: {zone: a}}
              hosts:
                web-1: {address: 10.0.0.11}
                lab: {connection: local, root: /srv/lab}
              children:
                web:
                  vars: {sudo: true}
                  hosts:
                    web-1: {}
                    web-2: {ansible_host: 10.0.0.12, ansible_port: 2222, ansible_user: admin, ansible_become: true}
            """, file: "hosts.yaml")
        XCTAssertEqual(inventory.hosts.map(\.name), ["web-1", "lab", "web-2"])
        let web2 = try XCTUnwrap(inventory.host("web-2"))
        XCTAssertEqual(
            [web2.address, "\(web2.port)", web2.user ?? "", "\(web2.sudo)"], ["10.0.0.12", "2222", "admin", "true"])
        XCTAssertEqual(web2.groups, ["web"])
        XCTAssertEqual(web2.labels, ["zone": "a"])
        XCTAssertEqual(inventory.host("web-1")?.groups, ["web"])
        XCTAssertEqual(inventory.host("web-1")?.user, "deploy")
        XCTAssertEqual(inventory.host("lab")?.connection, .local)
        XCTAssertEqual(inventory.host("lab")?.root, "/srv/lab")

        var config = NodeConfig(name: "x", selector: HostSelector(groups: ["web"]))
        XCTAssertEqual(inventory.hosts(for: config).map(\.name), ["web-1", "web-2"])
        config.selector = HostSelector(nodeSelector: ["zone": "a"])
        XCTAssertEqual(inventory.hosts(for: config).map(\.name), ["web-1", "lab", "web-2"])

        XCTAssertThrowsError(try Inventory.parse("all:\n  hosts:\n    a: {colour: red}\n", file: "hosts.yaml")) {
            XCTAssertEqual("\($0)", "hosts.yaml: all.hosts.a.colour: unknown field")
        }
        XCTAssertThrowsError(try Inventory.parse("all:\n  hosts:\n    a: {connection: telnet}\n", file: "hosts.yaml")) {
            XCTAssertEqual("\($0)", "hosts.yaml: all.hosts.a.connection: must be ssh or local")
        }
    }
}
