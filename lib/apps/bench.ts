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

/** Runs the benchmark on `stack`; `live` gets the per-second lines. */
export async function runBench(
  stack: Stack,
  o: BenchOptions,
  signal: AbortSignal,
  live: (line: string) => void,
): Promise<CommandSummary> {
  const ctx = stack.ctx;
  const host = `${formatIpv4(o.addr)}${o.port === 80 ? "" : `:${o.port}`}`;
  const request = new TextEncoder().encode(
    `GET ${o.path} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: mtcp-deno-bench\r\nAccept: */*\r\n` +
      (o.keepalive ? "\r\n" : "Connection: close\r\n\r\n"),
  );
  const timeoutMs = o.timeoutMs ?? 10_000;
  const ep = mtcp_epoll_create(ctx, 4096);
  const conns = new Map<number, Conn>();
  const latencies: number[] = [];
  const errors = new Map<string, number>();
  const buf = new Uint8Array(65536);
  const events: MtcpEpollEvent[] = [];
  let issued = 0;
  let completed = 0;
  let failed = 0;
  let bytes = 0;
  const start = ctx.now();
  const deadline = start + o.durationMs;
  let lastTick = start;
  let lastCompleted = 0;
  let lastBytes = 0;

  const error = (kind: string) => {
    failed++;
    errors.set(kind, (errors.get(kind) ?? 0) + 1);
  };
  const stopIssuing = () => signal.aborted || issued >= o.total || ctx.now() >= deadline;
  const close = (c: Conn) => {
    mtcp_epoll_ctl(ctx, ep, MTCP_EPOLL_CTL_DEL, c.fd, undefined);
    mtcp_close(ctx, c.fd);
    conns.delete(c.fd);
  };
  const begin = (c: Conn) => {
    issued++;
    c.started = ctx.now();
    c.sent = false;
    c.head = "";
    c.headDone = false;
    c.bodyLeft = 0;
    c.status = 0;
  };
  const open = (): boolean => {
    const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
      error(`socket ${errnoName(ctx.errno)}`);
      return false;
    }
    mtcp_setsock_nonblock(ctx, fd);
    if (
      mtcp_connect(ctx, fd, { family: AF_INET, addr: o.addr, port: o.port }) < 0 &&
      ctx.errno !== EINPROGRESS
    ) {
      error(`connect ${errnoName(ctx.errno)}`);
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
      closeAfter: !o.keepalive,
    };
    begin(c);
    conns.set(fd, c);
    mtcp_epoll_ctl(ctx, ep, MTCP_EPOLL_CTL_ADD, fd, {
      events: MTCP_EPOLLIN | MTCP_EPOLLOUT,
      data: fd,
    });
    return true;
  };
  const fill = () => {
    while (conns.size < o.concurrency && !stopIssuing()) if (!open()) break;
  };
  const finishRequest = (c: Conn) => {
    latencies.push(ctx.now() - c.started);
    if (c.status >= 200 && c.status < 400) completed++;
    else error(`status ${c.status}`);
    c.requests++;
    if (c.closeAfter || stopIssuing()) {
      close(c);
    } else {
      begin(c);
      mtcp_epoll_ctl(ctx, ep, MTCP_EPOLL_CTL_MOD, c.fd, {
        events: MTCP_EPOLLIN | MTCP_EPOLLOUT,
        data: c.fd,
      });
    }
  };
  const socketError = (c: Conn, what: string) => {
    const out: { value: SockOptValue } = { value: 0 };
    mtcp_getsockopt(ctx, c.fd, SOL_SOCKET, SO_ERROR, out);
    const e = typeof out.value === "number" ? out.value : 0;
    error(`${what} ${errnoName(e !== 0 ? e : ctx.errno)}`);
    close(c);
  };
  // Parses what arrived; finishes the request (or closes the connection) when it is complete or malformed.
  const consume = (c: Conn, data: Uint8Array): void => {
    let at = 0;
    if (!c.headDone) {
      c.head += decoder.decode(data);
      const end = c.head.indexOf("\r\n\r\n");
      if (end < 0) {
        if (c.head.length > 65536) {
          error("bad response");
          close(c);
        }
        return;
      }
      const head = c.head.slice(0, end);
      const bodyStart = end + 4;
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      if (m === null) {
        error("bad response");
        close(c);
        return;
      }
      c.status = Number(m[1]);
      const len = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      if (/\r\nconnection:\s*close/i.test(head) || /^HTTP\/1\.0/.test(head)) c.closeAfter = true;
      c.bodyLeft = len === null ? -1 : Number(len[1]);
      if (len === null) c.closeAfter = true;
      c.headDone = true;
      // Bytes after the head in this read belong to the body.
      at = data.length - (c.head.length - bodyStart);
      c.head = "";
    }
    if (c.bodyLeft >= 0) {
      c.bodyLeft -= data.length - at;
      if (c.bodyLeft <= 0) finishRequest(c);
    }
  };

  const tick = (force = false) => {
    const now = ctx.now();
    if (!force && now - lastTick < 1000) return;
    const s = (now - lastTick) / 1000;
    const rps = (completed - lastCompleted) / s;
    const gbps = ((bytes - lastBytes) * 8) / s / 1e9;
    live(
      `${((now - start) / 1000).toFixed(0).padStart(3)} s: ${rps.toFixed(0)} req/s, ${
        gbps.toFixed(3)
      } Gbit/s, ` +
        `${completed} done, ${failed} failed, ${conns.size} open`,
    );
    if (o.progress && Number.isFinite(o.total)) {
      const f = Math.min(1, (completed + failed) / o.total);
      const bar = "#".repeat(Math.round(f * 40)).padEnd(40, ".");
      Deno.stderr.writeSync(new TextEncoder().encode(`\r[${bar}] ${(f * 100).toFixed(0)}%`));
    }
    lastTick = now;
    lastCompleted = completed;
    lastBytes = bytes;
  };

  try {
    fill();
    while (conns.size > 0 && !ctx.destroyed) {
      const n = await mtcp_epoll_wait(ctx, ep, events, 1024, 100);
      if (n < 0) break;
      const now = ctx.now();
      for (let i = 0; i < n; i++) {
        const ev = events[i]!;
        const c = conns.get(ev.data);
        if (c === undefined) continue;
        if (!c.sent && (ev.events & (MTCP_EPOLLOUT | MTCP_EPOLLERR | MTCP_EPOLLHUP)) !== 0) {
          const w = mtcp_write(ctx, c.fd, request, request.length);
          if (w === request.length) {
            c.sent = true;
            mtcp_epoll_ctl(ctx, ep, MTCP_EPOLL_CTL_MOD, c.fd, { events: MTCP_EPOLLIN, data: c.fd });
          } else if (w < 0 && ctx.errno !== EAGAIN && ctx.errno !== ENOTCONN) {
            socketError(c, "connect");
            continue;
          } else if (w < 0 && (ev.events & (MTCP_EPOLLERR | MTCP_EPOLLHUP)) !== 0) {
            socketError(c, "connect");
            continue;
          }
        }
        if (!c.sent) continue;
        for (;;) {
          const r = mtcp_read(ctx, c.fd, buf, buf.length);
          if (r > 0) {
            bytes += r;
            consume(c, buf.subarray(0, r));
            if (!conns.has(c.fd) || c.requests > 0 && !c.sent) break;
            continue;
          }
          if (r === 0) {
            if (c.headDone && c.bodyLeft < 0) finishRequest(c);
            else if (c.headDone || c.head !== "") {
              error("truncated response");
              close(c);
            } else if (c.requests > 0) {
              close(c); // a kept-alive connection the server closed between requests
              issued--;
            } else {
              error("closed without a response");
              close(c);
            }
            if (conns.has(c.fd)) close(c);
          } else if (ctx.errno !== EAGAIN) {
            socketError(c, "read");
          }
          break;
        }
      }
      for (const c of [...conns.values()]) {
        if (now - c.started > timeoutMs) {
          error("timeout");
          close(c);
        }
      }
      fill();
      tick();
    }
  } finally {
    for (const c of [...conns.values()]) close(c);
    if (!ctx.destroyed) mtcp_close(ctx, ep);
    if (o.progress) Deno.stderr.writeSync(new TextEncoder().encode("\n"));
  }
  const seconds = Math.max(1e-9, (ctx.now() - start) / 1000);
  const sorted = Float64Array.from(latencies).sort();
  const ms = (q: number) => quantile(sorted, q).toFixed(3);
  const errorText = [...errors].map(([k, v]) => `${k}: ${v}`).join(", ") || "none";
  return {
    ok: completed > 0,
    lines: [
      `requests: ${completed} completed, ${failed} failed in ${seconds.toFixed(3)} s`,
      `rate: ${(completed / seconds).toFixed(1)} req/s, ${
        (bytes * 8 / seconds / 1e9).toFixed(3)
      } Gbit/s (${bytes} bytes)`,
      `latency ms: p50 ${ms(0.5)} p90 ${ms(0.9)} p99 ${ms(0.99)} max ${
        sorted.length > 0 ? sorted[sorted.length - 1]!.toFixed(3) : "NaN"
      }`,
      `errors: ${errorText}`,
    ],
  };
}
