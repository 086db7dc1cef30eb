/**
 * Two mTCP contexts on an in-memory network, and a full-duplex bulk transfer
 * between them written only against the mtcp_* API (epoll-driven, nonblocking,
 * one coroutine per side). Every byte is checked against a regenerated
 * pseudo-random stream, and each side's running hash is compared.
 *
 * @module
 */

import * as M from "../../lib/mod.ts";

/** Impairment and TCP settings of a pair. */
export interface PairOptions {
  loss?: number;
  reorder?: number;
  duplicate?: number;
  corrupt?: number;
  latencyMs?: number;
  seed?: number;
  config?: Record<string, unknown>;
}

/** A server context (10.0.0.2) and a client context (10.0.0.1, impaired both ways). */
export interface Pair {
  network: M.MemoryNetwork;
  server: M.MtcpContext;
  client: M.MtcpContext;
}

/** The client's last 40 frames, oldest first. */
export const recentFrames: string[] = [];

/** Sets up the pair; call `M.mtcp_destroy()` when done. */
export function makePair(options: PairOptions = {}): Pair {
  const rc = M.mtcp_init({
    num_cores: 2,
    max_concurrency: 256,
    max_num_buffers: 512,
    seed: 7,
    ...options.config,
  });
  if (rc !== 0) throw new Error(`mtcp_init: ${M.mtcp_strerror_init()}`);
  const network = new M.MemoryNetwork({ latencyMs: options.latencyMs ?? 1 });
  const server = M.mtcp_create_context(0, { network, address: "10.0.0.2/24" })!;
  const imp = {
    loss: options.loss ?? 0,
    reorder: options.reorder ?? 0,
    duplicate: options.duplicate ?? 0,
    corrupt: options.corrupt ?? 0,
  };
  const client = M.mtcp_create_context(1, {
    network,
    address: "10.0.0.1/24",
    impair: { rx: imp, tx: imp, seed: options.seed ?? 1 },
    // The last frames the client's stack saw, for failure messages.
    trace: (dir, now, bytes, off, len) => {
      recentFrames.push(
        `${(now - 1_700_000_000_000).toFixed(1)} ${dir} ${M.describeFrame(bytes, off, len)}`,
      );
      if (recentFrames.length > 40) recentFrames.shift();
    },
  })!;
  return { network, server, client };
}

/** A deterministic byte stream: byte i of stream `seed`. */
export class Stream {
  #state: number;
  #count = 0;
  /** Running hash (FNV-1a, 32-bit) of the bytes produced or checked. */
  hash = 0x811c9dc5;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  /** Bytes so far. */
  get count(): number {
    return this.#count;
  }
  #next(): number {
    // xorshift32: fast, and every byte depends on the position.
    let x = this.#state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#state = x >>> 0;
    return this.#state & 0xff;
  }
  /** Fills `buf[0, n)` with the next bytes. */
  fill(buf: Uint8Array, n: number): void {
    for (let i = 0; i < n; i++) {
      const b = this.#next();
      buf[i] = b;
      this.hash = Math.imul(this.hash ^ b, 0x01000193) >>> 0;
    }
    this.#count += n;
  }
  /** Checks `buf[0, n)` against the next bytes; the offset of the first mismatch, or -1. */
  check(buf: Uint8Array, n: number): number {
    for (let i = 0; i < n; i++) {
      const b = this.#next();
      if (buf[i] !== b) return this.#count + i;
      this.hash = Math.imul(this.hash ^ b, 0x01000193) >>> 0;
    }
    this.#count += n;
    return -1;
  }
}

/** What a transfer did. */
export interface TransferResult {
  /** Client to server bytes received. */
  up: number;
  /** Server to client bytes received. */
  down: number;
  upHashes: [number, number];
  downHashes: [number, number];
  virtualMs: number;
  clientStats: M.TcpSocketStats;
  serverStats: M.TcpSocketStats;
  /** The most connections the watchdog found stuck at once (sampled every 50 ms). */
  stuck: number;
}

