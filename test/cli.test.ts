import { describe, expect, it } from "vitest";
import { type CommandSpec, helpText, parseFlags, StartError } from "../scripts/lib/cli.ts";
import { kit, tempDir } from "./helpers/kit.ts";

const spec: CommandSpec = {
  name: "verify",
  section: "Post-Release Verification",
  summary: "test",
  flags: [
    { name: "tag", type: "string", value: "TAG", help: "the tag" },
    { name: "wait", type: "optional", value: "SECONDS", help: "wait" },
    { name: "dry-run", type: "boolean", help: "dry" },
  ],
};

describe("parseFlags", () => {
  it("reads booleans, values, optional values and the common flags", () => {
    expect(parseFlags(spec, ["--tag", "v1.0.0", "--json", "--dry-run"])).toEqual({
      tag: "v1.0.0",
      json: true,
      "dry-run": true,
    });
    expect(parseFlags(spec, ["--tag=v2", "--wait"])).toEqual({ tag: "v2", wait: true });
    expect(parseFlags(spec, ["--wait=600", "--repo", "../x"])).toEqual({ wait: "600", repo: "../x" });
    expect(parseFlags(spec, ["-h"])).toEqual({ help: true });
  });

  it("refuses unknown flags, missing values and stray arguments with what to do", () => {
    const cases: [string[], RegExp][] = [
      [["--nope"], /^unknown flag --nope$/],
      [["--tag"], /^--tag needs a value \(TAG\)$/],
      [["--tag", "--json"], /^--tag needs a value \(TAG\)$/],
      [["--tag="], /^--tag needs a value \(TAG\)$/],
      [["v1.0.0"], /^unexpected argument 'v1\.0\.0'$/],
      [["-x"], /^unexpected argument '-x'$/],
      [["--json=1"], /^--json takes no value$/],
    ];
    for (const [argv, message] of cases) {
      let error: unknown;
      try {
        parseFlags(spec, argv);
      } catch (e) {
        error = e;
      }
      expect(error, argv.join(" ")).toBeInstanceOf(StartError);
      expect((error as StartError).message, argv.join(" ")).toMatch(message);
      expect((error as StartError).fix).toMatch(/\S/);
    }
    // `--wait` alone, or with a value; never the next flag as its value.
    expect(parseFlags(spec, ["--wait", "--json"])).toEqual({ wait: true, json: true });
    expect(parseFlags(spec, ["--wait=60"])).toEqual({ wait: "60" });
  });

  it("documents every flag in --help", () => {
    const help = helpText(spec);
    for (const flag of ["--tag TAG", "--wait[=SECONDS]", "--dry-run", "--repo PATH", "--json", "--help"])
      expect(help).toContain(flag);
    expect(help).toContain("Exit codes");
  });
});

describe("entry points", () => {
  it("exit 2 with a JSON error document for bad flags and non-repositories", async () => {
    const bad = await kit("verify", ["--bogus", "--json"]);
    expect(bad.code).toBe(2);
    expect(bad.json).toEqual({
      command: "verify",
      ok: false,
      error: { message: "unknown flag --bogus", fix: expect.any(String) },
    });

    const dir = tempDir();
    try {
      for (const command of ["preflight", "release", "verify", "recover"]) {
        const res = await kit(command, ["--repo", dir.path, "--json"]);
        expect(res.code, command).toBe(2);
        expect(res.json.error.message).toContain("is not a git repository");
        expect(res.stderr).not.toMatch(/\n\s+at /); // no stack trace
      }
    } finally {
      dir.remove();
    }
  });

  it("--help prints each command's flags", async () => {
    const res = await kit("release", ["--help"]);
    expect(res.code).toBe(0);
    for (const flag of ["--version X.Y.Z", "--bump", "--pre LABEL", "--dry-run", "--yes", "--repo PATH", "--json"])
      expect(res.stdout).toContain(flag);
  });
});
