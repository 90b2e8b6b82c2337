// A declared read is held to it: which git and cog command lines may run as reads.
import { describe, expect, it } from "vitest";
import { readKind, undeclaredWrite, words } from "../scripts/lib/read-only.ts";

describe("declared reads", () => {
  it.each([
    "git rev-parse --verify --quiet $'refs/tags/v1.0.0^{commit}'",
    "git log --format=%H%x00%s --end-of-options v1.0.0..HEAD --",
    "git tag --list $'v*'",
    "git tag --merged HEAD",
    "git tag --points-at abc123",
    "git tag",
    "git config --get remote.origin.url",
    "git config --get-regexp $'^http\\\\..*\\\\.extraheader$'",
    "git symbolic-ref --quiet refs/remotes/origin/HEAD",
    "git push --dry-run --atomic --porcelain origin HEAD:refs/heads/main",
    "git stash list --format=%gd%x09%s",
    "git stash show --name-only stash@{0}",
    "git -C /tmp/x -c core.quotePath=false status --porcelain=v1",
    "git fetch --quiet --no-tags origin +refs/heads/main:refs/remotes/origin/main",
    "git ls-remote --tags origin $'refs/tags/v*'",
    "cog check --from-latest-tag",
    "cog --config /tmp/cog.toml check",
    "cog bump --auto --dry-run --skip-untracked",
    "cog --version",
    "git-cliff --unreleased --tag v1.0.0 --strip all -o -",
    "cargo --version",
  ])("%s is a read", (cmd) => {
    expect(undeclaredWrite(cmd)).toBeNull();
  });

  it.each([
    "git tag v1.0.0",
    "git tag -d v1.0.0",
    "git tag -a v1.0.0 -m release",
    "git config user.name someone",
    "git symbolic-ref HEAD refs/heads/other",
    "git push --atomic origin main v1.0.0",
    "git stash push --include-untracked",
    "git stash drop stash@{0}",
    "git worktree add --detach /tmp/t HEAD",
    "git worktree remove --force /tmp/t",
    "git -C /tmp/x commit --amend --no-edit",
    "git reset --keep HEAD^",
    "git restore --staged --worktree -- CHANGELOG.md",
    "git add -- CHANGELOG.md",
    "git update-ref refs/heads/main abc",
    "git some-future-subcommand",
    "cog bump --auto --skip-untracked",
    "cog --config /tmp/cog.toml bump --version 1.2.3",
    "cog commit feat x",
  ])("%s is a write", (cmd) => {
    expect(undeclaredWrite(cmd)).toBe(cmd);
  });

  it("reads zx's quoting back into words", () => {
    expect(words("git tag --list $'it\\'s' 'a b' c")).toEqual(["git", "tag", "--list", "it's", "a b", "c"]);
  });
});

describe("what a snapshot may answer twice", () => {
  it.each([
    ["git tag --merged HEAD --list $'v*'", "local"],
    ["git rev-parse --verify --quiet HEAD^{commit}", "local"],
    ["git status --porcelain=v1 --untracked-files=all", "local"],
    ["git show --end-of-options HEAD:cog.toml", "local"],
    ["git config --get remote.origin.url", "local"],
    ["git fetch --quiet --no-tags origin main", "fetch"],
    ["git ls-remote --tags origin", "other"],
    ["git push --dry-run origin HEAD:refs/heads/main", "other"],
    ["git -C other rev-parse HEAD", "other"],
    ["git -c protocol.version=2 fetch origin", "fetch"],
    ["git --no-pager log -1", "other"],
    ["git tag v1.0.0", "other"],
    ["git config user.name x", "other"],
    ["cog check --from-latest-tag", "other"],
    ["sh -c 'git rev-parse HEAD'", "other"],
  ])("%s: %s", (cmd, kind) => {
    expect(readKind(cmd)).toBe(kind);
  });
});
