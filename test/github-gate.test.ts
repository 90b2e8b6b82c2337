// The GitHub client owns the API side of the one gate: in a dry run a write is printed from the very
// options Octokit would send, and never reaches GitHub; reads are always made.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { apiWrite, connectGitHub } from "../scripts/lib/github.ts";
import { createGate } from "../scripts/lib/run.ts";
import { type Sandbox, sandbox } from "./helpers/sandbox.ts";

let sb: Sandbox;
beforeAll(async () => {
  sb = await sandbox();
});
afterAll(() => sb.stop());

const repo = { owner: "acme", name: "gateway" };
const env = () => ({ PATH: process.env.PATH, GITHUB_API_URL: sb.apiUrl, GITHUB_TOKEN: sb.token });
const writes = () => [...sb.api.requests.keys()].filter((k) => !k.startsWith("GET ") && !k.startsWith("HEAD "));

function captureStderr() {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  return { text: () => lines.join(""), restore: () => spy.mockRestore() };
}

describe("the GitHub client's gate", () => {
  it("prints a dry run's writes from the options Octokit would send, sends none, and still reads", async () => {
    const gh = await connectGitHub(repo, env(), createGate(true));
    const before = writes();
    const cap = captureStderr();
    try {
      const write = apiWrite(gh, "POST /repos/{owner}/{repo}/releases", { tag_name: "v9.0.0", name: "v9.0.0" });
      expect(await write.send()).toBeNull();
      // Any Octokit call is gated, not only those made through apiWrite.
      const raw = await gh.octokit.rest.git.deleteRef({ owner: "acme", repo: "gateway", ref: "tags/v0.1.0" });
      expect(raw.data).toBeNull();
      const read = await gh.octokit.rest.repos.get({ owner: "acme", repo: "gateway" });
      expect(read.data.full_name).toBe("acme/gateway");
      expect(cap.text()).toContain(`[dry-run] ${write.line}`);
      expect(write.line).toBe(`POST ${sb.apiUrl}/repos/acme/gateway/releases {"tag_name":"v9.0.0","name":"v9.0.0"}`);
      expect(cap.text()).toContain(`[dry-run] DELETE ${sb.apiUrl}/repos/acme/gateway/git/refs/tags%2Fv0.1.0`);
    } finally {
      cap.restore();
    }
    expect(writes()).toEqual(before);
    expect(sb.api.requests.get("GET /repos/{owner}/{repo} 200")).toBeGreaterThan(0);
  });

  it("sends the same request outside a dry run, and answers its data", async () => {
    const gh = await connectGitHub(repo, env(), createGate(false));
    const cap = captureStderr();
    let created: { tag_name: string; html_url: string } | null;
    try {
      created = await apiWrite(gh, "POST /repos/{owner}/{repo}/releases", {
        tag_name: "v0.1.0",
        name: "v0.1.0",
        draft: true,
      }).send<{ tag_name: string; html_url: string }>();
    } finally {
      cap.restore();
    }
    expect(created?.tag_name).toBe("v0.1.0");
    expect(cap.text()).toContain(`POST ${sb.apiUrl}/repos/acme/gateway/releases`);
    expect(writes().some((k) => k.startsWith("POST /repos/{owner}/{repo}/releases 201"))).toBe(true);
  });
});
