/**
 * `proxy`: a TCP proxy with load balancing, both sides on the same
 * user-space stack, written on the mtcp_* API with one epoll instance.
 *
 * - Each accepted client gets an upstream by round robin (`rr`) or by a hash
 *   of the client's address (`hash`), skipping upstreams marked down.
 * - An upstream that refuses, resets before connecting, or does not answer
 *   within `connectTimeoutMs` is marked down for `downMs` and the next one is
 *   tried; the client is reset (RST) only when none answers.
 * - Back-pressure both ways: a side is not read while the bytes queued for
 *   its peer exceed `highWaterBytes`, and is read again below half of it.
 * - Half-close is propagated: the end of one side's stream becomes a
 *   shutdown of writing on the other, once what was queued is written.
 *
 * @module
 */

import {
  AF_INET,
  EAGAIN,
  EINPROGRESS,
  MTCP_EPOLL_CTL_ADD,
  MTCP_EPOLL_CTL_DEL,
  MTCP_EPOLL_CTL_MOD,
  MTCP_EPOLLERR,
  MTCP_EPOLLHUP,
  MTCP_EPOLLIN,
  MTCP_EPOLLOUT,
  type MtcpEpollEvent,
  SHUT_WR,
  SO_ERROR,
  SOCK_STREAM,
  type SockAddr,
  SOL_SOCKET,
} from "../api/constants.ts";
import {
  mtcp_abort,
  mtcp_accept,
  mtcp_bind,
  mtcp_close,
  mtcp_connect,
  mtcp_epoll_create,
  mtcp_epoll_ctl,
  mtcp_epoll_wait,
  mtcp_getsockopt,
  mtcp_listen,
  mtcp_read,
  mtcp_setsock_nonblock,
  mtcp_shutdown,
  mtcp_socket,
  mtcp_write,
  type SockOptValue,
} from "../api/mtcp.ts";
import { formatIpv4, parseIpv4Address } from "../wire/address.ts";
import type { CommandSummary } from "./appliance.ts";
import { settle } from "./appliance.ts";
import { hostOf, type Stack, type StackOptions } from "./stack.ts";

/** An upstream server. */
export interface Upstream {
  /** Address, host order. */
  addr: number;
  /** Port. */
  port: number;
}

/** What the proxy does. */
export interface ProxyOptions {
  /** Port to listen on. */
  port: number;
  /** Servers to forward to. */
  upstreams: Upstream[];
  /** `rr` (round robin) or `hash` (by client address). */
  balance: "rr" | "hash";
  /** Give up on an upstream's handshake after this long (default 3000 ms). */
  connectTimeoutMs?: number;
  /** How long an upstream that failed stays out of rotation (default 10000 ms). */
  downMs?: number;
  /** Queued bytes at which the other side stops being read (default 256 KiB). */
  highWaterBytes?: number;
}

