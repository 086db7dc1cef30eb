/**
 * The one HTTP/1.1 request parser of the project (RFC 9112), sans I/O: bytes
 * go in with {@linkcode RequestParser.feed}, request heads come out of
 * {@linkcode RequestParser.next}, and a body's bytes out of
 * {@linkcode RequestParser.take} and {@linkcode RequestParser.line}. The
 * static file server, the built-in responder and `serveHttp` all use it.
 *
 * What it refuses, and with which status (the connection is closed after
 * each, since the framing can no longer be trusted):
 *
 * | rule | status |
 * | --- | --- |
 * | request line longer than `maxRequestLine` | 414 |
 * | head longer than `maxHeadBytes`, or more than `maxHeaders` fields | 431 |
 * | request line not `method SP target SP HTTP/d.d` (RFC 9112 §3) | 400 |
 * | a major version other than 1 (RFC 9110 §6.2) | 505 |
 * | obs-fold: a field line starting with SP or HTAB (RFC 9112 §5.2) | 400 |
 * | whitespace between a field name and its colon (RFC 9112 §5.1) | 400 |
 * | a bare CR or LF, or a NUL, in the head (RFC 9112 §2.2) | 400 |
 * | HTTP/1.1 without Host, several Host fields, a bad Host (RFC 9112 §3.2) | 400 |
 * | Content-Length not a number, or differing values (RFC 9112 §6.3) | 400 |
 * | both Transfer-Encoding and Content-Length (RFC 9112 §6.1: smuggling) | 400 |
 * | Transfer-Encoding in HTTP/1.0 (RFC 9112 §6.1) | 400 |
 * | final transfer coding not chunked, or chunked twice (RFC 9112 §6.3) | 400 |
 * | a transfer coding other than chunked (RFC 9112 §6.1) | 501 |
 *
 * Empty lines before a request line are skipped (RFC 9112 §2.2). A minor
 * version above 1 is served as HTTP/1.1 (RFC 9110 §6.2). An absolute-form
 * target's path is its {@linkcode RequestHead.path} (RFC 9112 §3.2.2).
 *
 * @module
 */

/**
 * Limits of one request head. Defaults: {@linkcode DEFAULT_HTTP_LIMITS}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RequestParser, type HttpLimits } from "./request.ts";
 * const limits: HttpLimits = { maxRequestLine: 32, maxHeadBytes: 1024, maxHeaders: 4 };
 * const p = new RequestParser(limits);
 * p.feed(new TextEncoder().encode(`GET /${"a".repeat(40)} HTTP/1.1\r\n`));
 * assert.equal((p.next() as { status: number }).status, 414);
 * ```
 */
export interface HttpLimits {
  /** Longest request line in bytes, without its CRLF (longer: 414). */
  maxRequestLine: number;
  /** Longest head in bytes, request line and fields (longer: 431). */
  maxHeadBytes: number;
  /** Most header fields (more: 431). */
  maxHeaders: number;
}

/**
 * The default limits: an 8 KiB request line and a 16 KiB head, as nginx's
 * `large_client_header_buffers 4 8k` allows at most; 100 fields, as Node's
 * http parser.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_HTTP_LIMITS } from "./request.ts";
 * assert.equal(DEFAULT_HTTP_LIMITS.maxHeadBytes, 16384);
 * ```
 */
export const DEFAULT_HTTP_LIMITS: Readonly<HttpLimits> = Object.freeze({
  maxRequestLine: 8192,
  maxHeadBytes: 16384,
  maxHeaders: 100,
});

/**
 * A request the parser refuses: the status to answer with, and why. The
 * connection must be closed after the answer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HttpError, RequestParser } from "./request.ts";
 * const p = new RequestParser();
 * p.feed(new TextEncoder().encode("GET / HTTP/1.1\r\n\r\n"));
 * const e = p.next();
 * assert.ok(e instanceof HttpError);
 * assert.equal(e.status, 400);
 * assert.equal(e.message, "missing Host");
 * ```
 */
