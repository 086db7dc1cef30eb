/**
 * An epoll-driven TCP server loop written only against the mtcp_* API, in
 * the shape of mTCP's epserver: one listening socket, nonblocking accepted
 * sockets, EPOLLIN for requests and EPOLLOUT only while a connection has
 * output the send buffer could not take. A handler sees each connection's
 * bytes and queues replies; the loop writes them as the window allows, so
 * a slow reader holds back only its own connection.
 *
 * @module
 */

import {
  AF_INET,
  describeErrno,
  EAGAIN,
  FIONREAD,
  MTCP_EPOLL_CTL_ADD,
  MTCP_EPOLL_CTL_DEL,
  MTCP_EPOLL_CTL_MOD,
  MTCP_EPOLLERR,
  MTCP_EPOLLHUP,
  MTCP_EPOLLIN,
  MTCP_EPOLLOUT,
  type MtcpEpollEvent,
  SHUT_WR,
  SOCK_STREAM,
} from "../api/constants.ts";
import type { MtcpContext } from "../api/context.ts";
import {
  mtcp_abort,
  mtcp_accept,
  mtcp_bind,
  mtcp_close,
  mtcp_epoll_create,
  mtcp_epoll_ctl,
  mtcp_epoll_wait,
  mtcp_listen,
  mtcp_read,
  mtcp_setsock_nonblock,
  mtcp_shutdown,
  mtcp_socket,
  mtcp_socket_ioctl,
  mtcp_write,
  mtcp_write_from,
} from "../api/mtcp.ts";
import { formatIpv4 } from "../wire/address.ts";

/**
 * Output produced on demand (a file being streamed): `read` fills `into` and
 * returns how many bytes it wrote, 0 at the end; `close` releases it.
 */
export interface ChunkSource {
  /**
   * Fills `into` from the start; returns the byte count, 0 when done. A
   * source that cannot go on (a read error) throws: the connection is closed.
   */
  read(into: Uint8Array): number;
  /** Releases the source (called once, at its end or when the connection dies). */
  close(): void;
}

// The most a source is asked for at once (it reads into the send buffer).
const SOURCE_BYTES = 1 << 20;
// How long a lingering close reads what the peer still sends (nginx's
// lingering_timeout is 5 s, its lingering_time 30 s).
const LINGER_MS = 2000;

/** One accepted connection, as a handler sees it. */
export class ServerConnection {
  /** The socket id. */
  readonly fd: number = 0;
  /** Whatever the handler keeps per connection. */
  state: unknown = undefined;
  /** Bytes received so far. */
  bytesIn = 0;
  /** Bytes written so far. */
  bytesOut = 0;
  /** @internal Queued output in order: bytes, or sources read as the window opens. */
  readonly out: (Uint8Array | ChunkSource)[] = [];
  /** @internal */
  outOffset = 0;
  /** @internal Close once the queue drains. */
  closing = false;
  /** When {@linkcode ServerHandler.onTimeout} is due (the server's clock, ms); Infinity: never. */
  deadline = Infinity;
  /** Not read until its queued output drains (the handler's back-pressure). */
  paused = false;
  /** Waiting for the peer with nothing to do: the first to go when the server is full. */
  idle = false;
  /** What the timer is for, as the handler counts it (0: nothing). */
  timerKind = 0;
  /** The peer's address, dotted ("-" when unknown). */
  peer = "-";
  /**
   * Close lingering (RFC 9112 §9.6, nginx's lingering_close): send the FIN
   * after the output, then read and throw away what the peer still sends,
   * for up to 2 s, before closing, so a response sent before the request
   * was read whole (an error, a refusal) is not lost to a RST. A connection
   * with unread data when it closes lingers anyway.
   */
  linger = false;
  /** @internal Failed (reset, timed out, a source broke): closed at once. */
  failed = false;
  /** @internal Closing: FIN sent, reading to the end. */
  lingering = false;
  /** @internal The epoll events registered for it. */
  interest = MTCP_EPOLLIN;
  readonly #clock: () => number;