/** `IP:PORT[,IP:PORT...]`, or undefined when malformed. */
export function parseUpstreams(text: string): Upstream[] | undefined {
  const out: Upstream[] = [];
  for (const part of text.split(",")) {
    const m = /^(\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(part.trim());
    const addr = m === null ? undefined : parseIpv4Address(m[1]!);
    const port = m === null ? NaN : Number(m[2]);
    if (addr === undefined || !(port >= 1 && port <= 65535)) return undefined;
    out.push({ addr, port });
  }
  return out.length > 0 ? out : undefined;
}

interface Side {
  fd: number;
  peer: Side | undefined;
  out: Uint8Array[]; // queued for this side
  outOffset: number;
  outBytes: number;
  eof: boolean; // this side ended its stream
  shut: boolean; // we shut down writing to this side
  paused: boolean; // not read: the peer's queue is full
  registered: number; // events registered, -1 when not in epoll
  upstream: boolean;
  // Upstream only, while connecting:
  connecting: boolean;
  startedAt: number;
  client: Side | undefined;
  tried: number; // upstreams tried for this client
  index: number; // which upstream
}

function side(fd: number, upstream: boolean): Side {
  return {
    fd,
    peer: undefined,
    out: [],
    outOffset: 0,
    outBytes: 0,
    eof: false,
    shut: false,
    paused: false,
    registered: -1,
    upstream,
    connecting: false,
    startedAt: 0,
    client: undefined,
    tried: 0,
    index: -1,
  };
}

/** Runs the proxy on `stack` until `signal` aborts. */
export async function runProxy(
  stack: Stack,
  options: StackOptions,
  o: ProxyOptions,
  signal: AbortSignal,
  onListening: (line: string) => void,
): Promise<CommandSummary> {
  const ctx = stack.ctx;
  const connectTimeout = o.connectTimeoutMs ?? 3000;
  const downMs = o.downMs ?? 10_000;
  const high = o.highWaterBytes ?? 256 << 10;
  const downUntil = new Float64Array(o.upstreams.length);
  const stats = { clients: 0, forwarded: 0, refused: 0, upstreamFailures: 0, bytes: 0 };
  let next = 0;

  const lfd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
  mtcp_setsock_nonblock(ctx, lfd);
  if (mtcp_bind(ctx, lfd, { family: AF_INET, addr: 0, port: o.port }) < 0) {
    throw new Error(`Cannot listen on port ${o.port}: address in use`);
  }
  mtcp_listen(ctx, lfd, 1024);
  const ep = mtcp_epoll_create(ctx, 8192);
  mtcp_epoll_ctl(ctx, ep, MTCP_EPOLL_CTL_ADD, lfd, { events: MTCP_EPOLLIN, data: lfd });
  const sides = new Map<number, Side>();
  const events: MtcpEpollEvent[] = [];
  const buf = new Uint8Array(65536);
  const list = o.upstreams.map((u) => `${formatIpv4(u.addr)}:${u.port}`).join(",");
  onListening(
    `listening on ${
      hostOf(options.ip)
    }:${o.port} (proxy to ${list}, ${o.balance}) via ${stack.where}`,
  );

  const interest = (s: Side) => {
    if (s.connecting) return MTCP_EPOLLOUT;
    return (s.paused || s.eof ? 0 : MTCP_EPOLLIN) | (s.outBytes > 0 ? MTCP_EPOLLOUT : 0);
  };
  const update = (s: Side) => {
    const want = interest(s);
    if (s.registered === want) return;
    if (s.registered < 0) {
      mtcp_epoll_ctl(ctx, ep, MTCP_EPOLL_CTL_ADD, s.fd, { events: want, data: s.fd });
    } else mtcp_epoll_ctl(ctx, ep, MTCP_EPOLL_CTL_MOD, s.fd, { events: want, data: s.fd });
    s.registered = want;
  };
  const drop = (s: Side, reset = false) => {
    if (!sides.has(s.fd)) return;
    if (s.registered >= 0) mtcp_epoll_ctl(ctx, ep, MTCP_EPOLL_CTL_DEL, s.fd, undefined);
    if (reset) mtcp_abort(ctx, s.fd);
    else mtcp_close(ctx, s.fd);
    sides.delete(s.fd);
  };
  const dropPair = (s: Side, reset = false) => {
    const p = s.peer;
    drop(s, reset);
    if (p !== undefined) drop(p, reset);
  };
  const pick = (client: Side, addr: SockAddr): number => {
    const n = o.upstreams.length;
    const now = ctx.now();
    const base = o.balance === "hash"
      ? (Math.imul(addr.addr ^ 0x9e3779b9, 0x85ebca6b) >>> 0) % n
      : next++ % n;
    for (let i = 0; i < n; i++) {
      const k = (base + client.tried + i) % n;
      if (downUntil[k]! <= now) return k;
    }
    return -1;
  };
  const connectUpstream = (client: Side, addr: SockAddr): void => {
    while (client.tried < o.upstreams.length) {
      const k = pick(client, addr);
      if (k < 0) break;
      client.tried++;
      const u = o.upstreams[k]!;
      const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
      if (fd < 0) break;
      mtcp_setsock_nonblock(ctx, fd);
      if (
        mtcp_connect(ctx, fd, { family: AF_INET, addr: u.addr, port: u.port }) < 0 &&
        ctx.errno !== EINPROGRESS
      ) {
        mtcp_close(ctx, fd);
        downUntil[k] = ctx.now() + downMs;
        stats.upstreamFailures++;
        continue;
      }
      const up = side(fd, true);
      up.connecting = true;
      up.startedAt = ctx.now();
      up.client = client;
      up.index = k;
      sides.set(fd, up);
      update(up);
      return;
    }
    // No upstream answers: the client is reset.
    stats.refused++;
    drop(client, true);
  };
  const clientAddr = new Map<number, SockAddr>();
  const upstreamFailed = (up: Side) => {
    downUntil[up.index] = ctx.now() + downMs;
    stats.upstreamFailures++;
    const client = up.client!;
    drop(up);
    if (sides.has(client.fd)) connectUpstream(client, clientAddr.get(client.fd)!);
  };
  // Writes what is queued for `s`; half-closes it when its peer ended and all is written.
  const flush = (s: Side): boolean => {
    while (s.out.length > 0) {
      const chunk = s.out[0]!;
      const rest = chunk.length - s.outOffset;
      const w = mtcp_write(
        ctx,
        s.fd,
        s.outOffset === 0 ? chunk : chunk.subarray(s.outOffset),
        rest,
      );
      if (w < 0) {
        if (ctx.errno === EAGAIN) break;
        dropPair(s);
        return false;
      }
      s.outBytes -= w;
      stats.bytes += w;
      if (w < rest) {
        s.outOffset += w;
        break;
      }
      s.out.shift();
      s.outOffset = 0;
    }
    const p = s.peer;
    if (p !== undefined && p.paused && s.outBytes <= high / 2) {
      p.paused = false;
      update(p);
    }
    if (s.outBytes === 0 && p !== undefined && p.eof && !s.shut) {
      mtcp_shutdown(ctx, s.fd, SHUT_WR);
      s.shut = true;
    }
    if (s.shut && s.eof && p !== undefined && p.shut && p.eof) {
      dropPair(s);
      return false;
    }
    update(s);
    return true;
  };
  const forward = (from: Side): void => {
    const to = from.peer!;
    for (;;) {
      if (to.outBytes >= high) {
        from.paused = true;
        break;
      }
      const r = mtcp_read(ctx, from.fd, buf, buf.length);
      if (r > 0) {
        let off = 0;
        if (to.outBytes === 0) {
          const w = mtcp_write(ctx, to.fd, buf, r);
          if (w < 0 && ctx.errno !== EAGAIN) {
            dropPair(from);
            return;
          }
          off = Math.max(0, w);
          stats.bytes += off;
        }
        if (off < r) {
          to.out.push(buf.slice(off, r));
          to.outBytes += r - off;
        }
        continue;
      }
      if (r === 0) {
        from.eof = true;
      } else if (ctx.errno !== EAGAIN) {
        dropPair(from, true); // reset or timed out: the other side is reset too
        return;
      }
      break;
    }
    update(from);
    flush(to);
  };

  let draining = false;
  let deadline = Infinity;
  try {
    while (!ctx.destroyed) {
      if (signal.aborted && !draining) {
        draining = true;
        deadline = ctx.now() + 2000;
        mtcp_epoll_ctl(ctx, ep, MTCP_EPOLL_CTL_DEL, lfd, undefined);
        mtcp_close(ctx, lfd);
      }
      if (draining && (sides.size === 0 || ctx.now() >= deadline)) break;
      const n = await mtcp_epoll_wait(ctx, ep, events, 1024, 100);
      if (n < 0) break;
      for (let i = 0; i < n; i++) {
        const ev = events[i]!;
        if (ev.data === lfd) {
          for (;;) {
            const addr: SockAddr = { family: AF_INET, addr: 0, port: 0 };
            const fd = mtcp_accept(ctx, lfd, addr);
            if (fd < 0) break;
            mtcp_setsock_nonblock(ctx, fd);
            stats.clients++;
            const client = side(fd, false);
            sides.set(fd, client);
            clientAddr.set(fd, addr);
            connectUpstream(client, addr);
          }
          continue;
        }
        const s = sides.get(ev.data);
        if (s === undefined) continue;
        if (s.connecting) {
          const err: { value: SockOptValue } = { value: 0 };
          mtcp_getsockopt(ctx, s.fd, SOL_SOCKET, SO_ERROR, err);
          if (err.value !== 0 || (ev.events & (MTCP_EPOLLERR | MTCP_EPOLLHUP)) !== 0) {
            upstreamFailed(s);
            continue;
          }
          if ((ev.events & MTCP_EPOLLOUT) === 0) continue;
          s.connecting = false;
          const client = s.client!;
          s.peer = client;
          client.peer = s;
          stats.forwarded++;
          update(s);
          update(client);
          forward(client); // what the client sent while we connected
          continue;
        }
        if (s.peer === undefined) continue;
        if ((ev.events & MTCP_EPOLLOUT) !== 0 && !flush(s)) continue;
        if ((ev.events & (MTCP_EPOLLIN | MTCP_EPOLLERR | MTCP_EPOLLHUP)) !== 0 && sides.has(s.fd)) {
          forward(s);
        }
      }
      // Upstreams that do not finish their handshake in time are given up.
      const now = ctx.now();
      for (const s of [...sides.values()]) {
        if (s.connecting && now - s.startedAt > connectTimeout) upstreamFailed(s);
      }
      for (const fd of clientAddr.keys()) if (!sides.has(fd)) clientAddr.delete(fd);
    }
  } finally {
    for (const s of [...sides.values()]) drop(s);
    if (!ctx.destroyed) {
      if (!draining) mtcp_close(ctx, lfd);
      mtcp_close(ctx, ep);
    }
  }
  await settle(stack);
  return {
    lines: [
      `clients: ${stats.clients}, forwarded ${stats.forwarded}, refused (no upstream) ${stats.refused}; ` +
      `upstream failures ${stats.upstreamFailures}; bytes ${stats.bytes}`,
    ],
  };
}
