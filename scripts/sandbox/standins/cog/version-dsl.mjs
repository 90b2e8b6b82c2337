// @ts-check
// cog's hook placeholders: the grammar of crates/cocogitto/src/hook/version_dsl.pest, parsed the way
// pest 2.8.6 (cocogitto 7.0.0's Cargo.lock) parses it, so a bad hook fails with pest's own report:
//
//   version_dsl = { SOI ~ ( version | (!delimiter_start ~ ANY) )* ~ EOI }
//   version = { "{{" ~ ( ((version_tag | version | latest_tag | latest) ~ ("|" identifiers)? ~ ops*
//               ~ ("-" identifiers)? ~ ("+" identifiers)?) | package ) ~ ("." major|minor|patch)? ~ "}}" }
//
// There is no whitespace rule, so `{{ version }}` does not parse: every `{{` must open a valid span.
// Error tracking follows pest's `ParserState::rule`/`track` (parser_state.rs): a failed rule is
// recorded at the furthest position reached, a rule whose children added exactly one attempt there
// gives way to that child, and the report lists the attempts sorted in grammar order
// (pest_generator's `Rule` enum, EOI first) as `expected a, b, or c` (error.rs `enumerate`).

/** pest_generator's `Rule` enum order for version_dsl.pest: EOI, then the rules as the grammar declares them. */
const RULES = [
  "EOI",
  "delimiter_start",
  "delimiter_end",
  "current_version",
  "latest_version",
  "current_tag",
  "latest_tag",
  "add",
  "major",
  "minor",
  "patch",
  "version_access_major",
  "version_access_minor",
  "version_access_patch",
  "amt",
  "ops",
  "ASCII_ALPHA_OR_HYPHEN",
  "pre_release_separator",
  "build_metadata_separator",
  "dot",
  "identifier",
  "identifiers",
  "pre_release",
  "build_metadata",
  "default_separator",
  "default_version",
  "package",
  "version",
  "version_dsl",
];

const FAIL = -1;

/**
 * One `{{...}}` placeholder: where it is and what it says (hook/parser.rs `parse_version`).
 * @typedef {{ start: number, end: number, token: string, default_version?: string, ops: { amount: number, part: string }[],
 *   pre_release?: string, build_metadata?: string, access?: string }} Span
 */

class DslParser {
  /** @param {string} input */
  constructor(input) {
    this.input = input;
    this.attemptPos = 0;
    /** @type {string[]} */
    this.attempts = [];
    /** @type {Span[]} */
    this.spans = [];
  }

  /** @param {number} pos */
  attemptsAt(pos) {
    return pos === this.attemptPos ? this.attempts.length : 0;
  }

  /** A non-silent rule: on failure, pest's `track`. @param {string} name @param {number} pos @param {(p: number) => number} body */
  rule(name, pos, body) {
    const index = pos === this.attemptPos ? this.attempts.length : 0;
    const before = this.attemptsAt(pos);
    const end = body(pos);
    if (end !== FAIL) return end;
    const now = this.attemptsAt(pos);
    if (now > before && now - before === 1) return FAIL;
    if (pos === this.attemptPos) this.attempts.length = index;
    if (pos > this.attemptPos) {
      this.attempts = [];
      this.attemptPos = pos;
    }
    if (pos === this.attemptPos) this.attempts.push(name);
    return FAIL;
  }

  /** @param {number} pos @param {string} text */
  lit(pos, text) {
    return this.input.startsWith(text, pos) ? pos + text.length : FAIL;
  }

  /** One character (code point) matching `re`. @param {number} pos @param {RegExp} re */
  char(pos, re) {
    const cp = this.input.codePointAt(pos);
    if (cp === undefined) return FAIL;
    const c = String.fromCodePoint(cp);
    return re.test(c) ? pos + c.length : FAIL;
  }

  /** `a?`. @param {number} pos @param {(p: number) => number} f */
  opt(pos, f) {
    const end = f(pos);
    return end === FAIL ? pos : end;
  }

  /** `a*`. @param {number} pos @param {(p: number) => number} f */
  many(pos, f) {
    for (;;) {
      const end = f(pos);
      if (end === FAIL || end === pos) return pos;
      pos = end;
    }
  }

  /** `a ~ b ~ ...`. @param {number} pos @param {((p: number) => number)[]} fs */
  seq(pos, fs) {
    for (const f of fs) {
      pos = f(pos);
      if (pos === FAIL) return FAIL;
    }
    return pos;
  }

  /** `a | b | ...`. @param {number} pos @param {((p: number) => number)[]} fs */
  choice(pos, fs) {
    for (const f of fs) {
      const end = f(pos);
      if (end !== FAIL) return end;
    }
    return FAIL;
  }

  /** @param {number} p */
  identifier(p) {
    const one = (/** @type {number} */ q) =>
      this.rule("ASCII_ALPHA_OR_HYPHEN", q, (r) => this.char(r, /^[A-Za-z\p{N}-]$/u));
    return this.rule("identifier", p, (q) => this.seq(q, [one, (r) => this.many(r, one)]));
  }

  /** @param {number} p */
  identifiers(p) {
    return this.rule("identifiers", p, (q) =>
      this.seq(q, [
        (r) => this.identifier(r),
        (r) => this.many(r, (s) => this.seq(s, [(t) => this.lit(t, "."), (t) => this.identifier(t)])),
      ]),
    );
  }

