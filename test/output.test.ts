// Colour comes from node:util's styleText, applied only to the kit's own marks, after outside text
// was escaped: a commit subject cannot style the terminal, even by imitating the marks.
import { afterEach, describe, expect, it } from "vitest";
import { bold, red, render } from "../scripts/lib/output.ts";

const tty = Object.getOwnPropertyDescriptor(process.stderr, "isTTY");
const noColor = process.env.NO_COLOR;
afterEach(() => {
  if (tty) Object.defineProperty(process.stderr, "isTTY", tty);
  else delete (process.stderr as { isTTY?: boolean }).isTTY;
  if (noColor === undefined) delete process.env.NO_COLOR;
  else process.env.NO_COLOR = noColor;
});
const terminal = (yes: boolean) => Object.defineProperty(process.stderr, "isTTY", { value: yes, configurable: true });

describe("colour", () => {
  it("styles the kit's own words on a terminal, nested too, with styleText's codes", () => {
    terminal(true);
    delete process.env.NO_COLOR;
    expect(render(bold("ok"))).toBe("\u001b[1mok\u001b[22m");
    expect(render(bold(`a ${red("b")} c`))).toBe("\u001b[1ma \u001b[31mb\u001b[39m c\u001b[22m");
  });

  it("never styles outside text, and never on a pipe or with NO_COLOR", () => {
    terminal(true);
    delete process.env.NO_COLOR;
    const subject = "fix: \u001b[8mhidden\u001b[0m \ue000<bold>forged";
    const shown = render(`${bold("subject:")} ${subject}`);
    expect(shown).toContain("\\x1b[8mhidden\\x1b[0m");
    expect(shown).not.toContain("\u001b[8m");
    expect(shown.match(/\u001b\[1m/g)).toHaveLength(1);
    process.env.NO_COLOR = "1";
    expect(render(bold("ok"))).toBe("ok");
    delete process.env.NO_COLOR;
    terminal(false);
    expect(render(bold("ok"))).toBe("ok");
  });
});
