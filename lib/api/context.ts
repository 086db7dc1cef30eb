/**
 * An mTCP context: one core's stack. It owns one interface, a pool of TCP
 * connections, a pool of socket ids, the listeners and their queues, the
 * epoll instances, one timer wheel, and the loop that ties them together:
 * receive a batch, process it, run due timers, send what the sockets want to
 * send, flush.
 *
 * Socket ids are an index into the pool plus a generation, so an id kept after
 * its socket was closed gives EBADF and never reaches a newer socket in the
 * same slot. Connections have their own pool (as mTCP's streams do): a
 * connection exists from the SYN, its socket id from `accept`.
 *
 * The `mtcp_*` functions in mtcp.ts validate their arguments and call the
 * methods here; the errno contract is kept there and here together.
 *
 * @module
 */

import { Interface } from "../iface/interface.ts";
import type { TcpHandler } from "../iface/interface.ts";
import type { Network, Pollable } from "../phy/network.ts";
import { BufferPool } from "../storage/buffer_pool.ts";
import { IsnGenerator } from "../tcp/isn.ts";
import { EphemeralPorts } from "../tcp/ephemeral.ts";
import { type TimeWaitState, TW_ACK, TW_GONE } from "../tcp/time_wait.ts";
import {
  COOKIE_MSS_TABLE,
  cookieMssIndex,
  cookieTsVal,
  decodeCookieOptions,
  encodeCookieOptions,
  SynCookies,
} from "../tcp/syncookie.ts";
import {
  fillSynAck,
  TCP_DEFAULTS,
  TCP_EV_CLOSED,
  TCP_EV_ERROR,
  TCP_EV_ESTABLISHED,
  type TcpConfig,
  type TcpError,
  TcpSocket,
  type TcpSocketOwner,
  tsOffsetFor,
} from "../tcp/socket.ts";
import { canSend, isSynchronized } from "../tcp/state.ts";
import { IP_PROTO_TCP } from "../wire/ipv4.ts";
import { seqGt } from "../wire/seq_number.ts";
import { emitTcp, TCP_ACK, TCP_RST, TCP_SYN, tcpHeaderLen, TcpRepr } from "../wire/tcp.ts";
import type { MtcpConfig } from "./config.ts";
import {
  EAGAIN,
  ECONNREFUSED,
  ECONNRESET,
  EINVAL,
  EPIPE,
  ETIMEDOUT,
  MTCP_EPOLLERR,
  MTCP_EPOLLHUP,
  MTCP_EPOLLIN,
  MTCP_EPOLLOUT,
  MTCP_EPOLLRDHUP,
} from "./constants.ts";
import { Driver } from "./driver.ts";
import { ConnectionPool } from "./connection_pool.ts";
import { Demux } from "./demux.ts";
import { EventLoop, type LoopHost } from "./event_loop.ts";
import { TransmitPath } from "./transmit.ts";
import {
  KIND_LISTENER,
  KIND_PIPE,
  KIND_STREAM,
  type SocketKind,
  SocketPool,
} from "./socket_pool.ts";
import { Epoll, type ReadinessSource } from "./epoll.ts";
import { createHostStack, type HostOptions } from "./host.ts";

/** mTCP's pipe buffer (pipe.c): 10,240 bytes. */
export const PIPE_BUFFER_BYTES = 10240;

// One pipe: its bytes (a ring), and its two ends' slots (-1 once closed).
interface Pipe {
  data: Uint8Array;
  start: number;
  length: number;
  readSlot: number;
  writeSlot: number;
}

/**
 * Where a context's interface lives: a host on a memory network, or the one
 * host of a `DeviceNetwork` on a TAP, AF_PACKET or netmap ring.
 *
 * @example A context behind a gateway
 * ```ts
 * import assert from "node:assert/strict";
 * import { type ContextAttachment, MemoryNetwork, formatIpv4, mtcp_create_context, mtcp_destroy, mtcp_init } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const attachment: ContextAttachment = { network: new MemoryNetwork(), address: "10.0.0.5/24", gateway: "10.0.0.1" };
 * const ctx = mtcp_create_context(0, attachment)!;
 * assert.equal(formatIpv4(ctx.iface.gateway), "10.0.0.1");
 * mtcp_destroy();
 * ```
 */
export interface ContextAttachment extends Omit<HostOptions, "name"> {
  /** The network. */
  network: Network;
  /** Port name on the network (default `ctx<cpu>`). */
  name?: string;
}

/**
 * Counters of a context.
 *
 * @example Opens counted on both sides
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, INADDR_ANY, MTCP_EPOLLOUT, MTCP_EPOLL_CTL_ADD, MemoryNetwork, SOCK_STREAM, mtcp_accept, mtcp_bind, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_init, mtcp_listen, mtcp_setsock_nonblock, mtcp_socket, parseIpv4Address } from "../../mod.ts";
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
 * assert.equal(a.stats.activeOpens, 1);
 * assert.equal(b.stats.passiveOpens, 1);
 * mtcp_destroy();
 * ```
 */
export interface ContextStats {
  /** Connections made by accepting a SYN. */
  passiveOpens: number;
  /** Connections started by connect. */
  activeOpens: number;
  /** SYNs dropped (or reset) because a listener's accept queue was full (Linux ListenOverflows). */
  listenOverflows: number;
  /** SYN-ACKs sent with a cookie instead of a half-open connection (Linux SyncookiesSent). */
  syncookiesSent: number;
  /** Connections made from a valid returning cookie (Linux SyncookiesRecv). */
  syncookiesRecv: number;
  /** ACKs to a listener whose cookie was forged or stale (Linux SyncookiesFailed). */
  syncookiesFailed: number;
  /** Half-open connections that gave way to a new SYN with cookies off (a full SYN queue). */
  synQueueEvictions: number;
  /** SYNs dropped because the connection pool was full. */
  connectionPoolFull: number;
  /** Connections reset by the peer. */
  resets: number;
  /** Connections that timed out. */
  timeouts: number;
  /** TIME-WAIT connections reused by a new SYN (RFC 6191). */
  timeWaitReused: number;
  /** TIME-WAIT connections freed early because the pool was full. */
  timeWaitRecycled: number;
  /** Compact TIME-WAIT records ended early because `tcp_max_tw_buckets` were in use. */
  timeWaitOverflows: number;
  /** Segments retransmitted by connections already freed (live ones keep their own count). */
  retiredRetransmits: number;
}

/** How much real time an application's busy loop may keep the event loop from running, ms. */
export const YIELD_EVERY_MS = 5;

