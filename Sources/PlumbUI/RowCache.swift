import Synchronization

/// The rendered rows of the applications table by Application, each kept while the row's
/// values stay the same: a page of 1,000 Applications renders only the rows that changed.
final class RowCache: Sendable {
    private let rows = Mutex<[String: (view: AppView, html: String)]>([:])

    /// The row of `view`, rendered by `render` when it is not cached or its values changed.
    func html(_ view: AppView, render: (AppView) -> String) -> String {
        if let hit = rows.withLock({ $0[view.key] }), hit.view == view { return hit.html }
        let html = render(view)
        rows.withLock { $0[view.key] = (view, html) }
        return html
    }

    /// Forgets the rows of Applications that are gone (`keys` are those that remain).
    func keep(_ keys: Set<String>) {
        rows.withLock { rows in
            guard rows.count > keys.count else { return }
            rows = rows.filter { keys.contains($0.key) }
        }
    }
}