/** Both ends' connections, for failure messages. */
export function describe(pair: Pair): string {
  const parts: string[] = [];
  for (const [name, ctx] of [["server", pair.server], ["client", pair.client]] as const) {
    for (const c of ctx.connections()) {
      parts.push(`${name} ${c.state}${c.orphaned ? " (orphan)" : ""} ${
        JSON.stringify({
          una: (c.sndUna - c.iss) >>> 0,
          nxt: (c.sndNxt - c.iss) >>> 0,
          max: (c.sndMax - c.iss) >>> 0,
          sndWnd: c.sndWnd,
          queued: c.sendQueued,
          rcvNxt: (c.rcvNxt - c.irs) >>> 0,
          readable: c.readable,
          writable: c.writable,
          cwnd: c.cc.cwnd,
          timerIn: c.pollAt() - ctx.now(),
          error: c.error,
          stats: c.stats,
        })
      }`);
    }
  }
  for (const [name, ctx] of [["server", pair.server], ["client", pair.client]] as const) {
    const arp = [...ctx.iface.arp.entries()].map((e) => `${M.formatIpv4(e.ip)}=${e.state}`).join(
      ",",
    );
    parts.push(
      `${name} iface drops ${
        JSON.stringify(ctx.iface.stats.nonZeroDrops())
      } arp ${arp} pending ${ctx.iface.arp.pool.inUse}`,
    );
  }
  return parts.join("; ") + "\nlast frames at the client:\n" + recentFrames.join("\n");
}

function mustOk(rc: number, ctx: M.MtcpContext, what: string): number {
  if (rc < 0) throw new Error(`${what} failed: ${M.errnoName(ctx.errno)}`);
  return rc;
}

/**
 * Sends `upBytes` from client to server and `downBytes` from server to
 * client over one connection, concurrently; each side half-closes when done
 * and reads to end of stream. Throws on a mismatch or a failed call.
 */