  /** @internal */
  constructor(fd: number, clock: () => number = performance.now.bind(performance)) {
    this.fd = fd;
    this.#clock = clock;
  }

  /**
   * Arms the connection's one timer: `onTimeout` runs `ms` from now unless
   * re-armed first (0 or Infinity: disarmed). The server does not fire it
   * while output is still queued.
   */
  armTimeout(ms: number): void {
    this.deadline = ms > 0 && Number.isFinite(ms) ? this.#clock() + ms : Infinity;
  }

  /** Stops reading until everything queued is sent; then `onDrain` runs. */
  pause(): void {
    this.paused = true;
  }

  /** Queues `data` to send; it must not change until sent. */
  send(data: Uint8Array): void {
    if (data.length > 0 && !this.closing) this.out.push(data);
  }

  /**
   * Queues a source after what is queued: it is read a chunk at a time only
   * when the send buffer has taken everything before it, so a large file is
   * never held in memory whole.
   */
  stream(source: ChunkSource): void {
    if (this.closing) source.close();
    else this.out.push(source);
  }

  /** @internal Drops all queued output, closing its sources. */
  discard(): void {
    for (const item of this.out) if (!(item instanceof Uint8Array)) item.close();
    this.out.length = 0;
    this.outOffset = 0;
  }

  /** Closes after everything queued is sent. */
  end(): void {
    this.closing = true;
  }

  /** Bytes queued and not yet taken by the send buffer (sources not counted). */
  get pendingBytes(): number {
    let n = -this.outOffset;
    for (const c of this.out) if (c instanceof Uint8Array) n += c.length;
    return n;
  }
}

/** What a server does with its connections. */
export interface ServerHandler {
  /** A new connection. */
  onOpen?(conn: ServerConnection): void;
  /** Bytes from the peer; `data` is valid only during the call. */
  onData(conn: ServerConnection, data: Uint8Array): void;
  /** The peer finished sending (default: end the connection). */
  onEnd?(conn: ServerConnection): void;
  /** The connection's timer ran out (default: close it at once). */
  onTimeout?(conn: ServerConnection): void;
  /** A paused connection's output drained: it is read again after this. */
  onDrain?(conn: ServerConnection): void;
  /**
   * The server is full: queue what to say before the connection is closed
   * (a 503, say). Without it, the connection is reset.
   */
  onRefuse?(conn: ServerConnection): void;
}

/** Options of {@linkcode runTcpServer}. */
export interface TcpServerOptions {
  /** Stops the server: the listener closes and the loop returns. */
  signal?: AbortSignal;
  /** Listen backlog (default 4096, Linux's somaxconn; the context clamps it to its pool). */
  backlog?: number;
  /**
   * Most connections at once (default: no limit but the context's pool).
   * When full, the oldest idle connection is closed to make room; with none
   * idle, the new one is refused (`onRefuse`, else a RST).
   */
  maxConnections?: number;
  /** Called once listening. */
  onListening?: (port: number) => void;
  /** Read buffer size (default 16 KiB). */
  readBufferBytes?: number;
  /** Fill each connection's `peer` (for an access log). */
  wantPeer?: boolean;
  /**
   * After `signal` aborts, how long connections may finish what they are
   * sending before they are closed anyway (default 2000 ms). New connections
   * are refused from the abort on.
   */
  graceMs?: number;
}

/** Counters of a server run. */
export interface ServerStats {
  /** Connections accepted. */
  accepted: number;
  /** Connections closed. */
  closed: number;
  /** Connections refused because the server was full. */
  refused: number;
  /** Idle connections closed to make room for a new one. */
  evicted: number;
  /** Connections whose timer ran out. */
  timedOut: number;
  /** Bytes read. */
  bytesIn: number;
  /** Bytes written. */
  bytesOut: number;
}

