/**
 * `bench`: an HTTP load generator on our own stack, after mTCP's epwget.
 * `concurrency` connections each run one request at a time (a new
 * connection per request, or kept alive with `keepalive`) until `total`
 * requests are done or `durationMs` passes. It prints a live line each
 * second (and a progress bar on a terminal) and ends with requests/s,
 * Gbit/s, latency percentiles and errors by kind.
 *
 * Latency is measured from the start of the request (the connect, without
 * keep-alive, as ab does) to the last byte of the response.
 *
 * @module
 */

import {
  AF_INET,
  EAGAIN,
  EINPROGRESS,
  ENOTCONN,
  errnoName,
  MTCP_EPOLL_CTL_ADD,
  MTCP_EPOLL_CTL_DEL,
  MTCP_EPOLL_CTL_MOD,
  MTCP_EPOLLERR,
  MTCP_EPOLLHUP,
  MTCP_EPOLLIN,
  MTCP_EPOLLOUT,
  type MtcpEpollEvent,
  SOCK_STREAM,
} from "../api/constants.ts";
import {
  mtcp_close,
  mtcp_connect,
  mtcp_epoll_create,
  mtcp_epoll_ctl,
  mtcp_epoll_wait,
  mtcp_getsockopt,
  mtcp_read,
  mtcp_setsock_nonblock,
  mtcp_socket,
  mtcp_write,
  type SockOptValue,
} from "../api/mtcp.ts";
import { SO_ERROR, SOL_SOCKET } from "../api/constants.ts";
import type { MtcpContext } from "../api/context.ts";
import { parseResponseHead } from "../http/response.ts";
import { formatIpv4, parseIpv4Address } from "../wire/address.ts";
import type { CommandSummary } from "./appliance.ts";
import type { Stack } from "./stack.ts";

/** What to load and how hard. */
export interface BenchOptions {
  /** Server address (IPv4, host order). */
  addr: number;
  /** Server port. */
  port: number;
  /** Request path. */
  path: string;
  /** Requests in all (`Infinity` with a duration). */
  total: number;
  /** Connections at once. */
  concurrency: number;
  /** Keep connections open across requests. */
  keepalive: boolean;
  /** Stop issuing after this long (`Infinity`: when `total` is done). */
  durationMs: number;
  /** Draw a progress bar on stderr. */
  progress: boolean;
  /** Give a request up after this long (default 10000 ms). */
  timeoutMs?: number;
}

/** `http://a.b.c.d[:port]/path` to address, port and path; undefined if not that form. */
export function parseBenchUrl(
  url: string,
): { addr: number; port: number; path: string } | undefined {
  const m = /^http:\/\/(\d+\.\d+\.\d+\.\d+)(?::(\d+))?(\/[^\s]*)?$/.exec(url);
  if (m === null) return undefined;
  const addr = parseIpv4Address(m[1]!);
  const port = m[2] === undefined ? 80 : Number(m[2]);
  if (addr === undefined || !(port >= 1 && port <= 65535)) return undefined;
  return { addr, port, path: m[3] ?? "/" };
}

/** The q-quantile (0..1) of sorted values. */
export function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

interface Conn {
  fd: number;
  started: number; // when the current request began
  sent: boolean;
  head: string; // response head so far
  headDone: boolean;
  bodyLeft: number; // -1: until the peer closes
  status: number;
  requests: number; // on this connection
  closeAfter: boolean;
}

const decoder = new TextDecoder("latin1");
const encoder = new TextEncoder();

/** Counters of a load generator run. */
export interface BenchStats {
  /** Requests started. */
  issued: number;
  /** Responses with a 2xx or 3xx status. */
  completed: number;
  /** Requests that failed, in all. */
  failed: number;
  /** Bytes received. */
  bytes: number;
  /** Failures by kind (`timeout`, `status 404`, `connect ECONNREFUSED`, ...). */
  errors: Map<string, number>;
  /** Latency of each finished request, in ms. */
  latencies: number[];
}

