/**
 * mTCP's API: `mtcp_init`, `mtcp_create_context`, the socket calls and epoll,
 * with mTCP's spelling and its errno contract (mTCP's man pages, and what
 * mTCP's code really does where they are silent). A failed call
 * returns -1 and sets `mctx.errno`; `mtcp_epoll_wait` returns a Promise (one
 * JavaScript thread drives the context while it waits); every other call is
 * synchronous.
 *
 * Where mTCP is buggy or incomplete this API does what the man pages and
 * POSIX say, and the function's doc names the difference: setsockopt acts,
 * getsockname on an accepted socket gives the local address, close works in
 * every state, level-triggered and one-shot epoll work, and any number of
 * epoll instances may share a context.
 *
 * @example An epoll-driven echo server and a client, two contexts on an in-memory network
 * ```ts
 * import {
 *   AF_INET, MemoryNetwork, MTCP_EPOLL_CTL_ADD, MTCP_EPOLLIN, type MtcpEpollEvent,
 *   mtcp_accept, mtcp_bind, mtcp_close, mtcp_connect, mtcp_create_context, mtcp_destroy,
 *   mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_init, mtcp_listen, mtcp_read,
 *   mtcp_setsock_nonblock, mtcp_socket, mtcp_write, parseIpv4Address, SOCK_STREAM,
 * } from "../../mod.ts";
 *
 * mtcp_init({ num_cores: 2, max_concurrency: 64, max_num_buffers: 64 });
 * const network = new MemoryNetwork();
 * const server = mtcp_create_context(0, { network, address: "10.0.0.2/24" })!;
 * const client = mtcp_create_context(1, { network, address: "10.0.0.1/24" })!;
 *
 * const lfd = mtcp_socket(server, AF_INET, SOCK_STREAM, 0);
 * mtcp_setsock_nonblock(server, lfd);
 * mtcp_bind(server, lfd, { family: AF_INET, addr: 0, port: 7 });
 * mtcp_listen(server, lfd, 16);
 * const ep = mtcp_epoll_create(server, 16);
 * mtcp_epoll_ctl(server, ep, MTCP_EPOLL_CTL_ADD, lfd, { events: MTCP_EPOLLIN, data: lfd });
 *
 * const cfd = mtcp_socket(client, AF_INET, SOCK_STREAM, 0);
 * mtcp_setsock_nonblock(client, cfd);
 * mtcp_connect(client, cfd, { family: AF_INET, addr: parseIpv4Address("10.0.0.2")!, port: 7 });
 *
 * const events: MtcpEpollEvent[] = [];
 * const buf = new Uint8Array(64);
 * let echoed = "";
 * const cep = mtcp_epoll_create(client, 4);
 * mtcp_epoll_ctl(client, cep, MTCP_EPOLL_CTL_ADD, cfd, { events: MTCP_EPOLLIN | 0x004, data: cfd });
 * let sent = false;
 * while (echoed !== "hello") {
 *   const n = await mtcp_epoll_wait(server, ep, events, 16, 10);
 *   for (const ev of events.slice(0, n)) {
 *     if (ev.data === lfd) {
 *       const c = mtcp_accept(server, lfd);
 *       mtcp_setsock_nonblock(server, c);
 *       mtcp_epoll_ctl(server, ep, MTCP_EPOLL_CTL_ADD, c, { events: MTCP_EPOLLIN, data: c });
 *     } else {
 *       const r = mtcp_read(server, ev.data, buf, buf.length);
 *       if (r > 0) mtcp_write(server, ev.data, buf, r);
 *       if (r === 0) mtcp_close(server, ev.data);
 *     }
 *   }
 *   const m = await mtcp_epoll_wait(client, cep, events, 4, 10);
 *   for (const ev of events.slice(0, m)) {
 *     if (!sent && (ev.events & 0x004)) sent = mtcp_write(client, cfd, new TextEncoder().encode("hello"), 5) === 5;
 *     const r = mtcp_read(client, cfd, buf, buf.length);
 *     if (r > 0) echoed += new TextDecoder().decode(buf.subarray(0, r));
 *   }
 * }
 * mtcp_close(client, cfd);
 * mtcp_destroy();
 * ```
 *
 * @module
 */

import { isCongestionAlgorithm } from "../tcp/congestion/mod.ts";
import type { TcpSocket } from "../tcp/socket.ts";
import {
  type ConfigCheck,
  configFrom,
  defaultConfig,
  type MtcpConfig,
  parseMtcpConf,
  setConfigValue,
} from "./config.ts";
import {
  AF_INET,
  describeErrno,
  EADDRINUSE,
  EAFNOSUPPORT,
  EAGAIN,
  EALREADY,
  EBADF,
  EEXIST,
  EFAULT,
  EINPROGRESS,
  EINTR,
  EINVAL,
  EISCONN,
  ENETUNREACH,
  ENFILE,
  ENOENT,
  ENOMEM,
  ENOPROTOOPT,
  ENOTCONN,
  ENOTSOCK,
  EPERM,
  EPIPE,
  EPROTONOSUPPORT,
  FIONBIO,
  FIONREAD,
  INADDR_ANY,
  IPPROTO_TCP,
  type Linger,
  MSG_PEEK,
  MTCP_EPOLL_CTL_ADD,
  MTCP_EPOLL_CTL_DEL,
  MTCP_EPOLL_CTL_MOD,
  type MtcpEpollEvent,
  O_CLOEXEC,
  SHUT_RD,
  SHUT_RDWR,
  SHUT_WR,
  SO_ERROR,
  SO_KEEPALIVE,
  SO_LINGER,
  SO_RCVBUF,
  SO_REUSEADDR,
  SO_SNDBUF,
  SOCK_STREAM,
  type SockAddr,
  SOL_SOCKET,
  TCP_CONGESTION,
  TCP_KEEPCNT,
  TCP_KEEPIDLE,
  TCP_KEEPINTVL,
  TCP_MAXSEG,
  TCP_NODELAY,
  TCP_QUICKACK,
  TCP_USER_TIMEOUT,
} from "./constants.ts";
import { loadShim } from "../../ffi/shim.ts";
import { rssHashTcp4, rssQueue } from "../wire/toeplitz.ts";
import { type ContextAttachment, MtcpContext } from "./context.ts";

/**
 * A context handle, as `mctx_t`.
 *
 * @example A context: one core's stack, and where a failed call leaves errno
 * ```ts
 * import assert from "node:assert/strict";
 * import { EBADF, MemoryNetwork, type mctx_t, mtcp_accept, mtcp_create_context, mtcp_destroy, mtcp_init } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const c: mctx_t = ctx;
 * assert.equal(c.cpu, 0);
 * assert.equal(mtcp_accept(c, 12345), -1);
 * assert.equal(c.errno, EBADF);
 * mtcp_destroy();
 * ```
 */
export type mctx_t = MtcpContext;

interface Global {
  config: MtcpConfig | undefined;
  contexts: (MtcpContext | undefined)[];
  lastError: string;
  linger: Map<MtcpContext, Map<number, Linger>>;
}

const G: Global = { config: undefined, contexts: [], lastError: "", linger: new Map() };

function fail(mctx: MtcpContext, errno: number): -1 {
  mctx.errno = errno;
  return -1;
}

// GetMTCPManager(): every call first checks its context.
function usable(mctx: MtcpContext | undefined | null): mctx is MtcpContext {
  if (mctx === undefined || mctx === null || !(mctx instanceof MtcpContext)) return false;
  if (mctx.destroyed) {
    mctx.errno = EPERM;
    return false;
  }
  return true;
}

/**
 * Initialises the stack from an mtcp.conf file path, or from an object of the
 * same keys. Returns 0, or -1 with the reason in {@linkcode mtcp_strerror_init}
 * (an unknown key is named there). Must come before `mtcp_create_context`.
 *
 * @example Keys as mtcp.conf names them; an unknown key is refused and named
 * ```ts
 * import assert from "node:assert/strict";
 * import { mtcp_destroy, mtcp_init, mtcp_strerror_init } from "../../mod.ts";
 * assert.equal(mtcp_init({ num_cores: 1, max_concurrency: 1024, tcp_timewait: 0 }), 0);
 * mtcp_destroy();
 * assert.equal(mtcp_init({ num_cores: 1, max_concurency: 10 }), -1);
 * assert.match(mtcp_strerror_init(), /max_concurency/);
 * ```
 */
export function mtcp_init(
  config?: string | Partial<Record<keyof MtcpConfig | string, unknown>>,
): number {
  let parsed;
  if (typeof config === "string") {
    let text: string;
    try {
      text = Deno.readTextFileSync(config);
    } catch (err) {
      G.lastError = `Cannot read ${config}: ${err instanceof Error ? err.message : String(err)}`;
      return -1;
    }
    parsed = parseMtcpConf(text, config);
  } else {
    parsed = configFrom(config ?? {});
  }
  if (!parsed.ok) {
    G.lastError = parsed.message;
    return -1;
  }
  G.config = parsed.config;
  G.lastError = "";
  return 0;
}

/**
 * Why the last `mtcp_init`, `mtcp_setconf`, `mtcp_create_context` or
 * `mtcp_core_affinitize` failed ("" after an `mtcp_init` that did not).
 *
 * @example Why mtcp_init failed
 * ```ts
 * import assert from "node:assert/strict";
 * import { mtcp_init, mtcp_strerror_init } from "../../mod.ts";
 * assert.equal(mtcp_init({ rcvbuf: "big" }), -1);
 * assert.match(mtcp_strerror_init(), /rcvbuf/);
 * ```
 */
export function mtcp_strerror_init(): string {
  return G.lastError;
}

/**
 * The configuration in force (a copy), as `mtcp_getconf`; -1 before `mtcp_init`.
 *
 * @example Reading the configuration in force
 * ```ts
 * import assert from "node:assert/strict";
 * import { type MtcpConfig, mtcp_destroy, mtcp_getconf, mtcp_init } from "../../mod.ts";
 * mtcp_init({ num_cores: 1, max_concurrency: 500 });
 * const conf: Partial<MtcpConfig> = {};
 * assert.equal(mtcp_getconf(conf), 0);
 * assert.equal(conf.max_concurrency, 500);
 * mtcp_destroy();
 * ```
 */
export function mtcp_getconf(out: Partial<MtcpConfig>): number {
  if (G.config === undefined) return -1;
  Object.assign(out, G.config);
  return 0;
}

/**
 * Changes configuration values before contexts are created, as
 * `mtcp_setconf`. Returns -1 (reason in `mtcp_strerror_init`) for a bad key or value.
 *
 * @example Changing keys before the contexts are created
 * ```ts
 * import assert from "node:assert/strict";
 * import { type MtcpConfig, mtcp_destroy, mtcp_getconf, mtcp_init, mtcp_setconf } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * assert.equal(mtcp_setconf({ tcp_timewait: 0 }), 0);
 * const conf: Partial<MtcpConfig> = {};
 * mtcp_getconf(conf);
 * assert.equal(conf.tcp_timewait, 0);
 * assert.equal(mtcp_setconf({ no_such_key: 1 }), -1);
 * mtcp_destroy();
 * ```
 */
export function mtcp_setconf(values: Partial<Record<string, unknown>>): number {
  const config = G.config ?? defaultConfig();
  const next = { ...config };
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    const check: ConfigCheck = setConfigValue(next, key, value);
    if (!check.ok) {
      G.lastError = check.message;
      return -1;
    }
  }
  G.config = next;
  return 0;
}

