// Which GitHub repository a git remote URL names (scp-like, https, ssh or git URLs). Kept apart from
// config.ts so the rehearsal can read a URL without loading what reads a repository's setup.

/** owner/name from a remote URL: https, ssh, or scp-like `git@host:owner/name(.git)`. */
export function parseRemoteUrl(url: string): { host: string; owner: string; name: string } | null {
  const scp = /^(?:[\w.-]+@)?([\w.-]+):(?!\/)([\w.-]+)\/([\w.-]+?)(?:\.git)?\/?$/.exec(url);
  if (scp && !url.includes("://")) return { host: scp[1]!, owner: scp[2]!, name: scp[3]! };
  try {
    const u = new URL(url);
    if (!["https:", "http:", "ssh:", "git:"].includes(u.protocol)) return null;
    const parts = u.pathname
      .replace(/^\/+|\/+$/g, "")
      .replace(/\.git$/, "")
      .split("/");
    if (parts.length !== 2 || !parts[0] || !parts[1]) return null;
    return { host: u.hostname, owner: parts[0], name: parts[1] };
  } catch {
    return null;
  }
}
