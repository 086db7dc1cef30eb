/**
 * The static file server of `serve --http DIR`, and the built-in responder
 * the interop tests and benchmarks serve: HTTP/1.1 on the epoll server loop
 * ({@linkcode TcpServer}), in the spirit of mTCP's epserver, speaking HTTP
 * through the one core in `lib/http` (its parser, limits and head writer).
 *
 * - GET and HEAD; keep-alive (HTTP/1.1 by default, HTTP/1.0 on request) and
 *   pipelining; Content-Length on every response; Content-Type from the
 *   file's extension; `index.html` for a directory.
 * - Range requests: one `bytes=` range gives 206 with Content-Range; a range
 *   past the end gives 416; several ranges are answered with the whole file.
 * - Errors: what the parser refuses (400, 414, 431, 501, 505: see
 *   `lib/http/request.ts`), 400 for a request with a body, 404, 405 (with
 *   Allow).
 * - No path leaves the root: the decoded path is normalised, and the real
 *   path (symlinks resolved) must lie inside the root's real path; a NUL or
 *   an escape is 404, as for a file that is not there.
 * - Files up to 64 KiB are cached in memory (revalidated by size and mtime,
 *   like epserver's cache but safe against edits); for those up to 16 KiB the
 *   whole 200 response (head and body) is kept too, once per kind of
 *   connection, and sent in one write. Larger files are streamed into the
 *   send buffer as the window opens. A path's resolution (realpath and stat)
 *   is reused for a second, as nginx's open_file_cache does, so a hot file
 *   costs no system call per request; an edit or a new file is seen within
 *   that second.
 *
 * @module
 */

import type { ChunkSource, ServerConnection, ServerHandler } from "./tcp_server.ts";
import type { AccessEntry } from "./logs.ts";
import {
  contentType,
  fileEtag,
  formatResponseHead,
  httpDate,
  HttpError,
  type HttpLimits,
  normalisePath,
  notModified,
  parseRange,
  rangeAllowed,
  type RequestHead,
  RequestParser,
  statusText,
} from "../http/mod.ts";

/** Finds the body of a path, or `undefined` for 404. */
export type BodyLookup = (path: string) => Uint8Array | undefined;

/** Options of {@linkcode StaticFiles}. */
export interface StaticOptions {
  /** Largest file kept in memory (default 65536). */
  cacheFileBytes?: number;
  /** Most bytes the cache holds (default 64 MiB). */
  cacheTotalBytes?: number;
  /** Served when no directory is given: path to body. */
  builtin?: Map<string, Uint8Array>;
  /** Served when no directory is given, ahead of `builtin`: a body by path. */
  lookup?: BodyLookup;
  /** How long a path's resolution (realpath, stat) is reused, in ms (default 1000; 0: never). */
  statCacheMs?: number;
  /** The parser's limits (default `DEFAULT_HTTP_LIMITS`). */
  limits?: HttpLimits;
  /** A Cache-Control value for files (default none). */
  cacheControl?: string;
  /** List a directory that has no index.html (default false: 404). */
  autoindex?: boolean;
  /** The wall clock for Date headers, ms (default `Date.now`; tests fix it). */
  clock?: () => number;
  /** Called with each response, for an access log (see `accessLine`). */
  onAccess?: (entry: AccessEntry) => void;
  /**
   * Time to receive a whole request head, from its first byte or from the
   * connection's start, in ms (default 60000, nginx's client_header_timeout):
   * a head still incomplete is answered 408 and closed; a connection that
   * sent nothing is closed.
   */
  headerTimeoutMs?: number;
  /** How long a kept-alive connection may wait for its next request, in ms (default 75000, nginx's keepalive_timeout). */
  keepaliveTimeoutMs?: number;
  /**
   * Most response parts queued on one connection (default 32; a small file's
   * response is one part, a streamed one two): a client that pipelines
   * faster than it reads is not read until they are sent.
   */
  maxPipelined?: number;
  /**
   * Most files open at once for streaming, shared by every connection
   * (default 1024, like a bounded open_file_cache): past it, or when the
   * system has no descriptor left (EMFILE, ENFILE), a request is answered
   * 503, never 404.
   */
  maxOpenFiles?: number;
}

