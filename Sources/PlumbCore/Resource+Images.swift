extension Resource {
    /// The container images the object runs, in order, each once: the `image` of every item of a
    /// `containers`, `initContainers` or `ephemeralContainers` list anywhere in it (a Pod, a pod
    /// template of a workload or a CronJob's job template, or a custom resource of that shape).
    public var containerImages: [String] {
        var images: [String] = []
        func walk(_ value: Value, depth: Int) {
            guard depth < 32 else { return }
            switch value {
            case .object(let o):
                for entry in o {
                    let key = entry.key
                    let child = entry.value
                    if key == "containers" || key == "initContainers" || key == "ephemeralContainers",
                        let items = child.arrayValue
                    {
                        for item in items {
                            if let image = item["image"]?.stringValue, !image.isEmpty, !images.contains(image) {
                                images.append(image)
                            }
                        }
                    } else {
                        walk(child, depth: depth + 1)
                    }
                }
            case .array(let items):
                for item in items { walk(item, depth: depth + 1) }
            default:
                return
            }
        }
        walk(body, depth: 0)
        return images
    }
}