export async function transfer(
  pair: Pair,
  upBytes: number,
  downBytes: number,
  port = 5001,
): Promise<TransferResult> {
  const { server, client, network } = pair;
  const start = network.clock.now();
  const lfd = mustOk(M.mtcp_socket(server, M.AF_INET, M.SOCK_STREAM, 0), server, "socket");
  M.mtcp_setsock_nonblock(server, lfd);
  mustOk(M.mtcp_bind(server, lfd, { family: M.AF_INET, addr: M.INADDR_ANY, port }), server, "bind");
  mustOk(M.mtcp_listen(server, lfd, 8), server, "listen");
  let serverStats: M.TcpSocketStats | undefined;
  let clientStats: M.TcpSocketStats | undefined;

  const side = async (
    ctx: M.MtcpContext,
    fd: number,
    ep: number,
    send: Stream,
    sendTotal: number,
    recv: Stream,
  ): Promise<number> => {
    const out = new Uint8Array(64 * 1024);
    const inb = new Uint8Array(64 * 1024);
    const events: M.MtcpEpollEvent[] = [];
    let sent = 0;
    let outLen = 0;
    let outOff = 0;
    let eof = false;
    let shut = false;
    for (;;) {
      // Write as much as fits.
      while (sent < sendTotal) {
        if (outOff === outLen) {
          outLen = Math.min(out.length, sendTotal - sent);
          send.fill(out, outLen);
          outOff = 0;
        }
        const w = M.mtcp_write(ctx, fd, out.subarray(outOff, outLen), outLen - outOff);
        if (w < 0) {
          if (ctx.errno === M.EAGAIN) break;
          throw new Error(`write: ${M.errnoName(ctx.errno)}`);
        }
        outOff += w;
        sent += w;
      }
      if (sent === sendTotal && !shut) {
        mustOk(M.mtcp_shutdown(ctx, fd, M.SHUT_WR), ctx, "shutdown");
        shut = true;
      }
      // Read what is there.
      for (;;) {
        const r = M.mtcp_read(ctx, fd, inb, inb.length);
        if (r > 0) {
          const bad = recv.check(inb, r);
          if (bad >= 0) throw new Error(`byte ${bad} differs`);
          continue;
        }
        if (r === 0) eof = true;
        else if (ctx.errno !== M.EAGAIN) throw new Error(`read: ${M.errnoName(ctx.errno)}`);
        break;
      }
      if (eof && shut) return sent;
      // After end of stream, EPOLLIN stays ready (level-triggered): wait only
      // for room to write, or the loop would spin at one instant.
      const want = (eof ? 0 : M.MTCP_EPOLLIN) | (sent < sendTotal ? M.MTCP_EPOLLOUT : 0);
      mustOk(
        M.mtcp_epoll_ctl(ctx, ep, M.MTCP_EPOLL_CTL_MOD, fd, { events: want, data: fd }),
        ctx,
        "epoll_ctl",
      );
      const n = await M.mtcp_epoll_wait(ctx, ep, events, 4, 3_600_000);
      if (n < 0) throw new Error(`epoll_wait: ${M.errnoName(ctx.errno)}`);
      if (n === 0) {
        throw new Error(
          `stalled: sent ${sent}/${sendTotal}, received ${recv.count}; ${describe(pair)}`,
        );
      }
    }
  };

  const upSend = new Stream(1),
    upRecv = new Stream(1),
    downSend = new Stream(2),
    downRecv = new Stream(2);
  const serverSide = async () => {
    const ep = mustOk(M.mtcp_epoll_create(server, 8), server, "epoll_create");
    mustOk(
      M.mtcp_epoll_ctl(server, ep, M.MTCP_EPOLL_CTL_ADD, lfd, {
        events: M.MTCP_EPOLLIN,
        data: lfd,
      }),
      server,
      "ctl",
    );
    const events: M.MtcpEpollEvent[] = [];
    let fd = -1;
    while (fd < 0) {
      const n = await M.mtcp_epoll_wait(server, ep, events, 4, 60_000);
      if (n <= 0) throw new Error("no connection to accept");
      fd = M.mtcp_accept(server, lfd);
    }
    M.mtcp_setsock_nonblock(server, fd);
    mustOk(
      M.mtcp_epoll_ctl(server, ep, M.MTCP_EPOLL_CTL_ADD, fd, { events: M.MTCP_EPOLLIN, data: fd }),
      server,
      "ctl",
    );
    await side(server, fd, ep, downSend, downBytes, upRecv);
    serverStats = { ...server.connection(server.slotOf(fd))!.stats };
    mustOk(M.mtcp_close(server, fd), server, "close");
    M.mtcp_close(server, lfd);
  };
  const clientSide = async () => {
    const fd = mustOk(M.mtcp_socket(client, M.AF_INET, M.SOCK_STREAM, 0), client, "socket");
    M.mtcp_setsock_nonblock(client, fd);
    const rc = M.mtcp_connect(client, fd, {
      family: M.AF_INET,
      addr: M.parseIpv4Address("10.0.0.2")!,
      port,
    });
    if (rc !== -1 || client.errno !== M.EINPROGRESS) {
      throw new Error(`connect: ${rc} ${M.errnoName(client.errno)}`);
    }
    const ep = mustOk(M.mtcp_epoll_create(client, 8), client, "epoll_create");
    mustOk(
      M.mtcp_epoll_ctl(client, ep, M.MTCP_EPOLL_CTL_ADD, fd, { events: M.MTCP_EPOLLOUT, data: fd }),
      client,
      "ctl",
    );
    const events: M.MtcpEpollEvent[] = [];
    const n = await M.mtcp_epoll_wait(client, ep, events, 4, 60_000);
    if (n !== 1 || (events[0]!.events & M.MTCP_EPOLLERR) !== 0) {
      throw new Error("connect did not complete");
    }
    await side(client, fd, ep, upSend, upBytes, downRecv);
    clientStats = { ...client.connection(client.slotOf(fd))!.stats };
    mustOk(M.mtcp_close(client, fd), client, "close");
  };
  // The watchdog, sampled through the transfer: a connection with data and
  // nothing armed to move it would be an engine fault.
  let stuck = 0;
  let watching = true;
  let nextLook = 0;
  network.add({
    poll(now: number): boolean {
      if (!watching || now < nextLook) return false;
      nextLook = now + 50;
      stuck = Math.max(stuck, server.stuckConnections() + client.stuckConnections());
      return false;
    },
    pollAt: () => (watching ? nextLook : Infinity),
  });
  try {
    await Promise.all([serverSide(), clientSide()]);
  } finally {
    watching = false;
  }
  return {
    stuck,
    up: upRecv.count,
    down: downRecv.count,
    upHashes: [upSend.hash, upRecv.hash],
    downHashes: [downSend.hash, downRecv.hash],
    virtualMs: network.clock.now() - start,
    clientStats: clientStats!,
    serverStats: serverStats!,
  };
}

