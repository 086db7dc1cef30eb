/**
 * The static file server of `serve --http DIR`: HTTP/1.1 on
 * {@linkcode runTcpServer}, in the spirit of mTCP's epserver.
 *
 * - GET and HEAD; keep-alive (HTTP/1.1 by default, HTTP/1.0 on request) and
 *   pipelining; Content-Length on every response; Content-Type from the
 *   file's extension; `index.html` for a directory.
 * - Range requests: one `bytes=` range gives 206 with Content-Range; a range
 *   past the end gives 416; several ranges are answered with the whole file.
 * - Errors: 400 (malformed request, missing Host in HTTP/1.1), 404, 405 (with
 *   Allow), 414 (request line over 8 KiB), 431 (head over 16 KiB), 505.
 * - No path leaves the root: the decoded path is normalised, and the real
 *   path (symlinks resolved) must lie inside the root's real path; a NUL or
 *   an escape is 404, as for a file that is not there.
 * - Files up to 64 KiB are cached in memory (revalidated by size and mtime,
 *   like epserver's cache but safe against edits); for those up to 16 KiB the
 *   whole 200 response (head and body) is kept too, once per kind of
 *   connection, and sent in one write. Larger files are streamed
 *   a chunk at a time as the send window opens. A path's resolution
 *   (realpath and stat) is reused for a second, as nginx's open_file_cache
 *   does, so a hot file costs no system call per request; an edit or a new
 *   file is seen within that second.
 *
 * @module
 */

import type { ChunkSource, ServerConnection, ServerHandler } from "./tcp_server.ts";

/** Options of {@linkcode staticHandler}. */
export interface StaticOptions {
  /** Largest file kept in memory (default 65536). */
  cacheFileBytes?: number;
  /** Most bytes the cache holds (default 64 MiB). */
  cacheTotalBytes?: number;
  /** Served when no directory is given: path to body. */
  builtin?: Map<string, Uint8Array>;
  /** How long a path's resolution (realpath, stat) is reused, in ms (default 1000; 0: never). */
  statCacheMs?: number;
}

/** Counters of a static server, by status code. */
export interface StaticStats {
  /** Responses by status code. */
  responses: Map<number, number>;
  /** Cache hits. */
  cacheHits: number;
}

const MAX_REQUEST_LINE = 8192;
const MAX_HEAD = 16384;

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  htm: "text/html; charset=utf-8",
  txt: "text/plain; charset=utf-8",
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  json: "application/json",
  xml: "application/xml",
  svg: "image/svg+xml",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  ico: "image/x-icon",
  pdf: "application/pdf",
  wasm: "application/wasm",
  mp4: "video/mp4",
  webm: "video/webm",
  mp3: "audio/mpeg",
  woff: "font/woff",
  woff2: "font/woff2",
  gz: "application/gzip",
  zip: "application/zip",
  tar: "application/x-tar",
};

/** The Content-Type of a file name, by its extension. */
export function contentType(name: string): string {
  const dot = name.lastIndexOf(".");
  const slash = name.lastIndexOf("/");
  if (dot <= slash + 1) return "application/octet-stream";
  return TYPES[name.slice(dot + 1).toLowerCase()] ?? "application/octet-stream";
}

const REASONS: Record<number, string> = {
  200: "OK",
  206: "Partial Content",
  400: "Bad Request",
  404: "Not Found",
  405: "Method Not Allowed",
  414: "URI Too Long",
  416: "Range Not Satisfiable",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  505: "HTTP Version Not Supported",
};

/**
 * Normalises a request target's path: percent-decoded, `.` and `..`
 * resolved without climbing above `/`. `undefined` for a target that is not
 * an origin-form path, bad escapes, a NUL, or a `..` that would climb out.
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

/** A parsed `Range: bytes=...` for a file of `size` bytes: the range, "unsatisfiable", or undefined (ignore). */
export function parseRange(
  header: string,
  size: number,
): { start: number; end: number } | "unsatisfiable" | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (m === null) return undefined; // several ranges or another unit: serve it all
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
    if (b !== "" && Number(b) < start) return undefined; // invalid: ignore (RFC 9110 §14.1.1)
  }
  if (start >= size || size === 0) return "unsatisfiable";
  return { start, end };
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
}