  /** @param {number} p @param {Span} span */
  ops(p, span) {
    /** @type {{ amount: number, part: string }} */
    const op = { amount: 1, part: "" };
    const part = (/** @type {string} */ name) => (/** @type {number} */ q) => {
      const end = this.rule(name, q, (r) => this.lit(r, name));
      if (end !== FAIL) op.part = name;
      return end;
    };
    const end = this.rule("ops", p, (q) =>
      this.seq(q, [
        (r) => this.rule("add", r, (s) => this.lit(s, "+")),
        (r) =>
          this.opt(r, (s) => {
            const at = this.rule("amt", s, (t) => this.char(t, /^\p{N}$/u));
            if (at !== FAIL) op.amount = Number(this.input.slice(s, at));
            return at;
          }),
        (r) => this.choice(r, [part("major"), part("minor"), part("patch")]),
      ]),
    );
    if (end !== FAIL) span.ops.push(op);
    return end;
  }

  /** @param {number} p @param {Span} span */
  version(p, span) {
    const word = (/** @type {string} */ name, /** @type {string} */ text) => (/** @type {number} */ q) => {
      const end = this.rule(name, q, (r) => this.lit(r, text));
      if (end !== FAIL) span.token = text;
      return end;
    };
    const prefixed =
      (/** @type {"default_version" | "pre_release" | "build_metadata"} */ name, /** @type {string} */ sep) =>
      (/** @type {number} */ q) =>
        this.opt(q, (r) => {
          const end = this.rule(name, r, (s) => this.seq(s, [(t) => this.lit(t, sep), (t) => this.identifiers(t)]));
          if (end !== FAIL) span[name] = this.input.slice(r + 1, end);
          return end;
        });
    const access = (/** @type {string} */ part) => (/** @type {number} */ q) => {
      const end = this.rule(`version_access_${part}`, q, (r) =>
        this.seq(r, [(s) => this.lit(s, "."), (s) => this.lit(s, part)]),
      );
      if (end !== FAIL) span.access = part;
      return end;
    };
    const token = (/** @type {number} */ q) =>
      this.seq(q, [
        (r) =>
          this.choice(r, [
            word("current_tag", "version_tag"),
            word("current_version", "version"),
            word("latest_tag", "latest_tag"),
            word("latest_version", "latest"),
          ]),
        prefixed("default_version", "|"),
        (r) => this.many(r, (s) => this.ops(s, span)),
        prefixed("pre_release", "-"),
        prefixed("build_metadata", "+"),
      ]);
    return this.rule("version", p, (q) =>
      this.seq(q, [
        (r) => this.lit(r, "{{"),
        (r) => this.choice(r, [token, word("package", "package")]),
        (r) => this.opt(r, (s) => this.choice(s, [access("major"), access("minor"), access("patch")])),
        (r) => this.lit(r, "}}"),
      ]),
    );
  }

  /** `version_dsl`: true when the whole input parses; the spans found are in `this.spans`. */
  parse() {
    const end = this.rule("version_dsl", 0, (q) => {
      const p = this.many(q, (r) => {
        /** @type {Span} */
        const span = { start: r, end: r, token: "", ops: [] };
        const at = this.version(r, span);
        if (at !== FAIL) {
          this.spans.push({ ...span, end: at });
          return at;
        }
        return this.lit(r, "{{") === FAIL ? this.char(r, /^[\s\S]$/u) : FAIL;
      });
      return this.rule("EOI", p, (r) => (r === this.input.length ? r : FAIL));
    });
    return end !== FAIL;
  }
}

/** pest's `Error` display for a position (error.rs `format`, `underline`, `enumerate`). @param {string} input @param {number} pos @param {string[]} rules */
function pestReport(input, pos, rules) {
  const sorted = [...new Set(rules)].sort((a, b) => RULES.indexOf(a) - RULES.indexOf(b));
  const expected =
    sorted.length === 1
      ? sorted[0]
      : sorted.length === 2
        ? `${sorted[0]} or ${sorted[1]}`
        : `${sorted.slice(0, -1).join(", ")}, or ${sorted[sorted.length - 1]}`;
  const before = input.slice(0, pos);
  const lineNo = before.split("\n").length;
  const lineStart = before.lastIndexOf("\n") + 1;
  const lineEnd = input.indexOf("\n", pos) === -1 ? input.length : input.indexOf("\n", pos);
  let line = input.slice(lineStart, lineEnd + (input[pos] === "\n" ? 1 : 0));
  line =
    input[pos] === "\n" || input[pos] === "\r"
      ? line.replace(/\r/g, "␍").replace(/\n/g, "␊")
      : line.replace(/[\r\n]/g, "");
  const head = [...input.slice(lineStart, pos)];
  const underline = `${head.map((c) => (c === "\t" ? "\t" : " ")).join("")}^---`;
  const s = " ".repeat(String(lineNo).length);
  return `${s}--> ${lineNo}:${head.length + 1}\n${s} |\n${lineNo} | ${line}\n${s} | ${underline}\n${s} |\n${s} = expected ${expected}`;
}

/**
 * The placeholders of one hook, or pest's report when it does not parse.
 * @param {string} hook
 * @returns {{ ok: true, spans: Span[] } | { ok: false, report: string }}
 */
export function parseVersionDsl(hook) {
  const parser = new DslParser(hook);
  if (!parser.parse()) return { ok: false, report: pestReport(hook, parser.attemptPos, parser.attempts) };
  return { ok: true, spans: parser.spans };
}