/**
 * Creates the context for core `cpu`, attached as `attachment` says (today:
 * a host on a memory network). Returns `null` if `mtcp_init` has not run,
 * `cpu` is not below num_cores, the core already has a context, or the
 * attachment is malformed (as mTCP, no errno: there is no context to hold it).
 *
 * @example One core's stack on an in-memory network
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryNetwork, formatIpv4, mtcp_create_context, mtcp_destroy, mtcp_init } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" });
 * assert.ok(ctx !== null);
 * assert.equal(formatIpv4(ctx.iface.address), "10.0.0.1");
 * assert.equal(mtcp_create_context(5, { network: new MemoryNetwork(), address: "10.0.0.2/24" }), null); // no core 5
 * mtcp_destroy();
 * ```
 */
export function mtcp_create_context(cpu: number, attachment: ContextAttachment): mctx_t | null {
  const config = G.config;
  if (config === undefined) {
    G.lastError = "mtcp_create_context: mtcp_init has not been called (or mtcp_destroy was)";
    return null;
  }
  if (!Number.isInteger(cpu) || cpu < 0 || cpu >= config.num_cores) {
    G.lastError = `mtcp_create_context: no core ${cpu} (num_cores is ${config.num_cores})`;
    return null;
  }
  if (G.contexts[cpu] !== undefined && !G.contexts[cpu]!.destroyed) {
    G.lastError = `mtcp_create_context: core ${cpu} has a context already`;
    return null;
  }
  try {
    const ctx = new MtcpContext(cpu, config, attachment);
    G.contexts[cpu] = ctx;
    return ctx;
  } catch (err) {
    G.lastError = err instanceof Error ? err.message : String(err);
    return null;
  }
}

/**
 * Destroys a context: it leaves its network; pending waits end with EINTR.
 *
 * @example Destroying a context frees it; its calls then fail with EPERM
 * ```ts
 * import assert from "node:assert/strict";
 * import { EPERM, MemoryNetwork, mtcp_create_context, mtcp_destroy, mtcp_destroy_context, mtcp_epoll_create, mtcp_init } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * mtcp_destroy_context(ctx);
 * assert.ok(ctx.destroyed);
 * assert.equal(mtcp_epoll_create(ctx, 4), -1);
 * assert.equal(ctx.errno, EPERM);
 * mtcp_destroy();
 * ```
 */
export function mtcp_destroy_context(mctx: mctx_t): void {
  if (!(mctx instanceof MtcpContext) || mctx.destroyed) return;
  mctx.destroy();
  G.linger.delete(mctx);
  if (G.contexts[mctx.cpu] === mctx) G.contexts[mctx.cpu] = undefined;
}

/**
 * Destroys every context and forgets the configuration.
 *
 * @example Ends everything: mtcp_init may be called again
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryNetwork, mtcp_create_context, mtcp_destroy, mtcp_init } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * mtcp_destroy();
 * assert.ok(ctx.destroyed);
 * assert.equal(mtcp_init({ num_cores: 1 }), 0);
 * mtcp_destroy();
 * ```
 */
export function mtcp_destroy(): void {
  for (const ctx of G.contexts) if (ctx !== undefined) mtcp_destroy_context(ctx);
  G.contexts = [];
  G.config = undefined;
}

// --- RSS, signals, cores ----------------------------------------------------------

/**
 * mTCP's `mtcp_init_rss`: keeps, for connections from this context to
 * `daddr:dport`, only the source ports (1025 to 65535) whose replies a NIC's
 * RSS (Toeplitz, mTCP's symmetric key, a 128-entry indirection table) steers
 * to this context's queue among `num_cores`, so a core's connections come
 * back to it. `mtcp_connect` then takes its ports from that pool. This stack
 * has one address: `saddr_base` is it or INADDR_ANY, and `num_addr` 1
 * (EINVAL otherwise); ENOMEM when no port qualifies.
 *
 * @example Four cores: core 2's ports to a server all hash to queue 2
 * ```ts
 * import assert from "node:assert/strict";
 * import { INADDR_ANY, MemoryNetwork, mtcp_create_context, mtcp_destroy, mtcp_init, mtcp_init_rss, parseIpv4Address } from "../../mod.ts";
 * import { rssHashTcp4, rssQueue } from "../wire/toeplitz.ts";
 * mtcp_init({ num_cores: 4 });
 * const ctx = mtcp_create_context(2, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const server = parseIpv4Address("10.0.0.9")!;
 * assert.equal(mtcp_init_rss(ctx, INADDR_ANY, 1, server, 80), 0);
 * assert.equal(rssQueue(rssHashTcp4(server, ctx.iface.address, 80, 40000), 4) === 2, ctx.rssPortsFor(server, 80).includes(40000));
 * mtcp_destroy();
 * ```
 */
export function mtcp_init_rss(
  mctx: mctx_t,
  saddr_base: number,
  num_addr: number,
  daddr: number,
  dport: number,
): number {
  if (!usable(mctx)) return -1;
  const local = mctx.iface.address;
  if (num_addr !== 1 || (saddr_base !== INADDR_ANY && saddr_base !== local)) {
    return fail(mctx, EINVAL);
  }
  if (!Number.isInteger(dport) || dport < 1 || dport > 65535) return fail(mctx, EINVAL);
  const queues = mctx.config.num_cores;
  const ports: number[] = [];
  for (let port = 1025; port <= 65535; port++) {
    // The reply's tuple (the key is symmetric, so either direction would do).
    if (rssQueue(rssHashTcp4(daddr, local, dport, port), queues) === mctx.cpu) ports.push(port);
  }
  if (ports.length === 0) return fail(mctx, ENOMEM);
  mctx.setRssPorts(daddr, dport, Uint16Array.from(ports));
  return 0;
}

const SIGNALS: Record<number, Deno.Signal> = { 1: "SIGHUP", 2: "SIGINT", 15: "SIGTERM" };
const HANDLERS = new Map<number, { handler: (signum: number) => void; listener: () => void }>();

/**
 * mTCP's `mtcp_register_signal`: `handler(signum)` runs on the event loop
 * (where every context's loop runs) when SIGINT (2), SIGTERM (15) or SIGHUP
 * (1) arrives, in place of the handler registered before, which is
 * returned (null when none). `null` unregisters. Another signal number
 * returns undefined (mTCP's SIG_ERR) and changes nothing.
 *
 * @example A SIGHUP handler, then none
 * ```ts
 * import assert from "node:assert/strict";
 * import { mtcp_register_signal } from "../../mod.ts";
 * const seen: number[] = [];
 * assert.equal(mtcp_register_signal(1, (s) => seen.push(s)), null);
 * assert.equal(typeof mtcp_register_signal(1, null), "function");
 * assert.equal(mtcp_register_signal(10, () => {}), undefined); // SIGUSR1: not supported
 * ```
 */
export function mtcp_register_signal(
  signum: number,
  handler: ((signum: number) => void) | null,
): ((signum: number) => void) | null | undefined {
  const signal = SIGNALS[signum];
  if (signal === undefined) return undefined;
  const before = HANDLERS.get(signum);
  if (before !== undefined) Deno.removeSignalListener(signal, before.listener);
  HANDLERS.delete(signum);
  if (handler !== null) {
    const listener = () => handler(signum);
    Deno.addSignalListener(signal, listener);
    HANDLERS.set(signum, { handler, listener });
  }
  return before?.handler ?? null;
}

/**
 * mTCP's `mtcp_core_affinitize`: pins the calling thread (the main thread,
 * or the worker that calls it) to CPU `cpu` with sched_setaffinity, through
 * the shim. Returns 0, or -1 with the reason in {@linkcode mtcp_strerror_init}
 * (`EINVAL: invalid argument (cpu 99)` for a CPU the machine or its cgroup
 * does not have; there is no context to hold an errno, and mTCP sets a
 * negative one). Needs the shim and --allow-ffi.
 *
 * @example Pin this thread to CPU 0, and a CPU that is not there
 * ```ts
 * import { mtcp_core_affinitize, mtcp_strerror_init } from "../../mod.ts";
 * try {
 *   console.log(mtcp_core_affinitize(0)); // 0
 *   console.log(mtcp_core_affinitize(4000), mtcp_strerror_init()); // -1 EINVAL: invalid argument (cpu 4000)
 * } catch (err) {
 *   console.log((err as Error).message); // no shim built here
 * }
 * ```
 */
export function mtcp_core_affinitize(cpu: number): number {
  if (!Number.isInteger(cpu) || cpu < 0) {
    G.lastError = describeErrno(EINVAL, `cpu ${cpu}`);
    return -1;
  }
  const rc = loadShim().symbols.mtcp_shim_set_affinity(cpu);
  if (rc === 0) return 0;
  G.lastError = describeErrno(-rc, `cpu ${cpu}`);
  return -1;
}

/**
 * mTCP's `mtcp_pipe`: two ids of this context, `pipeid[0]` the read end and
 * `pipeid[1]` the write end, over mTCP's 10,240-byte buffer. They are read
 * and written with {@linkcode mtcp_read} (or `mtcp_recv` without flags) and
 * {@linkcode mtcp_write}, and watched with epoll: the read end is readable
 * with data or at its end, the write end writable with room. Reads give
 * EAGAIN when empty and 0 once the write end is closed and all is read;
 * writes give EAGAIN when full and EPIPE once the read end is closed.
 * ENFILE when the socket table has not two ids free. mTCP applications use
 * a pipe to wake a context's epoll loop from another thread: here a worker
 * posts a message, and the main thread writes a byte into the pipe.
 *
 * @example A byte through a pipe wakes an epoll_wait
 * ```ts
 * import assert from "node:assert/strict";
 * import { EAGAIN, MTCP_EPOLLIN, MTCP_EPOLL_CTL_ADD, MemoryNetwork, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_init, mtcp_pipe, mtcp_read, mtcp_write } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork({ clock: "system" }), address: "10.0.0.1/24" })!;
 * const ids: number[] = [];
 * assert.equal(mtcp_pipe(ctx, ids), 0);
 * const [r, w] = ids as [number, number];
 * const ep = mtcp_epoll_create(ctx, 4);
 * mtcp_epoll_ctl(ctx, ep, MTCP_EPOLL_CTL_ADD, r, { events: MTCP_EPOLLIN, data: r });
 * setTimeout(() => mtcp_write(ctx, w, new Uint8Array([7]), 1), 10); // another "thread"
 * assert.equal(await mtcp_epoll_wait(ctx, ep, [], 4, 5000), 1);
 * const buf = new Uint8Array(8);
 * assert.equal(mtcp_read(ctx, r, buf, 8), 1);
 * assert.equal(mtcp_read(ctx, r, buf, 8), -1);
 * assert.equal(ctx.errno, EAGAIN);
 * mtcp_destroy();
 * ```
 */
export function mtcp_pipe(mctx: mctx_t, pipeid: number[]): number {
  if (!usable(mctx)) return -1;
  if (!Array.isArray(pipeid)) return fail(mctx, EFAULT);
  const ends = mctx.openPipe();
  if (ends === -1) return fail(mctx, ENFILE);
  pipeid[0] = ends[0];
  pipeid[1] = ends[1];
  return 0;
}

// The slot of `sockid` when it is a pipe end, else -1 (errno untouched).
function pipeSlot(mctx: MtcpContext, sockid: number): number {
  const slot = mctx.slotOf(sockid);
  return slot >= 0 && mctx.kindOf(slot) === "pipe" ? slot : -1;
}

// A pipe call's result: bytes, or -errno made into -1 with errno set.
function pipeResult(mctx: MtcpContext, rc: number): number {
  return rc < 0 ? fail(mctx, -rc) : rc;
}

// --- Sockets ----------------------------------------------------------------------

/**
 * A socket id: AF_INET and SOCK_STREAM only (EAFNOSUPPORT, EINVAL); ENFILE
 * when the pool is full. `protocol` is 0 or IPPROTO_TCP; any other is
 * EPROTONOSUPPORT, as POSIX's socket() says (mTCP ignores it, and its man
 * page says it must be 0).
 *
 * @example A TCP socket id
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, MemoryNetwork, SOCK_STREAM, mtcp_close, mtcp_create_context, mtcp_destroy, mtcp_init, mtcp_socket } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * assert.ok(fd >= 0);
 * assert.equal(mtcp_close(ctx, fd), 0);
 * mtcp_destroy();
 * ```
 */