/** Counters of a static server, by status code and by limit hit. */
export interface StaticStats {
  /** Responses by status code. */
  responses: Map<number, number>;
  /** Cache hits. */
  cacheHits: number;
  /** Connections closed (with a 408 when a head was under way) at the header timeout. */
  headerTimeouts: number;
  /** Kept-alive connections closed at the keep-alive timeout. */
  keepaliveTimeouts: number;
  /** Times a connection was not read because it had `maxPipelined` responses queued. */
  pipelinePauses: number;
  /** Requests answered 503 because no file could be opened (the limit, or EMFILE/ENFILE). */
  fileLimit: number;
}

interface CacheEntry {
  bytes: Uint8Array;
  mtime: number;
  /**
   * Whole 200 responses to GET (head and body in one buffer), built at first
   * use, by {@linkcode connectionVariant}: a hot file costs no header
   * formatting, no encoding and one write per request.
   */
  whole: (Uint8Array | undefined)[] | undefined;
  /** The second their Date header was made in: a new second, new responses. */
  wholeSecond: number;
}

interface Resolved {
  /** A file; a directory asked for without its slash (301); one to list. */
  kind: "file" | "redirect" | "listing";
  real: string;
  info: Deno.FileInfo;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/**
 * The page of `--autoindex` for the directory `real` served at `path`:
 * names (escaped, directories with a slash), sizes and modification times,
 * sorted by name, like nginx's autoindex.
 */
export function directoryListing(path: string, real: string): string {
  const rows: string[] = [];
  const entries = [...Deno.readDirSync(real)].sort((a, b) => a.name < b.name ? -1 : 1);
  for (const e of entries) {
    let info: Deno.FileInfo;
    try {
      info = Deno.statSync(`${real}/${e.name}`);
    } catch {
      continue;
    }
    const name = e.name + (info.isDirectory ? "/" : "");
    const href = encodeURIComponent(e.name) + (info.isDirectory ? "/" : "");
    const when = info.mtime?.toISOString().replace("T", " ").slice(0, 19) ?? "-";
    const size = info.isDirectory ? "-" : String(info.size);
    rows.push(`<a href="${escapeHtml(href)}">${escapeHtml(name)}</a> ${when} ${size}`);
  }
  const title = escapeHtml(`Index of ${path}`);
  return `<!doctype html>\n<html><head><meta charset="utf-8"><title>${title}</title></head>\n` +
    `<body><h1>${title}</h1><pre><a href="../">../</a>\n${rows.join("\n")}\n</pre></body></html>\n`;
}

/** Files up to this size keep whole responses beside their bytes. */
const WHOLE_RESPONSE_BYTES = 16384;

/** 0: HTTP/1.1 kept alive; 1: closed after the response; 2: HTTP/1.0 kept alive. */
function connectionVariant(close: boolean, http10: boolean): number {
  return close ? 1 : http10 ? 2 : 0;
}

interface OpenFile {
  file: Deno.FsFile;
  mtime: number;
  size: number;
  refs: number;
  /** In the cache's map (else it closes when its last source is done). */
  cached: boolean;
}

/**
 * Files open for streaming, shared: every response of one file reads it
 * through one descriptor (each source seeks to its own position first), and
 * at most `max` are open at once, so no client can run the process out of
 * descriptors. An idle one is closed to make room.
 */
class OpenFiles {
  readonly #map = new Map<string, OpenFile>();
  #count = 0;
  readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  /** A handle on `real` as it is now, "limit" when none can be had, or undefined when it is gone. */
  acquire(real: string, mtime: number, size: number): OpenFile | "limit" | undefined {
    const hit = this.#map.get(real);
    if (hit !== undefined && hit.mtime === mtime && hit.size === size) {
      hit.refs++;
      return hit;
    }
    if (hit !== undefined) this.#uncache(real, hit); // changed: new requests get a new handle
    if (this.#count >= this.max && !this.#closeIdle()) return "limit";
    let file: Deno.FsFile;
    try {
      file = Deno.openSync(real, { read: true });
    } catch (err) {
      const code = (err as { code?: string }).code;
      return code === "EMFILE" || code === "ENFILE" ? "limit" : undefined;
    }
    this.#count++;
    const entry: OpenFile = { file, mtime, size, refs: 1, cached: true };
    this.#map.set(real, entry);
    return entry;
  }

  release(entry: OpenFile): void {
    if (--entry.refs === 0 && !entry.cached) this.#close(entry);
  }

  /** Closes every idle handle (a reload drops the cache this way). */
  clear(): void {
    for (const [real, entry] of this.#map) this.#uncache(real, entry);
  }

  get open(): number {
    return this.#count;
  }

  #uncache(real: string, entry: OpenFile): void {
    this.#map.delete(real);
    entry.cached = false;
    if (entry.refs === 0) this.#close(entry);
  }

  #closeIdle(): boolean {
    for (const [real, entry] of this.#map) {
      if (entry.refs > 0) continue;
      this.#uncache(real, entry);
      return true;
    }
    return false;
  }

