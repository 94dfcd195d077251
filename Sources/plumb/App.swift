import ArgumentParser
import PlumbController
import PlumbCore
import PlumbKube

/// `plumb app`: the Applications the controller reconciles, read and nudged through the API
/// server (the controller itself is never called).
struct AppCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "app",
        abstract: "List, inspect, sync, suspend and resume Applications.",
        discussion: """
            Reads and patches plumb.dev/v1alpha1 Application objects with the kubeconfig flags, as kubectl does; the controller in the cluster does the work.

            Examples:
              plumb app list
              plumb app get web -n apps
              plumb app sync web -n apps --wait
              plumb app suspend web -n apps
            """,
        subcommands: [AppList.self, AppGet.self, AppSync.self, AppSuspend.self, AppResume.self])
}

/// `plumb app list`: one line per Application, as `argocd app list`.
struct AppList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List Applications with their revision, sync status and health.",
        discussion: """
            Lists every namespace unless -n names one. POLICY is manual, auto, or auto with +prune and +heal; a suspended Application shows "suspended".

            Examples:
              plumb app list
              plumb app list -n apps -o json
            """)

    @OptionGroup var kube: KubeOptions

    @Option(name: .shortAndLong, help: "Output format: table or json.")
    var output: AuditOutputFormat = .table

    func run() async throws {
        let namespace = kube.namespace
        let items = try await kube.withClient { client, _ in
            try await AppAccess.run(nil) {
                try await client.list(apiVersion: Application.apiVersion, kind: Application.kind, namespace: namespace)
                    .items
            }
        }
        let apps = items.compactMap(Application.init).sorted { $0.key < $1.key }
        switch output {
        case .json:
            Terminal.writeOut(HistoryFormat.json(.array(apps.map(\.object))))
        case .table:
            if apps.isEmpty {
                Terminal.writeErr(namespace.map { "no Applications in namespace \($0)\n" } ?? "no Applications\n")
                return
            }
            Terminal.writeOut(AppFormat.table(apps, showNamespace: namespace == nil))
        }
    }
}

/// `plumb app get NAME`: one Application's source, policy, status, conditions and objects.
struct AppGet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get",
        abstract: "Show an Application: status, conditions, managed objects and the last audit record.",
        discussion: """
            Examples:
              plumb app get web -n apps
              plumb app get web -n apps -o json
            """)

    @OptionGroup var kube: KubeOptions

    @Argument(help: "The Application's name.")
    var name: String

    @Option(name: .shortAndLong, help: "Output format: text or json.")
    var output: AuditTextFormat = .text

    func run() async throws {
        let app = try await AppAccess.fetch(name, kube: kube)
        switch output {
        case .json: Terminal.writeOut(HistoryFormat.json(app.object))
        case .text: Terminal.writeOut(AppFormat.details(app))
        }
    }
}

/// Reading and patching Applications, with the errors kubectl users expect: not found exits 1.
enum AppAccess {
    /// The ref of `name` in `-n`'s namespace, else the context's.
    static func ref(_ name: String, _ kube: KubeOptions, _ client: KubeClient) -> ObjectRef {
        ObjectRef(
            apiVersion: Application.apiVersion, kind: Application.kind,
            namespace: kube.namespace ?? client.defaultNamespace, name: name)
    }

    /// Reads one Application.
    static func fetch(_ name: String, kube: KubeOptions) async throws -> Application {
        try await kube.withClient { client, _ in try await get(ref(name, kube, client), client: client) }
    }

    static func get(_ ref: ObjectRef, client: KubeClient) async throws -> Application {
        let object = try await run(ref) { try await client.get(ref) }
        guard let app = Application(object) else {
            throw CLIError("\(ref): the server returned an object without a name")
        }
        return app
    }

    /// Runs a request, turning a missing object or a missing CRD into one line with exit code 1
    /// (as `kubectl get` does) and any other API error into one line with exit code 1.
    static func run<T>(_ ref: ObjectRef?, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as StatusError where error.reason == .notFound {
            let subject = ref.map(\.description) ?? "\(Application.apiVersion) \(Application.kind)"
            throw CLIError("\(subject): not found", exitCode: 1)
        } catch let error as KubeClientError where error.message.contains("does not serve this kind") {
            throw CLIError(
                "\(Application.apiVersion) \(Application.kind): the server does not serve this kind; install the CRD with 'plumb install --export | kubectl apply --server-side -f -'",
                exitCode: 1)
        } catch let error as StatusError {
            throw CLIError(error.description, exitCode: 1)
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError("\(error)", exitCode: 1)
        }
    }
}