export function mtcp_socket(mctx: mctx_t, domain: number, type: number, protocol: number): number {
  if (!usable(mctx)) return -1;
  if (domain !== AF_INET) return fail(mctx, EAFNOSUPPORT);
  // mTCP: type must be exactly SOCK_STREAM (so SOCK_NONBLOCK is refused).
  if (type !== SOCK_STREAM) return fail(mctx, EINVAL);
  // POSIX socket(): a protocol the type does not support is EPROTONOSUPPORT.
  if (protocol !== 0 && protocol !== IPPROTO_TCP) return fail(mctx, EPROTONOSUPPORT);
  const id = mctx.allocSocket("stream");
  if (id < 0) return fail(mctx, ENFILE);
  return id;
}

function streamOrListener(mctx: MtcpContext, id: number): number {
  const slot = mctx.slotOf(id);
  if (slot < 0) return fail(mctx, EBADF);
  const kind = mctx.kindOf(slot);
  if (kind !== "stream" && kind !== "listener") return fail(mctx, ENOTSOCK);
  return slot;
}

/**
 * Binds a local address: our address or INADDR_ANY, and a port (0: chosen at
 * listen or connect). EBADF, ENOTSOCK, EINVAL (no address, wrong family,
 * already bound, or an address not ours), EADDRINUSE (the port is taken; mTCP
 * has no such check).
 *
 * @example Binding a port; a second bind of the same socket is EINVAL
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, EINVAL, INADDR_ANY, MemoryNetwork, SOCK_STREAM, mtcp_bind, mtcp_create_context, mtcp_destroy, mtcp_init, mtcp_socket } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * assert.equal(mtcp_bind(ctx, fd, { family: AF_INET, addr: INADDR_ANY, port: 8080 }), 0);
 * assert.equal(mtcp_bind(ctx, fd, { family: AF_INET, addr: INADDR_ANY, port: 8081 }), -1);
 * assert.equal(ctx.errno, EINVAL);
 * mtcp_destroy();
 * ```
 */
export function mtcp_bind(
  mctx: mctx_t,
  sockid: number,
  addr: SockAddr | undefined | null,
  _addrlen?: number,
): number {
  if (!usable(mctx)) return -1;
  const slot = streamOrListener(mctx, sockid);
  if (slot < 0) return -1;
  if (addr === undefined || addr === null || addr.family !== AF_INET) return fail(mctx, EINVAL);
  if (
    mctx.boundPort(slot) >= 0 || mctx.kindOf(slot) === "listener" ||
    mctx.connection(slot) !== undefined
  ) {
    return fail(mctx, EINVAL);
  }
  if (addr.addr !== 0 && addr.addr !== mctx.iface.address) return fail(mctx, EINVAL);
  if (!Number.isInteger(addr.port) || addr.port < 0 || addr.port > 65535) return fail(mctx, EINVAL);
  if (addr.port !== 0 && mctx.portInUse(addr.port, slot)) return fail(mctx, EADDRINUSE);
  mctx.setBoundPort(slot, addr.port);
  return 0;
}

/**
 * Listens with `backlog` (SYN-RECEIVED plus unaccepted connections). EBADF,
 * ENOTSOCK, EINVAL (a backlog that is not an integer, or a socket already
 * listening or connecting), EADDRINUSE (another listener has the port).
 * As Linux's listen(2) (mTCP refuses them with EINVAL): a backlog of 0 admits
 * one connection, and a negative one or one above `max_concurrency` (this
 * stack's somaxconn) is clamped to `max_concurrency`.
 *
 * @example A listener with a backlog of 128
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, INADDR_ANY, MemoryNetwork, SOCK_STREAM, mtcp_bind, mtcp_create_context, mtcp_destroy, mtcp_init, mtcp_listen, mtcp_socket } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * mtcp_bind(ctx, fd, { family: AF_INET, addr: INADDR_ANY, port: 80 });
 * assert.equal(mtcp_listen(ctx, fd, 128), 0);
 * mtcp_destroy();
 * ```
 */
export function mtcp_listen(mctx: mctx_t, sockid: number, backlog: number): number {
  if (!usable(mctx)) return -1;
  const slot = streamOrListener(mctx, sockid);
  if (slot < 0) return -1;
  if (!Number.isInteger(backlog)) return fail(mctx, EINVAL);
  const somaxconn = mctx.config.max_concurrency;
  // Linux: (unsigned) backlog above somaxconn is clamped, and the accept
  // queue counts as full only past its length, so a backlog of 0 admits one.
  const effective = backlog < 0 || backlog > somaxconn ? somaxconn : Math.max(1, backlog);
  if (mctx.kindOf(slot) === "listener" || mctx.connection(slot) !== undefined) {
    return fail(mctx, EINVAL);
  }
  let port = mctx.boundPort(slot);
  if (port <= 0) {
    // Linux picks an ephemeral port for an unbound listener; so do we.
    port = 32768;
    while (port <= 60999 && mctx.portInUse(port, slot)) port++;
  }
  if (mctx.isListening(port)) return fail(mctx, EADDRINUSE);
  mctx.listen(slot, port, effective);
  return 0;
}

/**
 * Accepts a connection: its id; fills `addr` with the peer's address.
 * EBADF (not a socket), EINVAL (not a listener), EAGAIN (none waiting; a
 * "blocking" listener behaves the same, since nothing here may block), ENFILE
 * (no socket id free: the connection stays queued).
 *
 * @example Accepting fills the peer's address, like the C call
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, INADDR_ANY, MTCP_EPOLLIN, MTCP_EPOLL_CTL_ADD, MemoryNetwork, SOCK_STREAM, type SockAddr, formatIpv4, mtcp_accept, mtcp_bind, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_init, mtcp_listen, mtcp_setsock_nonblock, mtcp_socket, parseIpv4Address } from "../../mod.ts";
 * mtcp_init({ num_cores: 2 });
 * const network = new MemoryNetwork();
 * const server = mtcp_create_context(0, { network, address: "10.0.0.2/24" })!;
 * const client = mtcp_create_context(1, { network, address: "10.0.0.1/24" })!;
 * const lfd = mtcp_socket(server, AF_INET, SOCK_STREAM, 0);
 * mtcp_bind(server, lfd, { family: AF_INET, addr: INADDR_ANY, port: 80 });
 * mtcp_listen(server, lfd, 4);
 * const ep = mtcp_epoll_create(server, 4);
 * mtcp_epoll_ctl(server, ep, MTCP_EPOLL_CTL_ADD, lfd, { events: MTCP_EPOLLIN, data: lfd });
 * const fd = mtcp_socket(client, AF_INET, SOCK_STREAM, 0);
 * mtcp_setsock_nonblock(client, fd);
 * mtcp_connect(client, fd, { family: AF_INET, addr: parseIpv4Address("10.0.0.2")!, port: 80 });
 * await mtcp_epoll_wait(server, ep, [], 4, 1000); // the listener is readable
 * const peer: SockAddr = { family: 0, addr: 0, port: 0 };
 * assert.ok(mtcp_accept(server, lfd, peer) >= 0);
 * assert.equal(formatIpv4(peer.addr), "10.0.0.1");
 * mtcp_destroy();
 * ```
 */
export function mtcp_accept(
  mctx: mctx_t,
  sockid: number,
  addr?: SockAddr | null,
  addrlen?: { value: number } | null,
): number {
  if (!usable(mctx)) return -1;
  const slot = mctx.slotOf(sockid);
  if (slot < 0) return fail(mctx, EBADF);
  if (mctx.kindOf(slot) !== "listener") return fail(mctx, EINVAL);
  const id = mctx.accept(slot);
  if (id === -1) return fail(mctx, EAGAIN);
  if (id === -2) return fail(mctx, ENFILE);
  const sock = mctx.connection(mctx.slotOf(id))!;
  if (addr) {
    addr.family = AF_INET;
    addr.addr = sock.remoteAddr;
    addr.port = sock.remotePort;
  }
  if (addrlen) addrlen.value = 16;
  return id;
}

/**
 * Starts a connection. -1 with EINPROGRESS is the normal result: EPOLLOUT
 * says when it is established, EPOLLERR with SO_ERROR when it failed. EBADF,
 * ENOTSOCK (a listener or epoll), EFAULT (no address), EAFNOSUPPORT, EISCONN,
 * EALREADY, EINVAL (a bad port), ENETUNREACH (no route to the address:
 * off the subnet with no gateway, as Linux's connect(2); mTCP asserts),
 * EAGAIN (no free port or connection).
 *
 * @example A nonblocking connect: EINPROGRESS, then EPOLLOUT when established
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, INADDR_ANY, MTCP_EPOLLOUT, MTCP_EPOLL_CTL_ADD, MemoryNetwork, type MtcpEpollEvent, SOCK_STREAM, mtcp_accept, mtcp_bind, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_init, mtcp_listen, mtcp_setsock_nonblock, mtcp_socket, parseIpv4Address } from "../../mod.ts";
 * // A client context `a` connected to a server context `b`: fd on a, s on b.
 * mtcp_init({ num_cores: 2 });
 * const network = new MemoryNetwork();
 * const a = mtcp_create_context(0, { network, address: "10.0.0.1/24" })!;
 * const b = mtcp_create_context(1, { network, address: "10.0.0.2/24" })!;
 * const lfd = mtcp_socket(b, AF_INET, SOCK_STREAM, 0);
 * mtcp_bind(b, lfd, { family: AF_INET, addr: INADDR_ANY, port: 80 });
 * mtcp_listen(b, lfd, 4);
 * const fd = mtcp_socket(a, AF_INET, SOCK_STREAM, 0);
 * mtcp_setsock_nonblock(a, fd);
 * mtcp_connect(a, fd, { family: AF_INET, addr: parseIpv4Address("10.0.0.2")!, port: 80 });
 * const ep = mtcp_epoll_create(a, 4);
 * mtcp_epoll_ctl(a, ep, MTCP_EPOLL_CTL_ADD, fd, { events: MTCP_EPOLLOUT, data: fd });
 * await mtcp_epoll_wait(a, ep, [], 4, 1000); // writable: connected
 * const s = mtcp_accept(b, lfd);
 * const events: MtcpEpollEvent[] = [];
 * assert.equal(await mtcp_epoll_wait(a, ep, events, 4, 0), 1);
 * assert.ok(events[0]!.events & MTCP_EPOLLOUT);
 * assert.ok(s >= 0);
 * mtcp_destroy();
 * ```
 */
export function mtcp_connect(
  mctx: mctx_t,
  sockid: number,
  addr: SockAddr | undefined | null,
  _addrlen?: number,
): number {
  if (!usable(mctx)) return -1;
  const slot = mctx.slotOf(sockid);
  if (slot < 0) return fail(mctx, EBADF);
  if (mctx.kindOf(slot) !== "stream") return fail(mctx, ENOTSOCK);
  if (addr === undefined || addr === null) return fail(mctx, EFAULT);
  if (addr.family !== AF_INET) return fail(mctx, EAFNOSUPPORT);
  const sock = mctx.connection(slot);
  if (sock !== undefined) {
    if (sock.state === "SYN-SENT" || sock.state === "SYN-RECEIVED") return fail(mctx, EALREADY);
    return fail(mctx, EISCONN);
  }
  if (!Number.isInteger(addr.port) || addr.port <= 0 || addr.port > 65535) {
    return fail(mctx, EINVAL);
  }
  const iface = mctx.iface;
  const mask = iface.prefixLength === 0 ? 0 : (0xffffffff << (32 - iface.prefixLength)) >>> 0;
  if (((addr.addr ^ iface.address) & mask) !== 0 && iface.gateway < 0) {
    return fail(mctx, ENETUNREACH);
  }
  if (mctx.connect(slot, addr.addr >>> 0, addr.port) < 0) return fail(mctx, EAGAIN);
  mctx.driver.kick();
  return fail(mctx, EINPROGRESS);
}