  #close(entry: OpenFile): void {
    entry.file.close();
    this.#count--;
  }
}

class FileSource implements ChunkSource {
  #entry: OpenFile | undefined;
  readonly #files: OpenFiles;
  #pos: number;
  #left: number;
  constructor(files: OpenFiles, entry: OpenFile, start: number, length: number) {
    this.#files = files;
    this.#entry = entry;
    this.#pos = start;
    this.#left = length;
  }
  read(into: Uint8Array): number {
    const entry = this.#entry;
    if (entry === undefined || this.#left <= 0) return 0;
    const want = Math.min(into.length, this.#left);
    entry.file.seekSync(this.#pos, Deno.SeekMode.Start); // the descriptor is shared
    const n = entry.file.readSync(want === into.length ? into : into.subarray(0, want));
    // Shorter than when it was opened: the promised length cannot be sent.
    if (n === null || n <= 0) throw new Error("the file shrank while it was sent");
    this.#pos += n;
    this.#left -= n;
    return n;
  }
  close(): void {
    if (this.#entry !== undefined) this.#files.release(this.#entry);
    this.#entry = undefined;
  }
}

// ServerConnection.timerKind of a static server's connections.
const TIMER_HEADER = 1;
const TIMER_KEEPALIVE = 2;

const encoder = new TextEncoder();

function realRootOf(root: string): string {
  try {
    const real = Deno.realPathSync(root);
    if (!Deno.statSync(real).isDirectory) throw new Error("not a directory");
    return real;
  } catch (err) {
    const why = err instanceof Deno.errors.NotFound
      ? "no such directory"
      : err instanceof Error
      ? err.message
      : String(err);
    throw new Error(`Cannot serve ${root}: ${why}`);
  }
}

/**
 * A handler serving the files under `root`, or, when `root` is undefined,
 * in-memory bodies from `options.lookup` and `options.builtin`. Throws
 * `Error` when `root` is not a readable directory.
 *
 * @example Answering a request queued on a connection (no network needed)
 * ```ts
 * import assert from "node:assert/strict";
 * import { StaticFiles } from "./http_static.ts";
 * import { ServerConnection } from "./tcp_server.ts";
 * const files = new StaticFiles(undefined, { lookup: (p) => p === "/" ? new TextEncoder().encode("hi") : undefined });
 * const c = new ServerConnection(3);
 * files.onOpen(c);
 * files.onData(c, new TextEncoder().encode("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
 * assert.match(new TextDecoder().decode(c.out[0] as Uint8Array), /^HTTP\/1\.1 200 OK\r\n/);
 * ```
 */
export class StaticFiles implements ServerHandler {
  /** Responses by status, and cache hits. */
  readonly stats: StaticStats = {
    responses: new Map(),
    cacheHits: 0,
    headerTimeouts: 0,
    keepaliveTimeouts: 0,
    pipelinePauses: 0,
    fileLimit: 0,
  };
  readonly #realRoot: string | undefined;
  readonly #options: StaticOptions;
  readonly #cacheFile: number;
  readonly #cacheTotal: number;
  readonly #statCacheMs: number;
  readonly #cache = new Map<string, CacheEntry>();
  #cached = 0;
  readonly #resolved = new Map<string, { found: Resolved | undefined; at: number }>();
  readonly #paths = new Map<string, string | undefined>();
  readonly #files: OpenFiles;
  readonly #headerTimeoutMs: number;
  readonly #keepaliveTimeoutMs: number;
  readonly #maxPipelined: number;
  readonly #now: () => number;
  // The request being answered, for the access log.
  #current: RequestHead | undefined = undefined;

  /** Serves `root` (a directory), or in-memory bodies when undefined. */
  constructor(root: string | undefined, options: StaticOptions = {}) {
    this.#realRoot = root === undefined ? undefined : realRootOf(root);
    this.#options = options;
    this.#cacheFile = options.cacheFileBytes ?? 65536;
    this.#cacheTotal = options.cacheTotalBytes ?? 64 << 20;
    this.#statCacheMs = options.statCacheMs ?? 1000;
    this.#files = new OpenFiles(options.maxOpenFiles ?? 1024);
    this.#headerTimeoutMs = options.headerTimeoutMs ?? 60_000;
    this.#keepaliveTimeoutMs = options.keepaliveTimeoutMs ?? 75_000;
    this.#maxPipelined = options.maxPipelined ?? 32;
    this.#now = options.clock ?? Date.now;
  }

  /** Files open for streaming now (at most `maxOpenFiles`). */
  get openFiles(): number {
    return this.#files.open;
  }

  /** Forgets cached files, resolutions and idle open files (a reload). */
  dropCaches(): void {
    this.#cache.clear();
    this.#cached = 0;
    this.#resolved.clear();
    this.#paths.clear();
    this.#files.clear();
  }

  /** A new connection gets its request parser, and the header timer. */
  onOpen(c: ServerConnection): void {
    c.state = new RequestParser(this.#options.limits);
    c.idle = true;
    c.timerKind = TIMER_HEADER;
    c.armTimeout(this.#headerTimeoutMs);
  }

  /** Parses what arrived and answers every complete request, in order. */
  onData(c: ServerConnection, data: Uint8Array): void {
    if (c.closing) return;
    const parser = c.state as RequestParser;
    parser.feed(data);
    this.#answerAll(c, parser);
  }

  /** A paused connection's responses went out: the requests it holds come next. */
  onDrain(c: ServerConnection): void {
    if (!c.closing) this.#answerAll(c, c.state as RequestParser);
  }

  /**
   * The timer ran out: a head under way is answered 408 (nginx's
   * client_header_timeout), an idle connection just closed.
   */
  onTimeout(c: ServerConnection): void {
    const parser = c.state as RequestParser;
    if (c.timerKind === TIMER_KEEPALIVE) this.stats.keepaliveTimeouts++;
    else this.stats.headerTimeouts++;
    if (c.timerKind === TIMER_HEADER && parser.buffered > 0) this.#error(c, 408, true, false);
    else c.end();
  }

  /** The server is full: 503 and close. */
  onRefuse(c: ServerConnection): void {
    this.#error(c, 503, true, false, "Retry-After: 1\r\n");
  }

  #answerAll(c: ServerConnection, parser: RequestParser): void {
    c.idle = false;
    for (;;) {
      if (c.out.length >= this.#maxPipelined) {
        // RFC 9112 §9.3.2 lets a server process pipelined requests as it
        // can: these wait until the responses before them are sent.
        this.stats.pipelinePauses++;
        c.pause();
        break;
      }
      const head = parser.next();
      if (head === undefined) break;
      if (head instanceof HttpError) {
        this.#current = undefined;
        return this.#error(c, head.status, true, false);
      }
      this.#current = head;
      const more = this.#answer(c, head);
      this.#current = undefined;
      if (!more) return;
    }
    this.#armTimer(c, parser);
  }

  // Between requests, the keep-alive timer; a head under way keeps the
  // header timer it started with.
  #armTimer(c: ServerConnection, parser: RequestParser): void {
    if (c.paused || c.closing) return;
    if (parser.buffered === 0) {
      c.idle = true;
      c.timerKind = TIMER_KEEPALIVE;
      c.armTimeout(this.#keepaliveTimeoutMs);
    } else if (c.timerKind !== TIMER_HEADER) {
      c.timerKind = TIMER_HEADER;
      c.armTimeout(this.#headerTimeoutMs);
    }
  }

  // Answers one request; false when the connection is ending.
  #answer(c: ServerConnection, head: RequestHead): boolean {
    const close = !head.keepAlive;
    if (head.hasBody) {
      this.#error(c, 400, true, head.http10); // no method here takes a body
      return false;
    }
    if (head.method !== "GET" && head.method !== "HEAD") {
      this.#error(c, 405, close, head.http10, "Allow: GET, HEAD\r\n");
      return !close;
    }
    this.#serve(c, head, close);
    return !close;
  }

  #count(status: number, c: ServerConnection, bytes: number): void {
    this.stats.responses.set(status, (this.stats.responses.get(status) ?? 0) + 1);
    const log = this.#options.onAccess;
    if (log === undefined) return;
    const head = this.#current;
    log({
      remote: c.peer,
      request: head === undefined ? "-" : `${head.method} ${head.target} ${head.version}`,
      status,
      bytes: head?.method === "HEAD" ? 0 : bytes,
      referer: head?.get("referer"),
      userAgent: head?.get("user-agent"),
    });
  }

  #respond(
    c: ServerConnection,
    status: number,
    fields: string,
    length: number,
    close: boolean,
    http10: boolean,
  ): void {
    this.#count(status, c, length);
    c.send(encoder.encode(
      formatResponseHead(
        status,
        `Server: mtcp-deno\r\nDate: ${httpDate(this.#now())}\r\n${fields}`,
        {
          length,
          close,
          http10,
        },
      ),
    ));
  }

  #error(c: ServerConnection, status: number, close: boolean, http10: boolean, extra = ""): void {
    const body = encoder.encode(`${status} ${statusText(status)}\n`);
    const fields = `Content-Type: text/plain; charset=utf-8\r\n${extra}`;
    this.#respond(c, status, fields, body.length, close, http10);
    c.send(body);
    if (close) {
      // The request may not have been read whole: close lingering, so the
      // answer is not lost to a RST (RFC 9112 §9.6).
      c.linger = true;
      c.end();
    }
  }

  #serve(c: ServerConnection, head: RequestHead, close: boolean): void {
    const path = this.#normalised(head.path);
    if (path === undefined) {
      return this.#error(c, head.path.startsWith("/") ? 404 : 400, close, head.http10);
    }
    if (this.#realRoot === undefined) return this.#serveMemory(c, head, path, close);
    const found = this.#resolve(path);
    if (found === undefined) return this.#error(c, 404, close, head.http10);
    if (found.kind === "redirect") return this.#redirect(c, head, path, close);
    if (found.kind === "listing") return this.#serveListing(c, head, path, found, close);
    const mtime = found.info.mtime?.getTime() ?? 0;
    const etag = fileEtag(mtime, found.info.size);
    const inm = head.get("if-none-match");
    const ims = head.get("if-modified-since");
    if ((inm !== undefined || ims !== undefined) && notModified(etag, inm, ims, mtime)) {
      return this.#notModified(c, head, found, close);
    }
    let range = head.get("range");
    if (range !== undefined && !rangeAllowed(head.get("if-range"), etag, mtime)) range = undefined;
    if (range === undefined && head.method === "GET" && found.info.size <= this.#wholeLimit()) {
      return this.#serveWhole(c, found, close, head.http10);
    }
    this.#serveFile(c, head, found, range, close);
  }

  // RFC 9110 §15.4.5: 304 with the validators and no body.
  #notModified(c: ServerConnection, head: RequestHead, found: Resolved, close: boolean): void {
    this.#count(304, c, 0);
    c.send(encoder.encode(formatResponseHead(
      304,
      `Server: mtcp-deno\r\nDate: ${httpDate(this.#now())}\r\n${this.#validators(found)}`,
      { close, http10: head.http10 },
    )));
    if (close) c.end();
  }

  // RFC 9110 §15.4.2: a directory without its slash moves to it.
  #redirect(c: ServerConnection, head: RequestHead, path: string, close: boolean): void {
    const q = head.path.indexOf("?");
    const location = encodeURI(path + "/") + (q < 0 ? "" : head.path.slice(q));
    const body = encoder.encode(`301 Moved Permanently: ${location}\n`);
    const fields = `Location: ${location}\r\nContent-Type: text/plain; charset=utf-8\r\n`;
    this.#respond(c, 301, fields, body.length, close, head.http10);
    if (head.method !== "HEAD") c.send(body);
    if (close) c.end();
  }