export class HttpError extends Error {
  /** The status to answer with. */
  readonly status: number;
  /** @param status the status to answer with; @param message why. */
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
    this.name = "HttpError";
  }
}

/**
 * One parsed request head. Field names are lower-cased; values have their
 * surrounding whitespace removed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RequestHead, RequestParser } from "./request.ts";
 * const p = new RequestParser();
 * p.feed(new TextEncoder().encode("GET /a?b HTTP/1.0\r\nConnection: keep-alive\r\nX-A: 1\r\n\r\n"));
 * const h = p.next() as RequestHead;
 * assert.equal(h.path, "/a?b");
 * assert.equal(h.http10, true);
 * assert.equal(h.keepAlive, true);
 * assert.equal(h.get("x-a"), "1");
 * ```
 */
export class RequestHead {
  /** The method, case-sensitive (RFC 9110 §9.1). */
  method = "";
  /** The request target as sent. */
  target = "";
  /** The target's path and query: the target in origin form, `*`, or an authority. */
  path = "";
  /** The version as sent. */
  version = "";
  /** HTTP/1.0 (else 1.1 or a later 1.x, served as 1.1). */
  http10 = false;
  /** Field names, lower case, in order. */
  readonly names: string[] = [];
  /** Field values, in the order of {@linkcode names}. */
  readonly values: string[] = [];
  /** The Host field, or the authority of an absolute-form target. */
  host: string | undefined = undefined;
  /** Content-Length, -1 when absent. */
  contentLength = -1;
  /** The body is chunked. */
  chunked = false;
  /** The connection stays open after the response (version and Connection). */
  keepAlive = true;

  /** The first value of field `name` (lower case), or undefined. */
  get(name: string): string | undefined {
    const i = this.names.indexOf(name);
    return i < 0 ? undefined : this.values[i];
  }

  /** Whether the request has a body to read. */
  get hasBody(): boolean {
    return this.chunked || this.contentLength > 0;
  }
}

// RFC 9110 §5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" /
// "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA.
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789") TCHAR[c.charCodeAt(0)] = 1;
for (let c = 65; c <= 90; c++) TCHAR[c] = TCHAR[c + 32] = 1;

function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || TCHAR[c] === 0) return false;
  }
  return true;
}

// A field value may hold VCHAR, obs-text, SP and HTAB (RFC 9110 §5.5): no
// other control character.
function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 32 && c !== 9) || c === 127) return true;
  }
  return false;
}

// Optional whitespace is SP and HTAB only (RFC 9110 §5.6.3).
function trimOws(s: string, from: number): string {
  let a = from;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) === 32 || s.charCodeAt(a) === 9)) a++;
  while (b > a && (s.charCodeAt(b - 1) === 32 || s.charCodeAt(b - 1) === 9)) b--;
  return s.slice(a, b);
}