/** The last error of a socket, as errno. */
function errnoOf(error: TcpError): number {
  switch (error) {
    case "none":
      return 0;
    case "reset":
      return ECONNRESET;
    case "refused":
      return ECONNREFUSED;
    case "timeout":
      return ETIMEDOUT;
  }
}

/**
 * One core's stack. Create with `mtcp_create_context`.
 *
 * @example What a context shows: sockets, buffers, the interface and its counters
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, INADDR_ANY, MTCP_EPOLLOUT, MTCP_EPOLL_CTL_ADD, MemoryNetwork, SOCK_STREAM, mtcp_accept, mtcp_bind, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_init, mtcp_listen, mtcp_setsock_nonblock, mtcp_socket, parseIpv4Address } from "../../mod.ts";
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
 * assert.equal(a.socketsInUse, 2); // the connection and the epoll instance
 * assert.equal(b.connectionsInUse, 1);
 * assert.ok(b.iface.stats.rx.tcp >= 2);
 * mtcp_destroy();
 * ```
 */
export class MtcpContext implements Pollable {
  // The sockets' owner (TcpSocketOwner; their transmit path is a
  // TransmitPath), the interface's TCP handler (TcpHandler) and epoll's readiness source
  // (ReadinessSource): the context satisfies those engine contracts
  // structurally where it is handed over, so the public surface need not
  // name them.
  /** The core number. */
  readonly cpu: number;
  /** errno of the last failed call on this context. */
  errno = 0;
  /** The clock when the context was made: its sockets keep times in whole ms from here. */
  readonly timeEpoch: number = 0;
  /**
   * The interface.
   *
   * @internal
   */
  readonly iface: Interface;
  /** The configuration in force. */
  readonly config: MtcpConfig;
  /** Counters. */
  readonly stats: ContextStats = {
    passiveOpens: 0,
    activeOpens: 0,
    listenOverflows: 0,
    syncookiesSent: 0,
    syncookiesRecv: 0,
    syncookiesFailed: 0,
    synQueueEvictions: 0,
    connectionPoolFull: 0,
    resets: 0,
    timeouts: 0,
    timeWaitReused: 0,
    retiredRetransmits: 0,
    timeWaitRecycled: 0,
    timeWaitOverflows: 0,
  };
  /** True once destroyed. */
  destroyed = false;
  /** The network the context is attached to. */
  readonly network: Network;
  /**
   * Its driver.
   *
   * @internal
   */
  readonly driver: Driver;
  /** TCP tunables for new sockets. */
  readonly tcpConfig: TcpConfig;