  #serveListing(
    c: ServerConnection,
    head: RequestHead,
    path: string,
    found: Resolved,
    close: boolean,
  ): void {
    const body = encoder.encode(directoryListing(path, found.real));
    this.#respond(
      c,
      200,
      "Content-Type: text/html; charset=utf-8\r\n",
      body.length,
      close,
      head.http10,
    );
    if (head.method !== "HEAD") c.send(body);
    if (close) c.end();
  }

  #wholeLimit(): number {
    return Math.min(this.#cacheFile, WHOLE_RESPONSE_BYTES);
  }

  #serveMemory(c: ServerConnection, head: RequestHead, path: string, close: boolean): void {
    const o = this.#options;
    const body = o.lookup?.(path) ?? o.builtin?.get(path) ?? o.builtin?.get(path + "index.html");
    if (body === undefined) return this.#error(c, 404, close, head.http10);
    const type = contentType(path.endsWith("/") ? "index.html" : path);
    this.#respond(c, 200, `Content-Type: ${type}\r\n`, body.length, close, head.http10);
    if (head.method !== "HEAD") c.send(body);
    if (close) c.end();
  }

  // A whole small file: its response is kept ready, head and body.
  #serveWhole(c: ServerConnection, found: Resolved, close: boolean, http10: boolean): void {
    const mtime = found.info.mtime?.getTime() ?? 0;
    const entry = this.#cachedFile(found.real, found.info.size, mtime);
    if (entry === undefined) return this.#error(c, 404, close, http10);
    const v = connectionVariant(close, http10);
    // The Date header changes once a second: so do the ready responses.
    const second = Math.floor(this.#now() / 1000);
    if (entry.wholeSecond !== second) {
      if (entry.whole !== undefined && this.#cache.get(found.real) === entry) {
        for (const w of entry.whole) this.#cached -= w?.length ?? 0;
      }
      entry.whole = undefined;
      entry.wholeSecond = second;
    }
    entry.whole ??= [undefined, undefined, undefined];
    let whole = entry.whole[v];
    if (whole === undefined) {
      const body = entry.bytes;
      const headBytes = encoder.encode(formatResponseHead(
        200,
        `Server: mtcp-deno\r\nDate: ${httpDate(this.#now())}\r\n${this.#fileFields(found)}`,
        { length: body.length, close, http10: v === 2 },
      ));
      whole = new Uint8Array(headBytes.length + body.length);
      whole.set(headBytes);
      whole.set(body, headBytes.length);
      entry.whole[v] = whole;
      if (this.#cache.get(found.real) === entry) this.#cached += whole.length;
    }
    this.#count(200, c, entry.bytes.length);
    c.send(whole);
    if (close) c.end();
  }

  #fileFields(found: Resolved): string {
    return `Content-Type: ${contentType(found.real)}\r\nAccept-Ranges: bytes\r\n` +
      this.#validators(found);
  }

  // Last-Modified, ETag and Cache-Control: what a 200 and a 304 both carry.
  #validators(found: Resolved): string {
    const mtime = found.info.mtime;
    const cc = this.#options.cacheControl;
    return (mtime !== null ? `Last-Modified: ${mtime.toUTCString()}\r\n` : "") +
      `ETag: ${fileEtag(mtime?.getTime() ?? 0, found.info.size)}\r\n` +
      (cc !== undefined ? `Cache-Control: ${cc}\r\n` : "");
  }

  #serveFile(
    c: ServerConnection,
    head: RequestHead,
    found: Resolved,
    range: string | undefined,
    close: boolean,
  ): void {
    const size = found.info.size;
    let start = 0;
    let end = size - 1;
    let status = 200;
    let fields = this.#fileFields(found);
    if (range !== undefined) {
      const r = parseRange(range, size);
      if (r === "unsatisfiable") {
        return this.#error(c, 416, close, head.http10, `Content-Range: bytes */${size}\r\n`);
      }
      if (r !== undefined) {
        ({ start, end } = r);
        status = 206;
        fields += `Content-Range: bytes ${start}-${end}/${size}\r\n`;
      }
    }
    const length = size === 0 ? 0 : end - start + 1;
    const bodyless = head.method === "HEAD" || length === 0;
    if (size <= this.#cacheFile) {
      const entry = this.#cachedFile(found.real, size, found.info.mtime?.getTime() ?? 0);
      if (entry === undefined) return this.#error(c, 404, close, head.http10);
      this.#respond(c, status, fields, length, close, head.http10);
      if (!bodyless) c.send(entry.bytes.subarray(start, start + length));
    } else if (bodyless) {
      this.#respond(c, status, fields, length, close, head.http10);
    } else {
      const mtime = found.info.mtime?.getTime() ?? 0;
      const entry = this.#files.acquire(found.real, mtime, size);
      if (entry === undefined) return this.#error(c, 404, close, head.http10);
      if (entry === "limit") {
        this.stats.fileLimit++;
        return this.#error(c, 503, close, head.http10, "Retry-After: 1\r\n");
      }
      this.#respond(c, status, fields, length, close, head.http10);
      c.stream(new FileSource(this.#files, entry, start, length));
    }
    if (close) c.end();
  }

  // Resolves a normalised path to a regular file inside the root.
  // Resolutions are kept for statCacheMs, like nginx's open_file_cache: a
  // hot file costs no system call per request (realpath and stat are the
  // largest part of a small request's CPU otherwise).
  #resolve(path: string): Resolved | undefined {
    if (this.#statCacheMs <= 0) return this.#resolveNow(path);
    const now = performance.now();
    const hit = this.#resolved.get(path);
    if (hit !== undefined && now - hit.at < this.#statCacheMs) return hit.found;
    const found = this.#resolveNow(path);
    if (this.#resolved.size >= 10_000) this.#resolved.clear();
    this.#resolved.set(path, { found, at: now });
    return found;
  }

  #resolveNow(path: string): Resolved | undefined {
    const root = this.#realRoot!;
    try {
      const real = Deno.realPathSync(root + path);
      if (real !== root && !real.startsWith(root + "/")) return undefined;
      const info = Deno.statSync(real);
      if (info.isFile) return { kind: "file", real, info };
      if (!info.isDirectory) return undefined;
      // Relative links in a directory's page need its slash: 301 to it.
      if (!path.endsWith("/")) return { kind: "redirect", real, info };
      return this.#directoryIndex(root, real, info);
    } catch {
      return undefined;
    }
  }

  #directoryIndex(root: string, dir: string, dirInfo: Deno.FileInfo): Resolved | undefined {
    try {
      const real = Deno.realPathSync(dir + "/index.html");
      if (!real.startsWith(root + "/")) return undefined;
      const info = Deno.statSync(real);
      return info.isFile ? { kind: "file", real, info } : undefined;
    } catch {
      return this.#options.autoindex ? { kind: "listing", real: dir, info: dirInfo } : undefined;
    }
  }

  // The cache entry of a file (read now when it is missing or changed), or
  // undefined when it cannot be read.
  #cachedFile(real: string, size: number, mtime: number): CacheEntry | undefined {
    let entry = this.#cache.get(real);
    if (entry !== undefined && entry.mtime === mtime && entry.bytes.length === size) {
      this.stats.cacheHits++;
      return entry;
    }
    let bytes: Uint8Array;
    try {
      bytes = Deno.readFileSync(real);
    } catch {
      return undefined;
    }
    if (entry !== undefined) {
      this.#cache.delete(real);
      this.#cached -= entry.bytes.length;
      for (const w of entry.whole ?? []) this.#cached -= w?.length ?? 0;
    }
    entry = { bytes, mtime, whole: undefined, wholeSecond: -1 };
    if (this.#cached + bytes.length <= this.#cacheTotal) {
      this.#cache.set(real, entry);
      this.#cached += bytes.length;
    }
    return entry;
  }

  // normalisePath, remembered for the targets seen last (a hot target is
  // not decoded and split again on every request).
  #normalised(target: string): string | undefined {
    let path = this.#paths.get(target);
    if (path === undefined && !this.#paths.has(target)) {
      path = normalisePath(target);
      if (this.#paths.size >= 10_000) this.#paths.clear();
      this.#paths.set(target, path);
    }
    return path;
  }
}