function streamSlot(mctx: MtcpContext, sockid: number): number {
  const slot = mctx.slotOf(sockid);
  if (slot < 0) return fail(mctx, EBADF);
  if (mctx.kindOf(slot) !== "stream") return fail(mctx, ENOTSOCK);
  return slot;
}

// The common part of read, recv and readv: -1 with errno, or 0 to go on.
function readable(mctx: MtcpContext, slot: number): number {
  const sock = mctx.connection(slot);
  if (sock === undefined) return fail(mctx, ENOTCONN);
  if (sock.readable > 0) return 0;
  // A connection that failed reports the error once, then end of stream.
  const error = mctx.pendingError(slot, true);
  if (error !== 0) return fail(mctx, error);
  if (sock.readClosed) return 1;
  if (sock.state === "SYN-SENT" || sock.state === "SYN-RECEIVED") return fail(mctx, ENOTCONN);
  return fail(mctx, EAGAIN);
}

/**
 * Reads up to `len` bytes into `buf`: the count, 0 at end of stream; EBADF, ENOTSOCK, ENOTCONN, EAGAIN, ECONNRESET/ETIMEDOUT once after a failure.
 *
 * @example Reading what the peer wrote
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, INADDR_ANY, MTCP_EPOLLIN, MTCP_EPOLLOUT, MTCP_EPOLL_CTL_ADD, MTCP_EPOLL_CTL_MOD, MemoryNetwork, SOCK_STREAM, mtcp_accept, mtcp_bind, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_init, mtcp_listen, mtcp_read, mtcp_setsock_nonblock, mtcp_socket, mtcp_write, parseIpv4Address } from "../../mod.ts";
 * // A client context `a` connected to a server context `b`: fd on a, s on b.
 * mtcp_init({ num_cores: 2 });
 * const network = new MemoryNetwork();
 * const a = mtcp_create_context(0, { network, address: "10.0.0.1/24" })!;
 * const b = mtcp_create_context(1, { network, address: "10.0.0.2/24" })!;
 * const lfd = mtcp_socket(b, AF_INET, SOCK_STREAM, 0);
 * mtcp_bind(b, lfd, { family: AF_INET, addr: INADDR_ANY, port: 80 });
 * mtcp_listen(b, lfd, 4);
 * const fd = mtcp_socket(a, AF_INET, SOCK_STREAM, 0);
 * mtcp_setsock_nonblock(a, fd);
 * mtcp_connect(a, fd, { family: AF_INET, addr: parseIpv4Address("10.0.0.2")!, port: 80 });
 * const ep = mtcp_epoll_create(a, 4);
 * mtcp_epoll_ctl(a, ep, MTCP_EPOLL_CTL_ADD, fd, { events: MTCP_EPOLLOUT, data: fd });
 * await mtcp_epoll_wait(a, ep, [], 4, 1000); // writable: connected
 * const s = mtcp_accept(b, lfd);
 * mtcp_epoll_ctl(a, ep, MTCP_EPOLL_CTL_MOD, fd, { events: MTCP_EPOLLIN, data: fd });
 * mtcp_write(b, s, new TextEncoder().encode("hello"), 5);
 * await mtcp_epoll_wait(a, ep, [], 4, 1000);
 * const buf = new Uint8Array(16);
 * const n = mtcp_read(a, fd, buf, buf.length);
 * assert.equal(new TextDecoder().decode(buf.subarray(0, n)), "hello");
 * mtcp_destroy();
 * ```
 */
export function mtcp_read(mctx: mctx_t, sockid: number, buf: Uint8Array, len: number): number {
  return mtcp_recv(mctx, sockid, buf, len, 0);
}

/**
 * As {@linkcode mtcp_read}, with `flags` 0 or MSG_PEEK (else EINVAL).
 *
 * @example Peeking with MSG_PEEK, then reading
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, INADDR_ANY, MSG_PEEK, MTCP_EPOLLIN, MTCP_EPOLLOUT, MTCP_EPOLL_CTL_ADD, MTCP_EPOLL_CTL_MOD, MemoryNetwork, SOCK_STREAM, mtcp_accept, mtcp_bind, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_init, mtcp_listen, mtcp_recv, mtcp_setsock_nonblock, mtcp_socket, mtcp_write, parseIpv4Address } from "../../mod.ts";
 * // A client context `a` connected to a server context `b`: fd on a, s on b.
 * mtcp_init({ num_cores: 2 });
 * const network = new MemoryNetwork();
 * const a = mtcp_create_context(0, { network, address: "10.0.0.1/24" })!;
 * const b = mtcp_create_context(1, { network, address: "10.0.0.2/24" })!;
 * const lfd = mtcp_socket(b, AF_INET, SOCK_STREAM, 0);
 * mtcp_bind(b, lfd, { family: AF_INET, addr: INADDR_ANY, port: 80 });
 * mtcp_listen(b, lfd, 4);
 * const fd = mtcp_socket(a, AF_INET, SOCK_STREAM, 0);
 * mtcp_setsock_nonblock(a, fd);
 * mtcp_connect(a, fd, { family: AF_INET, addr: parseIpv4Address("10.0.0.2")!, port: 80 });
 * const ep = mtcp_epoll_create(a, 4);
 * mtcp_epoll_ctl(a, ep, MTCP_EPOLL_CTL_ADD, fd, { events: MTCP_EPOLLOUT, data: fd });
 * await mtcp_epoll_wait(a, ep, [], 4, 1000); // writable: connected
 * const s = mtcp_accept(b, lfd);
 * mtcp_epoll_ctl(a, ep, MTCP_EPOLL_CTL_MOD, fd, { events: MTCP_EPOLLIN, data: fd });
 * mtcp_write(b, s, new TextEncoder().encode("abc"), 3);
 * await mtcp_epoll_wait(a, ep, [], 4, 1000);
 * const buf = new Uint8Array(8);
 * assert.equal(mtcp_recv(a, fd, buf, 8, MSG_PEEK), 3);
 * assert.equal(mtcp_recv(a, fd, buf, 8, 0), 3);
 * assert.equal(mtcp_recv(a, fd, buf, 8, 0), -1); // EAGAIN: consumed
 * mtcp_destroy();
 * ```
 */
export function mtcp_recv(
  mctx: mctx_t,
  sockid: number,
  buf: Uint8Array,
  len: number,
  flags: number,
): number {
  if (!usable(mctx)) return -1;
  const pipe = pipeSlot(mctx, sockid);
  if (pipe >= 0) {
    return flags !== 0 ? fail(mctx, EINVAL) : pipeResult(mctx, mctx.pipeRead(pipe, buf, len));
  }
  const slot = streamSlot(mctx, sockid);
  if (slot < 0) return -1;
  if (flags !== 0 && flags !== MSG_PEEK) return fail(mctx, EINVAL);
  const state = readable(mctx, slot);
  if (state < 0) return -1;
  if (state === 1) return 0;
  const n = mctx.connection(slot)!.recv(buf, 0, Math.min(len, buf.length), flags === MSG_PEEK);
  if (n > 0 && flags !== MSG_PEEK) {
    mctx.markDirty(mctx.connection(slot)!.id);
    mctx.driver.kick();
  }
  return n;
}

/**
 * Reads into several buffers in order; the total count. Errors as {@linkcode mtcp_read}.
 *
 * @example Scattering one read over two buffers
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, INADDR_ANY, MTCP_EPOLLIN, MTCP_EPOLLOUT, MTCP_EPOLL_CTL_ADD, MTCP_EPOLL_CTL_MOD, MemoryNetwork, SOCK_STREAM, mtcp_accept, mtcp_bind, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_init, mtcp_listen, mtcp_readv, mtcp_setsock_nonblock, mtcp_socket, mtcp_write, parseIpv4Address } from "../../mod.ts";
 * // A client context `a` connected to a server context `b`: fd on a, s on b.
 * mtcp_init({ num_cores: 2 });
 * const network = new MemoryNetwork();
 * const a = mtcp_create_context(0, { network, address: "10.0.0.1/24" })!;
 * const b = mtcp_create_context(1, { network, address: "10.0.0.2/24" })!;
 * const lfd = mtcp_socket(b, AF_INET, SOCK_STREAM, 0);
 * mtcp_bind(b, lfd, { family: AF_INET, addr: INADDR_ANY, port: 80 });
 * mtcp_listen(b, lfd, 4);
 * const fd = mtcp_socket(a, AF_INET, SOCK_STREAM, 0);
 * mtcp_setsock_nonblock(a, fd);
 * mtcp_connect(a, fd, { family: AF_INET, addr: parseIpv4Address("10.0.0.2")!, port: 80 });
 * const ep = mtcp_epoll_create(a, 4);
 * mtcp_epoll_ctl(a, ep, MTCP_EPOLL_CTL_ADD, fd, { events: MTCP_EPOLLOUT, data: fd });
 * await mtcp_epoll_wait(a, ep, [], 4, 1000); // writable: connected
 * const s = mtcp_accept(b, lfd);
 * mtcp_epoll_ctl(a, ep, MTCP_EPOLL_CTL_MOD, fd, { events: MTCP_EPOLLIN, data: fd });
 * mtcp_write(b, s, new TextEncoder().encode("headbody"), 8);
 * await mtcp_epoll_wait(a, ep, [], 4, 1000);
 * const head = new Uint8Array(4);
 * const body = new Uint8Array(16);
 * assert.equal(mtcp_readv(a, fd, [head, body]), 8);
 * assert.equal(new TextDecoder().decode(head), "head");
 * mtcp_destroy();
 * ```
 */
export function mtcp_readv(
  mctx: mctx_t,
  sockid: number,
  iov: Uint8Array[],
  numIOV: number = iov.length,
): number {
  if (!usable(mctx)) return -1;
  const slot = streamSlot(mctx, sockid);
  if (slot < 0) return -1;
  if (!Number.isInteger(numIOV) || numIOV < 0 || numIOV > iov.length) return fail(mctx, EINVAL);
  const state = readable(mctx, slot);
  if (state < 0) return -1;
  if (state === 1) return 0;
  const sock = mctx.connection(slot)!;
  let total = 0;
  for (let i = 0; i < numIOV; i++) {
    const b = iov[i]!;
    const n = sock.recv(b, 0, b.length);
    total += n;
    if (n < b.length) break;
  }
  if (total > 0) {
    mctx.markDirty(sock.id);
    mctx.driver.kick();
  }
  return total;
}

// The common part of write and writev: -1 with errno, or 0 to go on.
function writable(mctx: MtcpContext, slot: number): number {
  const sock = mctx.connection(slot);
  if (sock === undefined) return fail(mctx, ENOTCONN);
  const error = mctx.pendingError(slot, true);
  if (error !== 0) return fail(mctx, error);
  if (mctx.writeShut(slot) || sock.writeClosed) return fail(mctx, EPIPE);
  if (sock.state !== "ESTABLISHED" && sock.state !== "CLOSE-WAIT") return fail(mctx, ENOTCONN);
  if (sock.writable === 0) return fail(mctx, EAGAIN);
  return 0;
}

