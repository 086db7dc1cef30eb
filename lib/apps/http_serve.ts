/**
 * Serves a standard `(request: Request) => Response | Promise<Response>`
 * handler over the user-space stack, so that Deno handler code runs on it
 * unchanged: HTTP/1.1 with keep-alive, request bodies by Content-Length or
 * chunked encoding as a `ReadableStream`, and response bodies streamed as the
 * send window opens: with their Content-Length when the handler set one,
 * chunked otherwise.
 *
 * @example Serve a handler, then ask it something from a second stack
 * ```ts
 * import { createStack, MemoryNetwork, serveHttp } from "../../mod.ts";
 *
 * const network = new MemoryNetwork();
 * await using server = createStack({ network, address: "10.0.0.2/24" });
 * await using client = createStack({ network, address: "10.0.0.1/24" });
 * await using http = serveHttp(server, { port: 8080 }, (req) =>
 *   new Response(`hello ${new URL(req.url).pathname}`));
 * const conn = await client.connect({ hostname: "10.0.0.2", port: 8080 });
 * await conn.write(new TextEncoder().encode("GET /deno HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
 * const reply = await new Response(conn.readable).text();
 * console.log(reply.endsWith("hello /deno")); // true
 * ```
 *
 * @module
 */

import {
  type NetAddr,
  type NetStack,
  SocketError,
  type TcpConn,
  type TcpListener,
} from "../api/deno_net.ts";

/**
 * Options of {@linkcode serveHttp}.
 *
 * @example onListen and an AbortSignal that stops the server
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryNetwork, type ServeHttpOptions, createStack, serveHttp } from "../../mod.ts";
 * const network = new MemoryNetwork({ clock: "system" });
 * await using server = createStack({ network, address: "10.0.0.1/24" });
 * await using client = createStack({ network, address: "10.0.0.2/24" });
 * const stop = new AbortController();
 * let listening = "";
 * const options: ServeHttpOptions = { port: 8000, signal: stop.signal, onListen: (a) => listening = `${a.hostname}:${a.port}` };
 * const http = serveHttp(server, options, () => new Response("ok"));
 * assert.equal(listening, "0.0.0.0:8000");
 * stop.abort();
 * await http.finished;
 * ```
 */
export interface ServeHttpOptions {
  /** Port to listen on. */
  port: number;
  /** Local address (default: any). */
  hostname?: string;
  /** Stops the server: no new connections, open ones end after their current response. */
  signal?: AbortSignal;
  /** Called once listening. */
  onListen?: (addr: NetAddr) => void;
  /** Turns a handler's exception into a response (default: 500). */
  onError?: (error: unknown) => Response | Promise<Response>;
}

/**
 * What the handler gets besides the request.
 *
 * @example The client's address, beside the request
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryNetwork, type ServeHttpInfo, createStack, serveHttp } from "../../mod.ts";
 * const network = new MemoryNetwork({ clock: "system" });
 * await using server = createStack({ network, address: "10.0.0.1/24" });
 * await using client = createStack({ network, address: "10.0.0.2/24" });
 * await using _server = serveHttp(server, { port: 80 }, (_req, info: ServeHttpInfo) => new Response(info.remoteAddr.hostname));
 * const conn = await client.connect({ hostname: "10.0.0.1", port: 80 });
 * await conn.write(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
 * assert.match(await new Response(conn.readable).text(), /10\.0\.0\.2$/);
 * ```
 */
export interface ServeHttpInfo {
  /** The client's address. */
  remoteAddr: NetAddr;
}

/**
 * A handler, as for `Deno.serve`.
 *
 * @example A handler that may be async
 * ```ts
 * import assert from "node:assert/strict";
 * import { type HttpHandler, MemoryNetwork, createStack, serveHttp } from "../../mod.ts";
 * const network = new MemoryNetwork({ clock: "system" });
 * await using server = createStack({ network, address: "10.0.0.1/24" });
 * await using client = createStack({ network, address: "10.0.0.2/24" });
 * const handler: HttpHandler = async (req) => new Response((await req.text()).toUpperCase());
 * await using _server = serveHttp(server, { port: 80 }, handler);
 * const conn = await client.connect({ hostname: "10.0.0.1", port: 80 });
 * await conn.write(new TextEncoder().encode("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc"));
 * assert.match(await new Response(conn.readable).text(), /ABC$/);
 * ```
 */
export type HttpHandler = (request: Request, info: ServeHttpInfo) => Response | Promise<Response>;