/**
 * The files under `root` (or `options.builtin` when `root` is undefined):
 * a {@linkcode StaticFiles}. Throws `Error` when `root` is not a readable
 * directory.
 *
 * @example The built-in page on an in-memory network
 * ```ts
 * import assert from "node:assert/strict";
 * import { staticHandler } from "./http_static.ts";
 * const files = staticHandler(undefined, { builtin: new Map([["/", new Uint8Array(3)]]) });
 * assert.equal(files.stats.responses.size, 0);
 * ```
 */
export function staticHandler(root: string | undefined, options: StaticOptions = {}): StaticFiles {
  return new StaticFiles(root, options);
}

/**
 * The built-in responder: GET and HEAD of in-memory bodies found by
 * `lookup` (404 for none), on the same HTTP core as the file server.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { httpHandler } from "./http_static.ts";
 * import { ServerConnection } from "./tcp_server.ts";
 * const h = httpHandler(() => undefined);
 * const c = new ServerConnection(3);
 * h.onOpen(c);
 * h.onData(c, new TextEncoder().encode("GET /x HTTP/1.1\r\nHost: a\r\n\r\n"));
 * assert.match(new TextDecoder().decode(c.out[0] as Uint8Array), /^HTTP\/1\.1 404 Not Found/);
 * ```
 */
export function httpHandler(lookup: BodyLookup): StaticFiles {
  return new StaticFiles(undefined, { lookup });
}