  readonly #capacity: number;
  // Socket id pool.
  readonly #ids: SocketPool;
  readonly #epolls: (Epoll | undefined)[];
  readonly #options: (TcpConfig | undefined)[]; // per-socket options (setsockopt before a connection)
  readonly #watchers: (number[] | undefined)[]; // epoll slots watching a socket slot
  // Listeners.
  readonly #listenerPort: Int32Array;
  readonly #backlog: Int32Array;
  readonly #synCount: Int32Array;
  readonly #acceptQueue: (number[] | undefined)[];
  // Connection pool.
  readonly #pool: ConnectionPool;
  // Flows, TIME-WAIT records (none with tcp_max_tw_buckets = 0), listeners.
  readonly #demux: Demux;
  readonly #tx: TransmitPath;
  readonly #twAck = new TcpRepr();
  readonly #twState: TimeWaitState = {
    remoteAddr: 0,
    remotePort: 0,
    localPort: 0,
    sndNxt: 0,
    rcvNxt: 0,
    rcvWnd: 0,
    rcvScale: 0,
    tsEnabled: false,
    tsRecent: 0,
    tsOffset: 0,
  };
  readonly #loop: EventLoop;
  // What a round of the loop calls back into (made once: nothing per call).
  readonly #loopHost: LoopHost = {
    timerFired: (conn, now) => {
      const sock = this.#pool.conns[conn];
      if (sock === undefined) return;
      sock.onTimer(now);
      this.markDirty(conn);
    },
    service: (conn, now) => this.#service(conn, now),
    free: (conn) => this.#freeConn(conn),
  };
  readonly #rxPool: BufferPool;
  readonly #txPool: BufferPool;
  readonly #isn: IsnGenerator;
  readonly #cookies: SynCookies;
  // When each listener last sent a cookie (ms): its cookies are checked for
  // two minutes after (Linux tcp_synq_no_recent_overflow).
  readonly #cookieSentAt: Float64Array;
  // Each listener's half-open connections, oldest first (conn ids; stale
  // entries are skipped), so the oldest can give way with cookies off.
  readonly #embryos: (number[] | undefined)[];
  readonly #cookieSyn = new TcpRepr();
  readonly #cookieOut = new TcpRepr();
  readonly #ports: EphemeralPorts;
  readonly #rssPorts = new Map<number, { ports: Uint16Array; next: number }>();
  #now = 0;

  /** Use `mtcp_create_context`. */
  constructor(cpu: number, config: MtcpConfig, attachment: ContextAttachment) {
    this.cpu = cpu;
    this.config = config;
    this.network = attachment.network;
    this.driver = Driver.of(attachment.network);
    const { iface } = createHostStack(attachment.network, {
      ...attachment,
      name: attachment.name ?? `ctx${cpu}`,
    });
    this.iface = iface;
    iface.tcp = this;
    this.tcpConfig = {
      ...TCP_DEFAULTS,
      mss: iface.mtu - 40,
      tsoMaxBytes: iface.tsoMaxBytes > 0 ? iface.tsoMaxBytes - 20 : 0,
      rcvBufSize: config.rcvbuf,
      sndBufSize: config.sndbuf,
      minRtoMs: config.tcp_rto_min_ms,
      maxRtoMs: config.tcp_rto_max_ms,
      delayedAckMs: config.tcp_delayed_ack_ms,
      timeWaitMs: config.tcp_timewait * 1000,
      finWait2TimeoutMs: config.tcp_fin_timeout * 1000,
      keepIdleMs: config.tcp_keepalive_time * 1000,
      keepIntvlMs: config.tcp_keepalive_intvl * 1000,
      keepCnt: config.tcp_keepalive_probes,
      userTimeoutMs: config.tcp_user_timeout_ms,
      maxRetries: config.tcp_retries,
      synRetries: config.tcp_syn_retries,
      synAckRetries: config.tcp_synack_retries,
      idleTimeoutMs: config.tcp_timeout > 0 ? config.tcp_timeout * 1000 : 0,
      congestion: config.tcp_congestion,
      sack: config.tcp_sack === 1,
      timestamps: config.tcp_timestamps === 1,
      windowScaling: config.tcp_window_scaling === 1,
      noDelay: config.tcp_nodelay === 1,
    };
    const cap = config.max_concurrency;
    this.#capacity = cap;
    this.#ids = new SocketPool(cap);
    this.#epolls = new Array<Epoll | undefined>(cap).fill(undefined);
    this.#options = new Array<TcpConfig | undefined>(cap).fill(undefined);
    this.#watchers = new Array<number[] | undefined>(cap).fill(undefined);
    this.#listenerPort = new Int32Array(cap).fill(-1);
    this.#backlog = new Int32Array(cap);
    this.#synCount = new Int32Array(cap);
    this.#acceptQueue = new Array<number[] | undefined>(cap).fill(undefined);
    this.#pool = new ConnectionPool(cap);
    this.#demux = new Demux(cap, config.tcp_max_tw_buckets);
    this.#tx = new TransmitPath(iface);
    this.#loop = new EventLoop(cap, attachment.network.clock.now());
    const half = Math.max(1, Math.floor(config.max_num_buffers / 2));
    // Buffers come from the network's arena, like its frame slots: copies
    // between the two are copyWithin and allocate nothing.
    this.#rxPool = new BufferPool(config.rcvbuf, half, attachment.network.arena);
    this.#txPool = new BufferPool(config.sndbuf, half, attachment.network.arena);
    this.#isn = new IsnGenerator(config.seed === 0 ? undefined : config.seed + cpu);
    this.#cookies = new SynCookies(config.seed === 0 ? undefined : config.seed + cpu);
    this.#ports = new EphemeralPorts(config.seed === 0 ? undefined : config.seed + cpu);
    this.#cookieSentAt = new Float64Array(cap).fill(-Infinity);
    this.#embryos = new Array<number[] | undefined>(cap).fill(undefined);
    this.#now = attachment.network.clock.now();
    this.timeEpoch = Math.floor(this.#now);
    attachment.network.add(this);
    iface.up(this.#now);
  }

  /** The clock's time. */
  now(): number {
    return this.network.clock.now();
  }

  /** Sockets (ids) in use. */
  get socketsInUse(): number {
    return this.#ids.inUse;
  }
  /**
   * Connections that are stuck: data waiting to be sent or acknowledged and
   * nothing to send it, no timer armed (no retransmission, no window probe).
   * Nothing a peer does can cause it; an engine fault can. The statistics
   * sample it every second, so a stall that cannot be reproduced at will
   * says so where an operator looks.
   */
  stuckConnections(): number {
    let n = 0;
    for (const sock of this.#pool.conns) {
      if (sock === undefined || !isSynchronized(sock.state) || sock.sendQueued === 0) continue;
      if (sock.pollAt() === Infinity && !sock.wantsToSend) n++;
    }
    return n;
  }

  /** Connections in the pool, orphans and embryos included. */
  get connectionsInUse(): number {
    return this.#pool.inUse;
  }
  /** Buffers out of the pools. */
  get buffersInUse(): number {
    return this.#rxPool.inUse + this.#txPool.inUse;
  }

  // --- Socket ids -------------------------------------------------------------------

  /** The slot of a live id, or -1. */
  slotOf(id: number): number {
    return this.#ids.slotOf(id);
  }

  /** The kind of a live id's socket. */
  kindOf(slot: number): SocketKind {
    return this.#ids.kindOf(slot);
  }

  /** Allocates a socket id of `kind`; -1 when the pool is full. */
  allocSocket(kind: SocketKind): number {
    const id = this.#ids.alloc(kind);
    if (id >= 0 && kind === "epoll") this.#epolls[this.#ids.slotOf(id)] = new Epoll();
    return id;
  }

  // FIFO reuse, as mTCP's free TAILQ; the generation makes old ids invalid.
  // --- Pipes (mTCP's mtcp_pipe) ----------------------------------------------------

  readonly #pipes = new Map<number, Pipe>(); // by either end's slot

  /**
   * A pipe: a read end and a write end of this context, ids of the socket
   * space, with mTCP's 10,240-byte buffer. [read id, write id], or -1 when
   * the socket table is full.
   *
   * @internal
   */
  openPipe(): [number, number] | -1 {
    if (this.#ids.capacity - this.#ids.inUse < 2) return -1;
    const readId = this.allocSocket("pipe");
    const writeId = this.allocSocket("pipe");
    const pipe: Pipe = {
      data: new Uint8Array(PIPE_BUFFER_BYTES),
      start: 0,
      length: 0,
      readSlot: this.slotOf(readId),
      writeSlot: this.slotOf(writeId),
    };
    this.#pipes.set(pipe.readSlot, pipe);
    this.#pipes.set(pipe.writeSlot, pipe);
    return [readId, writeId];
  }

  /**
   * Reads from a pipe's read end: bytes read, 0 at its end (the write end
   * closed and nothing left), or -errno: EAGAIN (empty), EINVAL (the write
   * end).
   *
   * @internal
   */
  pipeRead(slot: number, into: Uint8Array, len: number): number {
    const p = this.#pipes.get(slot);
    if (p === undefined || p.readSlot !== slot) return -EINVAL;
    if (p.length === 0) return p.writeSlot < 0 ? 0 : -EAGAIN;
    const n = Math.min(len, into.length, p.length);
    for (let i = 0; i < n; i++) into[i] = p.data[(p.start + i) % PIPE_BUFFER_BYTES]!;
    p.start = (p.start + n) % PIPE_BUFFER_BYTES;
    p.length -= n;
    if (p.writeSlot >= 0) this.#notify(p.writeSlot, MTCP_EPOLLOUT);
    return n;
  }

  /**
   * Writes to a pipe's write end: bytes taken, or -errno: EPIPE (the read end
   * closed), EAGAIN (full), EINVAL (the read end). Wakes an epoll_wait in
   * progress.
   *
   * @internal
   */
  pipeWrite(slot: number, from: Uint8Array, len: number): number {
    const p = this.#pipes.get(slot);
    if (p === undefined || p.writeSlot !== slot) return -EINVAL;
    if (p.readSlot < 0) return -EPIPE;
    const n = Math.min(len, from.length, PIPE_BUFFER_BYTES - p.length);
    if (n === 0) return -EAGAIN;
    const end = p.start + p.length;
    for (let i = 0; i < n; i++) p.data[(end + i) % PIPE_BUFFER_BYTES] = from[i]!;
    p.length += n;
    this.#notify(p.readSlot, MTCP_EPOLLIN);
    this.driver.kick();
    return n;
  }

  #closePipeEnd(slot: number): void {
    const p = this.#pipes.get(slot);
    if (p === undefined) return;
    this.#pipes.delete(slot);
    if (p.readSlot === slot) {
      p.readSlot = -1;
      if (p.writeSlot >= 0) this.#notify(p.writeSlot, MTCP_EPOLLERR | MTCP_EPOLLOUT);
    } else {
      p.writeSlot = -1;
      if (p.readSlot >= 0) this.#notify(p.readSlot, MTCP_EPOLLIN | MTCP_EPOLLHUP);
    }
  }

  #pipeReadiness(slot: number): number {
    const p = this.#pipes.get(slot);
    if (p === undefined) return 0;
    if (p.readSlot === slot) {
      return (p.length > 0 || p.writeSlot < 0 ? MTCP_EPOLLIN : 0) |
        (p.writeSlot < 0 ? MTCP_EPOLLHUP : 0);
    }
    if (p.readSlot < 0) return MTCP_EPOLLERR | MTCP_EPOLLOUT;
    return p.length < PIPE_BUFFER_BYTES ? MTCP_EPOLLOUT : 0;
  }

  #freeSocket(slot: number): void {
    const watchers = this.#watchers[slot];
    if (watchers !== undefined) {
      for (const ep of watchers) this.#epolls[ep]?.remove(slot);
      this.#watchers[slot] = undefined;
    }
    const epoll = this.#epolls[slot];
    if (epoll !== undefined) {
      for (const watched of epoll.registrations.keys()) this.#unwatch(watched, slot);
      this.#epolls[slot] = undefined;
    }
    this.#options[slot] = undefined;
    this.#ids.free(slot);
  }

  /**
   * The TCP connection behind a stream socket, if it has one.
   *
   * @internal
   */
  connection(slot: number): TcpSocket | undefined {
    const c = this.#ids.conn[slot]!;
    return c < 0 ? undefined : this.#pool.conns[c];
  }

  /**
   * The epoll instance in an epoll slot.
   *
   * @internal
   */
  epoll(slot: number): Epoll | undefined {
    return this.#epolls[slot];
  }

  /** True for a nonblocking socket. */
  isNonblocking(slot: number): boolean {
    return this.#ids.nonblock[slot] === 1;
  }

  /** Marks a socket nonblocking. */
  setNonblocking(slot: number): void {
    this.#ids.nonblock[slot] = 1;
  }

  /** The bound port, or -1. */
  boundPort(slot: number): number {
    return this.#ids.boundPort[slot]!;
  }

  /** Binds a socket's port (0 picks one at listen or connect). */
  setBoundPort(slot: number, port: number): void {
    this.#ids.boundPort[slot] = port;
  }

  /** True when a listener or another bound socket holds `port`. */
  portInUse(port: number, except: number): boolean {
    return this.#demux.listenerOf(port) !== undefined || this.#ids.portBound(port, except);
  }

  /** The pending error of a socket (SO_ERROR), cleared when `clear`. */
  pendingError(slot: number, clear: boolean): number {
    const e = this.#ids.pendingError[slot]!;
    if (clear) this.#ids.pendingError[slot] = 0;
    return e;
  }

  /** True after shutdown(SHUT_WR) or close of the write side. */
  writeShut(slot: number): boolean {
    return this.#ids.shutWrite[slot] === 1;
  }

  /** Records shutdown(SHUT_WR). */
  setWriteShut(slot: number): void {
    this.#ids.shutWrite[slot] = 1;
  }

  // --- Listeners ---------------------------------------------------------------------

  /** Turns a stream socket into a listener on `port` with `backlog`. */
  listen(slot: number, port: number, backlog: number): void {
    this.#ids.kind[slot] = KIND_LISTENER;
    this.#listenerPort[slot] = port;
    this.#ids.boundPort[slot] = port;
    this.#backlog[slot] = backlog;
    this.#synCount[slot] = 0;
    this.#acceptQueue[slot] = [];
    this.#demux.listen(port, slot);
  }

  /** True when a listener already holds `port`. */
  isListening(port: number): boolean {
    return this.#demux.listenerOf(port) !== undefined;
  }

  /** Connections waiting in a listener's accept queue. */
  acceptQueueLength(slot: number): number {
    return this.#acceptQueue[slot]?.length ?? 0;
  }

  /**
   * Takes the first connection of a listener's queue and gives it a socket
   * id: the id, -1 when the queue is empty (EAGAIN), -2 when no id is free
   * (ENFILE; the connection stays queued).
   */
  accept(slot: number): number {
    const queue = this.#acceptQueue[slot];
    if (queue === undefined || queue.length === 0) return -1;
    const id = this.allocSocket("stream");
    if (id < 0) return -2;
    const conn = queue.shift()!;
    const s = this.slotOf(id);
    this.#ids.conn[s] = conn;
    this.#pool.sock[conn] = s;
    this.#pool.listener[conn] = -1;
    const sock = this.#pool.conns[conn]!;
    this.#ids.boundPort[s] = sock.localPort;
    if (sock.state === "CLOSED") this.#ids.pendingError[s] = errnoOf(sock.error);
    // Level-triggered listeners stay readable while the queue is not empty.
    if (queue.length > 0) this.#notify(slot, MTCP_EPOLLIN);
    return id;
  }

  // --- Streams -------------------------------------------------------------------------

  /**
   * Starts an active open from a stream socket: EINPROGRESS semantics. Returns
   * 0, or -1 when no port or connection is free (mtcp_connect's EAGAIN).
   */
  connect(slot: number, remoteAddr: number, remotePort: number): number {
    const conn = this.#allocConn();
    if (conn < 0) return -1;
    let port = this.#ids.boundPort[slot]!;
    if (port <= 0) {
      port = this.#ephemeralPort(remoteAddr, remotePort);
      if (port < 0) {
        this.#pool.release(conn);
        return -1;
      }
      this.#ids.boundPort[slot] = port;
    } else if (this.#demux.pairInUse(remoteAddr, remotePort, port)) {
      this.#pool.release(conn);
      return -1;
    }
    const sock = this.#newSocket(conn, this.#options[slot] ?? this.tcpConfig);
    this.#ids.conn[slot] = conn;
    this.#pool.sock[conn] = slot;
    const now = this.now();
    sock.connect(
      now,
      this.iface.address,
      port,
      remoteAddr,
      remotePort,
      this.#isn.isn(now, this.iface.address, port, remoteAddr, remotePort),
    );
    this.#demux.add(remoteAddr, remotePort, port, conn);
    this.stats.activeOpens++;
    this.markDirty(conn);
    return 0;
  }

  /**
   * The source ports `mtcp_init_rss` chose for connections to
   * `remoteAddr:remotePort` (their replies land on this core's queue).
   *
   * @internal
   */
  setRssPorts(remoteAddr: number, remotePort: number, ports: Uint16Array): void {
    this.#rssPorts.set(remoteAddr * 65536 + remotePort, { ports, next: 0 });
  }

  /**
   * The source ports set by `mtcp_init_rss` for `remoteAddr:remotePort`
   * (empty when none).
   *
   * @internal
   */
  rssPortsFor(remoteAddr: number, remotePort: number): number[] {
    return [...(this.#rssPorts.get(remoteAddr * 65536 + remotePort)?.ports ?? [])];
  }

  // A port from mtcp_init_rss's pool for the destination when there is one,
  // else RFC 6056 §3.3.3 over Linux's ip_local_port_range (32768-60999): not
  // a listener's port, and no flow (TIME-WAIT included) to the same
  // destination.
  #ephemeralPort(remoteAddr: number, remotePort: number): number {
    const pool = this.#rssPorts.get(remoteAddr * 65536 + remotePort);
    if (pool !== undefined) {
      for (let tries = 0; tries < pool.ports.length; tries++) {
        const port = pool.ports[pool.next]!;
        pool.next = (pool.next + 1) % pool.ports.length;
        if (
          !this.#demux.listenerOf(port) !== undefined &&
          !this.#demux.pairInUse(remoteAddr, remotePort, port)
        ) {
          return port;
        }
      }
      return -1;
    }
    return this.#ports.pick(
      this.iface.address,
      remoteAddr,
      remotePort,
      (port) =>
        !this.#demux.listenerOf(port) !== undefined &&
        !this.#demux.pairInUse(remoteAddr, remotePort, port),
    );
  }

  /** Closes a socket id; the connection, if any, finishes on its own. */
  close(slot: number): void {
    const kind = this.#ids.kind[slot];
    if (kind === KIND_LISTENER) {
      const port = this.#listenerPort[slot]!;
      this.#demux.unlisten(port, slot);
      // Embryonic and unaccepted connections of this listener are reset.
      for (let c = 0; c < this.#capacity; c++) {
        if (this.#pool.listener[c] === slot) {
          this.#pool.listener[c] = -1;
          this.#pool.conns[c]?.abort(this.now());
          this.markDirty(c);
        }
      }
      this.#acceptQueue[slot] = undefined;
      this.#listenerPort[slot] = -1;
    } else if (kind === KIND_PIPE) {
      this.#closePipeEnd(slot);
    } else if (kind === KIND_STREAM) {
      const conn = this.#ids.conn[slot]!;
      if (conn >= 0) {
        this.#pool.sock[conn] = -1;
        const sock = this.#pool.conns[conn]!;
        if (sock.state === "CLOSED") {
          this.#loop.queueFree(conn);
        } else {
          sock.close(this.now());
          this.markDirty(conn);
          // close() may have ended it at once (nothing was sent yet).
          if ((sock.state as string) === "CLOSED") this.#loop.queueFree(conn);
        }
      }
    }
    this.#freeSocket(slot);
    this.driver.kick();
  }

  /** Aborts a stream socket's connection with a RST and frees the id. */
  abort(slot: number): void {
    const conn = this.#ids.conn[slot]!;
    if (conn >= 0) {
      this.#pool.sock[conn] = -1;
      const sock = this.#pool.conns[conn]!;
      sock.abort(this.now());
      this.markDirty(conn);
      if (sock.state === "CLOSED" && !sock.wantsToSend) this.#loop.queueFree(conn);
    }
    this.#freeSocket(slot);
    this.driver.kick();
  }

  /** The socket's readiness as epoll bits (see ReadinessSource). */
  readiness(slot: number): number {
    switch (this.#ids.kind[slot]) {
      case KIND_LISTENER:
        return (this.#acceptQueue[slot]?.length ?? 0) > 0 ? MTCP_EPOLLIN : 0;
      case KIND_STREAM: {
        const sock = this.connection(slot);
        let ev = this.#ids.pendingError[slot] !== 0 ? MTCP_EPOLLERR : 0;
        // Linux: a socket never connected is writable and hung up.
        if (sock === undefined) return ev | MTCP_EPOLLOUT | MTCP_EPOLLHUP;
        const state = sock.state;
        if (sock.readable > 0 || sock.readClosed) ev |= MTCP_EPOLLIN;
        if (sock.peerFinReceived || state === "CLOSED") ev |= MTCP_EPOLLRDHUP;
        if (state === "CLOSED") ev |= MTCP_EPOLLHUP | MTCP_EPOLLOUT;
        else if (canSend(state) && !this.#ids.shutWrite[slot] && sock.writable > 0) {
          ev |= MTCP_EPOLLOUT;
        }
        return ev;
      }
      case KIND_PIPE:
        return this.#pipeReadiness(slot);
      default:
        return 0;
    }
  }

  // --- epoll plumbing ------------------------------------------------------------------

  /** Records that epoll `epSlot` watches socket `slot`. */
  watch(slot: number, epSlot: number): void {
    let w = this.#watchers[slot];
    if (w === undefined) this.#watchers[slot] = w = [];
    if (!w.includes(epSlot)) w.push(epSlot);
  }

  /** Forgets that epoll `epSlot` watches socket `slot`. */
  unwatch(slot: number, epSlot: number): void {
    this.#unwatch(slot, epSlot);
  }

  #unwatch(slot: number, epSlot: number): void {
    const w = this.#watchers[slot];
    if (w === undefined) return;
    const i = w.indexOf(epSlot);
    if (i >= 0) w.splice(i, 1);
    if (w.length === 0) this.#watchers[slot] = undefined;
  }

  #notify(slot: number, bits: number): void {
    const w = this.#watchers[slot];
    if (w === undefined) return;
    for (const ep of w) this.#epolls[ep]?.notify(slot, bits);
  }

  // --- Connections ---------------------------------------------------------------------

  #allocConn(): number {
    return this.#pool.alloc(this.#recycle);
  }

  // The pool is full: a connection in TIME-WAIT that no application holds
  // gives way (see ConnectionPool.alloc), counted.
  readonly #recycle = (conn: number): boolean => {
    this.#freeConn(conn);
    this.stats.timeWaitRecycled++;
    return true;
  };

  #newSocket(conn: number, config: TcpConfig): TcpSocket {
    const sock = new TcpSocket(conn, this, config);
    sock.usePools(this.#rxPool, this.#txPool);
    this.#pool.conns[conn] = sock;
    this.#pool.sock[conn] = -1;
    this.#pool.listener[conn] = -1;
    return sock;
  }

  // A connection is gone for good: forget its flow, timers and buffers.
  #freeConn(conn: number): void {
    const sock = this.#pool.conns[conn];
    if (sock === undefined) return;
    this.#demux.remove(sock.remoteAddr, sock.remotePort, sock.localPort, conn);
    this.#loop.cancel(conn);
    this.stats.retiredRetransmits += sock.retransmits;
    sock.release();
    this.#pool.conns[conn] = undefined;
    this.#pool.sock[conn] = -1;
    this.#pool.listener[conn] = -1;
    this.#pool.release(conn);
  }

  /** Queues a connection for dispatch at the next poll. */
  markDirty(conn: number): void {
    this.#loop.markDirty(conn);
  }

  /**
   * The options of one socket (setsockopt): its connection's config, or the
   * config its connection will get (a listener's pass to what it accepts).
   */
  socketOptions(slot: number): TcpConfig {
    const sock = this.connection(slot);
    if (sock !== undefined) return sock.config;
    return this.#options[slot] ?? this.tcpConfig;
  }

  /**
   * The options of one socket, to change (setsockopt): a copy made for it
   * first, so connections created from the same config (the context's
   * defaults, or a listener's options at accept time) do not change with it.
   */
  writableSocketOptions(slot: number): TcpConfig {
    const sock = this.connection(slot);
    if (sock !== undefined) return sock.ownConfig();
    const cfg = { ...(this.#options[slot] ?? this.tcpConfig) };
    this.#options[slot] = cfg;
    return cfg;
  }

  // --- TcpSocketOwner --------------------------------------------------------------------

  /** @internal Events from a connection. */
  socketEvent(sock: TcpSocket, events: number): void {
    const conn = sock.id;
    this.markDirty(conn);
    const listener = this.#pool.listener[conn]!;
    if ((events & TCP_EV_ESTABLISHED) !== 0 && listener >= 0) {
      // The handshake completed: from the SYN queue to the accept queue.
      this.#synCount[listener]!--;
      this.#acceptQueue[listener]!.push(conn);
      this.#notify(listener, MTCP_EPOLLIN);
    }
    if ((events & TCP_EV_CLOSED) !== 0) {
      if (sock.error === "reset") this.stats.resets++;
      if (sock.error === "timeout") this.stats.timeouts++;
      this.#demux.remove(sock.remoteAddr, sock.remotePort, sock.localPort, conn);
      const slot = this.#pool.sock[conn]!;
      if (slot >= 0) {
        if ((events & TCP_EV_ERROR) !== 0) this.#ids.pendingError[slot] = errnoOf(sock.error);
      } else if (listener >= 0) {
        // Never accepted: leave the listener's queues, and go.
        const queue = this.#acceptQueue[listener]!;
        const i = queue.indexOf(conn);
        if (i >= 0) queue.splice(i, 1);
        else this.#synCount[listener]!--;
        this.#pool.listener[conn] = -1;
        this.#loop.queueFree(conn);
      } else {
        this.#loop.queueFree(conn);
      }
    }
    const slot = this.#pool.sock[conn]!;
    if (slot >= 0) this.#notify(slot, events & 0xffff);
  }

  // --- TcpHandler: the demux ---------------------------------------------------------------

  /** @internal A valid segment for our address. */
  segmentArrived(now: number, src: number, _dst: number, seg: TcpRepr, bytes: Uint8Array): boolean {
    this.#now = now;
    const conn = this.#demux.connection(src, seg.srcPort, seg.dstPort);
    if (conn >= 0) {
      const sock = this.#pool.conns[conn]!;
      if (
        sock.state === "TIME-WAIT" && (seg.flags & (TCP_SYN | TCP_ACK | TCP_RST)) === TCP_SYN &&
        this.#canReuseTimeWait(sock, seg)
      ) {
        // RFC 6191: a new incarnation may take over a TIME-WAIT pair.
        this.stats.timeWaitReused++;
        this.#demux.remove(src, seg.srcPort, seg.dstPort);
        sock.onTimer(Infinity); // ends TIME-WAIT now
      } else {
        const dropped = sock.droppedSegments;
        sock.process(now, seg, bytes);
        // A segment the connection would not take is counted as such.
        if (sock.droppedSegments !== dropped) this.iface.dropReceived("tcpUnacceptable");
        if (sock.ackDue) sock.dispatch(now, this.#tx);
        this.markDirty(conn);
        return true;
      }
    } else {
      const tw = this.#demux.timeWaitRecord(src, seg.srcPort, seg.dstPort);
      if (tw >= 0 && this.#timeWaitSegment(now, tw, seg)) return true;
    }
    const listener = this.#demux.listenerOf(seg.dstPort);
    if (listener === undefined) return false;
    return this.#toListener(now, listener, src, seg, bytes);
  }

  // RFC 9293 §3.10.7.2, a segment for a LISTEN socket, with SYN cookies
  // (RFC 4987 §3.6) as Linux's tcp_conn_request and cookie_v4_check. False:
  // answer with a RST.
  #toListener(
    now: number,
    listener: number,
    src: number,
    seg: TcpRepr,
    bytes: Uint8Array,
  ): boolean {
    const flags = seg.flags;
    if ((flags & TCP_RST) !== 0) {
      this.iface.dropReceived("tcpListenIgnored"); // RFC 9293: a RST to a LISTEN socket is ignored
      return true;
    }
    if ((flags & TCP_ACK) !== 0) {
      // An ACK to a LISTEN socket gets a RST, unless it returns a cookie.
      if ((flags & TCP_SYN) !== 0 || !this.#checkingCookies(now, listener)) return false;
      return this.#cookieAck(now, listener, src, seg, bytes);
    }
    if ((flags & TCP_SYN) === 0) {
      this.iface.dropReceived("tcpListenIgnored"); // neither SYN nor ACK: dropped
      return true;
    }
    const queued = this.#acceptQueue[listener]!.length;
    const backlog = this.#backlog[listener]!;
    // A full accept queue drops the SYN, cookies or not (Linux: the
    // application is not keeping up; ListenOverflows).
    if (queued >= backlog) return this.#overflow();
    const mode = this.config.tcp_syncookies;
    const synFull = this.#synCount[listener]! + queued >= backlog;
    if (mode === 2 || (mode === 1 && synFull)) return this.#sendCookie(now, listener, src, seg);
    if (synFull && !this.#evictOldestEmbryo(listener)) return this.#overflow();
    return this.#openEmbryo(now, listener, src, seg);
  }

  // A SYN the listener has no room for: dropped (the peer retries), or
  // refused with a RST (listen_overflow = reset: counted as no socket).
  #overflow(): boolean {
    this.stats.listenOverflows++;
    if (this.config.listen_overflow !== "drop") return false;
    this.iface.dropReceived("tcpListenOverflow");
    return true;
  }

  // No connection is free: an explicit refusal (a RST), never silence.
  #poolFull(now: number, src: number, seg: TcpRepr): boolean {
    this.stats.connectionPoolFull++;
    this.iface.dropReceived("tcpPoolFull");
    this.iface.refuseSegment(now, src, seg);
    return true;
  }

  // A half-open connection for a SYN: a socket in SYN-RECEIVED.
  #openEmbryo(now: number, listener: number, src: number, seg: TcpRepr): boolean {
    const c = this.#allocConn();
    if (c < 0) return this.#poolFull(now, src, seg);
    const sock = this.#newSocket(c, this.#options[listener] ?? this.tcpConfig);
    this.#pool.listener[c] = listener;
    this.#synCount[listener]!++;
    sock.acceptSyn(
      now,
      this.iface.address,
      src,
      seg,
      this.#isn.isn(now, this.iface.address, seg.dstPort, src, seg.srcPort),
    );
    this.#demux.add(src, seg.srcPort, seg.dstPort, c);
    this.stats.passiveOpens++;
    this.markDirty(c);
    const embryos = this.#embryos[listener] ??= [];
    if (embryos.length >= 2 * this.#backlog[listener]! + 16) this.#pruneEmbryos(listener);
    embryos.push(c);
    return true;
  }

  // Drops entries that are no longer half-open connections of `listener`.
  #pruneEmbryos(listener: number): void {
    const embryos = this.#embryos[listener];
    if (embryos === undefined) return;
    let w = 0;
    for (const c of embryos) if (this.#isEmbryoOf(c, listener)) embryos[w++] = c;
    embryos.length = w;
  }

  #isEmbryoOf(c: number, listener: number): boolean {
    return this.#pool.listener[c] === listener && this.#pool.conns[c]?.state === "SYN-RECEIVED" &&
      this.#pool.sock[c] === -1;
  }

  // With cookies off and the SYN queue full, the oldest half-open connection
  // whose SYN-ACK already went unanswered gives way to the new SYN, silently,
  // so a flood of spoofed SYNs cannot pin the listener for the minute its
  // SYN-ACK retries last, while a burst of real clients (whose SYN-ACKs are
  // answered within an RTO) loses no one. False: none to evict.
  #evictOldestEmbryo(listener: number): boolean {
    const embryos = this.#embryos[listener];
    if (embryos === undefined) return false;
    for (let i = 0; i < embryos.length; i++) {
      const c = embryos[i]!;
      if (!this.#isEmbryoOf(c, listener)) continue;
      if (!this.#pool.conns[c]!.dropHalfOpen()) return false; // the oldest is young: all are
      embryos.splice(0, i + 1);
      this.stats.synQueueEvictions++;
      this.markDirty(c);
      return true;
    }
    return false;
  }

  #checkingCookies(now: number, listener: number): boolean {
    const mode = this.config.tcp_syncookies;
    return mode === 2 || (mode === 1 && now - this.#cookieSentAt[listener]! < 120_000);
  }

  // The cookie's minute counter (Linux tcp_cookie_time).
  #cookieMinute(now: number): number {
    return Math.floor((now - this.timeEpoch) / 60_000) >>> 0;
  }

  // A SYN-ACK whose ISN is a cookie, and no state (RFC 4987 §3.6).
  #sendCookie(now: number, listener: number, src: number, syn: TcpRepr): boolean {
    const config = this.#options[listener] ?? this.tcpConfig;
    const local = this.iface.address;
    const data = cookieMssIndex(syn.mss > 0 ? syn.mss : 536);
    const iss = this.#cookies.make(
      src,
      local,
      syn.srcPort,
      syn.dstPort,
      syn.seqNumber,
      data,
      this.#cookieMinute(now),
    );
    // The options the connection keeps ride in the low bits of our TSval.
    const ws = config.windowScaling ? syn.windowScale : -1;
    const sack = config.sack && syn.sackPermitted;
    const tsNow = (Math.floor(now) + tsOffsetFor(iss)) >>> 0;
    const r = this.#cookieOut;
    fillSynAck(r, config, syn, iss, cookieTsVal(tsNow, encodeCookieOptions(ws, sack)));
    this.#cookieSentAt[listener] = now;
    this.stats.syncookiesSent++;
    const slot = this.iface.beginIpv4(now, src, IP_PROTO_TCP, tcpHeaderLen(r), true, 0);
    if (slot === undefined) return true; // no slot: as if lost, the peer retries
    emitTcp(r, slot.bytes, slot.offset, local, src, 0, false);
    this.iface.commitIpv4(now);
    return true;
  }

  // An ACK to a listener that may return a cookie: a valid one makes the
  // connection (from the SYN the cookie remembers), anything else is
  // answered with a RST.
  #cookieAck(now: number, listener: number, src: number, ack: TcpRepr, bytes: Uint8Array): boolean {
    const sseq = (ack.seqNumber - 1) >>> 0;
    const cookie = (ack.ackNumber - 1) >>> 0;
    const local = this.iface.address;
    const data = this.#cookies.check(
      src,
      local,
      ack.srcPort,
      ack.dstPort,
      sseq,
      cookie,
      this.#cookieMinute(now),
    );
    if (data < 0) {
      this.stats.syncookiesFailed++;
      return false;
    }
    if (this.#acceptQueue[listener]!.length >= this.#backlog[listener]!) {
      this.stats.listenOverflows++;
      this.iface.dropReceived("tcpListenOverflow");
      return true; // the peer retransmits its ACK or data; maybe room then
    }
    const c = this.#allocConn();
    if (c < 0) return this.#poolFull(now, src, ack);
    this.stats.syncookiesRecv++;
    const syn = this.#cookieSyn.clearOptions();
    syn.srcPort = ack.srcPort;
    syn.dstPort = ack.dstPort;
    syn.seqNumber = sseq;
    syn.flags = TCP_SYN;
    syn.window = ack.window;
    syn.mss = COOKIE_MSS_TABLE[data]!;
    if (ack.hasTimestamps) {
      // Our TSval echoed: the options the cookie's SYN-ACK agreed to.
      const o = decodeCookieOptions(ack.tsEcr & 0x3f);
      syn.windowScale = o.windowScale;
      syn.sackPermitted = o.sackPermitted;
      syn.hasTimestamps = true;
      syn.tsVal = ack.tsVal;
    }
    const sock = this.#newSocket(c, this.#options[listener] ?? this.tcpConfig);
    this.#pool.listener[c] = listener;
    this.#synCount[listener]!++;
    this.#demux.add(src, ack.srcPort, ack.dstPort, c);
    this.stats.passiveOpens++;
    sock.acceptCookie(now, local, src, syn, cookie);
    // The ACK itself (and any data on it) completes the handshake.
    sock.process(now, ack, bytes);
    if (sock.ackDue) sock.dispatch(now, this.#tx);
    this.markDirty(c);
    return true;
  }

  // A segment for a TIME-WAIT record (see TimeWaitTable.process). False when
  // the record gave way to a SYN that the listener is to see.
  #timeWaitSegment(now: number, tw: number, seg: TcpRepr): boolean {
    const table = this.#demux.timeWait!;
    const remote = table.remoteAddr(tw);
    const verdict = table.process(tw, seg, now);
    if (verdict === TW_ACK) {
      table.fillAck(tw, this.#twAck, now);
      this.#tx.sendBare(now, remote, this.#twAck);
      return true;
    }
    if (verdict === TW_GONE && (seg.flags & TCP_SYN) !== 0) {
      this.stats.timeWaitReused++;
      return false;
    }
    return true;
  }

  // An orphan in TIME-WAIT with nothing left to send becomes a record and
  // its socket goes (see TimeWaitTable).
  #toTimeWaitRecord(now: number, conn: number, sock: TcpSocket): void {
    const s = this.#twState;
    s.remoteAddr = sock.remoteAddr;
    s.remotePort = sock.remotePort;
    s.localPort = sock.localPort;
    sock.timeWaitRecord(s);
    const left = Math.max(0, sock.timeWaitEndsAt - now);
    if (this.#demux.timeWait!.add(s, now, left)) this.stats.timeWaitOverflows++;
    this.#freeConn(conn);
  }

  // RFC 6191 §2: with timestamps, the SYN's TSval must be newer; without, its
  // sequence number must be beyond the old connection's.
  #canReuseTimeWait(sock: TcpSocket, seg: TcpRepr): boolean {
    if (sock.tsEnabled && seg.hasTimestamps) return true;
    return seqGt(seg.seqNumber, sock.rcvNxt);
  }

  // --- The loop ----------------------------------------------------------------------------

  #lastYield = 0;

  /**
   * True when the application's loop has not let the event loop run for
   * {@linkcode YIELD_EVERY_MS} of real time (and marks it as done): see
   * `mtcp_epoll_wait`.
   *
   * @internal
   */
  yieldDue(): boolean {
    const t = performance.now();
    if (t - this.#lastYield < YIELD_EVERY_MS) return false;
    this.#lastYield = t;
    return true;
  }

  /** One round: receive, timers, send, flush. True if anything happened. */
  poll(now: number): boolean {
    if (this.destroyed) return false;
    this.#now = now;
    let did = this.iface.poll(now);
    if (this.#demux.timeWaitRecords > 0) this.#demux.timeWait!.expire(now);
    if (this.#loop.round(now, this.#loopHost)) did = true;
    this.iface.device.flush(now);
    return did;
  }

  // A dirty connection: send what it has, then its timer; an orphan that
  // has only TIME-WAIT left becomes a record, one that reached CLOSED goes.
  #service(conn: number, now: number): void {
    const sock = this.#pool.conns[conn];
    if (sock === undefined) return;
    for (let n = 0; n < 256 && sock.dispatch(now, this.#tx); n++);
    const orphan = this.#pool.sock[conn] === -1 && this.#pool.listener[conn] === -1;
    if (
      orphan && sock.state === "TIME-WAIT" && this.#demux.timeWait !== undefined &&
      !sock.wantsToSend && sock.timeWaitEndsAt > now
    ) {
      this.#toTimeWaitRecord(now, conn, sock);
      return;
    }
    this.#loop.schedule(conn, sock.pollAt());
    if (orphan && sock.state === "CLOSED") this.#loop.queueFree(conn);
  }

  /** When the context next has work. */
  pollAt(now: number): number {
    if (this.destroyed) return Infinity;
    if (this.#loop.busy) return now;
    const tw = this.#demux.timeWaitRecords > 0 ? this.#demux.timeWait!.nextExpiry() : Infinity;
    return Math.min(this.iface.pollAt(now), this.#loop.nextDue(), tw);
  }

  /** Stops the context: it leaves the network; connections are dropped without a word. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.network.remove(this);
    this.iface.device.close();
    // Wake the driver: a wait on this context must end now, even on a
    // virtual clock with nothing else to do.
    this.driver.kick();
  }

  /**
   * Every connection in the pool, orphans and embryos included (for stats and tools).
   *
   * @internal
   */
  *connections(): IterableIterator<TcpSocket> {
    for (const sock of this.#pool.conns) if (sock !== undefined) yield sock;
  }

  /**
   * Connections in TIME-WAIT that the application had closed, kept as
   * compact records (see TimeWaitTable) and not in
   * {@linkcode MtcpContext.connections}: how many there are now.
   */
  get timeWaitRecords(): number {
    return this.#demux.timeWaitRecords;
  }

  /**
   * Every TIME-WAIT record, oldest first (for stats and tools).
   *
   * @internal
   */
  *timeWaits(): IterableIterator<
    { remoteAddr: number; remotePort: number; localPort: number; expiresAt: number }
  > {
    const tw = this.#demux.timeWait;
    if (tw !== undefined) yield* tw.records();
  }

  /** A connection's state by socket id, for tests and tools. */
  stateOf(slot: number): string | undefined {
    return this.connection(slot)?.state;
  }

  /** True when the socket's connection is past the handshake. */
  isConnected(slot: number): boolean {
    const s = this.connection(slot);
    return s !== undefined && isSynchronized(s.state);
  }
}

// The engine contracts the context satisfies, checked here at compile time
// rather than named in its public type (see the class's opening comment).
function _contracts(c: MtcpContext): [TcpSocketOwner, TcpHandler, ReadinessSource] {
  return [c, c, c];
}