/**
 * A running server, shaped like `Deno.HttpServer`.
 *
 * @example Shutting a server down ends `finished`
 * ```ts
 * import assert from "node:assert/strict";
 * import { type HttpServer, MemoryNetwork, SocketError, createStack, serveHttp } from "../../mod.ts";
 * const network = new MemoryNetwork({ clock: "system" });
 * await using server = createStack({ network, address: "10.0.0.1/24" });
 * await using client = createStack({ network, address: "10.0.0.2/24" });
 * const http: HttpServer = serveHttp(server, { port: 80 }, () => new Response("ok"));
 * assert.equal(http.addr.port, 80);
 * await http.shutdown();
 * await http.finished;
 * await assert.rejects(client.connect({ hostname: "10.0.0.1", port: 80 }), SocketError);
 * ```
 */
export interface HttpServer extends AsyncDisposable {
  /** Where it listens. */
  readonly addr: NetAddr;
  /** Resolves when the server has stopped and its connections are done. */
  readonly finished: Promise<void>;
  /** Stops accepting, lets open connections finish their current response, resolves at the end. */
  shutdown(): Promise<void>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("latin1");
const MAX_HEAD = 16384;

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** Buffered reading from a connection. */
class Reader {
  #buf = new Uint8Array(16384);
  #start = 0;
  #end = 0;
  constructor(private readonly conn: TcpConn) {}

  get buffered(): number {
    return this.#end - this.#start;
  }

