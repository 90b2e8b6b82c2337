// @ts-check
// TOML for the cargo-release stand-in: read with smol-toml, edited as text so formatting and
// comments stay, as toml_edit keeps them (src/ops/cargo.rs `overwrite_toml_value`).

import { readFileSync } from "node:fs";
import { parse as parseToml } from "smol-toml";
import { CliError } from "./shell.mjs";

/** @param {unknown} v @returns {v is Record<string, any>} */
export function isTable(v) {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** @param {string} path @returns {Record<string, any>} */
export function readToml(path) {
  try {
    return parseToml(readFileSync(path, "utf8"));
  } catch (err) {
    const why = err instanceof Error ? err.message.split("\n")[0] : String(err);
    throw new CliError(101, `Failed to parse \`${path}\`\n\nCaused by:\n    ${why}`);
  }
}

/** Splits a dotted TOML key (`a."b.c".d`) into its parts. @param {string} key */
function keyParts(key) {
  /** @type {string[]} */
  const parts = [];
  let cur = "";
  let quote = "";
  for (const c of key) {
    if (quote) {
      if (c === quote) quote = "";
      else cur += c;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === ".") {
      parts.push(cur.trim());
      cur = "";
    } else cur += c;
  }
  parts.push(cur.trim());
  return parts;
}

/** Bracket depth change of a TOML value fragment, ignoring strings and comments. @param {string} s */
function bracketDelta(s) {
  let depth = 0;
  let quote = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) quote = "";
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "#") break;
    else if (c === "[" || c === "{") depth++;
    else if (c === "]" || c === "}") depth--;
  }
  return depth;
}

/**
 * Every `key = value` line with its full key path (table header + dotted key) and the offset
 * where its value starts. Lines inside multi-line strings and arrays are skipped.
 * @param {string} text
 * @returns {{ path: string[], valueAt: number }[]}
 */
function keyLines(text) {
  /** @type {{ path: string[], valueAt: number }[]} */
  const found = [];
  /** @type {string[]} */
  let table = [];
  let offset = 0;
  let depth = 0;
  let inString = "";
  for (const line of text.split("\n")) {
    const start = offset;
    offset += line.length + 1;
    if (inString) {
      if (line.includes(inString)) inString = "";
      continue;
    }
    if (depth > 0) {
      depth += bracketDelta(line);
      continue;
    }
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const header = /^\[\[?\s*([^\]]+?)\s*\]\]?/.exec(trimmed);
    if (header) {
      table = trimmed.startsWith("[[") ? [...keyParts(header[1]), "[]"] : keyParts(header[1]);
      continue;
    }
    const eq = /^((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=\s*/.exec(
      trimmed,
    );
    if (!eq) continue;
    const valueAt = start + (line.length - trimmed.length) + eq[0].length;
    found.push({ path: [...table, ...keyParts(eq[1])], valueAt });
    const value = trimmed.slice(eq[0].length);
    const triple = /^("""|''')/.exec(value);
    if (triple && !value.slice(3).includes(triple[1])) inString = triple[1];
    else depth = Math.max(0, bracketDelta(value));
  }
  return found;
}

const STRING_AT = /^("(?:[^"\\\n]|\\.)*"|'[^'\n]*')/;

/**
 * Sets the string at `path` (`["workspace", "package", "version"]`), whether it is written as its
 * own line, a dotted key or a key of a one-line inline table. Verified by parsing the result.
 * @param {string} text @param {string[]} path @param {string} value @param {string} file
 */
export function setTomlString(text, path, value, file) {
  const same = (/** @type {string[]} */ a, /** @type {string[]} */ b) =>
    a.length === b.length && a.every((x, i) => x === b[i]);
  let edited = null;
  for (const line of keyLines(text)) {
    const rest = text.slice(line.valueAt);
    if (same(line.path, path)) {
      const m = STRING_AT.exec(rest);
      if (m) edited = text.slice(0, line.valueAt) + JSON.stringify(value) + rest.slice(m[0].length);
    } else if (line.path.length === path.length - 1 && same(line.path, path.slice(0, -1)) && rest.startsWith("{")) {
      // A one-line inline table: replace `key = "..."` at its top level.
      const end = rest.indexOf("\n") === -1 ? rest.length : rest.indexOf("\n");
      const inline = rest.slice(0, end);
      const key = path[path.length - 1].replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      const m = new RegExp(`([{,]\\s*(?:${key}|"${key}")\\s*=\\s*)("(?:[^"\\\\]|\\\\.)*"|'[^']*')`).exec(inline);
      if (m) {
        const at = line.valueAt + m.index + m[1].length;
        edited = text.slice(0, at) + JSON.stringify(value) + text.slice(at + m[2].length);
      }
    }
    if (edited !== null) break;
  }
  /** @type {any} */
  let check = edited === null ? undefined : parseToml(edited);
  for (const part of path) check = isTable(check) ? check[part] : undefined;
  if (edited === null || check !== value) {
    throw new CliError(101, `the release-kit stand-in could not rewrite \`${path.join(".")}\` in ${file}`);
  }
  return edited;
}
