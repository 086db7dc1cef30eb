/**
 * The one HTTP/1.1 response head writer of the project (RFC 9112 §4, §6).
 * Bodies are the caller's: the static server sends ready-made buffers and
 * file sources, `serveHttp` streams a `Response`'s body.
 *
 * @module
 */

import { statusText } from "./status.ts";

/**
 * How a response is framed and whether the connection stays open.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatResponseHead, type ResponseFraming } from "./response.ts";
 * const framing: ResponseFraming = { length: 2, close: true, http10: false };
 * assert.match(formatResponseHead(200, "", framing), /Connection: close\r\n\r\n$/);
 * ```
 */
export interface ResponseFraming {
  /** Content-Length, or undefined for none (chunked, or a status without a body). */
  length?: number | undefined;
  /** Send `Transfer-Encoding: chunked` (RFC 9112 §7.1). */
  chunked?: boolean;
  /** The connection closes after this response: say so. */
  close: boolean;
  /** The request was HTTP/1.0: a kept-alive connection must say `keep-alive`. */
  http10: boolean;
  /** A reason phrase other than the status table's. */
  reason?: string;
}

/**
 * The head of a response: the status line, `fields` (ready-made
 * `Name: value\r\n` lines), the framing fields and the empty line.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatResponseHead } from "./response.ts";
 * const head = formatResponseHead(404, "Server: x\r\n", { length: 0, close: false, http10: true });
 * assert.equal(head, "HTTP/1.1 404 Not Found\r\nServer: x\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n");
 * ```
 */
export function formatResponseHead(
  status: number,
  fields: string,
  framing: ResponseFraming,
): string {
  return `HTTP/1.1 ${status} ${framing.reason ?? statusText(status)}\r\n${fields}` +
    (framing.length !== undefined ? `Content-Length: ${framing.length}\r\n` : "") +
    (framing.chunked ? "Transfer-Encoding: chunked\r\n" : "") +
    (framing.close ? "Connection: close\r\n" : framing.http10 ? "Connection: keep-alive\r\n" : "") +
    "\r\n";
}

/**
 * Whether a response with `status` to a request with `method` carries no
 * body (RFC 9110 §6.4.1: HEAD, 1xx, 204 and 304).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bodyless } from "./response.ts";
 * assert.equal(bodyless("GET", 304), true);
 * assert.equal(bodyless("GET", 200), false);
 * ```
 */
export function bodyless(method: string, status: number): boolean {
  return method === "HEAD" || status === 204 || status === 304 || (status >= 100 && status < 200);
}

/**
 * A parsed response head, as the clients of this project (`bench`,
 * `httpGet`) read it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseResponseHead, type ResponseHead } from "./response.ts";
 * const head: ResponseHead = parseResponseHead("HTTP/1.1 200 OK\r\nContent-Length: 5")!;
 * assert.equal(head.fields.get("content-length"), "5");
 * ```
 */
export interface ResponseHead {
  /** The status code. */
  status: number;
  /** Fields by lower-cased name (the last of repeated ones). */
  fields: Map<string, string>;
  /** Content-Length, -1 when absent or malformed (the body ends with the connection). */
  contentLength: number;
  /** The server closes after this response (HTTP/1.0 without keep-alive, or `Connection: close`). */
  close: boolean;
}

/**
 * Parses a response head (the text before the empty line), or undefined
 * when its status line is not `HTTP/1.x NNN`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseResponseHead } from "./response.ts";
 * const h = parseResponseHead("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0")!;
 * assert.deepEqual([h.status, h.contentLength, h.close], [404, 0, true]);
 * assert.equal(parseResponseHead("SSH-2.0-x"), undefined);
 * ```
 */
export function parseResponseHead(text: string): ResponseHead | undefined {
  const lines = text.split("\r\n");
  const m = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0]!);
  if (m === null) return undefined;
  const fields = new Map<string, string>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const c = line.indexOf(":");
    if (c > 0) fields.set(line.slice(0, c).trim().toLowerCase(), line.slice(c + 1).trim());
  }
  const length = fields.get("content-length");
  const connection = fields.get("connection")?.toLowerCase() ?? "";
  const http10 = m[1] === "0";
  return {
    status: Number(m[2]),
    fields,
    contentLength: length !== undefined && /^\d{1,15}$/.test(length) ? Number(length) : -1,
    close: http10 ? !/\bkeep-alive\b/.test(connection) : /\bclose\b/.test(connection),
  };
}