/**
 * Queues up to `len` bytes of `buf`: the count, possibly less than `len`.
 * EBADF, ENOTSOCK, ENOTCONN, EAGAIN (send buffer full), ENOMEM (no buffer in
 * the pool), EPIPE (after shutdown or close of the write side), ECONNRESET or
 * ETIMEDOUT once after a failure. A zero length writes nothing and returns 0.
 *
 * @example Writing returns the bytes the send buffer took
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, INADDR_ANY, MTCP_EPOLLOUT, MTCP_EPOLL_CTL_ADD, MemoryNetwork, SOCK_STREAM, mtcp_accept, mtcp_bind, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_init, mtcp_listen, mtcp_setsock_nonblock, mtcp_socket, mtcp_write, parseIpv4Address } from "../../mod.ts";
 * // A client context `a` connected to a server context `b`: fd on a, s on b.
 * mtcp_init({ num_cores: 2 });
 * const network = new MemoryNetwork();
 * const a = mtcp_create_context(0, { network, address: "10.0.0.1/24" })!;
 * const b = mtcp_create_context(1, { network, address: "10.0.0.2/24" })!;
 * const lfd = mtcp_socket(b, AF_INET, SOCK_STREAM, 0);
 * mtcp_bind(b, lfd, { family: AF_INET, addr: INADDR_ANY, port: 80 });
 * mtcp_listen(b, lfd, 4);
 * const fd = mtcp_socket(a, AF_INET, SOCK_STREAM, 0);
 * mtcp_setsock_nonblock(a, fd);
 * mtcp_connect(a, fd, { family: AF_INET, addr: parseIpv4Address("10.0.0.2")!, port: 80 });
 * const ep = mtcp_epoll_create(a, 4);
 * mtcp_epoll_ctl(a, ep, MTCP_EPOLL_CTL_ADD, fd, { events: MTCP_EPOLLOUT, data: fd });
 * await mtcp_epoll_wait(a, ep, [], 4, 1000); // writable: connected
 * const s = mtcp_accept(b, lfd);
 * assert.equal(mtcp_write(a, fd, new TextEncoder().encode("ping"), 4), 4);
 * mtcp_destroy();
 * ```
 */
export function mtcp_write(mctx: mctx_t, sockid: number, buf: Uint8Array, len: number): number {
  const pipe = usable(mctx) ? pipeSlot(mctx, sockid) : -1;
  if (pipe >= 0) return len <= 0 ? 0 : pipeResult(mctx, mctx.pipeWrite(pipe, buf, len));
  const sock = writeTarget(mctx, sockid, len);
  if (typeof sock === "number") return sock;
  const n = sock.send(buf, 0, Math.min(len, buf.length));
  if (n === 0) return fail(mctx, ENOMEM);
  mctx.markDirty(sock.id);
  mctx.driver.kick();
  return n;
}

// The connection a write of `len` bytes on `sockid` goes to, once the checks
// every write makes have passed; else -1 (errno set), or 0 for a zero length.
function writeTarget(mctx: mctx_t, sockid: number, len: number): TcpSocket | -1 | 0 {
  if (!usable(mctx)) return -1;
  const slot = streamSlot(mctx, sockid);
  if (slot < 0) return -1;
  if (len <= 0) return 0;
  if (writable(mctx, slot) < 0) return -1;
  return mctx.connection(slot)!;
}

/**
 * Queues up to `len` bytes that `fill(into)` writes straight into the send
 * buffer, with no copy through an application buffer (this stack's
 * extension; mTCP has no such call): `into` is a view of free send-buffer
 * space, `fill` writes at its start and returns how many bytes it wrote (a
 * file's `readSync`, say), and is called again while it fills its view and
 * room is left. Returns the bytes queued, 0 when `fill` wrote nothing (a
 * source at its end). Errors as {@linkcode mtcp_write}: EBADF, ENOTSOCK,
 * ENOTCONN, EAGAIN (send buffer full), ENOMEM, EPIPE, ECONNRESET, ETIMEDOUT.
 *
 * @example Bytes produced in the send buffer, read back by the peer
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, INADDR_ANY, MTCP_EPOLLIN, MTCP_EPOLLOUT, MTCP_EPOLL_CTL_ADD, MTCP_EPOLL_CTL_MOD, MemoryNetwork, SOCK_STREAM, mtcp_accept, mtcp_bind, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_init, mtcp_listen, mtcp_read, mtcp_setsock_nonblock, mtcp_socket, mtcp_write_from, parseIpv4Address } from "../../mod.ts";
 * // A client context `a` connected to a server context `b`: fd on a, s on b.
 * mtcp_init({ num_cores: 2 });
 * const network = new MemoryNetwork();
 * const a = mtcp_create_context(0, { network, address: "10.0.0.1/24" })!;
 * const b = mtcp_create_context(1, { network, address: "10.0.0.2/24" })!;
 * const lfd = mtcp_socket(b, AF_INET, SOCK_STREAM, 0);
 * mtcp_bind(b, lfd, { family: AF_INET, addr: INADDR_ANY, port: 80 });
 * mtcp_listen(b, lfd, 4);
 * const fd = mtcp_socket(a, AF_INET, SOCK_STREAM, 0);
 * mtcp_setsock_nonblock(a, fd);
 * mtcp_connect(a, fd, { family: AF_INET, addr: parseIpv4Address("10.0.0.2")!, port: 80 });
 * const ep = mtcp_epoll_create(a, 4);
 * mtcp_epoll_ctl(a, ep, MTCP_EPOLL_CTL_ADD, fd, { events: MTCP_EPOLLOUT, data: fd });
 * await mtcp_epoll_wait(a, ep, [], 4, 1000); // writable: connected
 * const s = mtcp_accept(b, lfd);
 * // A source of 10 bytes "0123456789", produced in place.
 * let next = 0;
 * const fill = (into: Uint8Array) => {
 *   let n = 0;
 *   while (n < into.length && next < 10) into[n++] = 0x30 + next++;
 *   return n;
 * };
 * assert.equal(mtcp_write_from(b, s, fill, 1000), 10);
 * assert.equal(mtcp_write_from(b, s, fill, 1000), 0); // the source is done
 * mtcp_epoll_ctl(a, ep, MTCP_EPOLL_CTL_MOD, fd, { events: MTCP_EPOLLIN, data: fd });
 * await mtcp_epoll_wait(a, ep, [], 4, 1000);
 * const buf = new Uint8Array(16);
 * assert.equal(new TextDecoder().decode(buf.subarray(0, mtcp_read(a, fd, buf, 16))), "0123456789");
 * mtcp_destroy();
 * ```
 */
export function mtcp_write_from(
  mctx: mctx_t,
  sockid: number,
  fill: (into: Uint8Array) => number,
  len: number,
): number {
  const sock = writeTarget(mctx, sockid, len);
  if (typeof sock === "number") return sock;
  const n = sock.sendFrom(fill, len);
  if (n < 0) return fail(mctx, ENOMEM);
  if (n > 0) {
    mctx.markDirty(sock.id);
    mctx.driver.kick();
  }
  return n;
}

/**
 * Writes several buffers in order, as much as fits; errors as {@linkcode mtcp_write}.
 *
 * @example Gathering two buffers into one write
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, INADDR_ANY, MTCP_EPOLLIN, MTCP_EPOLLOUT, MTCP_EPOLL_CTL_ADD, MTCP_EPOLL_CTL_MOD, MemoryNetwork, SOCK_STREAM, mtcp_accept, mtcp_bind, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_init, mtcp_listen, mtcp_read, mtcp_setsock_nonblock, mtcp_socket, mtcp_writev, parseIpv4Address } from "../../mod.ts";
 * // A client context `a` connected to a server context `b`: fd on a, s on b.
 * mtcp_init({ num_cores: 2 });
 * const network = new MemoryNetwork();
 * const a = mtcp_create_context(0, { network, address: "10.0.0.1/24" })!;
 * const b = mtcp_create_context(1, { network, address: "10.0.0.2/24" })!;
 * const lfd = mtcp_socket(b, AF_INET, SOCK_STREAM, 0);
 * mtcp_bind(b, lfd, { family: AF_INET, addr: INADDR_ANY, port: 80 });
 * mtcp_listen(b, lfd, 4);
 * const fd = mtcp_socket(a, AF_INET, SOCK_STREAM, 0);
 * mtcp_setsock_nonblock(a, fd);
 * mtcp_connect(a, fd, { family: AF_INET, addr: parseIpv4Address("10.0.0.2")!, port: 80 });
 * const ep = mtcp_epoll_create(a, 4);
 * mtcp_epoll_ctl(a, ep, MTCP_EPOLL_CTL_ADD, fd, { events: MTCP_EPOLLOUT, data: fd });
 * await mtcp_epoll_wait(a, ep, [], 4, 1000); // writable: connected
 * const s = mtcp_accept(b, lfd);
 * const enc = new TextEncoder();
 * assert.equal(mtcp_writev(b, s, [enc.encode("head"), enc.encode("body")]), 8);
 * mtcp_epoll_ctl(a, ep, MTCP_EPOLL_CTL_MOD, fd, { events: MTCP_EPOLLIN, data: fd });
 * await mtcp_epoll_wait(a, ep, [], 4, 1000);
 * const buf = new Uint8Array(16);
 * assert.equal(new TextDecoder().decode(buf.subarray(0, mtcp_read(a, fd, buf, 16))), "headbody");
 * mtcp_destroy();
 * ```
 */
export function mtcp_writev(
  mctx: mctx_t,
  sockid: number,
  iov: Uint8Array[],
  numIOV: number = iov.length,
): number {
  if (!usable(mctx)) return -1;
  const slot = streamSlot(mctx, sockid);
  if (slot < 0) return -1;
  if (!Number.isInteger(numIOV) || numIOV < 0 || numIOV > iov.length) return fail(mctx, EINVAL);
  if (writable(mctx, slot) < 0) return -1;
  const sock = mctx.connection(slot)!;
  let total = 0;
  for (let i = 0; i < numIOV; i++) {
    const b = iov[i]!;
    const n = sock.send(b, 0, b.length);
    total += n;
    if (n < b.length) break;
  }
  if (total === 0 && iov.some((b, i) => i < numIOV && b.length > 0)) return fail(mctx, ENOMEM);
  mctx.markDirty(sock.id);
  mctx.driver.kick();
  return total;
}

/**
 * Closes a socket id at once; its connection sends what is queued, then a
 * FIN, and finishes on its own (unread data makes it a RST, as Linux). With
 * SO_LINGER on and a zero time, it is a RST at once. EBADF for an unknown id.
 * (mTCP refuses to close in FIN-WAIT and unconnected sockets; this does not.)
 *
 * @example Closing sends a FIN: the peer reads the end of the stream
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, INADDR_ANY, MTCP_EPOLLIN, MTCP_EPOLLOUT, MTCP_EPOLL_CTL_ADD, MemoryNetwork, SOCK_STREAM, mtcp_accept, mtcp_bind, mtcp_close, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_init, mtcp_listen, mtcp_read, mtcp_setsock_nonblock, mtcp_socket, parseIpv4Address } from "../../mod.ts";
 * // A client context `a` connected to a server context `b`: fd on a, s on b.
 * mtcp_init({ num_cores: 2 });
 * const network = new MemoryNetwork();
 * const a = mtcp_create_context(0, { network, address: "10.0.0.1/24" })!;
 * const b = mtcp_create_context(1, { network, address: "10.0.0.2/24" })!;
 * const lfd = mtcp_socket(b, AF_INET, SOCK_STREAM, 0);
 * mtcp_bind(b, lfd, { family: AF_INET, addr: INADDR_ANY, port: 80 });
 * mtcp_listen(b, lfd, 4);
 * const fd = mtcp_socket(a, AF_INET, SOCK_STREAM, 0);
 * mtcp_setsock_nonblock(a, fd);
 * mtcp_connect(a, fd, { family: AF_INET, addr: parseIpv4Address("10.0.0.2")!, port: 80 });
 * const ep = mtcp_epoll_create(a, 4);
 * mtcp_epoll_ctl(a, ep, MTCP_EPOLL_CTL_ADD, fd, { events: MTCP_EPOLLOUT, data: fd });
 * await mtcp_epoll_wait(a, ep, [], 4, 1000); // writable: connected
 * const s = mtcp_accept(b, lfd);
 * assert.equal(mtcp_close(a, fd), 0);
 * const sep = mtcp_epoll_create(b, 4);
 * mtcp_epoll_ctl(b, sep, MTCP_EPOLL_CTL_ADD, s, { events: MTCP_EPOLLIN, data: s });
 * await mtcp_epoll_wait(b, sep, [], 4, 1000);
 * assert.equal(mtcp_read(b, s, new Uint8Array(8), 8), 0);
 * mtcp_destroy();
 * ```
 */
