/// Credential stripping for text that leaves PlumbGit (metric labels, log lines): the same
/// rules as Plumb's own Git error messages.
public enum GitRedaction {
    /// A repository URL as Plumb prints it: without a password or token in its user info
    /// (SSH user names are kept: they are not secret). Text that is not a URL is returned with
    /// the user info of any URL in it removed.
    public static func displayURL(_ url: String) -> String {
        (try? GitRemoteURL(url).display) ?? Redactor.stripURLUserInfo(url)
    }

    /// `text` with `user:password@` (or a bare token) removed from every URL in it.
    public static func stripCredentials(_ text: String) -> String {
        Redactor.stripURLUserInfo(text)
    }
}
