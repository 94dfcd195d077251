import PlumbCore
import PlumbEngine

extension KubernetesTarget {
    /// Deletes an object with background propagation (its dependents are collected by the
    /// garbage collector); an object already gone counts as deleted.
    public func delete(_ ref: ObjectRef) async throws {
        do {
            try await client.delete(ref, options: DeleteOptions(propagationPolicy: .background))
        } catch let error as StatusError where error.reason == .notFound {
            return
        } catch let error as StatusError where !error.isTransient {
            throw ObjectError(message: error.message)
        }
    }
}