export function mtcp_close(mctx: mctx_t, sockid: number): number {
  if (!usable(mctx)) return -1;
  const slot = mctx.slotOf(sockid);
  if (slot < 0) return fail(mctx, EBADF);
  const linger = G.linger.get(mctx)?.get(sockid);
  if (linger !== undefined) G.linger.get(mctx)!.delete(sockid);
  if (
    mctx.kindOf(slot) === "stream" && linger !== undefined && linger.l_onoff !== 0 &&
    linger.l_linger === 0
  ) {
    mctx.abort(slot);
    return 0;
  }
  mctx.close(slot);
  return 0;
}

/**
 * Resets the connection (a RST) and frees the id. EBADF, ENOTSOCK.
 *
 * @example Aborting sends a RST: the peer's read fails with ECONNRESET
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, ECONNRESET, INADDR_ANY, MTCP_EPOLLIN, MTCP_EPOLLOUT, MTCP_EPOLL_CTL_ADD, MemoryNetwork, SOCK_STREAM, mtcp_abort, mtcp_accept, mtcp_bind, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_init, mtcp_listen, mtcp_read, mtcp_setsock_nonblock, mtcp_socket, parseIpv4Address } from "../../mod.ts";
 * // A client context `a` connected to a server context `b`: fd on a, s on b.
 * mtcp_init({ num_cores: 2 });
 * const network = new MemoryNetwork();
 * const a = mtcp_create_context(0, { network, address: "10.0.0.1/24" })!;
 * const b = mtcp_create_context(1, { network, address: "10.0.0.2/24" })!;
 * const lfd = mtcp_socket(b, AF_INET, SOCK_STREAM, 0);
 * mtcp_bind(b, lfd, { family: AF_INET, addr: INADDR_ANY, port: 80 });
 * mtcp_listen(b, lfd, 4);
 * const fd = mtcp_socket(a, AF_INET, SOCK_STREAM, 0);
 * mtcp_setsock_nonblock(a, fd);
 * mtcp_connect(a, fd, { family: AF_INET, addr: parseIpv4Address("10.0.0.2")!, port: 80 });
 * const ep = mtcp_epoll_create(a, 4);
 * mtcp_epoll_ctl(a, ep, MTCP_EPOLL_CTL_ADD, fd, { events: MTCP_EPOLLOUT, data: fd });
 * await mtcp_epoll_wait(a, ep, [], 4, 1000); // writable: connected
 * const s = mtcp_accept(b, lfd);
 * assert.equal(mtcp_abort(a, fd), 0);
 * const sep = mtcp_epoll_create(b, 4);
 * mtcp_epoll_ctl(b, sep, MTCP_EPOLL_CTL_ADD, s, { events: MTCP_EPOLLIN, data: s });
 * await mtcp_epoll_wait(b, sep, [], 4, 1000);
 * assert.equal(mtcp_read(b, s, new Uint8Array(8), 8), -1);
 * assert.equal(b.errno, ECONNRESET);
 * mtcp_destroy();
 * ```
 */
export function mtcp_abort(mctx: mctx_t, sockid: number): number {
  if (!usable(mctx)) return -1;
  const slot = streamSlot(mctx, sockid);
  if (slot < 0) return -1;
  mctx.abort(slot);
  return 0;
}

/**
 * shutdown(2), which mTCP lacks: SHUT_WR sends a FIN after the queued data,
 * SHUT_RD makes reads return end of stream, SHUT_RDWR both. EBADF, ENOTSOCK,
 * EINVAL (bad `how`), ENOTCONN (not connected).
 *
 * @example A half-close, which mTCP lacks
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, EINVAL, INADDR_ANY, MTCP_EPOLLOUT, MTCP_EPOLL_CTL_ADD, MemoryNetwork, SHUT_WR, SOCK_STREAM, mtcp_accept, mtcp_bind, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_init, mtcp_listen, mtcp_setsock_nonblock, mtcp_shutdown, mtcp_socket, parseIpv4Address } from "../../mod.ts";
 * // A client context `a` connected to a server context `b`: fd on a, s on b.
 * mtcp_init({ num_cores: 2 });
 * const network = new MemoryNetwork();
 * const a = mtcp_create_context(0, { network, address: "10.0.0.1/24" })!;
 * const b = mtcp_create_context(1, { network, address: "10.0.0.2/24" })!;
 * const lfd = mtcp_socket(b, AF_INET, SOCK_STREAM, 0);
 * mtcp_bind(b, lfd, { family: AF_INET, addr: INADDR_ANY, port: 80 });
 * mtcp_listen(b, lfd, 4);
 * const fd = mtcp_socket(a, AF_INET, SOCK_STREAM, 0);
 * mtcp_setsock_nonblock(a, fd);
 * mtcp_connect(a, fd, { family: AF_INET, addr: parseIpv4Address("10.0.0.2")!, port: 80 });
 * const ep = mtcp_epoll_create(a, 4);
 * mtcp_epoll_ctl(a, ep, MTCP_EPOLL_CTL_ADD, fd, { events: MTCP_EPOLLOUT, data: fd });
 * await mtcp_epoll_wait(a, ep, [], 4, 1000); // writable: connected
 * const s = mtcp_accept(b, lfd);
 * assert.equal(mtcp_shutdown(a, fd, SHUT_WR), 0);
 * assert.equal(mtcp_shutdown(a, fd, 7), -1);
 * assert.equal(a.errno, EINVAL);
 * mtcp_destroy();
 * ```
 */
export function mtcp_shutdown(mctx: mctx_t, sockid: number, how: number): number {
  if (!usable(mctx)) return -1;
  const slot = streamSlot(mctx, sockid);
  if (slot < 0) return -1;
  if (how !== SHUT_RD && how !== SHUT_WR && how !== SHUT_RDWR) return fail(mctx, EINVAL);
  const sock = mctx.connection(slot);
  if (sock === undefined || sock.state === "SYN-SENT" || sock.state === "CLOSED") {
    return fail(mctx, ENOTCONN);
  }
  if (how !== SHUT_WR) sock.shutdownRead();
  if (how !== SHUT_RD) {
    mctx.setWriteShut(slot);
    sock.shutdownWrite();
  }
  mctx.markDirty(sock.id);
  mctx.driver.kick();
  return 0;
}

/**
 * Marks a socket nonblocking (every socket behaves so here: nothing may block). EBADF.
 *
 * @example Nonblocking: accept returns EAGAIN instead of waiting
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, EAGAIN, INADDR_ANY, MemoryNetwork, SOCK_STREAM, mtcp_accept, mtcp_bind, mtcp_create_context, mtcp_destroy, mtcp_init, mtcp_listen, mtcp_setsock_nonblock, mtcp_socket } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * assert.equal(mtcp_setsock_nonblock(ctx, fd), 0);
 * mtcp_bind(ctx, fd, { family: AF_INET, addr: INADDR_ANY, port: 80 });
 * mtcp_listen(ctx, fd, 4);
 * assert.equal(mtcp_accept(ctx, fd), -1);
 * assert.equal(ctx.errno, EAGAIN);
 * mtcp_destroy();
 * ```
 */
export function mtcp_setsock_nonblock(mctx: mctx_t, sockid: number): number {
  if (!usable(mctx)) return -1;
  const slot = mctx.slotOf(sockid);
  if (slot < 0) return fail(mctx, EBADF);
  mctx.setNonblocking(slot);
  return 0;
}

/**
 * ioctl: FIONREAD (bytes to read, into `argp.value`) and FIONBIO (non-zero
 * sets nonblocking). EBADF (not a stream or listener), EFAULT (no `argp`),
 * EINVAL (other requests).
 *
 * @example FIONREAD: bytes waiting to be read
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, FIONREAD, INADDR_ANY, MTCP_EPOLLIN, MTCP_EPOLLOUT, MTCP_EPOLL_CTL_ADD, MTCP_EPOLL_CTL_MOD, MemoryNetwork, SOCK_STREAM, mtcp_accept, mtcp_bind, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_init, mtcp_listen, mtcp_setsock_nonblock, mtcp_socket, mtcp_socket_ioctl, mtcp_write, parseIpv4Address } from "../../mod.ts";
 * // A client context `a` connected to a server context `b`: fd on a, s on b.
 * mtcp_init({ num_cores: 2 });
 * const network = new MemoryNetwork();
 * const a = mtcp_create_context(0, { network, address: "10.0.0.1/24" })!;
 * const b = mtcp_create_context(1, { network, address: "10.0.0.2/24" })!;
 * const lfd = mtcp_socket(b, AF_INET, SOCK_STREAM, 0);
 * mtcp_bind(b, lfd, { family: AF_INET, addr: INADDR_ANY, port: 80 });
 * mtcp_listen(b, lfd, 4);
 * const fd = mtcp_socket(a, AF_INET, SOCK_STREAM, 0);
 * mtcp_setsock_nonblock(a, fd);
 * mtcp_connect(a, fd, { family: AF_INET, addr: parseIpv4Address("10.0.0.2")!, port: 80 });
 * const ep = mtcp_epoll_create(a, 4);
 * mtcp_epoll_ctl(a, ep, MTCP_EPOLL_CTL_ADD, fd, { events: MTCP_EPOLLOUT, data: fd });
 * await mtcp_epoll_wait(a, ep, [], 4, 1000); // writable: connected
 * const s = mtcp_accept(b, lfd);
 * mtcp_epoll_ctl(a, ep, MTCP_EPOLL_CTL_MOD, fd, { events: MTCP_EPOLLIN, data: fd });
 * mtcp_write(b, s, new Uint8Array(42), 42);
 * await mtcp_epoll_wait(a, ep, [], 4, 1000);
 * const n = { value: 0 };
 * assert.equal(mtcp_socket_ioctl(a, fd, FIONREAD, n), 0);
 * assert.equal(n.value, 42);
 * mtcp_destroy();
 * ```
 */
export function mtcp_socket_ioctl(
  mctx: mctx_t,
  sockid: number,
  request: number,
  argp: { value: number } | null | undefined,
): number {
  if (!usable(mctx)) return -1;
  const slot = mctx.slotOf(sockid);
  if (slot < 0) return fail(mctx, EBADF);
  const kind = mctx.kindOf(slot);
  if (kind !== "stream" && kind !== "listener") return fail(mctx, EBADF);
  if (argp === undefined || argp === null) return fail(mctx, EFAULT);
  if (request === FIONREAD) {
    const sock = mctx.connection(slot);
    if (sock === undefined && kind === "stream") return fail(mctx, EBADF);
    argp.value = sock?.readable ?? 0;
    return 0;
  }
  if (request === FIONBIO) {
    if (argp.value !== 0) mctx.setNonblocking(slot);
    return 0;
  }
  return fail(mctx, EINVAL);
}

