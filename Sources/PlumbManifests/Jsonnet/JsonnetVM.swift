import CJsonnet

/// One libjsonnet virtual machine whose imports are read from a snapshot through `inputs`,
/// never from the file system. Owns its `JsonnetVm` and frees it in `deinit`; not thread safe.
final class JsonnetVM {
    private let vm: OpaquePointer
    private let resolver: JsonnetImportResolver

    init(resolver: JsonnetImportResolver) {
        vm = jsonnet_make()
        self.resolver = resolver
        resolver.vm = vm
        jsonnet_max_trace(vm, 20)
        jsonnet_import_callback(vm, jsonnetImport, Unmanaged.passUnretained(resolver).toOpaque())
    }

    deinit { jsonnet_destroy(vm) }

    /// The version of libjsonnet Plumb evaluates Jsonnet with.
    static var version: String { String(cString: jsonnet_version()) }

    func extVar(_ name: String, _ value: RenderSettings.JsonnetArgument) {
        switch value {
        case .string(let s): jsonnet_ext_var(vm, name, s)
        case .code(let c): jsonnet_ext_code(vm, name, c)
        }
    }

    func tla(_ name: String, _ value: RenderSettings.JsonnetArgument) {
        switch value {
        case .string(let s): jsonnet_tla_var(vm, name, s)
        case .code(let c): jsonnet_tla_code(vm, name, c)
        }
    }

    /// Evaluates `code`, the content of the repository file `file`, to JSON text; an error
    /// carries libjsonnet's message (`file:line:column ...` and its stack trace).
    func evaluate(file: String, code: String) -> Result<String, JsonnetEvaluationError> {
        var failed: Int32 = 0
        guard let out = jsonnet_evaluate_snippet(vm, file, code, &failed) else {
            return .failure(JsonnetEvaluationError(message: "libjsonnet returned nothing"))
        }
        let text = String(cString: out)
        _ = jsonnet_realloc(vm, out, 0)
        if failed != 0 { return .failure(JsonnetEvaluationError(message: text)) }
        return .success(text)
    }

    /// Copies `text` into a buffer libjsonnet owns.
    static func copy(_ vm: OpaquePointer?, _ text: String) -> UnsafeMutablePointer<CChar>? {
        var bytes = Array(text.utf8CString)
        guard let buffer = jsonnet_realloc(vm, nil, bytes.count) else { return nil }
        bytes.withUnsafeMutableBufferPointer { buffer.update(from: $0.baseAddress!, count: $0.count) }
        return buffer
    }
}

/// libjsonnet's error text for a failed evaluation.
struct JsonnetEvaluationError: Error {
    var message: String
}

/// libjsonnet's import callback: `ctx` is the VM's resolver. A C function, so it captures nothing.
private func jsonnetImport(
    ctx: UnsafeMutableRawPointer?, base: UnsafePointer<CChar>?, rel: UnsafePointer<CChar>?,
    foundHere: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, success: UnsafeMutablePointer<Int32>?
) -> UnsafeMutablePointer<CChar>? {
    guard let ctx, let base, let rel else { return nil }
    let resolver = Unmanaged<JsonnetImportResolver>.fromOpaque(ctx).takeUnretainedValue()
    switch resolver.resolve(base: String(cString: base), import: String(cString: rel)) {
    case .success(let (path, content)):
        foundHere?.pointee = JsonnetVM.copy(resolver.vm, path)
        success?.pointee = 1
        return JsonnetVM.copy(resolver.vm, content)
    case .failure(let error):
        success?.pointee = 0
        return JsonnetVM.copy(resolver.vm, error.message)
    }
}
