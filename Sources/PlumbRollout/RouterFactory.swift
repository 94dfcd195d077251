import PlumbKube

extension RolloutDeclaration.Routing {
    /// The router this declaration names, writing through `client`: the Gateway API, NGINX and
    /// Istio routers on the objects it names; nil for `none` (the runner's replica ratio).
    public func router(client: KubeClient) -> (any TrafficRouter)? {
        switch self {
        case .none: return nil
        case .gatewayAPI(let route): return GatewayAPIRouter(client: client, httpRoutes: [route])
        case .nginx(let ingress): return NGINXRouter(client: client, stableIngress: ingress)
        case .istio(let vs, let rule): return IstioRouter(client: client, virtualService: vs, destinationRule: rule)
        }
    }
}
