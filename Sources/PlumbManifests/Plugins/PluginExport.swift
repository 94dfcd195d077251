import Foundation

/// The temporary copy of a path a plugin runs in, written from the snapshot. Files are written
/// as committed (a SOPS file stays encrypted: plaintext never reaches the disk); a symlink is
/// written as the file it leads to inside the repository; submodules are left out.
enum PluginExport {
    static func makeTemporaryDirectory() throws(ManifestError) -> String {
        let base = (ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp")
        var template = Array((base + "/plumb-plugin-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard made != nil else {
            throw ManifestError(file: base, message: "cannot make a temporary directory for a plugin")
        }
        return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func write(path: String, inputs: RenderInputs, to directory: String) throws(ManifestError) {
        let entries: [SnapshotEntry]
        do {
            entries = try inputs.snapshot.entries(under: path)
        } catch {
            throw ManifestError(file: path, message: "cannot list: \(error)")
        }
        let fm = FileManager.default
        for entry in entries {
            switch entry.kind {
            case .submodule, .directory: continue
            case .file, .executable, .symlink: break
            }
            let relative = path.isEmpty ? entry.path : String(entry.path.dropFirst(path.count + 1))
            let target = directory + "/" + relative
            let bytes = try inputs.read(entry.path, decrypt: false)
            do {
                try fm.createDirectory(
                    atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            } catch {
                throw ManifestError(file: entry.path, message: "cannot export for the plugin: \(error)")
            }
            let mode: Int = entry.kind == .executable ? 0o755 : 0o644
            guard fm.createFile(atPath: target, contents: Data(bytes), attributes: [.posixPermissions: mode]) else {
                throw ManifestError(file: entry.path, message: "cannot export for the plugin")
            }
        }
    }
}
