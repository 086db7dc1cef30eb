/**
 * `proxy`: a TCP proxy with load balancing, both sides on the same
 * user-space stack, written on the mtcp_* API with one epoll instance.
 *
 * - Each accepted client gets an upstream by round robin (`rr`), by a hash
 *   of the client's address (`hash`) or by fewest connections
 *   (`leastconn`), skipping upstreams that are down.
 * - An upstream that refuses, resets before connecting, or does not answer
 *   within `connectTimeoutMs` counts a failure, and the next one is tried;
 *   the client is reset (RST) only when none answers. `maxFails` failures
 *   within `failTimeoutMs` take an upstream out for `failTimeoutMs` (nginx's
 *   max_fails and fail_timeout); active checks (`healthCheck`, `tcp` or
 *   `http:PATH`) take it out after `fall` failures in a row and bring it
 *   back after `rise` passes. Each change is an event line on stderr.
 * - Back-pressure both ways: a side is not read while the bytes queued for
 *   its peer exceed `highWaterBytes`, and is read again below half of it.
 * - Half-close is propagated: the end of one side's stream becomes a
 *   shutdown of writing on the other, once what was queued is written.
 *
 * @module
 */

import {
  AF_INET,
  describeErrno,
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
import type { MtcpContext } from "../api/context.ts";
import * as dns from "node:dns/promises";
import { formatIpv4, parseIpv4Address } from "../wire/address.ts";
import type { CommandSummary } from "./appliance.ts";
import { LogWriter, type SessionEntry, sessionLine } from "./logs.ts";
import { settle } from "./appliance.ts";
import { hostOf, type Stack, type StackOptions } from "./stack.ts";
import { HealthChecker, type HealthCheckOptions } from "./health_check.ts";

/** How often timed-out connects and idle pairs are looked for, in ms. */
const SWEEP_MS = 100;

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
  /** Where `upstreams` came from, read again on SIGHUP (one HOST:PORT per line, `#` comments). */
  upstreamFile?: string;
  /** `rr` (round robin), `hash` (by client address) or `leastconn`. */
  balance: Balance;
  /** Give up on an upstream's handshake after this long (default 3000 ms). */
  connectTimeoutMs?: number;
  /** Failed connects within `failTimeoutMs` that take an upstream out (default 1). */
  maxFails?: number;
  /** How long those failures count, and how long the upstream is then out (default 10000 ms). */
  failTimeoutMs?: number;
  /** Active checks of each upstream (default none). */
  healthCheck?: HealthCheckOptions;
  /** The connection log: a file appended to, or `-` for stdout (default none). */
  accessLog?: string;
  /** Its format (default `combined`, nginx stream's basic format). */
  logFormat?: "combined" | "json";
  /** Passed checks in a row that bring an upstream back (default 1). */
  rise?: number;
  /** Failed checks in a row that take an upstream out (default 2). */
  fall?: number;
  /** Queued bytes at which the other side stops being read (default 256 KiB). */
  highWaterBytes?: number;
  /** Listen backlog (default 4096). */
  backlog?: number;
  /** Most client connections at once (default: no limit but the pool); past it a client gets a RST. */
  maxConnections?: number;
  /** A pair that moves no byte either way for this long is closed (default 600000 ms, nginx's proxy_timeout). */
  idleTimeoutMs?: number;
  /** After the signal, how long open pairs may finish (default 2000 ms). */
  drainMs?: number;
}

/** Limits of a {@linkcode TcpProxy}. */
export interface TcpProxyLimits {
  /** Give up on an upstream's handshake after this long (default 3000 ms). */
  connectTimeoutMs?: number;
  /** Queued bytes at which the other side stops being read (default 256 KiB). */
  highWaterBytes?: number;
  /** Listen backlog (default 4096). */
  backlog?: number;
  /** Most client connections at once (default: no limit). */
  maxConnections?: number;
  /** Active checks of the pool's upstreams (default none). */
  healthCheck?: HealthCheckOptions;
  /** Close a pair idle for this long (default 600000 ms). */
  idleTimeoutMs?: number;
  /** After the signal, how long open pairs may finish (default 2000 ms). */
  drainMs?: number;
  /** Told of each client connection as it ends (the connection log). */
  onSession?: (e: SessionEntry) => void;
}

/** Resolves a host name to an IPv4 address (host order); rejects when it cannot. */
export type HostLookup = (host: string) => Promise<number>;

// The system's resolver (getaddrinfo: /etc/hosts, then DNS), IPv4 only.
async function systemLookup(host: string): Promise<number> {
  const { address } = await dns.lookup(host, { family: 4 });
  return parseIpv4Address(address)!;
}

