import PlumbCore
import PlumbRollout
import PlumbYAML

extension InstallManifests {
    /// The RolloutStrategy and RolloutAnalysis CRDs (charts/plumb/crds), installed after the
    /// Application CRD. The controller's rule on every resource covers them and their status.
    public static let rolloutCRDs: [Value] = RolloutCRDs.files.compactMap { file in
        // The texts are checked by a test: parsing them cannot fail in a build that passed.
        (try? YAML.parseDocuments(file.yaml, file: file.name))?.first?.value
    }
}