  async fill(): Promise<boolean> {
    if (this.#start > 0 && this.#start === this.#end) this.#start = this.#end = 0;
    if (this.#end === this.#buf.length) {
      const bigger = new Uint8Array(Math.max(this.#buf.length * 2, 16384));
      bigger.set(this.#buf.subarray(this.#start, this.#end));
      this.#end -= this.#start;
      this.#start = 0;
      this.#buf = bigger;
    }
    const n = await this.conn.read(this.#buf.subarray(this.#end));
    if (n === null) return false;
    this.#end += n;
    return true;
  }

  /** The bytes up to and without `\r\n\r\n`, or null at a clean end of stream. */
  async head(): Promise<string | null> {
    for (;;) {
      const b = this.#buf;
      for (let i = this.#start; i + 3 < this.#end; i++) {
        if (b[i] === 13 && b[i + 1] === 10 && b[i + 2] === 13 && b[i + 3] === 10) {
          const text = decoder.decode(b.subarray(this.#start, i));
          this.#start = i + 4;
          return text;
        }
      }
      if (this.buffered > MAX_HEAD) throw new HttpError(431, "Request header fields too large");
      if (!(await this.fill())) {
        if (this.buffered === 0) return null;
        throw new HttpError(400, "Truncated request");
      }
    }
  }

  /** One line (for chunk sizes), without its CRLF. */
  async line(): Promise<string> {
    for (;;) {
      const b = this.#buf;
      for (let i = this.#start; i + 1 < this.#end; i++) {
        if (b[i] === 13 && b[i + 1] === 10) {
          const text = decoder.decode(b.subarray(this.#start, i));
          this.#start = i + 2;
          return text;
        }
      }
      if (this.buffered > 4096) throw new HttpError(400, "Line too long");
      if (!(await this.fill())) throw new HttpError(400, "Truncated body");
    }
  }

  /** Up to `max` bytes (a copy), waiting for at least one; null at the end of stream. */
  async some(max: number): Promise<Uint8Array | null> {
    if (this.buffered === 0 && !(await this.fill())) return null;
    const n = Math.min(max, this.buffered);
    const out = this.#buf.slice(this.#start, this.#start + n);
    this.#start += n;
    return out;
  }
}

function requestBody(reader: Reader, length: number, chunked: boolean): {
  stream: ReadableStream<Uint8Array> | null;
  drain: () => Promise<void>;
} {
  if (!chunked && length === 0) return { stream: null, drain: () => Promise.resolve() };
  let left = length;
  let chunkLeft = 0;
  let done = false;
  const next = async (): Promise<Uint8Array | null> => {
    if (done) return null;
    if (!chunked) {
      if (left === 0) {
        done = true;
        return null;
      }
      const part = await reader.some(left);
      if (part === null) throw new HttpError(400, "Truncated body");
      left -= part.length;
      return part;
    }
    if (chunkLeft === 0) {
      const size = parseInt((await reader.line()).split(";")[0]!.trim(), 16);
      if (!Number.isFinite(size) || size < 0) throw new HttpError(400, "Bad chunk size");
      if (size === 0) {
        while ((await reader.line()) !== ""); // trailers
        done = true;
        return null;
      }
      chunkLeft = size;
    }
    const part = await reader.some(chunkLeft);
    if (part === null) throw new HttpError(400, "Truncated body");
    chunkLeft -= part.length;
    if (chunkLeft === 0 && (await reader.line()) !== "") throw new HttpError(400, "Bad chunk end");
    return part;
  };
  const stream = new ReadableStream<Uint8Array>({
    pull: async (controller) => {
      const part = await next();
      if (part === null) controller.close();
      else controller.enqueue(part);
    },
  }, { highWaterMark: 0 });
  return {
    stream,
    // Reads what the handler left unread, so the next request starts where it should.
    drain: async () => {
      while ((await next()) !== null);
    },
  };
}

async function writeAll(conn: TcpConn, data: Uint8Array): Promise<void> {
  let off = 0;
  while (off < data.length) off += await conn.write(off === 0 ? data : data.subarray(off));
}

const REASONS: Record<number, string> = {
  200: "OK",
  201: "Created",
  204: "No Content",
  206: "Partial Content",
  301: "Moved Permanently",
  302: "Found",
  304: "Not Modified",
  400: "Bad Request",
  404: "Not Found",
  405: "Method Not Allowed",
  413: "Content Too Large",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
  505: "HTTP Version Not Supported",
};

/** `read`'s result if it settles within this turn of the event loop, else undefined. */
async function readNow(
  read: Promise<ReadableStreamReadResult<Uint8Array>>,
): Promise<ReadableStreamReadResult<Uint8Array> | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const later = new Promise<undefined>((resolve) =>
    timer = setTimeout(() => resolve(undefined), 0)
  );
  try {
    return await Promise.race([read, later]);
  } finally {
    clearTimeout(timer);
  }
}

/** A body of at most this many bytes, complete when first read, is sent with its Content-Length. */
const SMALL_BODY = 65536;

async function writeResponse(
  conn: TcpConn,
  res: Response,
  head: boolean,
  close: boolean,
  http10 = false,
): Promise<void> {
  const status = res.status;
  const noBody = head || status === 204 || status === 304 || (status >= 100 && status < 200);
  let text = `HTTP/1.1 ${status} ${res.statusText || REASONS[status] || "Unknown"}\r\n`;
  let length = res.headers.get("content-length");
  res.headers.forEach((value, name) => {
    if (name === "connection" || name === "transfer-encoding" || name === "content-length") return;
    text += `${name}: ${value}\r\n`;
  });
  const reader = noBody || res.body === null ? undefined : res.body.getReader();
  // Read ahead up to SMALL_BODY: a body that ends within it gets a
  // Content-Length (as Deno.serve gives a string or buffer body); a longer
  // one without a Content-Length from the handler is streamed chunked.
  // Only what is ready at once is read ahead: a slow stream is not held
  // back waiting for its end.
  const first: Uint8Array[] = [];
  let ended = reader === undefined;
  let pending: Promise<ReadableStreamReadResult<Uint8Array>> | undefined;
  if (reader !== undefined && length === null) {
    let size = 0;
    while (size <= SMALL_BODY) {
      const read = reader.read();
      const r = await readNow(read);
      if (r === undefined) {
        pending = read;
        break;
      }
      if (r.done) {
        ended = true;
        break;
      }
      first.push(r.value);
      size += r.value.length;
    }
    if (ended) length = String(size);
  }
  if (res.body === null && !noBody) length = "0";
  const chunked = length === null && !noBody;
  if (length !== null && status !== 204 && status !== 304) text += `content-length: ${length}\r\n`;
  if (chunked) text += "transfer-encoding: chunked\r\n";
  if (close) text += "connection: close\r\n";
  else if (http10) text += "connection: keep-alive\r\n"; // HTTP/1.0 keeps alive only when told
  await writeAll(conn, encoder.encode(text + "\r\n"));
  if (reader === undefined) {
    await res.body?.cancel();
    return;
  }
  const send = async (value: Uint8Array) => {
    if (value.length === 0) return;
    if (chunked) {
      await writeAll(conn, encoder.encode(`${value.length.toString(16)}\r\n`));
      await writeAll(conn, value);
      await writeAll(conn, encoder.encode("\r\n"));
    } else {
      await writeAll(conn, value);
    }
  };
  try {
    for (const value of first) await send(value);
    while (!ended) {
      const { value, done } = await (pending ?? reader.read());
      pending = undefined;
      if (done) break;
      await send(value);
    }
    if (chunked) await writeAll(conn, encoder.encode("0\r\n\r\n"));
  } finally {
    reader.releaseLock();
  }
}

async function handleConnection(
  conn: TcpConn,
  handler: HttpHandler,
  options: ServeHttpOptions,
  stopping: () => boolean,
): Promise<void> {
  const reader = new Reader(conn);
  const host = `${conn.localAddr.hostname}:${conn.localAddr.port}`;
  try {
    for (;;) {
      let head: string | null;
      try {
        head = await reader.head();
      } catch (err) {
        if (err instanceof HttpError) {
          await writeResponse(
            conn,
            new Response(`${err.message}\n`, { status: err.status }),
            false,
            true,
          );
        }
        return;
      }
      if (head === null) return;
      const lines = head.split("\r\n");
      const [method, target, version] = lines[0]!.split(" ");
      if (
        method === undefined || target === undefined || version === undefined ||
        !/^HTTP\/1\.[01]$/.test(version)
      ) {
        await writeResponse(conn, new Response("Bad request line\n", { status: 400 }), false, true);
        return;
      }
      const headers = new Headers();
      let bad = false;
      for (const line of lines.slice(1)) {
        const c = line.indexOf(":");
        if (c <= 0) {
          bad = true;
          break;
        }
        try {
          headers.append(line.slice(0, c).trim(), line.slice(c + 1).trim());
        } catch {
          bad = true;
          break;
        }
      }
      if (bad) {
        await writeResponse(conn, new Response("Bad header\n", { status: 400 }), false, true);
        return;
      }
      const connection = headers.get("connection")?.toLowerCase() ?? "";
      let close = version === "HTTP/1.0"
        ? !connection.includes("keep-alive")
        : connection.includes("close");
      const te = headers.get("transfer-encoding")?.toLowerCase();
      const chunked = te !== undefined && te !== null && te.includes("chunked");
      const length = Number(headers.get("content-length") ?? "0");
      if (!chunked && !(Number.isInteger(length) && length >= 0)) {
        await writeResponse(
          conn,
          new Response("Bad content-length\n", { status: 400 }),
          false,
          true,
        );
        return;
      }
      const body = requestBody(reader, length, chunked);
      const url = target.startsWith("/")
        ? `http://${headers.get("host") ?? host}${target}`
        : target;
      let res: Response;
      try {
        const hasBody = method !== "GET" && method !== "HEAD" && body.stream !== null;
        const req = new Request(url, {
          method,
          headers,
          ...(hasBody ? { body: body.stream, duplex: "half" } as RequestInit : {}),
        });
        res = await handler(req, { remoteAddr: conn.remoteAddr });
      } catch (err) {
        res = options.onError !== undefined
          ? await options.onError(err)
          : new Response("Internal Server Error\n", { status: 500 });
      }
      if (stopping()) close = true;
      if (res.headers.get("connection")?.toLowerCase() === "close") close = true;
      await writeResponse(conn, res, method === "HEAD", close, version === "HTTP/1.0");
      if (close) return;
      await body.drain();
    }
  } catch (err) {
    if (!(err instanceof SocketError) && !(err instanceof HttpError)) throw err;
  } finally {
    conn.close();
  }
}

/**
 * Serves `handler` on `stack` at `options.port`. Throws {@linkcode SocketError}
 * EADDRINUSE when the port is taken.
 *
 * @example A Deno.serve-style handler on the user-space stack
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryNetwork, createStack, serveHttp } from "../../mod.ts";
 * const network = new MemoryNetwork({ clock: "system" });
 * await using server = createStack({ network, address: "10.0.0.1/24" });
 * await using client = createStack({ network, address: "10.0.0.2/24" });
 * await using _server = serveHttp(server, { port: 8080 }, (req) => new Response(`hi ${new URL(req.url).pathname}`));
 * const conn = await client.connect({ hostname: "10.0.0.1", port: 8080 });
 * await conn.write(new TextEncoder().encode("GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
 * assert.match(await new Response(conn.readable).text(), /^HTTP\/1\.1 200 OK[\s\S]*hi \/x$/);
 * ```
 */
export function serveHttp(
  stack: NetStack,
  options: ServeHttpOptions,
  handler: HttpHandler,
): HttpServer {
  const listener: TcpListener = stack.listen({
    port: options.port,
    ...(options.hostname !== undefined ? { hostname: options.hostname } : {}),
  });
  options.onListen?.(listener.addr);
  const open = new Set<Promise<void>>();
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    listener.close();
  };
  options.signal?.addEventListener("abort", stop, { once: true });
  const finished = (async () => {
    for await (const conn of listener) {
      const p = handleConnection(conn, handler, options, () => stopping).catch(() => {});
      open.add(p);
      void p.finally(() => open.delete(p));
    }
    await Promise.all(open);
  })();
  return {
    addr: listener.addr,
    finished,
    shutdown: async () => {
      stop();
      await finished;
    },
    [Symbol.asyncDispose]: async () => {
      stop();
      await finished;
    },
  };
}