/** Files up to this size keep whole responses beside their bytes. */
const WHOLE_RESPONSE_BYTES = 16384;

/** 0: HTTP/1.1 kept alive; 1: closed after the response; 2: HTTP/1.0 kept alive. */
function connectionVariant(close: boolean, http10: boolean): number {
  return close ? 1 : http10 ? 2 : 0;
}

class FileSource implements ChunkSource {
  #file: Deno.FsFile | undefined;
  #left: number = 0;
  constructor(file: Deno.FsFile, start: number, length: number) {
    this.#file = file;
    this.#left = length;
    if (start > 0) file.seekSync(start, Deno.SeekMode.Start);
  }
  read(into: Uint8Array): number {
    if (this.#file === undefined || this.#left <= 0) return 0;
    const want = Math.min(into.length, this.#left);
    const n = this.#file.readSync(want === into.length ? into : into.subarray(0, want));
    // Shorter than when it was opened: the promised length cannot be sent.
    if (n === null || n <= 0) throw new Error("the file shrank while it was sent");
    this.#left -= n;
    return n;
  }
  close(): void {
    this.#file?.close();
    this.#file = undefined;
  }
}

interface ConnState {
  head: string;
  /** The request being answered is HTTP/1.0 (a kept-alive one must say so). */
  http10: boolean;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("latin1");

/**
 * A handler serving the files under `root` (or `options.builtin` when `root`
 * is undefined). Throws `Error` when `root` is not a readable directory.
 */
export function staticHandler(
  root: string | undefined,
  options: StaticOptions = {},
): ServerHandler & { stats: StaticStats } {
  let realRoot: string | undefined;
  if (root !== undefined) {
    try {
      realRoot = Deno.realPathSync(root);
      if (!Deno.statSync(realRoot).isDirectory) throw new Error("not a directory");
    } catch (err) {
      const why = err instanceof Deno.errors.NotFound
        ? "no such directory"
        : err instanceof Error
        ? err.message
        : String(err);
      throw new Error(`Cannot serve ${root}: ${why}`);
    }
  }
  const cacheFile = options.cacheFileBytes ?? 65536;
  const cacheTotal = options.cacheTotalBytes ?? 64 << 20;
  const cache = new Map<string, CacheEntry>();
  let cached = 0;
  const stats: StaticStats = { responses: new Map(), cacheHits: 0 };

  const count = (status: number) => {
    stats.responses.set(status, (stats.responses.get(status) ?? 0) + 1);
  };
  const headText = (
    status: number,
    headers: string,
    length: number,
    close: boolean,
    http10: boolean,
  ) =>
    `HTTP/1.1 ${status} ${REASONS[status]}\r\nServer: mtcp-deno\r\n${headers}` +
    `Content-Length: ${length}\r\n${
      close ? "Connection: close\r\n" : http10 ? "Connection: keep-alive\r\n" : ""
    }\r\n`;
  const respond = (
    c: ServerConnection,
    status: number,
    headers: string,
    length: number,
    close: boolean,
  ) => {
    count(status);
    c.send(encoder.encode(headText(status, headers, length, close, (c.state as ConnState).http10)));
  };
  const fileHeaders = (real: string, mtime: Date | null) =>
    `Content-Type: ${contentType(real)}\r\nAccept-Ranges: bytes\r\n` +
    (mtime !== null ? `Last-Modified: ${mtime.toUTCString()}\r\n` : "");
  const error = (c: ServerConnection, status: number, close: boolean, extra = "") => {
    const body = encoder.encode(`${status} ${REASONS[status]}\n`);
    respond(c, status, `Content-Type: text/plain; charset=utf-8\r\n${extra}`, body.length, close);
    c.send(body);
    if (close) c.end();
  };

  // Resolves a normalised path to a regular file inside the root.
  // Resolutions are kept for statCacheMs, like nginx's open_file_cache: a
  // hot file costs no system call per request (realpath and stat are the
  // largest part of a small request's CPU otherwise).
  const statCacheMs = options.statCacheMs ?? 1000;
  const resolved = new Map<
    string,
    { found: { real: string; info: Deno.FileInfo } | undefined; at: number }
  >();
  const resolve = (path: string): { real: string; info: Deno.FileInfo } | undefined => {
    if (statCacheMs <= 0) return resolveNow(path);
    const now = performance.now();
    const hit = resolved.get(path);
    if (hit !== undefined && now - hit.at < statCacheMs) return hit.found;
    const found = resolveNow(path);
    if (resolved.size >= 10_000) resolved.clear();
    resolved.set(path, { found, at: now });
    return found;
  };
  const resolveNow = (path: string): { real: string; info: Deno.FileInfo } | undefined => {
    if (realRoot === undefined) return undefined;
    try {
      let real = Deno.realPathSync(realRoot + path);
      if (real !== realRoot && !real.startsWith(realRoot + "/")) return undefined;
      let info = Deno.statSync(real);
      if (info.isDirectory) {
        real = Deno.realPathSync(real + "/index.html");
        if (!real.startsWith(realRoot + "/")) return undefined;
        info = Deno.statSync(real);
      }
      return info.isFile ? { real, info } : undefined;
    } catch {
      return undefined;
    }
  };

  // The cache entry of a file (read now when it is missing or changed), or
  // undefined when it cannot be read.
  const cachedFile = (real: string, size: number, mtime: number): CacheEntry | undefined => {
    let entry = cache.get(real);
    if (entry !== undefined && entry.mtime === mtime && entry.bytes.length === size) {
      stats.cacheHits++;
      return entry;
    }
    let bytes: Uint8Array;
    try {
      bytes = Deno.readFileSync(real);
    } catch {
      return undefined;
    }
    if (entry !== undefined) {
      cache.delete(real);
      cached -= entry.bytes.length;
      for (const w of entry.whole ?? []) cached -= w?.length ?? 0;
    }
    entry = { bytes, mtime, whole: undefined };
    if (cached + bytes.length <= cacheTotal) {
      cache.set(real, entry);
      cached += bytes.length;
    }
    return entry;
  };

  // normalisePath, remembered for the targets seen last (a hot target is
  // not decoded and split again on every request).
  const paths = new Map<string, string | undefined>();
  const normalised = (target: string): string | undefined => {
    let path = paths.get(target);
    if (path === undefined && !paths.has(target)) {
      path = normalisePath(target);
      if (paths.size >= 10_000) paths.clear();
      paths.set(target, path);
    }
    return path;
  };

  const serve = (
    c: ServerConnection,
    head: boolean,
    target: string,
    range: string | undefined,
    close: boolean,
  ) => {
    const path = normalised(target);
    if (path === undefined) return error(c, target.startsWith("/") ? 404 : 400, close);
    if (realRoot === undefined) {
      const body = options.builtin?.get(path) ?? options.builtin?.get(path + "index.html");
      if (body === undefined) return error(c, 404, close);
      respond(
        c,
        200,
        `Content-Type: ${contentType(path.endsWith("/") ? "index.html" : path)}\r\n`,
        body.length,
        close,
      );
      if (!head) c.send(body);
      if (close) c.end();
      return;
    }
    const found = resolve(path);
    if (found === undefined) return error(c, 404, close);
    const size = found.info.size;
    const mtime = found.info.mtime?.getTime() ?? 0;
    let start = 0;
    let end = size - 1;
    let status = 200;
    if (range === undefined && !head && size <= Math.min(cacheFile, WHOLE_RESPONSE_BYTES)) {
      // A whole small file: its response is kept ready, head and body.
      const entry = cachedFile(found.real, size, mtime);
      if (entry === undefined) return error(c, 404, close);
      const v = connectionVariant(close, (c.state as ConnState).http10);
      entry.whole ??= [undefined, undefined, undefined];
      let whole = entry.whole[v];
      if (whole === undefined) {
        const body = entry.bytes;
        const headBytes = encoder.encode(
          headText(200, fileHeaders(found.real, found.info.mtime), body.length, close, v === 2),
        );
        whole = new Uint8Array(headBytes.length + body.length);
        whole.set(headBytes);
        whole.set(body, headBytes.length);
        entry.whole[v] = whole;
        if (cache.get(found.real) === entry) cached += whole.length;
      }
      count(200);
      c.send(whole);
      if (close) c.end();
      return;
    }
    let extra = fileHeaders(found.real, found.info.mtime);
    if (range !== undefined) {
      const r = parseRange(range, size);
      if (r === "unsatisfiable") return error(c, 416, close, `Content-Range: bytes */${size}\r\n`);
      if (r !== undefined) {
        start = r.start;
        end = r.end;
        status = 206;
        extra += `Content-Range: bytes ${start}-${end}/${size}\r\n`;
      }
    }
    const length = size === 0 ? 0 : end - start + 1;
    if (size <= cacheFile) {
      const entry = cachedFile(found.real, size, mtime);
      if (entry === undefined) return error(c, 404, close);
      respond(c, status, extra, length, close);
      if (!head && length > 0) c.send(entry.bytes.subarray(start, start + length));
    } else {
      let file: Deno.FsFile;
      try {
        file = Deno.openSync(found.real, { read: true });
      } catch {
        return error(c, 404, close);
      }
      respond(c, status, extra, length, close);
      if (head || length === 0) file.close();
      else c.stream(new FileSource(file, start, length));
    }
    if (close) c.end();
  };

  return {
    stats,
    onOpen: (c) => {
      c.state = { head: "", http10: false } satisfies ConnState;
    },
    onData: (c, data) => {
      const s = c.state as ConnState;
      if (c.closing) return;
      s.head += decoder.decode(data);
      for (;;) {
        const end = s.head.indexOf("\r\n\r\n");
        if (end < 0) {
          const lineEnd = s.head.indexOf("\r\n");
          if ((lineEnd < 0 ? s.head.length : lineEnd) > MAX_REQUEST_LINE) {
            return error(c, 414, true);
          }
          if (s.head.length > MAX_HEAD) return error(c, 431, true);
          return;
        }
        const request = s.head.slice(0, end);
        s.head = s.head.slice(end + 4);
        const lines = request.split("\r\n");
        const line = lines[0]!;
        if (line.length > MAX_REQUEST_LINE) return error(c, 414, true);
        if (request.length > MAX_HEAD) return error(c, 431, true);
        const parts = line.split(" ");
        if (parts.length !== 3) return error(c, 400, true);
        const [method, target, version] = parts as [string, string, string];
        if (!/^HTTP\/\d\.\d$/.test(version)) return error(c, 400, true);
        if (version !== "HTTP/1.1" && version !== "HTTP/1.0") return error(c, 505, true);
        let close = version === "HTTP/1.0";
        s.http10 = close;
        let host = false;
        let range: string | undefined;
        for (const h of lines.slice(1)) {
          const colon = h.indexOf(":");
          if (colon <= 0 || /\s/.test(h.slice(0, colon))) return error(c, 400, true);
          const name = h.slice(0, colon).toLowerCase();
          const value = h.slice(colon + 1).trim();
          if (name === "host") host = true;
          else if (name === "connection") {
            const v = value.toLowerCase();
            if (v.includes("close")) close = true;
            else if (v.includes("keep-alive")) close = false;
          } else if (name === "range") range = value;
          else if (name === "content-length" && value !== "0") return error(c, 400, true);
          else if (name === "transfer-encoding") return error(c, 400, true);
        }
        // RFC 9112 §3.2: a 1.1 request without Host is answered with 400.
        if (version === "HTTP/1.1" && !host) return error(c, 400, true);
        if (method !== "GET" && method !== "HEAD") {
          error(c, 405, close, "Allow: GET, HEAD\r\n");
          if (close) return;
          continue;
        }
        serve(c, method === "HEAD", target, range, close);
        if (close) return;
      }
    },
  };
}