/**
 * The epoll server loop: one listening socket, its accepted connections and
 * their queued output, driven by `mtcp_epoll_wait` until the signal aborts
 * (then a graceful drain) or the context is destroyed.
 *
 * @example An echo server on an in-memory network, stopped by its signal
 * ```ts
 * import assert from "node:assert/strict";
 * import { echoHandler, TcpServer } from "./tcp_server.ts";
 * import { createStack, MemoryNetwork } from "../../mod.ts";
 * const network = new MemoryNetwork({ clock: "system" });
 * await using server = createStack({ network, address: "10.0.0.1/24" });
 * await using client = createStack({ network, address: "10.0.0.2/24" });
 * const stop = new AbortController();
 * const loop = new TcpServer(server.ctx, 7, echoHandler(), { signal: stop.signal });
 * const running = loop.run();
 * const conn = await client.connect({ hostname: "10.0.0.1", port: 7 });
 * await conn.write(new TextEncoder().encode("ping"));
 * const buf = new Uint8Array(4);
 * assert.equal(await conn.read(buf), 4);
 * conn.close();
 * stop.abort();
 * assert.equal((await running).accepted, 1);
 * ```
 */
export class TcpServer {
  /** Counters of this run. */
  readonly stats: ServerStats = {
    accepted: 0,
    closed: 0,
    refused: 0,
    evicted: 0,
    timedOut: 0,
    bytesIn: 0,
    bytesOut: 0,
  };
  readonly #mctx: MtcpContext;
  readonly #port: number;
  readonly #handler: ServerHandler;
  readonly #options: TcpServerOptions;
  readonly #conns = new Map<number, ServerConnection>();
  readonly #events: MtcpEpollEvent[] = [];
  readonly #buf: Uint8Array;
  #lfd = -1;
  #ep = -1;
  #draining = false;
  #deadline = Infinity;
  #nextSweep = 0;
  #active = 0; // connections open and not lingering
  readonly #peerAddr = { family: AF_INET, addr: 0, port: 0 };
  readonly #clock: () => number;

  /** A server for `port` of `mctx`; {@linkcode run} starts it. */
  constructor(
    mctx: MtcpContext,
    port: number,
    handler: ServerHandler,
    options: TcpServerOptions = {},
  ) {
    this.#mctx = mctx;
    this.#port = port;
    this.#handler = handler;
    this.#options = options;
    this.#buf = new Uint8Array(options.readBufferBytes ?? 16384);
    this.#clock = () => mctx.now();
  }

