/// Makes the shell that reaches an inventory host: `connection: local` runs scripts on this
/// machine over the host's `root`; `connection: ssh` (the default) goes through `ssh`, which
/// the SSH transport supplies.
public struct HostShellFactory: Sendable {
    /// Makes the shell of an SSH host; nil refuses SSH hosts.
    public var ssh: (@Sendable (InventoryHost) throws -> any HostShell)?

    public init(ssh: (@Sendable (InventoryHost) throws -> any HostShell)? = nil) {
        self.ssh = ssh
    }

    /// The shell for `host`.
    public func shell(for host: InventoryHost) throws -> any HostShell {
        switch host.connection {
        case .local:
            return LocalHostShell(host: host.name, root: host.root)
        case .ssh:
            guard let ssh else {
                throw HostUnreachable(host: host.name, reason: "no SSH transport is configured (connection: ssh)")
            }
            return try ssh(host)
        }
    }
}

extension HostShellFactory {
    /// Local hosts on their root, SSH hosts through `SSHHostShell` with `base` (key,
    /// known_hosts, time limits) and each host's address, port, user and sudo.
    public static func ssh(_ base: SSHOptions) -> HostShellFactory {
        HostShellFactory { host in
            var options = base
            options.user = host.user ?? base.user
            options.port = host.port
            options.sudo = host.sudo || base.sudo
            return SSHHostShell(host: host.name, address: host.address, options: options)
        }
    }
}