/**
 * The local address. EBADF, EINVAL (`addrlen` <= 0), ENOTSOCK. (mTCP gives the peer's for accepted sockets: a bug.)
 *
 * @example The local address of an accepted socket (mTCP leaves it empty)
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, INADDR_ANY, MTCP_EPOLLOUT, MTCP_EPOLL_CTL_ADD, MemoryNetwork, SOCK_STREAM, type SockAddr, formatIpv4, mtcp_accept, mtcp_bind, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_getsockname, mtcp_init, mtcp_listen, mtcp_setsock_nonblock, mtcp_socket, parseIpv4Address } from "../../mod.ts";
 * // A client context `a` connected to a server context `b`: fd on a, s on b.
 * mtcp_init({ num_cores: 2 });
 * const network = new MemoryNetwork();
 * const a = mtcp_create_context(0, { network, address: "10.0.0.1/24" })!;
 * const b = mtcp_create_context(1, { network, address: "10.0.0.2/24" })!;
 * const lfd = mtcp_socket(b, AF_INET, SOCK_STREAM, 0);
 * mtcp_bind(b, lfd, { family: AF_INET, addr: INADDR_ANY, port: 80 });
 * mtcp_listen(b, lfd, 4);
 * const fd = mtcp_socket(a, AF_INET, SOCK_STREAM, 0);
 * mtcp_setsock_nonblock(a, fd);
 * mtcp_connect(a, fd, { family: AF_INET, addr: parseIpv4Address("10.0.0.2")!, port: 80 });
 * const ep = mtcp_epoll_create(a, 4);
 * mtcp_epoll_ctl(a, ep, MTCP_EPOLL_CTL_ADD, fd, { events: MTCP_EPOLLOUT, data: fd });
 * await mtcp_epoll_wait(a, ep, [], 4, 1000); // writable: connected
 * const s = mtcp_accept(b, lfd);
 * const local: SockAddr = { family: 0, addr: 0, port: 0 };
 * assert.equal(mtcp_getsockname(b, s, local), 0);
 * assert.equal(formatIpv4(local.addr), "10.0.0.2");
 * assert.equal(local.port, 80);
 * mtcp_destroy();
 * ```
 */
export function mtcp_getsockname(
  mctx: mctx_t,
  sockid: number,
  addr: SockAddr,
  addrlen?: { value: number },
): number {
  if (!usable(mctx)) return -1;
  const slot = mctx.slotOf(sockid);
  if (slot < 0) return fail(mctx, EBADF);
  if (addrlen !== undefined && addrlen.value <= 0) return fail(mctx, EINVAL);
  const kind = mctx.kindOf(slot);
  if (kind !== "stream" && kind !== "listener") return fail(mctx, ENOTSOCK);
  const sock = mctx.connection(slot);
  addr.family = AF_INET;
  // Unconnected: bound to the wildcard address (bind accepts only ours or any).
  addr.addr = sock !== undefined ? sock.localAddr : 0;
  addr.port = sock !== undefined ? sock.localPort : Math.max(0, mctx.boundPort(slot));
  if (addrlen !== undefined) addrlen.value = 16;
  return 0;
}

/**
 * The peer's address. EBADF, EINVAL, ENOTSOCK, ENOTCONN (not established).
 *
 * @example The peer of a connected socket
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, INADDR_ANY, MTCP_EPOLLOUT, MTCP_EPOLL_CTL_ADD, MemoryNetwork, SOCK_STREAM, type SockAddr, formatIpv4, mtcp_accept, mtcp_bind, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_getpeername, mtcp_init, mtcp_listen, mtcp_setsock_nonblock, mtcp_socket, parseIpv4Address } from "../../mod.ts";
 * // A client context `a` connected to a server context `b`: fd on a, s on b.
 * mtcp_init({ num_cores: 2 });
 * const network = new MemoryNetwork();
 * const a = mtcp_create_context(0, { network, address: "10.0.0.1/24" })!;
 * const b = mtcp_create_context(1, { network, address: "10.0.0.2/24" })!;
 * const lfd = mtcp_socket(b, AF_INET, SOCK_STREAM, 0);
 * mtcp_bind(b, lfd, { family: AF_INET, addr: INADDR_ANY, port: 80 });
 * mtcp_listen(b, lfd, 4);
 * const fd = mtcp_socket(a, AF_INET, SOCK_STREAM, 0);
 * mtcp_setsock_nonblock(a, fd);
 * mtcp_connect(a, fd, { family: AF_INET, addr: parseIpv4Address("10.0.0.2")!, port: 80 });
 * const ep = mtcp_epoll_create(a, 4);
 * mtcp_epoll_ctl(a, ep, MTCP_EPOLL_CTL_ADD, fd, { events: MTCP_EPOLLOUT, data: fd });
 * await mtcp_epoll_wait(a, ep, [], 4, 1000); // writable: connected
 * const s = mtcp_accept(b, lfd);
 * const peer: SockAddr = { family: 0, addr: 0, port: 0 };
 * assert.equal(mtcp_getpeername(a, fd, peer), 0);
 * assert.equal(formatIpv4(peer.addr), "10.0.0.2");
 * assert.equal(peer.port, 80);
 * mtcp_destroy();
 * ```
 */
export function mtcp_getpeername(
  mctx: mctx_t,
  sockid: number,
  addr: SockAddr,
  addrlen?: { value: number },
): number {
  if (!usable(mctx)) return -1;
  const slot = mctx.slotOf(sockid);
  if (slot < 0) return fail(mctx, EBADF);
  if (addrlen !== undefined && addrlen.value <= 0) return fail(mctx, EINVAL);
  if (mctx.kindOf(slot) !== "stream") return fail(mctx, ENOTSOCK);
  const sock = mctx.connection(slot);
  if (sock === undefined || !mctx.isConnected(slot)) return fail(mctx, ENOTCONN);
  addr.family = AF_INET;
  addr.addr = sock.remoteAddr;
  addr.port = sock.remotePort;
  if (addrlen !== undefined) addrlen.value = 16;
  return 0;
}

/**
 * A socket option's value: a number, a boolean, a string (TCP_CONGESTION) or a Linger.
 *
 * @example An option's value: a number, a flag, a name or a Linger
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, IPPROTO_TCP, MemoryNetwork, SOCK_STREAM, type SockOptValue, TCP_CONGESTION, mtcp_create_context, mtcp_destroy, mtcp_getsockopt, mtcp_init, mtcp_socket } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * const v: { value: SockOptValue } = { value: 0 };
 * mtcp_getsockopt(ctx, fd, IPPROTO_TCP, TCP_CONGESTION, v);
 * assert.equal(typeof v.value, "string");
 * mtcp_destroy();
 * ```
 */
export type SockOptValue = number | boolean | string | Linger;

/**
 * Reads an option into `optval.value`: SO_ERROR (clears it), SO_KEEPALIVE,
 * SO_LINGER, SO_RCVBUF, SO_SNDBUF, TCP_NODELAY, TCP_QUICKACK, TCP_MAXSEG, TCP_KEEPIDLE,
 * TCP_KEEPINTVL, TCP_KEEPCNT, TCP_CONGESTION, TCP_USER_TIMEOUT. EBADF,
 * ENOTSOCK, EFAULT (no `optval`), ENOPROTOOPT (other options). (mTCP knows
 * only SO_ERROR.)
 *
 * @example Reading the receive buffer size
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, EFAULT, MemoryNetwork, SOCK_STREAM, SOL_SOCKET, SO_RCVBUF, type SockOptValue, mtcp_create_context, mtcp_destroy, mtcp_getsockopt, mtcp_init, mtcp_socket } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * const v: { value: SockOptValue } = { value: 0 };
 * assert.equal(mtcp_getsockopt(ctx, fd, SOL_SOCKET, SO_RCVBUF, v), 0);
 * assert.equal(typeof v.value, "number");
 * assert.equal(mtcp_getsockopt(ctx, fd, SOL_SOCKET, SO_RCVBUF, null), -1);
 * assert.equal(ctx.errno, EFAULT);
 * mtcp_destroy();
 * ```
 */
export function mtcp_getsockopt(
  mctx: mctx_t,
  sockid: number,
  level: number,
  optname: number,
  optval: { value: SockOptValue } | null | undefined,
): number {
  if (!usable(mctx)) return -1;
  const slot = streamOrListener(mctx, sockid);
  if (slot < 0) return -1;
  if (optval === undefined || optval === null) return fail(mctx, EFAULT);
  const cfg = mctx.socketOptions(slot);
  const sock = mctx.connection(slot);
  if (level === SOL_SOCKET) {
    switch (optname) {
      case SO_ERROR:
        optval.value = mctx.pendingError(slot, true);
        return 0;
      case SO_KEEPALIVE:
        optval.value = cfg.keepalive ? 1 : 0;
        return 0;
      case SO_LINGER:
        optval.value = G.linger.get(mctx)?.get(sockid) ?? { l_onoff: 0, l_linger: 0 };
        return 0;
      case SO_RCVBUF:
        optval.value = cfg.rcvBufSize;
        return 0;
      case SO_SNDBUF:
        optval.value = cfg.sndBufSize;
        return 0;
      case SO_REUSEADDR:
        optval.value = 0;
        return 0;
    }
  } else if (level === IPPROTO_TCP) {
    switch (optname) {
      case TCP_NODELAY:
        optval.value = cfg.noDelay ? 1 : 0;
        return 0;
      case TCP_MAXSEG:
        optval.value = sock !== undefined && isEstablishedOrLater(sock.state) ? sock.mss : cfg.mss;
        return 0;
      case TCP_KEEPIDLE:
        optval.value = cfg.keepIdleMs / 1000;
        return 0;
      case TCP_KEEPINTVL:
        optval.value = cfg.keepIntvlMs / 1000;
        return 0;
      case TCP_KEEPCNT:
        optval.value = cfg.keepCnt;
        return 0;
      case TCP_QUICKACK:
        // Linux: whether the socket is in quick-ACK (not pingpong) mode.
        optval.value = sock === undefined || !sock.pingpong ? 1 : 0;
        return 0;
      case TCP_CONGESTION:
        optval.value = cfg.congestion;
        return 0;
      case TCP_USER_TIMEOUT:
        optval.value = cfg.userTimeoutMs;
        return 0;
    }
  }
  return fail(mctx, ENOPROTOOPT);
}

function isEstablishedOrLater(state: string): boolean {
  return state !== "CLOSED" && state !== "LISTEN" && state !== "SYN-SENT" &&
    state !== "SYN-RECEIVED";
}

/**
 * Sets an option, and it acts (mTCP's setsockopt does nothing): the options
 * of {@linkcode mtcp_getsockopt} but SO_ERROR. EBADF, ENOTSOCK, EINVAL (a bad
 * value), ENOPROTOOPT (other options).
 *
 * @example Options act: CUBIC or NewReno per socket
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, IPPROTO_TCP, MemoryNetwork, SOCK_STREAM, SOL_SOCKET, SO_KEEPALIVE, TCP_CONGESTION, mtcp_create_context, mtcp_destroy, mtcp_init, mtcp_setsockopt, mtcp_socket } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * assert.equal(mtcp_setsockopt(ctx, fd, IPPROTO_TCP, TCP_CONGESTION, "cubic"), 0);
 * assert.equal(mtcp_setsockopt(ctx, fd, SOL_SOCKET, SO_KEEPALIVE, 1), 0);
 * mtcp_destroy();
 * ```
 */