  /**
   * Listens, then serves until the signal aborts (and the drain ends) or the
   * context is destroyed. Throws `Error` (`EADDRINUSE: address in use
   * (10.0.0.2:8080)`) when the port cannot be used.
   */
  async run(): Promise<ServerStats> {
    this.#listen();
    const mctx = this.#mctx;
    try {
      while (!mctx.destroyed) {
        if (this.#options.signal?.aborted && !this.#draining) this.#startDrain();
        if (this.#draining && (this.#conns.size === 0 || mctx.now() >= this.#deadline)) break;
        const n = await mtcp_epoll_wait(mctx, this.#ep, this.#events, 256, 100);
        if (n < 0) break;
        for (let i = 0; i < n; i++) {
          const ev = this.#events[i]!;
          if (ev.data === this.#lfd) this.#acceptAll();
          else this.#onEvent(ev);
        }
        if (mctx.now() >= this.#nextSweep) this.#sweep();
      }
    } finally {
      this.#closeAll();
    }
    return this.stats;
  }

  #listen(): void {
    const mctx = this.#mctx;
    const where = `${formatIpv4(mctx.iface.address)}:${this.#port}`;
    const fail = (): never => {
      throw new Error(describeErrno(mctx.errno, where));
    };
    const lfd = mtcp_socket(mctx, AF_INET, SOCK_STREAM, 0);
    if (lfd < 0) fail();
    this.#lfd = lfd;
    mtcp_setsock_nonblock(mctx, lfd);
    if (mtcp_bind(mctx, lfd, { family: AF_INET, addr: 0, port: this.#port }) < 0) fail();
    if (mtcp_listen(mctx, lfd, this.#options.backlog ?? 4096) < 0) fail();
    this.#ep = mtcp_epoll_create(mctx, 1024);
    mtcp_epoll_ctl(mctx, this.#ep, MTCP_EPOLL_CTL_ADD, lfd, { events: MTCP_EPOLLIN, data: lfd });
    this.#options.onListening?.(this.#port);
  }

  // Stops accepting; lets every connection finish what it is sending.
  #startDrain(): void {
    const mctx = this.#mctx;
    this.#draining = true;
    this.#deadline = mctx.now() + (this.#options.graceMs ?? 2000);
    mtcp_epoll_ctl(mctx, this.#ep, MTCP_EPOLL_CTL_DEL, this.#lfd, undefined);
    mtcp_close(mctx, this.#lfd);
    for (const c of [...this.#conns.values()]) {
      c.end();
      this.#settle(c);
    }
  }

  #acceptAll(): void {
    const mctx = this.#mctx;
    const addr = this.#peerAddr;
    for (;;) {
      const fd = mtcp_accept(mctx, this.#lfd, addr);
      if (fd < 0) return;
      mtcp_setsock_nonblock(mctx, fd);
      mtcp_epoll_ctl(mctx, this.#ep, MTCP_EPOLL_CTL_ADD, fd, { events: MTCP_EPOLLIN, data: fd });
      const c = new ServerConnection(fd, this.#clock);
      if (this.#options.wantPeer) c.peer = formatIpv4(addr.addr);
      this.#conns.set(fd, c);
      this.#active++;
      this.stats.accepted++;
      if (this.#active > (this.#options.maxConnections ?? Infinity) && !this.#evictIdle()) {
        this.#refuse(c);
        continue;
      }
      this.#handler.onOpen?.(c);
      this.#settle(c);
    }
  }

  // The server is full: the oldest idle connection (the Map keeps accept
  // order) makes room, as nginx reuses idle keep-alive connections.
  #evictIdle(): boolean {
    for (const c of this.#conns.values()) {
      if (!c.idle || c.out.length > 0 || c.closing || c.lingering) continue;
      this.stats.evicted++;
      c.discard();
      c.failed = true; // no lingering: the room is needed now
      this.#drop(c);
      return true;
    }
    return false;
  }

  // An explicit refusal, never silence: what the handler says (a 503), or a RST.
  #refuse(c: ServerConnection): void {
    this.stats.refused++;
    if (this.#handler.onRefuse === undefined) {
      mtcp_epoll_ctl(this.#mctx, this.#ep, MTCP_EPOLL_CTL_DEL, c.fd, undefined);
      mtcp_abort(this.#mctx, c.fd);
      this.#conns.delete(c.fd);
      this.#active--;
      this.stats.closed++;
      return;
    }
    this.#handler.onRefuse(c);
    c.end();
    c.linger = true; // the request is not read: let the refusal arrive whole
    this.#settle(c);
  }

  // Fires the timers that ran out, at most every 100 ms. A connection with
  // output still queued is left alone: it is sending, not idle.
  #sweep(): void {
    const now = this.#mctx.now();
    this.#nextSweep = now + 100;
    for (const c of [...this.#conns.values()]) {
      if (c.lingering) {
        if (c.deadline <= now) {
          c.failed = true; // lingered long enough
          this.#drop(c);
        }
        continue;
      }
      if (c.deadline > now || c.out.length > 0 || c.closing) continue;
      c.deadline = Infinity;
      this.stats.timedOut++;
      if (this.#handler.onTimeout !== undefined) this.#handler.onTimeout(c);
      else {
        c.discard();
        c.end();
      }
      if (this.#conns.has(c.fd)) this.#settle(c);
    }
  }

  #onEvent(ev: MtcpEpollEvent): void {
    const c = this.#conns.get(ev.data);
    if (c === undefined) return;
    if (c.lingering) return this.#discardInput(c);
    const readable = (ev.events & (MTCP_EPOLLIN | MTCP_EPOLLERR | MTCP_EPOLLHUP)) !== 0;
    if (readable && !c.paused) this.#readAll(c);
    if (this.#conns.has(c.fd)) this.#settle(c);
  }

  #readAll(c: ServerConnection): void {
    const mctx = this.#mctx;
    const buf = this.#buf;
    for (;;) {
      const r = mtcp_read(mctx, c.fd, buf, buf.length);
      if (r > 0) {
        c.bytesIn += r;
        this.stats.bytesIn += r;
        this.#handler.onData(c, buf.subarray(0, r));
        if (c.paused) return; // the handler wants its output sent first
        continue;
      }
      if (r === 0) {
        if (this.#handler.onEnd !== undefined) this.#handler.onEnd(c);
        else c.end();
      } else if (mctx.errno !== EAGAIN) {
        c.discard(); // reset or timed out
        c.failed = true;
        c.closing = true;
      }
      return;
    }
  }

  #drop(c: ServerConnection): void {
    if (!c.failed && !c.lingering && !this.#mctx.destroyed && (c.linger || this.#unread(c) > 0)) {
      return this.#linger(c);
    }
    mtcp_epoll_ctl(this.#mctx, this.#ep, MTCP_EPOLL_CTL_DEL, c.fd, undefined);
    mtcp_close(this.#mctx, c.fd);
    if (this.#conns.delete(c.fd) && !c.lingering) this.#active--;
    this.stats.closed++;
  }

  #unread(c: ServerConnection): number {
    const v = { value: 0 };
    return mtcp_socket_ioctl(this.#mctx, c.fd, FIONREAD, v) === 0 ? v.value : 0;
  }

  // Our FIN goes after the output; what the peer still sends is read and
  // dropped until its FIN, or for LINGER_MS at most (then closed anyway).
  #linger(c: ServerConnection): void {
    mtcp_shutdown(this.#mctx, c.fd, SHUT_WR);
    c.lingering = true;
    this.#active--;
    c.deadline = this.#mctx.now() + LINGER_MS;
    if (c.interest !== MTCP_EPOLLIN) {
      c.interest = MTCP_EPOLLIN;
      mtcp_epoll_ctl(this.#mctx, this.#ep, MTCP_EPOLL_CTL_MOD, c.fd, {
        events: MTCP_EPOLLIN,
        data: c.fd,
      });
    }
    this.#discardInput(c);
  }

  #discardInput(c: ServerConnection): void {
    for (;;) {
      const r = mtcp_read(this.#mctx, c.fd, this.#buf, this.#buf.length);
      if (r > 0) continue;
      if (r === 0 || this.#mctx.errno !== EAGAIN) {
        c.failed = true; // its end (or an error): close now
        this.#drop(c);
      }
      return;
    }
  }

  // Writes what the send buffer takes, then closes a finished connection or
  // asks for EPOLLOUT while output waits.
  #settle(c: ServerConnection): void {
    let drained = this.#flush(c);
    if (drained && c.paused && !c.closing) {
      // Its output is sent: let the handler go on with what it holds, and
      // read again (what arrived meanwhile waits in the receive buffer).
      c.paused = false;
      this.#handler.onDrain?.(c);
      drained = this.#flush(c);
      if (!c.paused) this.#readAll(c);
      if (!this.#conns.has(c.fd)) return;
      drained = this.#flush(c);
    }
    if (drained && c.closing) return this.#drop(c);
    // Readable unless paused (level-triggered: a paused connection must not
    // be reported again and again), writable while output waits.
    const want = (c.paused ? 0 : MTCP_EPOLLIN) | (drained ? 0 : MTCP_EPOLLOUT);
    if (want !== c.interest) {
      c.interest = want;
      mtcp_epoll_ctl(this.#mctx, this.#ep, MTCP_EPOLL_CTL_MOD, c.fd, { events: want, data: c.fd });
    }
  }

  // Writes what the send buffer takes; true when nothing is left.
  #flush(c: ServerConnection): boolean {
    while (c.out.length > 0) {
      const head = c.out[0]!;
      const w = head instanceof Uint8Array ? this.#writeBytes(c, head) : this.#writeSource(c, head);
      if (w === BLOCKED) return false;
      if (w === FAILED) {
        c.discard(); // the connection or its source failed: drop its output
        c.failed = true;
        c.closing = true;
        return true;
      }
    }
    return true;
  }

  #writeBytes(c: ServerConnection, chunk: Uint8Array): number {
    const rest = chunk.length - c.outOffset;
    const view = c.outOffset === 0 ? chunk : chunk.subarray(c.outOffset);
    const w = mtcp_write(this.#mctx, c.fd, view, rest);
    if (w < 0) return this.#mctx.errno === EAGAIN ? BLOCKED : FAILED;
    this.#wrote(c, w);
    if (w < rest) {
      c.outOffset += w;
      return BLOCKED;
    }
    c.out.shift();
    c.outOffset = 0;
    return w;
  }

  // A source (everything before it was taken): it reads straight into the
  // send buffer, as much as there is room for.
  #writeSource(c: ServerConnection, source: ChunkSource): number {
    let w: number;
    try {
      w = mtcp_write_from(this.#mctx, c.fd, (into) => source.read(into), SOURCE_BYTES);
    } catch {
      return FAILED; // the source failed (a read error)
    }
    if (w < 0) return this.#mctx.errno === EAGAIN ? BLOCKED : FAILED;
    if (w === 0) {
      source.close(); // at its end
      c.out.shift();
      return 0;
    }
    this.#wrote(c, w);
    return w;
  }

  #wrote(c: ServerConnection, n: number): void {
    c.bytesOut += n;
    this.stats.bytesOut += n;
  }

  #closeAll(): void {
    const mctx = this.#mctx;
    for (const c of this.#conns.values()) {
      c.discard();
      mtcp_close(mctx, c.fd);
    }
    if (!mctx.destroyed) {
      if (!this.#draining && this.#lfd >= 0) mtcp_close(mctx, this.#lfd);
      if (this.#ep >= 0) mtcp_close(mctx, this.#ep);
    }
  }
}

const BLOCKED = -1;
const FAILED = -2;

/**
 * Listens on `port` of `mctx` and serves connections with `handler` until
 * `options.signal` aborts or the context is destroyed: a
 * {@linkcode TcpServer}'s run. Throws `Error` (`EADDRINUSE: address in use
 * (10.0.0.2:8080)`) when the port cannot be used.
 *
 * @example A discard server, stopped at once
 * ```ts
 * import { discardHandler, runTcpServer } from "./tcp_server.ts";
 * import { createStack, MemoryNetwork } from "../../mod.ts";
 * await using server = createStack({ network: new MemoryNetwork({ clock: "system" }), address: "10.0.0.1/24" });
 * const stats = await runTcpServer(server.ctx, 9, discardHandler(), { signal: AbortSignal.abort() });
 * console.log(stats.accepted); // 0
 * ```
 */
export function runTcpServer(
  mctx: MtcpContext,
  port: number,
  handler: ServerHandler,
  options: TcpServerOptions = {},
): Promise<ServerStats> {
  return new TcpServer(mctx, port, handler, options).run();
}

/** A handler that sends back every byte it receives (RFC 862). */
export function echoHandler(): ServerHandler {
  return { onData: (c, data) => c.send(data.slice()) };
}

/** A handler that reads and throws away everything (RFC 863). */
export function discardHandler(): ServerHandler {
  return { onData: () => {} };
}