/** The server's address. */
export const SERVER = M.parseIpv4Address("10.0.0.2")!;

/** A nonblocking listener on `port`. */
export function listenOn(ctx: M.MtcpContext, port: number, backlog = 16): number {
  const fd = mustOk(M.mtcp_socket(ctx, M.AF_INET, M.SOCK_STREAM, 0), ctx, "socket");
  M.mtcp_setsock_nonblock(ctx, fd);
  mustOk(M.mtcp_bind(ctx, fd, { family: M.AF_INET, addr: M.INADDR_ANY, port }), ctx, "bind");
  mustOk(M.mtcp_listen(ctx, fd, backlog), ctx, "listen");
  return fd;
}

/** A nonblocking socket connecting to `addr:port` (EINPROGRESS checked). */
export function connectTo(ctx: M.MtcpContext, addr: number, port: number): number {
  const fd = mustOk(M.mtcp_socket(ctx, M.AF_INET, M.SOCK_STREAM, 0), ctx, "socket");
  M.mtcp_setsock_nonblock(ctx, fd);
  const rc = M.mtcp_connect(ctx, fd, { family: M.AF_INET, addr, port });
  if (rc !== -1 || ctx.errno !== M.EINPROGRESS) {
    throw new Error(`connect: ${rc} ${M.errnoName(ctx.errno)}`);
  }
  return fd;
}

/** Runs the simulation until `done()` or `ms` of virtual time; returns whether `done()` held. */
export function run(pair: Pair, done: () => boolean, ms = 60_000): boolean {
  return pair.network.runUntil(done, { timeoutMs: ms }) === "done" || done();
}

/** Runs `ms` of virtual time. */
export function advance(pair: Pair, ms: number): void {
  pair.network.runFor(ms);
}

/** Accepts one connection after running until one is there. */
export function acceptOne(pair: Pair, ctx: M.MtcpContext, lfd: number): number {
  let fd = -1;
  run(pair, () => (fd = M.mtcp_accept(ctx, lfd)) >= 0);
  if (fd < 0) throw new Error(`accept: ${M.errnoName(ctx.errno)}`);
  return fd;
}

/** A connected pair of sockets: [client fd, server fd, listener fd]. */
export function connected(pair: Pair, port = 80): [number, number, number] {
  const lfd = listenOn(pair.server, port);
  const cfd = connectTo(pair.client, SERVER, port);
  const sfd = acceptOne(pair, pair.server, lfd);
  run(pair, () => pair.client.isConnected(pair.client.slotOf(cfd)));
  return [cfd, sfd, lfd];
}

/** The state of a socket's connection. */
export function stateOf(ctx: M.MtcpContext, fd: number): string | undefined {
  return ctx.stateOf(ctx.slotOf(fd));
}