/**
 * The load generator of `bench` on one context: `concurrency` connections,
 * each running one request at a time, until `total` requests are issued,
 * `durationMs` passes or the signal aborts.
 *
 * @example Ten requests against the built-in page, all on one in-memory network
 * ```ts
 * import assert from "node:assert/strict";
 * import { LoadGenerator } from "./bench.ts";
 * import { httpHandler } from "./http_static.ts";
 * import { runTcpServer } from "./tcp_server.ts";
 * import { createStack, MemoryNetwork, parseIpv4Address } from "../../mod.ts";
 * const network = new MemoryNetwork({ clock: "system" });
 * await using server = createStack({ network, address: "10.0.0.2/24" });
 * await using client = createStack({ network, address: "10.0.0.1/24" });
 * const stop = new AbortController();
 * const http = runTcpServer(server.ctx, 80, httpHandler(() => new Uint8Array(64)), { signal: stop.signal });
 * const gen = new LoadGenerator(client.ctx, {
 *   addr: parseIpv4Address("10.0.0.2")!, port: 80, path: "/", total: 10, concurrency: 2,
 *   keepalive: true, durationMs: Infinity, progress: false,
 * });
 * const stats = await gen.run(new AbortController().signal, () => {});
 * stop.abort();
 * await http;
 * assert.equal(stats.completed, 10);
 * ```
 */
export class LoadGenerator {
  /** Counters of this run. */
  readonly stats: BenchStats = {
    issued: 0,
    completed: 0,
    failed: 0,
    bytes: 0,
    errors: new Map(),
    latencies: [],
  };
  readonly #ctx: MtcpContext;
  readonly #o: BenchOptions;
  readonly #request: Uint8Array;
  readonly #timeoutMs: number;
  readonly #conns = new Map<number, Conn>();
  readonly #buf = new Uint8Array(65536);
  readonly #events: MtcpEpollEvent[] = [];
  #ep = -1;
  #signal: AbortSignal = new AbortController().signal;
  #start = 0;
  #deadline = Infinity;
  #lastTick = 0;
  #lastCompleted = 0;
  #lastBytes = 0;