/**
 * Resolves `HOST:PORT[,HOST:PORT...]`, each HOST an IPv4 address or a name
 * (resolved now, with `lookup`). Throws `Error` naming the part at fault.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveUpstreams } from "./proxy.ts";
 * const ups = await resolveUpstreams("10.0.0.1:80,web:8080", async () => 0x0a000005);
 * assert.deepEqual(ups, [{ addr: 0x0a000001, port: 80 }, { addr: 0x0a000005, port: 8080 }]);
 * ```
 */
export async function resolveUpstreams(
  text: string,
  lookup: HostLookup = systemLookup,
): Promise<Upstream[]> {
  const out: Upstream[] = [];
  for (const raw of text.split(",")) {
    const part = raw.trim();
    const m = /^([A-Za-z0-9.-]+):(\d+)$/.exec(part);
    const port = m === null ? NaN : Number(m[2]);
    if (m === null || !(port >= 1 && port <= 65535)) throw new Error(`not HOST:PORT: ${part}`);
    const host = m[1]!;
    if (/^[\d.]+$/.test(host)) {
      const addr = parseIpv4Address(host);
      if (addr === undefined) throw new Error(`not an IPv4 address: ${host}`);
      out.push({ addr, port });
      continue;
    }
    try {
      out.push({ addr: await lookup(host), port });
    } catch (err) {
      const code = (err as { code?: string }).code ?? (err as Error).message;
      throw new Error(`cannot resolve ${host}: ${code}`);
    }
  }
  return out;
}

/**
 * Reads an upstream file: `HOST:PORT` per line (or comma-separated), `#`
 * starts a comment; names are resolved with `lookup`. Throws `Error` naming
 * the file and the line at fault.
 */