export function mtcp_setsockopt(
  mctx: mctx_t,
  sockid: number,
  level: number,
  optname: number,
  optval: SockOptValue,
): number {
  if (!usable(mctx)) return -1;
  const slot = streamOrListener(mctx, sockid);
  if (slot < 0) return -1;
  const sock = mctx.connection(slot);
  const cfg = mctx.writableSocketOptions(slot);
  const num = typeof optval === "boolean"
    ? (optval ? 1 : 0)
    : typeof optval === "number"
    ? optval
    : NaN;
  const positive = (min: number) => Number.isFinite(num) && num >= min;
  if (level === SOL_SOCKET) {
    switch (optname) {
      case SO_KEEPALIVE:
        if (!Number.isFinite(num)) return fail(mctx, EINVAL);
        cfg.keepalive = num !== 0;
        break;
      case SO_LINGER: {
        if (typeof optval !== "object" || optval === null) return fail(mctx, EINVAL);
        let perCtx = G.linger.get(mctx);
        if (perCtx === undefined) G.linger.set(mctx, perCtx = new Map());
        perCtx.set(sockid, { l_onoff: optval.l_onoff, l_linger: optval.l_linger });
        return 0;
      }
      case SO_RCVBUF:
        if (!positive(64)) return fail(mctx, EINVAL);
        if (sock !== undefined && sock.state !== "LISTEN") return fail(mctx, EINVAL);
        cfg.rcvBufSize = Math.floor(num);
        break;
      case SO_SNDBUF:
        if (!positive(64)) return fail(mctx, EINVAL);
        if (sock !== undefined && sock.sendQueued > 0) return fail(mctx, EINVAL);
        cfg.sndBufSize = Math.floor(num);
        break;
      case SO_REUSEADDR:
        return 0;
      default:
        return fail(mctx, ENOPROTOOPT);
    }
  } else if (level === IPPROTO_TCP) {
    switch (optname) {
      case TCP_NODELAY:
        if (!Number.isFinite(num)) return fail(mctx, EINVAL);
        cfg.noDelay = num !== 0;
        break;
      case TCP_MAXSEG:
        if (!positive(64) || num > mctx.iface.mtu - 40) return fail(mctx, EINVAL);
        cfg.mss = Math.floor(num);
        break;
      case TCP_KEEPIDLE:
        if (!positive(1)) return fail(mctx, EINVAL);
        cfg.keepIdleMs = num * 1000;
        break;
      case TCP_KEEPINTVL:
        if (!positive(1)) return fail(mctx, EINVAL);
        cfg.keepIntvlMs = num * 1000;
        break;
      case TCP_KEEPCNT:
        if (!positive(1)) return fail(mctx, EINVAL);
        cfg.keepCnt = Math.floor(num);
        break;
      case TCP_QUICKACK:
        // Per connection, not inherited (Linux: not a permanent setting).
        if (!Number.isFinite(num)) return fail(mctx, EINVAL);
        if (sock !== undefined) {
          sock.setQuickAck(num !== 0);
          mctx.markDirty(sock.id);
          mctx.driver.kick();
        }
        return 0;
      case TCP_CONGESTION:
        if (typeof optval !== "string" || !isCongestionAlgorithm(optval)) return fail(mctx, EINVAL);
        cfg.congestion = optval;
        break;
      case TCP_USER_TIMEOUT:
        if (!positive(0)) return fail(mctx, EINVAL);
        cfg.userTimeoutMs = num;
        break;
      default:
        return fail(mctx, ENOPROTOOPT);
    }
  } else {
    return fail(mctx, ENOPROTOOPT);
  }
  if (sock !== undefined) {
    sock.optionsChanged(mctx.now());
    mctx.markDirty(sock.id);
    mctx.driver.kick();
  }
  return 0;
}

// --- epoll ----------------------------------------------------------------------------

/**
 * An epoll instance id. EINVAL (size <= 0), ENFILE.
 *
 * @example An epoll instance; several may share a context
 * ```ts
 * import assert from "node:assert/strict";
 * import { EINVAL, MemoryNetwork, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_init } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const ep1 = mtcp_epoll_create(ctx, 16);
 * const ep2 = mtcp_epoll_create(ctx, 16);
 * assert.ok(ep1 >= 0 && ep2 >= 0 && ep1 !== ep2);
 * assert.equal(mtcp_epoll_create(ctx, 0), -1);
 * assert.equal(ctx.errno, EINVAL);
 * mtcp_destroy();
 * ```
 */
export function mtcp_epoll_create(mctx: mctx_t, size: number): number {
  if (!usable(mctx)) return -1;
  if (!Number.isInteger(size) || size <= 0) return fail(mctx, EINVAL);
  const id = mctx.allocSocket("epoll");
  if (id < 0) return fail(mctx, ENFILE);
  return id;
}

/**
 * As {@linkcode mtcp_epoll_create}, with flags 0 or O_CLOEXEC (else EINVAL).
 *
 * @example epoll_create1 takes flags (0 or O_CLOEXEC) instead of a size
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryNetwork, mtcp_create_context, mtcp_destroy, mtcp_epoll_create1, mtcp_init } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * assert.ok(mtcp_epoll_create1(ctx, 0) >= 0);
 * mtcp_destroy();
 * ```
 */
export function mtcp_epoll_create1(mctx: mctx_t, flags: number): number {
  if (!usable(mctx)) return -1;
  if (flags !== 0 && flags !== O_CLOEXEC) return fail(mctx, EINVAL);
  return mtcp_epoll_create(mctx, 1);
}

/**
 * Adds, modifies or removes a socket's registration. EBADF (bad ids), EINVAL
 * (not an epoll, no event for ADD/MOD, a bad op, or the epoll itself), EEXIST
 * (ADD twice), ENOENT (MOD/DEL of an unregistered socket).
 *
 * @example Registering, changing and removing a socket
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, MTCP_EPOLLIN, MTCP_EPOLLOUT, MTCP_EPOLL_CTL_ADD, MTCP_EPOLL_CTL_DEL, MTCP_EPOLL_CTL_MOD, MemoryNetwork, SOCK_STREAM, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_init, mtcp_socket } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * const ep = mtcp_epoll_create(ctx, 4);
 * assert.equal(mtcp_epoll_ctl(ctx, ep, MTCP_EPOLL_CTL_ADD, fd, { events: MTCP_EPOLLIN, data: fd }), 0);
 * assert.equal(mtcp_epoll_ctl(ctx, ep, MTCP_EPOLL_CTL_MOD, fd, { events: MTCP_EPOLLOUT, data: 7 }), 0);
 * assert.equal(mtcp_epoll_ctl(ctx, ep, MTCP_EPOLL_CTL_DEL, fd), 0);
 * mtcp_destroy();
 * ```
 */
export function mtcp_epoll_ctl(
  mctx: mctx_t,
  epid: number,
  op: number,
  sockid: number,
  event?: MtcpEpollEvent | null,
): number {
  if (!usable(mctx)) return -1;
  const epSlot = mctx.slotOf(epid);
  const slot = mctx.slotOf(sockid);
  if (epSlot < 0 || slot < 0) return fail(mctx, EBADF);
  const ep = mctx.epoll(epSlot);
  if (ep === undefined || epSlot === slot) return fail(mctx, EINVAL);
  switch (op) {
    case MTCP_EPOLL_CTL_ADD:
      if (event === undefined || event === null) return fail(mctx, EINVAL);
      if (!ep.add(slot, event.events, event.data, mctx)) return fail(mctx, EEXIST);
      mctx.watch(slot, epSlot);
      return 0;
    case MTCP_EPOLL_CTL_MOD:
      if (event === undefined || event === null) return fail(mctx, EINVAL);
      if (!ep.modify(slot, event.events, event.data, mctx)) return fail(mctx, ENOENT);
      return 0;
    case MTCP_EPOLL_CTL_DEL:
      if (!ep.remove(slot)) return fail(mctx, ENOENT);
      mctx.unwatch(slot, epSlot);
      return 0;
    default:
      return fail(mctx, EINVAL);
  }
}

/**
 * Waits for events: resolves to how many were written into `events` (0 on
 * timeout), or -1 with EBADF (bad id), EINVAL (not an epoll, no array,
 * maxevents <= 0) or EINTR (the context was destroyed). `timeout` is in ms:
 * -1 waits forever, 0 only polls. While it waits it drives the context's
 * network: receive, timers, transmit.
 *
 * @example Waiting drives the context; a timeout of 0 only looks
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, INADDR_ANY, MTCP_EPOLLIN, MTCP_EPOLLOUT, MTCP_EPOLL_CTL_ADD, MTCP_EPOLL_CTL_MOD, MemoryNetwork, type MtcpEpollEvent, SOCK_STREAM, mtcp_accept, mtcp_bind, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_init, mtcp_listen, mtcp_setsock_nonblock, mtcp_socket, parseIpv4Address } from "../../mod.ts";
 * // A client context `a` connected to a server context `b`: fd on a, s on b.
 * mtcp_init({ num_cores: 2 });
 * const network = new MemoryNetwork();
 * const a = mtcp_create_context(0, { network, address: "10.0.0.1/24" })!;
 * const b = mtcp_create_context(1, { network, address: "10.0.0.2/24" })!;
 * const lfd = mtcp_socket(b, AF_INET, SOCK_STREAM, 0);
 * mtcp_bind(b, lfd, { family: AF_INET, addr: INADDR_ANY, port: 80 });
 * mtcp_listen(b, lfd, 4);
 * const fd = mtcp_socket(a, AF_INET, SOCK_STREAM, 0);
 * mtcp_setsock_nonblock(a, fd);
 * mtcp_connect(a, fd, { family: AF_INET, addr: parseIpv4Address("10.0.0.2")!, port: 80 });
 * const ep = mtcp_epoll_create(a, 4);
 * mtcp_epoll_ctl(a, ep, MTCP_EPOLL_CTL_ADD, fd, { events: MTCP_EPOLLOUT, data: fd });
 * await mtcp_epoll_wait(a, ep, [], 4, 1000); // writable: connected
 * const s = mtcp_accept(b, lfd);
 * const events: MtcpEpollEvent[] = [];
 * assert.equal(await mtcp_epoll_wait(a, ep, events, 4, 0), 1);
 * mtcp_epoll_ctl(a, ep, MTCP_EPOLL_CTL_MOD, fd, { events: MTCP_EPOLLIN, data: fd });
 * assert.equal(await mtcp_epoll_wait(a, ep, events, 4, 50), 0); // 50 ms, nothing arrived
 * mtcp_destroy();
 * ```
 */
export async function mtcp_epoll_wait(
  mctx: mctx_t,
  epid: number,
  events: MtcpEpollEvent[] | null | undefined,
  maxevents: number,
  timeout: number,
): Promise<number> {
  if (!usable(mctx)) return -1;
  const epSlot = mctx.slotOf(epid);
  if (epSlot < 0) return fail(mctx, EBADF);
  const ep = mctx.epoll(epSlot);
  if (ep === undefined || events === undefined || events === null) return fail(mctx, EINVAL);
  if (!Number.isInteger(maxevents) || maxevents <= 0) return fail(mctx, EINVAL);
  mctx.poll(mctx.now());
  if (!ep.hasEvents(mctx) && timeout !== 0) {
    await mctx.driver.wait(() => mctx.destroyed || ep.hasEvents(mctx), timeout);
  } else if (mctx.yieldDue()) {
    // Events at once, again and again (a level-triggered socket that stays
    // ready): a loop around this call would only ever run microtasks, and the
    // event loop's timers and I/O would starve. Every few milliseconds of
    // that, it yields to them once.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  if (mctx.destroyed) return fail(mctx, EINTR);
  return ep.collect(mctx, events, maxevents);
}

/**
 * The errno the last failed call on `mctx` set.
 *
 * @example The errno of the last failed call, as a function
 * ```ts
 * import assert from "node:assert/strict";
 * import { EBADF, MemoryNetwork, mtcp_close, mtcp_create_context, mtcp_destroy, mtcp_errno, mtcp_init } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * mtcp_close(ctx, 9999);
 * assert.equal(mtcp_errno(ctx), EBADF);
 * assert.equal(mtcp_errno(ctx), ctx.errno);
 * mtcp_destroy();
 * ```
 */
export function mtcp_errno(mctx: mctx_t): number {
  return mctx.errno;
}