  /** A generator on `ctx` with options `o`; {@linkcode run} starts it. */
  constructor(ctx: MtcpContext, o: BenchOptions) {
    this.#ctx = ctx;
    this.#o = o;
    const host = `${formatIpv4(o.addr)}${o.port === 80 ? "" : `:${o.port}`}`;
    this.#request = encoder.encode(
      `GET ${o.path} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: mtcp-deno-bench\r\nAccept: */*\r\n` +
        (o.keepalive ? "\r\n" : "Connection: close\r\n\r\n"),
    );
    this.#timeoutMs = o.timeoutMs ?? 10_000;
  }

  /** Seconds since the run started. */
  get seconds(): number {
    return Math.max(1e-9, (this.#ctx.now() - this.#start) / 1000);
  }

  /** Runs to the end; `live` gets a line each second. */
  async run(signal: AbortSignal, live: (line: string) => void): Promise<BenchStats> {
    const ctx = this.#ctx;
    this.#signal = signal;
    this.#ep = mtcp_epoll_create(ctx, 4096);
    this.#start = this.#lastTick = ctx.now();
    this.#deadline = this.#start + this.#o.durationMs;
    try {
      this.#fill();
      while (this.#conns.size > 0 && !ctx.destroyed) {
        const n = await mtcp_epoll_wait(ctx, this.#ep, this.#events, 1024, 100);
        if (n < 0) break;
        const now = ctx.now();
        for (let i = 0; i < n; i++) {
          const ev = this.#events[i]!;
          const c = this.#conns.get(ev.data);
          if (c !== undefined) this.#onEvent(c, ev.events);
        }
        this.#expire(now);
        this.#fill();
        this.#tick(live);
      }
    } finally {
      for (const c of [...this.#conns.values()]) this.#close(c);
      if (!ctx.destroyed) mtcp_close(ctx, this.#ep);
      if (this.#o.progress) Deno.stderr.writeSync(encoder.encode("\n"));
    }
    return this.stats;
  }

  #error(kind: string): void {
    this.stats.failed++;
    this.stats.errors.set(kind, (this.stats.errors.get(kind) ?? 0) + 1);
  }

  #stopIssuing(): boolean {
    return this.#signal.aborted || this.stats.issued >= this.#o.total ||
      this.#ctx.now() >= this.#deadline;
  }

  #close(c: Conn): void {
    mtcp_epoll_ctl(this.#ctx, this.#ep, MTCP_EPOLL_CTL_DEL, c.fd, undefined);
    mtcp_close(this.#ctx, c.fd);
    this.#conns.delete(c.fd);
  }

  #begin(c: Conn): void {
    this.stats.issued++;
    c.started = this.#ctx.now();
    c.sent = false;
    c.head = "";
    c.headDone = false;
    c.bodyLeft = 0;
    c.status = 0;
  }

  #open(): boolean {
    const ctx = this.#ctx;
    const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
      this.#error(`socket ${errnoName(ctx.errno)}`);
      return false;
    }
    mtcp_setsock_nonblock(ctx, fd);
    const dst = { family: AF_INET, addr: this.#o.addr, port: this.#o.port };
    if (mtcp_connect(ctx, fd, dst) < 0 && ctx.errno !== EINPROGRESS) {
      this.#error(`connect ${errnoName(ctx.errno)}`);
      mtcp_close(ctx, fd);
      return false;
    }
    const c: Conn = {
      fd,
      started: 0,
      sent: false,
      head: "",
      headDone: false,
      bodyLeft: 0,
      status: 0,
      requests: 0,
      closeAfter: !this.#o.keepalive,
    };
    this.#begin(c);
    this.#conns.set(fd, c);
    mtcp_epoll_ctl(ctx, this.#ep, MTCP_EPOLL_CTL_ADD, fd, {
      events: MTCP_EPOLLIN | MTCP_EPOLLOUT,
      data: fd,
    });
    return true;
  }

  #fill(): void {
    while (this.#conns.size < this.#o.concurrency && !this.#stopIssuing()) {
      if (!this.#open()) break;
    }
  }

  #finishRequest(c: Conn): void {
    this.stats.latencies.push(this.#ctx.now() - c.started);
    if (c.status >= 200 && c.status < 400) this.stats.completed++;
    else this.#error(`status ${c.status}`);
    c.requests++;
    if (c.closeAfter || this.#stopIssuing()) return this.#close(c);
    this.#begin(c);
    mtcp_epoll_ctl(this.#ctx, this.#ep, MTCP_EPOLL_CTL_MOD, c.fd, {
      events: MTCP_EPOLLIN | MTCP_EPOLLOUT,
      data: c.fd,
    });
  }

  #socketError(c: Conn, what: string): void {
    const out: { value: SockOptValue } = { value: 0 };
    mtcp_getsockopt(this.#ctx, c.fd, SOL_SOCKET, SO_ERROR, out);
    const e = typeof out.value === "number" ? out.value : 0;
    this.#error(`${what} ${errnoName(e !== 0 ? e : this.#ctx.errno)}`);
    this.#close(c);
  }

  // Parses what arrived; finishes the request (or closes the connection)
  // when it is complete or malformed.
  #consume(c: Conn, data: Uint8Array): void {
    let at = 0;
    if (!c.headDone) {
      c.head += decoder.decode(data);
      const end = c.head.indexOf("\r\n\r\n");
      if (end < 0) {
        if (c.head.length > 65536) {
          this.#error("bad response");
          this.#close(c);
        }
        return;
      }
      const head = parseResponseHead(c.head.slice(0, end));
      if (head === undefined) {
        this.#error("bad response");
        return this.#close(c);
      }
      c.status = head.status;
      c.bodyLeft = head.contentLength;
      if (head.close || head.contentLength < 0) c.closeAfter = true;
      c.headDone = true;
      // Bytes after the head in this read belong to the body.
      at = data.length - (c.head.length - (end + 4));
      c.head = "";
    }
    if (c.bodyLeft >= 0) {
      c.bodyLeft -= data.length - at;
      if (c.bodyLeft <= 0) this.#finishRequest(c);
    }
  }

  #onEvent(c: Conn, events: number): void {
    if (!c.sent && (events & (MTCP_EPOLLOUT | MTCP_EPOLLERR | MTCP_EPOLLHUP)) !== 0) {
      if (!this.#send(c, events)) return;
    }
    if (c.sent) this.#readAll(c);
  }

  // Sends the request once connected; false when the connection failed.
  #send(c: Conn, events: number): boolean {
    const ctx = this.#ctx;
    const w = mtcp_write(ctx, c.fd, this.#request, this.#request.length);
    if (w === this.#request.length) {
      c.sent = true;
      mtcp_epoll_ctl(ctx, this.#ep, MTCP_EPOLL_CTL_MOD, c.fd, { events: MTCP_EPOLLIN, data: c.fd });
      return true;
    }
    const hup = (events & (MTCP_EPOLLERR | MTCP_EPOLLHUP)) !== 0;
    if (w < 0 && ((ctx.errno !== EAGAIN && ctx.errno !== ENOTCONN) || hup)) {
      this.#socketError(c, "connect");
      return false;
    }
    return true;
  }

  #readAll(c: Conn): void {
    const ctx = this.#ctx;
    for (;;) {
      const r = mtcp_read(ctx, c.fd, this.#buf, this.#buf.length);
      if (r > 0) {
        this.stats.bytes += r;
        this.#consume(c, this.#buf.subarray(0, r));
        if (!this.#conns.has(c.fd) || c.requests > 0 && !c.sent) return;
        continue;
      }
      if (r === 0) this.#onEnd(c);
      else if (ctx.errno !== EAGAIN) this.#socketError(c, "read");
      return;
    }
  }

  // The server ended the connection.
  #onEnd(c: Conn): void {
    if (c.headDone && c.bodyLeft < 0) this.#finishRequest(c);
    else if (c.headDone || c.head !== "") {
      this.#error("truncated response");
      this.#close(c);
    } else if (c.requests > 0) {
      this.#close(c); // a kept-alive connection the server closed between requests
      this.stats.issued--;
    } else {
      this.#error("closed without a response");
      this.#close(c);
    }
    if (this.#conns.has(c.fd)) this.#close(c);
  }

  #expire(now: number): void {
    for (const c of [...this.#conns.values()]) {
      if (now - c.started > this.#timeoutMs) {
        this.#error("timeout");
        this.#close(c);
      }
    }
  }

  #tick(live: (line: string) => void): void {
    const now = this.#ctx.now();
    if (now - this.#lastTick < 1000) return;
    const st = this.stats;
    const s = (now - this.#lastTick) / 1000;
    const rps = (st.completed - this.#lastCompleted) / s;
    const gbps = ((st.bytes - this.#lastBytes) * 8) / s / 1e9;
    live(
      `${((now - this.#start) / 1000).toFixed(0).padStart(3)} s: ${rps.toFixed(0)} req/s, ` +
        `${gbps.toFixed(3)} Gbit/s, ${st.completed} done, ${st.failed} failed, ` +
        `${this.#conns.size} open`,
    );
    if (this.#o.progress && Number.isFinite(this.#o.total)) {
      const f = Math.min(1, (st.completed + st.failed) / this.#o.total);
      const bar = "#".repeat(Math.round(f * 40)).padEnd(40, ".");
      Deno.stderr.writeSync(encoder.encode(`\r[${bar}] ${(f * 100).toFixed(0)}%`));
    }
    this.#lastTick = now;
    this.#lastCompleted = st.completed;
    this.#lastBytes = st.bytes;
  }
}

/** Runs the benchmark on `stack`; `live` gets the per-second lines. */
export async function runBench(
  stack: Stack,
  o: BenchOptions,
  signal: AbortSignal,
  live: (line: string) => void,
): Promise<CommandSummary> {
  const gen = new LoadGenerator(stack.ctx, o);
  const st = await gen.run(signal, live);
  const seconds = gen.seconds;
  const sorted = Float64Array.from(st.latencies).sort();
  const ms = (q: number) => quantile(sorted, q).toFixed(3);
  const errorText = [...st.errors].map(([k, v]) => `${k}: ${v}`).join(", ") || "none";
  return {
    ok: st.completed > 0,
    lines: [
      `requests: ${st.completed} completed, ${st.failed} failed in ${seconds.toFixed(3)} s`,
      `rate: ${(st.completed / seconds).toFixed(1)} req/s, ${
        (st.bytes * 8 / seconds / 1e9).toFixed(3)
      } Gbit/s (${st.bytes} bytes)`,
      `latency ms: p50 ${ms(0.5)} p90 ${ms(0.9)} p99 ${ms(0.99)} max ${
        sorted.length > 0 ? sorted[sorted.length - 1]!.toFixed(3) : "NaN"
      }`,
      `errors: ${errorText}`,
    ],
  };
}
