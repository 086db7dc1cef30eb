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
import {
  bodyless,
  formatResponseHead,
  HttpError,
  type HttpLimits,
  parseChunkSize,
  type RequestHead,
  RequestParser,
} from "../http/mod.ts";

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
  /** The request parser's limits (default `DEFAULT_HTTP_LIMITS` of `lib/http`). */
  limits?: HttpLimits;
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

/** Buffered reading from a connection, through the one request parser. */
class Reader {
  readonly #scratch = new Uint8Array(16384);
  readonly #parser: RequestParser;
  readonly #conn: TcpConn;
  constructor(conn: TcpConn, limits: HttpLimits | undefined) {
    this.#conn = conn;
    this.#parser = new RequestParser(limits);
  }

  // Reads once into the scratch buffer and lends it to the parser: the
  // parser copies what it has not consumed before it asks for more, so the
  // next read may overwrite it.
  async #fill(): Promise<boolean> {
    const n = await this.#conn.read(this.#scratch);
    if (n === null) return false;
    this.#parser.feed(this.#scratch.subarray(0, n));
    return true;
  }

  /** The next request head, or null at a clean end of stream; throws HttpError. */
  async head(): Promise<RequestHead | null> {
    for (;;) {
      const head = this.#parser.next();
      if (head instanceof HttpError) throw head;
      if (head !== undefined) return head;
      if (!(await this.#fill())) {
        if (this.#parser.buffered === 0) return null;
        throw new HttpError(400, "truncated request");
      }
    }
  }

  /** One line of a chunked body, without its CRLF. */
  async line(): Promise<string> {
    for (;;) {
      const line = this.#parser.line();
      if (line instanceof HttpError) throw line;
      if (line !== undefined) return line;
      if (!(await this.#fill())) throw new HttpError(400, "truncated body");
    }
  }

  /** Up to `max` bytes (a copy), waiting for at least one; null at the end of stream. */
  async some(max: number): Promise<Uint8Array | null> {
    const part = this.#parser.take(max);
    if (part !== undefined) return part;
    if (!(await this.#fill())) return null;
    return this.#parser.take(max) ?? null;
  }
}

function requestBody(reader: Reader, length: number, chunked: boolean): {
  stream: ReadableStream<Uint8Array> | null;
  drain: () => Promise<void>;
} {
  if (!chunked && length <= 0) return { stream: null, drain: () => Promise.resolve() };
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
      if (part === null) throw new HttpError(400, "truncated body");
      left -= part.length;
      return part;
    }
    if (chunkLeft === 0) {
      const size = parseChunkSize(await reader.line());
      if (size < 0) throw new HttpError(400, "bad chunk size");
      if (size === 0) {
        while ((await reader.line()) !== ""); // trailers
        done = true;
        return null;
      }
      chunkLeft = size;
    }
    const part = await reader.some(chunkLeft);
    if (part === null) throw new HttpError(400, "truncated body");
    chunkLeft -= part.length;
    if (chunkLeft === 0 && (await reader.line()) !== "") throw new HttpError(400, "bad chunk end");
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

interface ReadAhead {
  first: Uint8Array[];
  size: number;
  ended: boolean;
  pending: Promise<ReadableStreamReadResult<Uint8Array>> | undefined;
}

// Reads ahead up to SMALL_BODY: a body that ends within it gets a
// Content-Length (as Deno.serve gives a string or buffer body); a longer one
// without a Content-Length from the handler is streamed chunked. Only what
// is ready at once is read ahead: a slow stream is not held back waiting for
// its end.
async function readAhead(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<ReadAhead> {
  const r: ReadAhead = { first: [], size: 0, ended: false, pending: undefined };
  while (r.size <= SMALL_BODY) {
    const read = reader.read();
    const got = await readNow(read);
    if (got === undefined) {
      r.pending = read;
      break;
    }
    if (got.done) {
      r.ended = true;
      break;
    }
    r.first.push(got.value);
    r.size += got.value.length;
  }
  return r;
}

async function writeResponse(
  conn: TcpConn,
  res: Response,
  method: string,
  close: boolean,
  http10 = false,
): Promise<void> {
  const status = res.status;
  const noBody = bodyless(method, status);
  let fields = "";
  res.headers.forEach((value, name) => {
    if (name === "connection" || name === "transfer-encoding" || name === "content-length") return;
    fields += `${name}: ${value}\r\n`;
  });
  const given = res.headers.get("content-length");
  let length: number | undefined = given === null ? undefined : Number(given);
  const reader = noBody || res.body === null ? undefined : res.body.getReader();
  const ahead: ReadAhead = reader !== undefined && length === undefined
    ? await readAhead(reader)
    : { first: [], size: 0, ended: reader === undefined, pending: undefined };
  if (reader !== undefined && length === undefined && ahead.ended) length = ahead.size;
  if (res.body === null && !noBody) length = 0;
  if (status === 204 || status === 304) length = undefined;
  const chunked = length === undefined && !noBody;
  const head = formatResponseHead(status, fields, {
    length,
    chunked,
    close,
    http10,
    ...(res.statusText !== "" ? { reason: res.statusText } : {}),
  });
  await writeAll(conn, encoder.encode(head));
  if (reader === undefined) {
    await res.body?.cancel();
    return;
  }
  await writeBody(conn, reader, ahead, chunked);
}

async function writeBody(
  conn: TcpConn,
  reader: ReadableStreamDefaultReader<Uint8Array>,
  ahead: ReadAhead,
  chunked: boolean,
): Promise<void> {
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
    for (const value of ahead.first) await send(value);
    let pending = ahead.pending;
    while (!ahead.ended) {
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

function toRequest(head: RequestHead, host: string, body: ReadableStream<Uint8Array> | null) {
  const headers = new Headers();
  for (let i = 0; i < head.names.length; i++) headers.append(head.names[i]!, head.values[i]!);
  const url = head.path.startsWith("/") ? `http://${head.host || host}${head.path}` : head.target;
  const hasBody = head.method !== "GET" && head.method !== "HEAD" && body !== null;
  return new Request(url, {
    method: head.method,
    headers,
    ...(hasBody ? { body, duplex: "half" } as RequestInit : {}),
  });
}

async function handleConnection(
  conn: TcpConn,
  handler: HttpHandler,
  options: ServeHttpOptions,
  stopping: () => boolean,
): Promise<void> {
  const reader = new Reader(conn, options.limits);
  const host = `${conn.localAddr.hostname}:${conn.localAddr.port}`;
  try {
    for (;;) {
      let head: RequestHead | null;
      try {
        head = await reader.head();
      } catch (err) {
        if (!(err instanceof HttpError)) throw err;
        const res = new Response(`${err.message}\n`, { status: err.status });
        await writeResponse(conn, res, "GET", true);
        return;
      }
      if (head === null) return;
      const body = requestBody(reader, head.contentLength, head.chunked);
      let res: Response;
      try {
        res = await handler(toRequest(head, host, body.stream), { remoteAddr: conn.remoteAddr });
      } catch (err) {
        res = options.onError !== undefined
          ? await options.onError(err)
          : new Response("Internal Server Error\n", { status: 500 });
      }
      let close = !head.keepAlive || stopping();
      if (res.headers.get("connection")?.toLowerCase() === "close") close = true;
      await writeResponse(conn, res, head.method, close, head.http10);
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
