/**
 * What a static server makes of a request target and a Range field:
 * {@linkcode normalisePath} (no path climbs out of the root) and
 * {@linkcode parseRange} (RFC 9110 §14).
 *
 * @module
 */

/**
 * Normalises a request target's path: percent-decoded, `.` and `..`
 * resolved without climbing above `/`. `undefined` for a target that is not
 * an origin-form path, bad escapes, a NUL, a backslash, or a `..` that would
 * climb out.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { normalisePath } from "./target.ts";
 * assert.equal(normalisePath("/a/./b/../%63?q"), "/a/c");
 * assert.equal(normalisePath("/../etc/passwd"), undefined);
 * ```
 */
export function normalisePath(target: string): string | undefined {
  if (!target.startsWith("/")) return undefined;
  const q = target.search(/[?#]/);
  let path: string;
  try {
    path = decodeURIComponent(q < 0 ? target : target.slice(0, q));
  } catch {
    return undefined;
  }
  if (path.includes("\0") || path.includes("\\")) return undefined;
  const out: string[] = [];
  for (const seg of path.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (out.length === 0) return undefined;
      out.pop();
    } else out.push(seg);
  }
  return "/" + out.join("/") + (path.endsWith("/") && out.length > 0 ? "/" : "");
}

/**
 * A parsed `Range: bytes=...` for a representation of `size` bytes: the
 * range, `"unsatisfiable"` (416), or undefined to ignore the field and send
 * it all (several ranges, another unit, or an invalid range: RFC 9110
 * §14.1.1, §14.2).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRange } from "./target.ts";
 * assert.deepEqual(parseRange("bytes=-3", 10), { start: 7, end: 9 });
 * assert.equal(parseRange("bytes=10-", 10), "unsatisfiable");
 * assert.equal(parseRange("bytes=1-2,4-5", 10), undefined);
 * ```
 */
export function parseRange(
  header: string,
  size: number,
): { start: number; end: number } | "unsatisfiable" | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (m === null) return undefined;
  const [, a, b] = m;
  if (a === "" && b === "") return undefined;
  let start: number;
  let end: number;
  if (a === "") {
    const suffix = Number(b);
    if (suffix === 0) return "unsatisfiable";
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(a);
    end = b === "" ? size - 1 : Math.min(Number(b), size - 1);
    if (b !== "" && Number(b) < start) return undefined;
  }
  if (start >= size || size === 0) return "unsatisfiable";
  return { start, end };
}
