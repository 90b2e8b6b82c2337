// Just enough of ustar to make and read the archives the stand-ins handle (image layers, Helm
// chart packages): regular files, fixed owner and time, so the same files give the same bytes.
import { gunzipSync, gzipSync } from "node:zlib";

export interface TarEntry {
  path: string;
  data: Buffer;
  mode?: number;
  /** A symbolic link's target (its data is empty). */
  link?: string;
}

function header(path: string, size: number, mode: number): Buffer {
  const h = Buffer.alloc(512);
  let name = path;
  let prefix = "";
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf("/", 155);
    if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100)
      throw new Error(`path too long for a tar header: ${path}`);
    prefix = name.slice(0, cut);
    name = name.slice(cut + 1);
  }
  const octal = (value: number, width: number) => `${value.toString(8).padStart(width - 1, "0")}\0`;
  h.write(name, 0, 100, "utf8");
  h.write(octal(mode, 8), 100, 8, "ascii");
  h.write(octal(0, 8), 108, 8, "ascii");
  h.write(octal(0, 8), 116, 8, "ascii");
  h.write(octal(size, 12), 124, 12, "ascii");
  h.write(octal(0, 12), 136, 12, "ascii");
  h.write("        ", 148, 8, "ascii");
  h.write("0", 156, 1, "ascii");
  h.write("ustar\0", 257, 6, "ascii");
  h.write("00", 263, 2, "ascii");
  h.write(prefix, 345, 155, "utf8");
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${octal(sum, 7)} `, 148, 8, "ascii");
  return h;
}

export function tar(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    parts.push(header(e.path, e.data.length, e.mode ?? 0o644), e.data);
    const pad = (512 - (e.data.length % 512)) % 512;
    if (pad) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

export function tarGz(entries: TarEntry[]): Buffer {
  return gzipSync(tar(entries));
}

/** The regular files of a (gzipped) tar archive. */
export function untar(archive: Buffer): TarEntry[] {
  const bytes = archive[0] === 0x1f && archive[1] === 0x8b ? gunzipSync(archive) : archive;
  const out: TarEntry[] = [];
  let at = 0;
  while (at + 512 <= bytes.length) {
    const h = bytes.subarray(at, at + 512);
    if (h.every((b) => b === 0)) break;
    const text = (from: number, len: number) =>
      h
        .subarray(from, from + len)
        .toString("utf8")
        .replace(/\0.*$/s, "");
    const size = parseInt(text(124, 12).trim() || "0", 8);
    const prefix = text(345, 155);
    const path = prefix ? `${prefix}/${text(0, 100)}` : text(0, 100);
    const type = text(156, 1);
    if (type === "0" || type === "")
      out.push({
        path,
        data: Buffer.from(bytes.subarray(at + 512, at + 512 + size)),
        mode: parseInt(text(100, 8) || "644", 8),
      });
    if (type === "2") out.push({ path, data: Buffer.alloc(0), link: text(157, 100) });
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}