export async function readUpstreamFile(
  path: string,
  lookup: HostLookup = systemLookup,
): Promise<Upstream[]> {
  const out: Upstream[] = [];
  const lines = (await Deno.readTextFile(path)).split("\n");
  for (const [i, raw] of lines.entries()) {
    const line = raw.replace(/#.*/, "").trim();
    if (line === "") continue;
    try {
      out.push(...await resolveUpstreams(line, lookup));
    } catch (err) {
      throw new Error(`${path}:${i + 1}: ${(err as Error).message}`);
    }
  }
  if (out.length === 0) throw new Error(`${path}: no upstream`);
  return out;
}

interface Side {
  fd: number;
  peer: Side | undefined;
  out: Uint8Array[] | undefined; // queued for this side (made when needed)
  outOffset: number;
  outBytes: number;
  eof: boolean; // this side ended its stream
  shut: boolean; // we shut down writing to this side
  paused: boolean; // not read: the peer's queue is full
  registered: number; // events registered, -1 when not in epoll
  upstream: boolean;
  // Times are whole milliseconds since the proxy started (TcpProxy's #ms):
  // the clock's own (epoch, with a fraction) would box every one of them.
  // Upstream only, while connecting:
  connecting: boolean;
  startedAt: number;
  client: Side | undefined;
  tried: number; // upstreams tried for this client
  index: number; // which upstream (its index when picked)
  target: UpstreamTarget | undefined; // which upstream, whatever a reload did
  lastActive: number; // when bytes last moved (ms)
  // Client only, for the connection log and the hash balance:
  addr: number; // the client's address, host order
  port: number; // the client's port
  bytesIn: number; // read from this side
  bytesOut: number; // written to this side
  paired: boolean; // was connected to an upstream
  end: string; // how it ended, when not by a close or reset
}

/** An upstream and its counters, as a connection holds on to them. */
type UpstreamTarget = { upstream: Upstream; state: UpstreamState };

function side(fd: number, upstream: boolean): Side {
  return {
    fd,
    peer: undefined,
    out: undefined,
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
    target: undefined,
    addr: 0,
    port: 0,
    bytesIn: 0,
    bytesOut: 0,
    paired: false,
    end: "",
    lastActive: 0,
  };
}

/** How the proxy picks an upstream for a new client. */
export type Balance = "rr" | "hash" | "leastconn";

/** Health of a pool's upstreams. */
export interface PoolOptions {
  /**
   * Failed connects within `failTimeoutMs` that mark an upstream down for
   * `failTimeoutMs` (nginx's max_fails, default 1).
   */
  maxFails?: number;
  /** nginx's fail_timeout, ms (default 10000). */
  failTimeoutMs?: number;
  /** Consecutive passed checks that bring a down upstream back (default 1). */
  rise?: number;
  /** Consecutive failed checks that mark an upstream down (default 2). */
  fall?: number;
  /** Told when an upstream goes down or comes back, and why. */
  onChange?: (upstream: Upstream, up: boolean, why: string) => void;
}

/** One upstream's counters and state. */
export interface UpstreamState {
  /** Connections to it now. */
  active: number;
  /** Connects started. */
  connects: number;
  /** Connects that failed. */
  failures: number;
  /** Up now (not marked down by failures or checks). */
  up: boolean;
}

// One upstream, its counters and its health.
interface Entry {
  u: Upstream;
  state: UpstreamState;
  downUntil: number; // out until then (ms), by failed connects
  fails: number[]; // failure times within fail_timeout
  checkDown: boolean; // out by active checks
  streak: number; // > 0 passes in a row, < 0 failures in a row
}

function entry(u: Upstream): Entry {
  return {
    u,
    state: { active: 0, connects: 0, failures: 0, up: true },
    downUntil: 0,
    fails: [],
    checkDown: false,
    streak: 0,
  };
}

/**
 * The upstreams of a proxy and their health: which one a new client gets
 * (round robin, a hash of the client's address, or the fewest active
 * connections), skipping those down. Passive health as nginx's max_fails
 * and fail_timeout: that many failed connects within the time mark an
 * upstream down for that time. Active health: check results, `fall` failures
 * in a row mark it down, `rise` passes in a row bring it back at once.
 *
 * @example Round robin skips an upstream marked down
 * ```ts
 * import assert from "node:assert/strict";
 * import { UpstreamPool } from "./proxy.ts";
 * const pool = new UpstreamPool([{ addr: 1, port: 80 }, { addr: 2, port: 80 }], "rr", 10_000);
 * pool.markDown(0, 0);
 * assert.equal(pool.pick(0, 5, 1000), 1);
 * assert.equal(pool.pick(0, 5, 1000), 1);
 * assert.equal(pool.pick(0, 5, 20_000), 0); // back after fail_timeout
 * ```
 */
export class UpstreamPool {
  readonly #balance: Balance;
  readonly #o: PoolOptions;
  readonly #maxFails: number;
  readonly #failTimeout: number;
  #entries: Entry[];
  #next = 0;

  /** A pool of `upstreams`; `options` is the pool's health, or nginx's fail_timeout in ms. */
  constructor(
    upstreams: readonly Upstream[],
    balance: Balance,
    options: PoolOptions | number = {},
  ) {
    this.#balance = balance;
    this.#o = typeof options === "number" ? { failTimeoutMs: options } : options;
    this.#maxFails = this.#o.maxFails ?? 1;
    this.#failTimeout = this.#o.failTimeoutMs ?? 10_000;
    this.#entries = upstreams.map(entry);
  }

  /** The upstreams, in the order given. */
  get upstreams(): readonly Upstream[] {
    return this.#entries.map((e) => e.u);
  }

  /** Each upstream's counters, in the same order. */
  get states(): readonly UpstreamState[] {
    return this.#entries.map((e) => e.state);
  }

  /** The number of upstreams. */
  get size(): number {
    return this.#entries.length;
  }

  /** Upstream `k` and its counters. */
  at(k: number): { upstream: Upstream; state: UpstreamState } {
    const e = this.#entries[k]!;
    return { upstream: e.u, state: e.state };
  }

  /**
   * Replaces the list (a reload): an upstream in both lists keeps its state
   * and counters; connections to one no longer listed go on to their end.
   */
  replace(upstreams: readonly Upstream[]): void {
    const old = new Map(this.#entries.map((e) => [`${e.u.addr}:${e.u.port}`, e]));
    this.#entries = upstreams.map((u) => old.get(`${u.addr}:${u.port}`) ?? entry(u));
  }

  /** Whether upstream `k` may take a client at `now`. */
  isUp(k: number, now: number): boolean {
    const e = this.#entries[k]!;
    return e.downUntil <= now && !e.checkDown;
  }

  /**
   * The index of the upstream for the `tried`-th attempt of a client at
   * `clientAddr`, at time `now` (ms); -1 when every upstream is down.
   * `leastconn` passes over `avoid` (the one that just failed this client)
   * while another is up.
   */
  pick(tried: number, clientAddr: number, now: number, avoid = -1): number {
    const n = this.#entries.length;
    if (n === 0) return -1;
    for (let k = 0; k < n; k++) {
      if (!this.#entries[k]!.state.up && this.isUp(k, now)) {
        this.#changed(k, true, "fail_timeout over");
      }
    }
    if (this.#balance === "leastconn") return this.#least(now, avoid);
    const base = this.#balance === "hash"
      ? (Math.imul(clientAddr ^ 0x9e3779b9, 0x85ebca6b) >>> 0) % n
      : this.#next++ % n;
    for (let i = 0; i < n; i++) {
      const k = (base + tried + i) % n;
      if (this.isUp(k, now)) return k;
    }
    return -1;
  }

  // The up upstream with the fewest active connections (round robin among equals).
  #least(now: number, avoid: number): number {
    const n = this.#entries.length;
    const start = this.#next++ % n;
    let best = -1;
    for (let i = 0; i < n; i++) {
      const k = (start + i) % n;
      if (!this.isUp(k, now)) continue;
      const fewer = best >= 0 && this.#entries[k]!.state.active < this.#entries[best]!.state.active;
      if (best < 0 || best === avoid || (k !== avoid && fewer)) best = k;
    }
    return best;
  }

  /** The index of `u` (the same object) in the list now, or -1. */
  indexOf(u: Upstream): number {
    return this.#entries.findIndex((e) => e.u === u);
  }

  /** A connect to upstream `k` started. */
  connecting(k: number): void {
    this.#entries[k]!.state.connects++;
  }

  /** A connection to upstream `k` opened (`+1`) or closed (`-1`). */
  active(k: number, delta: number): void {
    this.#entries[k]!.state.active += delta;
  }

  /**
   * A connect to upstream `k` failed at `now` (ms): after `maxFails` within
   * `failTimeoutMs` it is down for `failTimeoutMs`.
   */
  markDown(k: number, now: number, why = "connect failed"): void {
    const e = this.#entries[k]!;
    e.state.failures++;
    e.fails = e.fails.filter((t) => now - t < this.#failTimeout);
    e.fails.push(now);
    if (e.fails.length < this.#maxFails) return;
    e.fails = [];
    const wasUp = this.isUp(k, now);
    e.downUntil = now + this.#failTimeout;
    if (wasUp) this.#changed(k, false, why);
  }

  /** An active check of upstream `k` passed (`ok`) or failed at `now`. */
  checked(k: number, ok: boolean, now: number, why: string): void {
    const e = this.#entries[k]!;
    e.streak = ok ? Math.max(0, e.streak) + 1 : Math.min(0, e.streak) - 1;
    if (ok && e.streak >= (this.#o.rise ?? 1) && !this.isUp(k, now)) {
      // A passing check brings it back at once, whatever fail_timeout said.
      e.checkDown = false;
      e.downUntil = 0;
      this.#changed(k, true, why);
    } else if (!ok && -e.streak >= (this.#o.fall ?? 2) && !e.checkDown) {
      const wasUp = this.isUp(k, now);
      e.checkDown = true;
      if (wasUp) this.#changed(k, false, why);
    }
  }

  #changed(k: number, up: boolean, why: string): void {
    const e = this.#entries[k]!;
    e.state.up = up;
    this.#o.onChange?.(e.u, up, why);
  }

  /** `IP:PORT,IP:PORT`, for the listening line. */
  toString(): string {
    return this.upstreams.map((u) => `${formatIpv4(u.addr)}:${u.port}`).join(",");
  }
}

/** Counters of a proxy run. */
export interface ProxyStats {
  /** Clients accepted. */
  clients: number;
  /** Clients connected to an upstream. */
  forwarded: number;
  /** Clients reset because no upstream answered. */
  refused: number;
  /** Upstream connects that failed or timed out. */
  upstreamFailures: number;
  /** Bytes written, both directions. */
  bytes: number;
  /** Clients reset because `maxConnections` were open. */
  refusedFull: number;
  /** Pairs closed after `idleTimeoutMs` without a byte. */
  idleTimeouts: number;
}

/**
 * The proxy's loop on one context: one listening socket, each client paired
 * with an upstream connection, bytes forwarded both ways with back-pressure
 * and half-close, until the signal aborts (then a 2 s drain) or the context
 * is destroyed.
 *
 * @example A proxy in front of an echo server, on an in-memory network
 * ```ts
 * import assert from "node:assert/strict";
 * import { TcpProxy, UpstreamPool } from "./proxy.ts";
 * import { echoHandler, runTcpServer } from "./tcp_server.ts";
 * import { createStack, MemoryNetwork, parseIpv4Address } from "../../mod.ts";
 * const network = new MemoryNetwork({ clock: "system" });
 * await using backend = createStack({ network, address: "10.0.0.3/24" });
 * await using front = createStack({ network, address: "10.0.0.2/24" });
 * await using client = createStack({ network, address: "10.0.0.1/24" });
 * const stop = new AbortController();
 * const echo = runTcpServer(backend.ctx, 7, echoHandler(), { signal: stop.signal });
 * const pool = new UpstreamPool([{ addr: parseIpv4Address("10.0.0.3")!, port: 7 }], "rr", 10_000);
 * const proxy = new TcpProxy(front.ctx, 8080, pool);
 * const running = proxy.run(stop.signal);
 * const conn = await client.connect({ hostname: "10.0.0.2", port: 8080 });
 * await conn.write(new TextEncoder().encode("hi"));
 * const buf = new Uint8Array(2);
 * assert.equal(await conn.read(buf), 2);
 * conn.close();
 * stop.abort();
 * await running;
 * await echo;
 * assert.equal(proxy.stats.forwarded, 1);
 * ```
 */
export class TcpProxy {
  /** Counters of this run. */
  readonly stats: ProxyStats = {
    clients: 0,
    forwarded: 0,
    refused: 0,
    upstreamFailures: 0,
    bytes: 0,
    refusedFull: 0,
    idleTimeouts: 0,
  };
  readonly #ctx: MtcpContext;
  readonly #port: number;
  readonly #pool: UpstreamPool;
  readonly #connectTimeout: number;
  readonly #high: number;
  readonly #limits: TcpProxyLimits;
  #clients = 0;
  readonly #sides = new Map<number, Side>();
  readonly #events: MtcpEpollEvent[] = [];
  readonly #buf = new Uint8Array(65536);
  #lfd = -1;
  #ep = -1;
  #draining = false;
  #nextSweep = 0;
  readonly #epoch: number;
  #checker: HealthChecker | undefined;

  /** A proxy on `port` of `ctx` to the upstreams of `pool`. */
  constructor(
    ctx: MtcpContext,
    port: number,
    pool: UpstreamPool,
    options: TcpProxyLimits = {},
  ) {
    this.#ctx = ctx;
    this.#port = port;
    this.#pool = pool;
    this.#connectTimeout = options.connectTimeoutMs ?? 3000;
    this.#high = options.highWaterBytes ?? 256 << 10;
    this.#limits = options;
    this.#epoch = ctx.now();
  }

  // Whole milliseconds since the proxy was made: a small integer in a field.
  #ms(): number {
    return Math.floor(this.#ctx.now() - this.#epoch);
  }

  /**
   * Listens, then forwards until `signal` aborts (and a 2 s drain ends) or
   * the context is destroyed. `onListening` is called once listening.
   * Throws `Error` (`EADDRINUSE: address in use (10.0.0.2:8080)`) when the
   * port cannot be used.
   */
  async run(signal: AbortSignal, onListening?: () => void): Promise<ProxyStats> {
    const ctx = this.#ctx;
    this.#listen();
    onListening?.();
    let deadline = Infinity;
    try {
      while (!ctx.destroyed) {
        if (signal.aborted && !this.#draining) {
          this.#draining = true;
          deadline = ctx.now() + (this.#limits.drainMs ?? 2000);
          mtcp_epoll_ctl(ctx, this.#ep, MTCP_EPOLL_CTL_DEL, this.#lfd, undefined);
          mtcp_close(ctx, this.#lfd);
        }
        if (this.#draining && (this.#sides.size === 0 || ctx.now() >= deadline)) break;
        const n = await mtcp_epoll_wait(ctx, this.#ep, this.#events, 1024, 100);
        if (n < 0) break;
        for (let i = 0; i < n; i++) {
          const ev = this.#events[i]!;
          if (ev.data === this.#lfd) this.#acceptAll();
          else if (!this.#checker?.onEvent(ev)) this.#onEvent(ev);
        }
        this.#expireConnects();
        if (!this.#draining) this.#checker?.tick();
      }
    } finally {
      this.#closeAll();
    }
    return this.stats;
  }

  #listen(): void {
    const ctx = this.#ctx;
    const fail = (): never => {
      throw new Error(describeErrno(ctx.errno, `${formatIpv4(ctx.iface.address)}:${this.#port}`));
    };
    this.#lfd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
    if (this.#lfd < 0) fail();
    mtcp_setsock_nonblock(ctx, this.#lfd);
    if (mtcp_bind(ctx, this.#lfd, { family: AF_INET, addr: 0, port: this.#port }) < 0) fail();
    if (mtcp_listen(ctx, this.#lfd, this.#limits.backlog ?? 4096) < 0) fail();
    this.#ep = mtcp_epoll_create(ctx, 8192);
    mtcp_epoll_ctl(ctx, this.#ep, MTCP_EPOLL_CTL_ADD, this.#lfd, {
      events: MTCP_EPOLLIN,
      data: this.#lfd,
    });
    const check = this.#limits.healthCheck;
    if (check !== undefined) {
      this.#checker = new HealthChecker(ctx, this.#pool, this.#ep, check);
      this.#checker.tick(); // the first round at once
    }
  }

  /**
   * Replaces the upstream list (a reload): new clients use the new list at
   * once, pairs already open go on, and checks start over.
   */
  replaceUpstreams(upstreams: readonly Upstream[]): void {
    this.#pool.replace(upstreams);
    this.#checker?.restart();
  }

  /** Checks that passed and failed (zero without active checks). */
  get checks(): { passed: number; failed: number } {
    return this.#checker?.counts ?? { passed: 0, failed: 0 };
  }

  #acceptAll(): void {
    const ctx = this.#ctx;
    for (;;) {
      const addr: SockAddr = { family: AF_INET, addr: 0, port: 0 };
      const fd = mtcp_accept(ctx, this.#lfd, addr);
      if (fd < 0) return;
      mtcp_setsock_nonblock(ctx, fd);
      this.stats.clients++;
      if (this.#clients >= (this.#limits.maxConnections ?? Infinity)) {
        // Full: an explicit refusal, never silence.
        this.stats.refusedFull++;
        mtcp_abort(ctx, fd);
        this.#limits.onSession?.({
          client: `${formatIpv4(addr.addr)}:${addr.port}`,
          upstream: "-",
          status: 503,
          bytesSent: 0,
          bytesReceived: 0,
          durationMs: 0,
          end: "full",
        });
        continue;
      }
      this.#clients++;
      const client = side(fd, false);
      client.lastActive = this.#ms();
      client.startedAt = client.lastActive;
      client.addr = addr.addr;
      client.port = addr.port;
      this.#sides.set(fd, client);
      this.#connectUpstream(client);
    }
  }

  #onEvent(ev: MtcpEpollEvent): void {
    const s = this.#sides.get(ev.data);
    if (s === undefined) return;
    if (s.connecting) return this.#onConnecting(s, ev.events);
    if (s.peer === undefined) return;
    if ((ev.events & MTCP_EPOLLOUT) !== 0 && !this.#flush(s)) return;
    if (
      (ev.events & (MTCP_EPOLLIN | MTCP_EPOLLERR | MTCP_EPOLLHUP)) !== 0 && this.#sides.has(s.fd)
    ) {
      this.#forward(s);
    }
  }

  // An upstream's handshake ended, one way or the other.
  #onConnecting(up: Side, events: number): void {
    const err: { value: SockOptValue } = { value: 0 };
    mtcp_getsockopt(this.#ctx, up.fd, SOL_SOCKET, SO_ERROR, err);
    if (err.value !== 0 || (events & (MTCP_EPOLLERR | MTCP_EPOLLHUP)) !== 0) {
      const code = Number(err.value);
      return this.#upstreamFailed(
        up,
        code !== 0 ? `connect failed: ${describeErrno(code)}` : "connect failed",
      );
    }
    if ((events & MTCP_EPOLLOUT) === 0) return;
    up.connecting = false;
    const client = up.client!;
    up.peer = client;
    client.peer = up;
    client.paired = true;
    this.stats.forwarded++;
    this.#update(up);
    this.#update(client);
    this.#forward(client); // what the client sent while we connected
  }

  #interest(s: Side): number {
    if (s.connecting) return MTCP_EPOLLOUT;
    return (s.paused || s.eof ? 0 : MTCP_EPOLLIN) | (s.outBytes > 0 ? MTCP_EPOLLOUT : 0);
  }

  #update(s: Side): void {
    const want = this.#interest(s);
    if (s.registered === want) return;
    const op = s.registered < 0 ? MTCP_EPOLL_CTL_ADD : MTCP_EPOLL_CTL_MOD;
    mtcp_epoll_ctl(this.#ctx, this.#ep, op, s.fd, { events: want, data: s.fd });
    s.registered = want;
  }

  #drop(s: Side, reset = false): void {
    if (!this.#sides.has(s.fd)) return;
    if (!s.upstream) {
      this.#clients--;
      this.#logSession(s, reset);
    } else if (s.target !== undefined) s.target.state.active--;
    if (s.registered >= 0) mtcp_epoll_ctl(this.#ctx, this.#ep, MTCP_EPOLL_CTL_DEL, s.fd, undefined);
    if (reset) mtcp_abort(this.#ctx, s.fd);
    else mtcp_close(this.#ctx, s.fd);
    this.#sides.delete(s.fd);
  }

  #logSession(c: Side, reset: boolean): void {
    const log = this.#limits.onSession;
    if (log === undefined) return;
    const u = c.target?.upstream;
    log({
      client: `${formatIpv4(c.addr)}:${c.port}`,
      upstream: u === undefined ? "-" : `${formatIpv4(u.addr)}:${u.port}`,
      status: c.paired ? 200 : 502,
      bytesSent: c.bytesOut,
      bytesReceived: c.bytesIn,
      durationMs: this.#ms() - c.startedAt,
      end: c.end !== "" ? c.end : reset ? "reset" : "closed",
    });
  }

  #dropPair(s: Side, reset = false): void {
    const p = s.peer;
    this.#drop(s, reset);
    if (p !== undefined) this.#drop(p, reset);
  }

  #connectUpstream(client: Side): void {
    const ctx = this.#ctx;
    const pool = this.#pool;
    while (client.tried < pool.size) {
      const k = pool.pick(
        client.tried,
        client.addr,
        ctx.now(),
        client.tried > 0 ? client.index : -1,
      );
      if (k < 0) break;
      client.tried++;
      client.index = k;
      const target = pool.at(k);
      client.target = target;
      const u = target.upstream;
      const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
      if (fd < 0) break;
      mtcp_setsock_nonblock(ctx, fd);
      pool.connecting(k);
      const dst = { family: AF_INET, addr: u.addr, port: u.port };
      if (mtcp_connect(ctx, fd, dst) < 0 && ctx.errno !== EINPROGRESS) {
        mtcp_close(ctx, fd);
        pool.markDown(k, ctx.now(), `connect failed: ${describeErrno(ctx.errno)}`);
        this.stats.upstreamFailures++;
        continue;
      }
      const up = side(fd, true);
      up.connecting = true;
      up.startedAt = this.#ms();
      up.client = client;
      up.index = k;
      up.target = target;
      target.state.active++;
      this.#sides.set(fd, up);
      this.#update(up);
      return;
    }
    // No upstream answers: the client is reset.
    this.stats.refused++;
    client.end = "no upstream";
    this.#drop(client, true);
  }

  #upstreamFailed(up: Side, why: string): void {
    const k = this.#pool.indexOf(up.target!.upstream);
    if (k >= 0) this.#pool.markDown(k, this.#ctx.now(), why); // not when a reload removed it
    this.stats.upstreamFailures++;
    const client = up.client!;
    this.#drop(up);
    if (this.#sides.has(client.fd)) this.#connectUpstream(client);
  }

  // Upstreams that do not finish their handshake in time are given up, and
  // pairs idle for too long are closed: a sweep every SWEEP_MS at most, over
  // the map itself (a side dropped meanwhile is skipped, one added is seen).
  // Each wake-up once made a copy of every side and looked at all of them:
  // with 10,000 idle pairs, 20,000 entries a wake-up.
  #expireConnects(): void {
    const now = this.#ms();
    if (now < this.#nextSweep) return;
    this.#nextSweep = now + SWEEP_MS;
    const idle = this.#limits.idleTimeoutMs ?? 600_000;
    for (const s of this.#sides.values()) {
      if (s.connecting && now - s.startedAt > this.#connectTimeout) {
        this.#upstreamFailed(s, `connect timed out after ${this.#connectTimeout} ms`);
      } else if (!s.upstream && s.peer !== undefined && idle > 0 && this.#sides.has(s.fd)) {
        if (now - Math.max(s.lastActive, s.peer.lastActive) <= idle) continue;
        this.stats.idleTimeouts++;
        s.end = "idle timeout";
        this.#dropPair(s);
      }
    }
  }

  // Writes what is queued for `s`; half-closes it when its peer ended and
  // all is written. False when the pair was dropped.
  #flush(s: Side): boolean {
    if (!this.#writeQueued(s)) return false;
    const p = s.peer;
    if (p !== undefined && p.paused && s.outBytes <= this.#high / 2) {
      p.paused = false;
      this.#update(p);
    }
    if (s.outBytes === 0 && p !== undefined && p.eof && !s.shut) {
      mtcp_shutdown(this.#ctx, s.fd, SHUT_WR);
      s.shut = true;
    }
    if (s.shut && s.eof && p !== undefined && p.shut && p.eof) {
      this.#dropPair(s);
      return false;
    }
    this.#update(s);
    return true;
  }

  #writeQueued(s: Side): boolean {
    const ctx = this.#ctx;
    const out = s.out;
    if (out === undefined) return true;
    while (out.length > 0) {
      const chunk = out[0]!;
      const rest = chunk.length - s.outOffset;
      const view = s.outOffset === 0 ? chunk : chunk.subarray(s.outOffset);
      const w = mtcp_write(ctx, s.fd, view, rest);
      if (w < 0) {
        if (ctx.errno === EAGAIN) return true;
        this.#dropPair(s);
        return false;
      }
      s.outBytes -= w;
      s.bytesOut += w;
      this.stats.bytes += w;
      if (w < rest) {
        s.outOffset += w;
        return true;
      }
      out.shift();
      s.outOffset = 0;
    }
    s.out = undefined; // an idle pair holds no queue
    return true;
  }

  #forward(from: Side): void {
    const ctx = this.#ctx;
    const buf = this.#buf;
    const to = from.peer!;
    for (;;) {
      if (to.outBytes >= this.#high) {
        from.paused = true;
        break;
      }
      const r = mtcp_read(ctx, from.fd, buf, buf.length);
      if (r > 0) {
        from.lastActive = this.#ms();
        from.bytesIn += r;
        if (!this.#pass(from, to, r)) return;
        continue;
      }
      if (r === 0) {
        from.eof = true;
      } else if (ctx.errno !== EAGAIN) {
        this.#dropPair(from, true); // reset or timed out: the other side is reset too
        return;
      }
      break;
    }
    this.#update(from);
    this.#flush(to);
  }

  // Writes `r` bytes just read from `from` to `to`, queueing what it does
  // not take; false when the pair was dropped.
  #pass(from: Side, to: Side, r: number): boolean {
    const ctx = this.#ctx;
    let off = 0;
    if (to.outBytes === 0) {
      const w = mtcp_write(ctx, to.fd, this.#buf, r);
      if (w < 0 && ctx.errno !== EAGAIN) {
        this.#dropPair(from);
        return false;
      }
      off = Math.max(0, w);
      to.bytesOut += off;
      this.stats.bytes += off;
    }
    if (off < r) {
      (to.out ??= []).push(this.#buf.slice(off, r));
      to.outBytes += r - off;
    }
    return true;
  }

  #closeAll(): void {
    for (const s of [...this.#sides.values()]) {
      if (!s.upstream && s.end === "") s.end = "shutdown";
      this.#drop(s);
    }
    if (!this.#ctx.destroyed) this.#checker?.close();
    const ctx = this.#ctx;
    if (!ctx.destroyed) {
      if (!this.#draining && this.#lfd >= 0) mtcp_close(ctx, this.#lfd);
      if (this.#ep >= 0) mtcp_close(ctx, this.#ep);
    }
  }
}

/** Runs the proxy on `stack` until `signal` aborts. */
export async function runProxy(
  stack: Stack,
  options: StackOptions,
  o: ProxyOptions,
  signal: AbortSignal,
  onListening: (line: string) => void,
  reload: EventTarget = new EventTarget(),
): Promise<CommandSummary> {
  const name = (u: Upstream) => `${formatIpv4(u.addr)}:${u.port}`;
  let log = o.accessLog !== undefined ? LogWriter.open(o.accessLog) : undefined;
  const format = o.logFormat ?? "combined";
  // SIGHUP reopens the connection log (after a rotation) and reads the
  // upstream file again; a file that does not parse leaves the list as is.
  const onReload = () => {
    if (log !== undefined && o.accessLog !== undefined) {
      log.close();
      log = LogWriter.open(o.accessLog);
    }
    if (o.upstreamFile === undefined) return;
    const file = o.upstreamFile;
    readUpstreamFile(file).then((ups) => {
      const before = String(pool);
      proxy.replaceUpstreams(ups);
      console.error(`${new Date().toISOString()} reload: upstreams ${pool} (were ${before})`);
    }, (err) => {
      const why = err instanceof Deno.errors.NotFound ? `${file}: no such file` : err.message;
      console.error(`${new Date().toISOString()} reload: upstreams kept: ${why}`);
    });
  };
  const pool = new UpstreamPool(o.upstreams, o.balance, {
    ...o,
    // An event line on stderr, as the reload line: when, which, and why.
    onChange: (u, up, why) =>
      console.error(
        `${new Date().toISOString()} upstream ${name(u)} ${up ? "up" : "down"}: ${why}`,
      ),
  });
  const proxy = new TcpProxy(stack.ctx, o.port, pool, {
    ...o,
    ...(log !== undefined
      ? { onSession: (e: SessionEntry) => log?.write(sessionLine(e, format, Date.now())) }
      : {}),
  });
  reload.addEventListener("reload", onReload);
  stack.appStats = () => ({
    upstreams: pool.upstreams.map((u, k) => {
      const st = pool.states[k]!;
      return {
        upstream: name(u),
        up: st.up ? 1 : 0,
        active: st.active,
        connects: st.connects,
        failures: st.failures,
      };
    }),
  });
  const stats = await proxy.run(signal, () =>
    onListening(
      `listening on ${
        hostOf(options.ip)
      }:${o.port} (proxy to ${pool}, ${o.balance}) via ${stack.where}`,
    ));
  reload.removeEventListener("reload", onReload);
  log?.close();
  await settle(stack);
  return {
    lines: [
      `clients: ${stats.clients}, forwarded ${stats.forwarded}, refused (no upstream) ${stats.refused}, ` +
      `refused (full) ${stats.refusedFull}, idle timeouts ${stats.idleTimeouts}; ` +
      `upstream failures ${stats.upstreamFailures}; bytes ${stats.bytes}`,
      `upstreams: ${
        pool.upstreams.map((u, k) => {
          const st = pool.states[k]!;
          return `${name(u)} ${
            st.up ? "up" : "down"
          } connects ${st.connects} failures ${st.failures}`;
        }).join("; ")
      }` + (o.healthCheck === undefined
        ? ""
        : `; checks passed ${proxy.checks.passed} failed ${proxy.checks.failed}`),
    ],
  };
}