const VERSION = /^HTTP\/(\d)\.(\d)$/;
// RFC 3986 reg-name, IPv4, IP-literal and port characters.
const HOST = /^[A-Za-z0-9\-._~!$&'()*+,;=:\[\]%]*$/;

function parseRequestLine(line: string, head: RequestHead, limits: HttpLimits): HttpError | null {
  if (line.length > limits.maxRequestLine) return new HttpError(414, "request line too long");
  const a = line.indexOf(" ");
  const b = a < 0 ? -1 : line.indexOf(" ", a + 1);
  if (b < 0 || line.indexOf(" ", b + 1) >= 0) return new HttpError(400, "malformed request line");
  const method = line.slice(0, a);
  const target = line.slice(a + 1, b);
  const version = line.slice(b + 1);
  if (!isToken(method)) return new HttpError(400, "malformed method");
  if (target.length === 0 || hasControl(target) || target.includes("\t")) {
    return new HttpError(400, "malformed request target");
  }
  const v = VERSION.exec(version);
  if (v === null) return new HttpError(400, "malformed version");
  if (v[1] !== "1") return new HttpError(505, "HTTP version not supported");
  head.method = method;
  head.target = target;
  head.version = version;
  head.http10 = v[2] === "0";
  head.path = target;
  if (target.charCodeAt(0) !== 47 && target !== "*") {
    // RFC 9112 §3.2.2: absolute-form; its authority replaces Host (§3.2.3).
    const m = /^https?:\/\/([^/?#]*)([^#]*)/i.exec(target);
    if (m !== null) {
      head.host = m[1]!;
      head.path = m[2] === "" ? "/" : m[2]!.startsWith("/") ? m[2]! : "/" + m[2]!;
    }
  }
  return null;
}

interface Framing {
  hosts: number;
  lengths: string | undefined;
  codings: string[];
  close: boolean;
  keepAlive: boolean;
}

function noteField(name: string, value: string, f: Framing): HttpError | null {
  switch (name) {
    case "host":
      if (++f.hosts > 1) return new HttpError(400, "several Host fields");
      if (!HOST.test(value)) return new HttpError(400, "malformed Host");
      break;
    case "content-length":
      // RFC 9112 §6.3 item 5: a list of identical values is that value; any
      // other difference is unrecoverable.
      for (const part of value.split(",")) {
        const n = trimOws(part, 0);
        if (!/^\d{1,15}$/.test(n)) return new HttpError(400, "malformed Content-Length");
        if (f.lengths !== undefined && Number(f.lengths) !== Number(n)) {
          return new HttpError(400, "conflicting Content-Length");
        }
        f.lengths = n;
      }
      break;
    case "transfer-encoding":
      for (const part of value.split(",")) {
        const c = trimOws(part, 0).toLowerCase();
        if (c !== "") f.codings.push(c);
      }
      break;
    case "connection":
      for (const part of value.split(",")) {
        const t = trimOws(part, 0).toLowerCase();
        if (t === "close") f.close = true;
        else if (t === "keep-alive") f.keepAlive = true;
      }
      break;
  }
  return null;
}

function applyFraming(head: RequestHead, f: Framing, hadHost: boolean): HttpError | null {
  // RFC 9112 §3.2: a 1.1 request without Host is answered with 400.
  if (!head.http10 && !hadHost && head.host === undefined) {
    return new HttpError(400, "missing Host");
  }
  if (f.codings.length > 0) {
    if (head.http10) return new HttpError(400, "Transfer-Encoding in HTTP/1.0");
    if (f.lengths !== undefined) {
      return new HttpError(400, "both Transfer-Encoding and Content-Length");
    }
    const chunked = f.codings.filter((c) => c === "chunked").length;
    if (f.codings[f.codings.length - 1] !== "chunked" || chunked > 1) {
      return new HttpError(400, "Transfer-Encoding does not end in one chunked");
    }
    if (f.codings.length > 1) return new HttpError(501, "unsupported transfer coding");
    head.chunked = true;
  }
  head.contentLength = f.lengths === undefined ? -1 : Number(f.lengths);
  head.keepAlive = head.http10 ? f.keepAlive && !f.close : !f.close;
  return null;
}

/**
 * Parses a complete request head (the text before the empty line, without
 * it). Returns the head, or the {@linkcode HttpError} to answer with.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HttpError, parseRequestHead, RequestHead } from "./request.ts";
 * const ok = parseRequestHead("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5");
 * assert.equal((ok as RequestHead).contentLength, 5);
 * const smuggled = parseRequestHead("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked");
 * assert.equal((smuggled as HttpError).status, 400);
 * ```
 */
export function parseRequestHead(
  text: string,
  limits: HttpLimits = DEFAULT_HTTP_LIMITS,
): RequestHead | HttpError {
  if (text.length > limits.maxHeadBytes) return new HttpError(431, "request head too large");
  let end = text.indexOf("\r\n");
  if (end < 0) end = text.length;
  const head = new RequestHead();
  const bad = parseRequestLine(text.slice(0, end), head, limits);
  if (bad !== null) return bad;
  const f: Framing = { hosts: 0, lengths: undefined, codings: [], close: false, keepAlive: false };
  let hadHost = false;
  while (end < text.length) {
    const start = end + 2;
    end = text.indexOf("\r\n", start);
    if (end < 0) end = text.length;
    if (head.names.length >= limits.maxHeaders) return new HttpError(431, "too many fields");
    const first = text.charCodeAt(start);
    if (first === 32 || first === 9) return new HttpError(400, "obsolete line folding");
    const colon = text.indexOf(":", start);
    if (colon < 0 || colon >= end) return new HttpError(400, "field line without a colon");
    const name = text.slice(start, colon);
    if (!isToken(name)) return new HttpError(400, "malformed field name");
    const value = trimOws(text.slice(colon + 1, end), 0);
    if (hasControl(value)) return new HttpError(400, "control character in a field value");
    const lower = name.toLowerCase();
    head.names.push(lower);
    head.values.push(value);
    if (lower === "host") {
      hadHost = true;
      head.host ??= value;
    }
    const e = noteField(lower, value, f);
    if (e !== null) return e;
  }
  return applyFraming(head, f, hadHost) ?? head;
}

/**
 * The size of a chunk from its size line (RFC 9112 §7.1: hex digits, then
 * optional extensions after `;`), or -1 when malformed or over 2^52.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseChunkSize } from "./request.ts";
 * assert.equal(parseChunkSize("1a;name=value"), 26);
 * assert.equal(parseChunkSize("-1"), -1);
 * ```
 */
export function parseChunkSize(line: string): number {
  const semi = line.indexOf(";");
  const digits = trimOws(semi < 0 ? line : line.slice(0, semi), 0);
  if (!/^[0-9a-fA-F]{1,13}$/.test(digits)) return -1;
  return parseInt(digits, 16);
}

const latin1 = new TextDecoder("latin1");
const EMPTY = new Uint8Array(0);

/**
 * An incremental request parser for one connection. `feed` lends it bytes
 * (they need only live until the next `feed`: what is left unparsed is
 * copied when a call finds it incomplete); `next` returns a head, an
 * {@linkcode HttpError}, or undefined when more bytes are needed. After a
 * head with a body, `take` and `line` read the body's bytes. Nothing is kept
 * between requests: an idle connection's parser holds no buffer.
 *
 * @example Two pipelined requests, the second split across two reads
 * ```ts
 * import assert from "node:assert/strict";
 * import { RequestHead, RequestParser } from "./request.ts";
 * const enc = new TextEncoder();
 * const p = new RequestParser();
 * p.feed(enc.encode("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HT"));
 * assert.equal((p.next() as RequestHead).path, "/a");
 * assert.equal(p.next(), undefined);
 * p.feed(enc.encode("TP/1.1\r\nHost: x\r\n\r\n"));
 * assert.equal((p.next() as RequestHead).path, "/b");
 * ```
 */
export class RequestParser {
  readonly #limits: HttpLimits;
  #bytes: Uint8Array = EMPTY;
  #pos = 0;
  #end = 0;
  /** #bytes is the caller's: copy what is left before it can change. */
  #borrowed = false;
  /** Where the search for the head's end resumes. */
  #scanned = 0;

  /** A parser with `limits` (default {@linkcode DEFAULT_HTTP_LIMITS}). */
  constructor(limits: HttpLimits = DEFAULT_HTTP_LIMITS) {
    this.#limits = limits;
  }

  /** Bytes fed and not yet consumed. */
  get buffered(): number {
    return this.#end - this.#pos;
  }

  /** Lends `data` to the parser, after anything still buffered. */
  feed(data: Uint8Array): void {
    if (data.length === 0) return;
    if (this.#pos === this.#end) {
      this.#bytes = data;
      this.#pos = 0;
      this.#end = data.length;
      this.#borrowed = true;
      this.#scanned = 0;
      return;
    }
    const left = this.#end - this.#pos;
    const own = new Uint8Array(left + data.length);
    own.set(this.#bytes.subarray(this.#pos, this.#end));
    own.set(data, left);
    this.#scanned -= this.#pos;
    this.#bytes = own;
    this.#pos = 0;
    this.#end = own.length;
    this.#borrowed = false;
  }

  /** The next request head, an error to answer, or undefined for "need more". */
  next(): RequestHead | HttpError | undefined {
    const b = this.#bytes;
    // RFC 9112 §2.2: empty lines before a request line are ignored.
    while (this.#end - this.#pos >= 2 && b[this.#pos] === 13 && b[this.#pos + 1] === 10) {
      this.#pos += 2;
    }
    let i = Math.max(this.#pos, this.#scanned);
    const last = this.#end - 3;
    for (; i < last; i++) {
      if (b[i + 3] !== 10) continue;
      if (b[i] === 13 && b[i + 1] === 10 && b[i + 2] === 13) break;
    }
    if (i >= last) return this.#incomplete(i);
    const text = latin1.decode(b.subarray(this.#pos, i));
    this.#pos = i + 4;
    this.#scanned = this.#pos;
    // A bare CR or LF, or a NUL, ends up inside a token or a value, where
    // parseRequestHead refuses it (RFC 9112 §2.2).
    const head = parseRequestHead(text, this.#limits);
    if (this.#pos === this.#end) this.#release();
    return head;
  }

  #incomplete(scannedTo: number): HttpError | undefined {
    this.#scanned = scannedTo;
    const n = this.#end - this.#pos;
    if (n > this.#limits.maxHeadBytes) return new HttpError(431, "request head too large");
    if (n > this.#limits.maxRequestLine) {
      const line = this.#bytes.subarray(this.#pos, this.#pos + this.#limits.maxRequestLine + 2);
      if (line.indexOf(10) < 0) return new HttpError(414, "request line too long");
    }
    this.#keep();
    return undefined;
  }

  /**
   * Up to `max` buffered body bytes (a copy), or undefined when none is
   * buffered (feed more).
   */
  take(max: number): Uint8Array | undefined {
    const n = Math.min(max, this.#end - this.#pos);
    if (n <= 0) return undefined;
    const out = this.#bytes.slice(this.#pos, this.#pos + n);
    this.#pos += n;
    this.#scanned = this.#pos;
    if (this.#pos === this.#end) this.#release();
    return out;
  }

  /**
   * One CRLF-terminated line of a chunked body (without its CRLF), undefined
   * when it is not complete yet, or an error when it passes 4 KiB.
   */
  line(): string | HttpError | undefined {
    const b = this.#bytes;
    for (let i = this.#pos; i + 1 < this.#end; i++) {
      if (b[i] === 13 && b[i + 1] === 10) {
        const text = latin1.decode(b.subarray(this.#pos, i));
        this.#pos = i + 2;
        this.#scanned = this.#pos;
        if (this.#pos === this.#end) this.#release();
        return text;
      }
    }
    if (this.#end - this.#pos > 4096) return new HttpError(400, "chunk line too long");
    this.#keep();
    return undefined;
  }

  // Copies a borrowed remainder, so the caller may reuse its buffer.
  #keep(): void {
    if (!this.#borrowed) return;
    const own = this.#bytes.slice(this.#pos, this.#end);
    this.#scanned -= this.#pos;
    this.#bytes = own;
    this.#pos = 0;
    this.#end = own.length;
    this.#borrowed = false;
  }

  #release(): void {
    this.#bytes = EMPTY;
    this.#pos = this.#end = this.#scanned = 0;
    this.#borrowed = false;
  }
}
