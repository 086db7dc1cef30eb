/**
 * Validators and conditional requests for static representations (RFC 9110
 * §8.8, §13): the Date of a response, a file's strong ETag (nginx's form,
 * `"mtime-size"` in hex), and whether If-None-Match, If-Modified-Since and
 * If-Range let a request be answered 304, or with its range.
 *
 * @module
 */

let dateSecond = -1;
let dateText = "";

/**
 * The IMF-fixdate of `ms` (RFC 9110 §5.6.7), made once per second.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { httpDate } from "./conditional.ts";
 * assert.equal(httpDate(0), "Thu, 01 Jan 1970 00:00:00 GMT");
 * ```
 */
export function httpDate(ms: number = Date.now()): string {
  const second = Math.floor(ms / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(second * 1000).toUTCString();
  }
  return dateText;
}

/**
 * A file's strong entity tag from its modification time and size, as nginx
 * makes it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fileEtag } from "./conditional.ts";
 * assert.equal(fileEtag(1_700_000_000_000, 1234), '"6553f100-4d2"');
 * ```
 */
export function fileEtag(mtimeMs: number, size: number): string {
  return `"${Math.floor(mtimeMs / 1000).toString(16)}-${size.toString(16)}"`;
}

// The entity tags of a field value (RFC 9110 §8.8.3), weak ones included.
function tags(value: string): string[] {
  const out: string[] = [];
  for (const m of value.matchAll(/(W\/)?"[^"]*"/g)) out.push(m[0]);
  return out;
}

/**
 * Whether a GET or HEAD with these conditional fields is answered 304 Not
 * Modified (RFC 9110 §13.1.2, §13.1.3, §13.2.2): If-None-Match by weak
 * comparison (`*` matches anything), else If-Modified-Since against the
 * last modification, to the second.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { notModified } from "./conditional.ts";
 * assert.equal(notModified('"a"', '"x", W/"a"', undefined, 0), true);
 * assert.equal(notModified('"a"', undefined, "Thu, 01 Jan 1970 00:00:10 GMT", 5000), true);
 * assert.equal(notModified('"a"', '"b"', "Thu, 01 Jan 1970 00:00:10 GMT", 5000), false);
 * ```
 */
export function notModified(
  etag: string,
  ifNoneMatch: string | undefined,
  ifModifiedSince: string | undefined,
  mtimeMs: number,
): boolean {
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() === "*") return true;
    const mine = etag.replace(/^W\//, "");
    return tags(ifNoneMatch).some((t) => t.replace(/^W\//, "") === mine);
  }
  if (ifModifiedSince === undefined) return false;
  const since = Date.parse(ifModifiedSince);
  if (Number.isNaN(since)) return false; // an invalid date is ignored (RFC 9110 §13.1.3)
  return Math.floor(mtimeMs / 1000) * 1000 <= since;
}

/**
 * Whether a Range may be honoured under If-Range (RFC 9110 §13.1.5): an
 * entity tag must match strongly, a date must equal the last modification.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rangeAllowed } from "./conditional.ts";
 * assert.equal(rangeAllowed(undefined, '"a"', 0), true);
 * assert.equal(rangeAllowed('"a"', '"a"', 0), true);
 * assert.equal(rangeAllowed('W/"a"', '"a"', 0), false);
 * assert.equal(rangeAllowed("Thu, 01 Jan 1970 00:00:05 GMT", '"a"', 5000), true);
 * ```
 */
export function rangeAllowed(ifRange: string | undefined, etag: string, mtimeMs: number): boolean {
  if (ifRange === undefined) return true;
  const v = ifRange.trim();
  if (v.startsWith('"') || v.startsWith("W/")) return !v.startsWith("W/") && v === etag;
  const date = Date.parse(v);
  return !Number.isNaN(date) && date === Math.floor(mtimeMs / 1000) * 1000;
}
