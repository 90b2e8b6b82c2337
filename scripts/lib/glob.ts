// Path globs for settings such as RELEASE_DOCS: `**` crosses folders, `*` and `?` do not.
export function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*" && glob[i + 1] === "*") {
      const slash = glob[i + 2] === "/";
      re += slash ? "(?:.*/)?" : ".*";
      i += slash ? 2 : 1;
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else re += c.replace(/[.+^$|(){}[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

export function matchAny(globs: string[], path: string): boolean {
  return globs.some((g) => globToRegExp(g).test(path));
}