/** Reads everything available as text. */
export function readAll(ctx: M.MtcpContext, fd: number): { text: string; rc: number } {
  const buf = new Uint8Array(65536);
  let text = "";
  for (;;) {
    const n = M.mtcp_read(ctx, fd, buf, buf.length);
    if (n <= 0) return { text, rc: n };
    text += new TextDecoder().decode(buf.subarray(0, n));
  }
}

/** Writes text; the count written. */
export function writeText(ctx: M.MtcpContext, fd: number, text: string): number {
  const b = new TextEncoder().encode(text);
  return M.mtcp_write(ctx, fd, b, b.length);
}

/**
 * A test with a fresh pair, destroyed afterwards whatever happens, for
 * `Deno.test(pairTest(...))` in the test file itself (so reports name that
 * file, not this one).
 */
export function pairTest(
  name: string,
  fn: (pair: Pair) => void | Promise<void>,
  config: Record<string, unknown> = {},
): Deno.TestDefinition {
  return {
    name,
    fn: async () => {
      const pair = makePair({ config });
      try {
        await fn(pair);
      } finally {
        M.mtcp_destroy();
      }
    },
  };
}

/**
 * The transfer matrix's size: 10 MB each way by default, 100 MB with
 * `MTCP_TEST_FULL=1` (`deno task test:full`).
 */
export function transferSize(): number {
  const granted = Deno.permissions.querySync({ name: "env", variable: "MTCP_TEST_FULL" });
  const full = granted.state === "granted" && Deno.env.get("MTCP_TEST_FULL") === "1";
  return full ? 100_000_000 : 10_000_000;
}

/**
 * The transfer matrix for one congestion controller: {@linkcode transferSize}
 * bytes each way, with and without SACK, at 0 %, 1 %, 5 % and 20 % loss
 * (plus 5 % reordering and 1 % duplication when lossy), as test definitions
 * for the test file to register. One file per controller, so `--parallel`
 * runs the two side by side.
 */
export function transferMatrix(
  algorithm: "newreno" | "cubic",
  label: string,
): Deno.TestDefinition[] {
  const size = transferSize();
  const tests: Deno.TestDefinition[] = [];
  for (const sack of [1, 0]) {
    for (const loss of [0, 0.01, 0.05, 0.2]) {
      const name = `${label} ${sack ? "with" : "without"} SACK moves ${
        size / 1e6
      } MB each way byte-identical at ${loss * 100} % loss`;
      tests.push({
        name,
        fn: async () => {
          const pair = makePair({
            loss,
            reorder: loss > 0 ? 0.05 : 0,
            duplicate: loss > 0 ? 0.01 : 0,
            seed: 11,
            config: { tcp_sack: sack, tcp_congestion: algorithm },
          });
          try {
            const r = await transfer(pair, size, size);
            if (r.up !== size || r.down !== size) {
              throw new Error(`moved ${r.up} and ${r.down} bytes`);
            }
            if (r.stuck !== 0) throw new Error(`${r.stuck} connections stuck at once`);
            if (r.upHashes[0] !== r.upHashes[1]) throw new Error("client-to-server hash differs");
            if (r.downHashes[0] !== r.downHashes[1]) {
              throw new Error("server-to-client hash differs");
            }
            const rtx = r.clientStats.retransmits + r.serverStats.retransmits;
            if (loss === 0 && rtx !== 0) throw new Error(`${rtx} retransmissions without loss`);
            if (loss > 0 && (r.clientStats.retransmits === 0 || r.serverStats.retransmits === 0)) {
              throw new Error("no retransmission under loss");
            }
            if (loss > 0 && loss <= 0.05 && r.clientStats.fastRetransmits === 0) {
              throw new Error("fast retransmit was never used");
            }
          } finally {
            M.mtcp_destroy();
          }
        },
      });
    }
  }
  return tests;
}
