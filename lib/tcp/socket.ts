/**
 * One TCP connection (RFC 9293), sans-I/O in smoltcp's shape: `process(now,
 * segment)` takes an arriving segment, `dispatch(now, tx)` emits what should
 * be sent, `pollAt()` says when a timer is next due and `onTimer(now)` runs
 * it. The socket never reads a clock, never touches a device and allocates
 * nothing per segment.
 *
 * What it does beyond RFC 9293's core: options MSS, window scale and
 * timestamps with PAWS (RFC 7323), SACK sent and used (RFC 2018) with loss
 * recovery by RFC 6675 (NewReno, RFC 6582, when the peer has no SACK), the
 * RFC 6298 timer, RFC 6928 initial window, pluggable congestion control,
 * delayed ACK, Nagle, receiver and sender silly-window avoidance (RFC 1122
 * §4.2.3.3/4), zero-window probes, keepalive, a user timeout, TIME-WAIT of a
 * configurable length, and RFC 5961's challenge ACKs.
 *
 * @module
 */

import { Assembler, NO_REPORTED } from "../storage/assembler.ts";
import type { BufferPool } from "../storage/buffer_pool.ts";
import { RingBuffer } from "../storage/ring_buffer.ts";
import { seqAdd, seqGe, seqGt, seqLe, seqLt, seqMax, seqSub } from "../wire/seq_number.ts";
import {
  TCP_ACK,
  TCP_FIN,
  TCP_MAX_HEADER_LEN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  TcpRepr,
} from "../wire/tcp.ts";
import {
  type CongestionAlgorithm,
  type CongestionController,
  createController,
} from "./congestion/mod.ts";
import { RttEstimator } from "./rtt_estimator.ts";
import { decodeTime, storedAfter, storedMs, T_INF, T_NEG_INF, T_NONE } from "./stored_time.ts";
import type { TimeWaitState } from "./time_wait.ts";
import { DUP_THRESH, type LossRecovery, NEWRENO_RECOVERY, SACK_RECOVERY } from "./loss_recovery.ts";
import { SackScoreboard } from "./sack_scoreboard.ts";
import { isSynchronized, type TcpState } from "./state.ts";

/**
 * Tunables of a connection. Times are milliseconds.
 *
 * @example The defaults a context gives new sockets
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryNetwork, type TcpConfig, mtcp_create_context, mtcp_destroy, mtcp_init } from "../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const config: TcpConfig = ctx.tcpConfig;
 * assert.equal(config.minRtoMs, 200);
 * assert.equal(config.delayedAckMs, 40);
 * assert.equal(config.congestion, "cubic");
 * mtcp_destroy();
 * ```
 */
export interface TcpConfig {
  /** MSS we advertise (MTU minus 40). */
  mss: number;
  /**
   * Largest TCP segment (header and payload) the device cuts up itself (TSO),
   * or 0: new data then goes out in multiples of the MSS up to this size.
   */
  tsoMaxBytes: number;
  /** Receive buffer size (SO_RCVBUF). */
  rcvBufSize: number;
  /** Send buffer size (SO_SNDBUF). */
  sndBufSize: number;
  /** RTO floor (Linux: 200). */
  minRtoMs: number;
  /** RTO ceiling (Linux: 120 000). */
  maxRtoMs: number;
  /** RTO before the first sample (RFC 6298: 1000). */
  initialRtoMs: number;
  /** Delayed-ACK timer; 0 acknowledges every segment at once. */
  delayedAckMs: number;
  /** TIME-WAIT length; 0 closes at once (mTCP's default). */
  timeWaitMs: number;
  /** How long an orphaned FIN-WAIT-2 waits for the peer's FIN (Linux tcp_fin_timeout). */
  finWait2TimeoutMs: number;
  /** SO_KEEPALIVE. */
  keepalive: boolean;
  /** TCP_KEEPIDLE. */
  keepIdleMs: number;
  /** TCP_KEEPINTVL. */
  keepIntvlMs: number;
  /** TCP_KEEPCNT. */
  keepCnt: number;
  /** TCP_USER_TIMEOUT: unacknowledged data older than this aborts; 0 uses `maxRetries`. */
  userTimeoutMs: number;
  /** Retransmissions of data before giving up (Linux tcp_retries2). */
  maxRetries: number;
  /** Retransmissions of a SYN before giving up (Linux tcp_syn_retries). */
  synRetries: number;
  /**
   * Retransmissions of a SYN-ACK before a half-open connection is given up
   * (Linux tcp_synack_retries): 1+2+4+8+16+32 s with the default 5.
   */
  synAckRetries: number;
  /** mTCP's tcp_timeout: no segment for this long aborts; 0 disables. */
  idleTimeoutMs: number;
  /** TCP_CONGESTION. */
  congestion: CongestionAlgorithm;
  /** Offer and use SACK. */
  sack: boolean;
  /** Offer and use timestamps. */
  timestamps: boolean;
  /** Offer and use window scaling. */
  windowScaling: boolean;
  /** TCP_NODELAY: no Nagle. */
  noDelay: boolean;
  /** RFC 5961 §7: challenge ACKs one connection may send per second. */
  challengeAcksPerSecond: number;
  /** Out-of-order ranges held at once. */
  maxOooRanges: number;
}

// What an idle socket's assemblers are until a range arrives: one shared,
// always empty (no range ever fits in it, so it never changes). An assembler
// object is 64 bytes, and most connections never need one.
const NO_ASSEMBLER = new Assembler(0);

/** Defaults, after Linux where mTCP and the RFCs leave room. */
export const TCP_DEFAULTS: Readonly<TcpConfig> = {
  mss: 1460,
  tsoMaxBytes: 0,
  rcvBufSize: 65536,
  sndBufSize: 65536,
  minRtoMs: 200,
  maxRtoMs: 120_000,
  initialRtoMs: 1000,
  delayedAckMs: 40,
  timeWaitMs: 60_000,
  finWait2TimeoutMs: 60_000,
  keepalive: false,
  keepIdleMs: 7_200_000,
  keepIntvlMs: 75_000,
  keepCnt: 9,
  userTimeoutMs: 0,
  maxRetries: 15,
  synRetries: 6,
  synAckRetries: 5,
  idleTimeoutMs: 0,
  congestion: "cubic",
  sack: true,
  timestamps: true,
  windowScaling: true,
  noDelay: false,
  challengeAcksPerSecond: 10,
  maxOooRanges: 8,
};

/**
 * Why a connection ended, for SO_ERROR and read/write results.
 *
 * @example A connection reset by its peer
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, INADDR_ANY, MTCP_EPOLLIN, MTCP_EPOLLOUT, MTCP_EPOLL_CTL_ADD, MTCP_EPOLL_CTL_MOD, MemoryNetwork, SOCK_STREAM, type TcpError, mtcp_abort, mtcp_accept, mtcp_bind, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_init, mtcp_listen, mtcp_setsock_nonblock, mtcp_socket, parseIpv4Address } from "../mod.ts";
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
 * const sock = a.connection(a.slotOf(fd))!;
 * mtcp_epoll_ctl(a, ep, MTCP_EPOLL_CTL_MOD, fd, { events: MTCP_EPOLLIN, data: fd });
 * mtcp_abort(b, s);
 * await mtcp_epoll_wait(a, ep, [], 4, 1000);
 * const error: TcpError = sock.error;
 * assert.equal(error, "reset");
 * mtcp_destroy();
 * ```
 */
export type TcpError = "none" | "reset" | "refused" | "timeout";

/** Event bits a socket reports to its owner (the low bits are epoll's). */
export const TCP_EV_READABLE = 0x001;
/** Send space available or the connection is established. */
export const TCP_EV_WRITABLE = 0x004;
/** An error is pending. */
export const TCP_EV_ERROR = 0x008;
/** Both directions are shut. */
export const TCP_EV_HUP = 0x010;
/** The peer closed its side. */
export const TCP_EV_RDHUP = 0x2000;
/** A passively opened connection completed its handshake. */
export const TCP_EV_ESTABLISHED = 0x10000;
/** The connection reached CLOSED and holds nothing more. */
export const TCP_EV_CLOSED = 0x20000;

/**
 * Who hears about a socket's events and sends its segments.
 *
 * @example A context owns its sockets: it hears their events
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryNetwork, type TcpSocketOwner, mtcp_create_context, mtcp_destroy, mtcp_init } from "../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const owner: TcpSocketOwner = ctx;
 * assert.equal(typeof owner.socketEvent, "function");
 * mtcp_destroy();
 * ```
 */
export interface TcpSocketOwner {
  /** Something happened (`TCP_EV_*` bits). */
  socketEvent(socket: TcpSocket, events: number): void;
  /**
   * A time near the owner's first: sockets keep their times as whole
   * milliseconds from it, small integers for 24.8 days (default 0).
   */
  readonly timeEpoch?: number;
}

/**
 * Sends segments built by {@linkcode TcpSocket.dispatch}.
 *
 * @example A context's transmit path sends its sockets' segments through its interface
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryNetwork, type TcpTransmit, TransmitPath, mtcp_create_context, mtcp_destroy, mtcp_init } from "../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const transmit: TcpTransmit = new TransmitPath(ctx.iface);
 * assert.equal(typeof transmit.send, "function");
 * mtcp_destroy();
 * ```
 */
export interface TcpTransmit {
  /**
   * Sends one segment at `now`: header `repr`, then `payloadLength` bytes
   * taken from the socket's send buffer `payloadOffset` bytes past SND.UNA
   * (use {@linkcode TcpSocket.copyPayload}). False when there is no room to send.
   */
  send(
    now: number,
    socket: TcpSocket,
    repr: TcpRepr,
    payloadOffset: number,
    payloadLength: number,
  ): boolean;
}

/**
 * Counters of one connection.
 *
 * @example Segments and bytes of one connection
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, INADDR_ANY, MTCP_EPOLLOUT, MTCP_EPOLL_CTL_ADD, MemoryNetwork, SOCK_STREAM, type TcpSocketStats, mtcp_accept, mtcp_bind, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_init, mtcp_listen, mtcp_setsock_nonblock, mtcp_socket, mtcp_write, parseIpv4Address } from "../mod.ts";
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
 * mtcp_write(a, fd, new Uint8Array(1000), 1000);
 * network.runFor(100);
 * const stats: TcpSocketStats = a.connection(a.slotOf(fd))!.stats;
 * assert.equal(stats.bytesOut, 1000);
 * assert.equal(stats.retransmits, 0);
 * mtcp_destroy();
 * ```
 */
export interface TcpSocketStats {
  /** Segments sent. */
  segmentsOut: number;
  /** Segments received. */
  segmentsIn: number;
  /** Data bytes sent, retransmissions included. */
  bytesOut: number;
  /** Data bytes received in order. */
  bytesIn: number;
  /** Segments retransmitted. */
  retransmits: number;
  /** Retransmission timeouts. */
  timeouts: number;
  /** Fast retransmits (entries into loss recovery). */
  fastRetransmits: number;
  /** Segments dropped as unacceptable. */
  dropped: number;
  /** Challenge ACKs sent (RFC 5961). */
  challengeAcks: number;
  /** Resets for data that came after the application closed (Linux TCPAbortOnData). */
  abortsOnData: number;
}

type RareCounters = Pick<
  TcpSocketStats,
  "retransmits" | "timeouts" | "fastRetransmits" | "dropped" | "challengeAcks" | "abortsOnData"
>;
function zeroRareCounters(): RareCounters {
  return {
    retransmits: 0,
    timeouts: 0,
    fastRetransmits: 0,
    dropped: 0,
    challengeAcks: 0,
    abortsOnData: 0,
  };
}
// Every socket's rare counters until it counts one: never written to.
const NO_RARE_COUNTERS: Readonly<RareCounters> = Object.freeze(zeroRareCounters());

// RFC 2018: the most SACK blocks that fit beside timestamps, and without.
const SACK_BLOCKS_WITH_TS = 3;
const SACK_BLOCKS_NO_TS = 4;

// The segment being built, shared by every socket: a socket fills it and
// hands it to its transmit in one synchronous step and never reads it again,
// so an idle connection need not carry one (about 370 bytes).
const SEGMENT_OUT = new TcpRepr();
// How long a segment the transmitter refused waits before it is tried again.
const TX_RETRY_MS = 10;

/**
 * A TCP connection endpoint.
 *
 * @example The TCP connection behind a socket id, open to inspection
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, INADDR_ANY, MTCP_EPOLLOUT, MTCP_EPOLL_CTL_ADD, MemoryNetwork, SOCK_STREAM, TcpSocket, mtcp_accept, mtcp_bind, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_init, mtcp_listen, mtcp_setsock_nonblock, mtcp_socket, parseIpv4Address } from "../mod.ts";
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
 * const sock: TcpSocket = a.connection(a.slotOf(fd))!;
 * assert.equal(sock.state, "ESTABLISHED");
 * assert.equal(sock.remotePort, 80);
 * assert.ok(sock.sackEnabled && sock.tsEnabled);
 * mtcp_destroy();
 * ```
 */
export class TcpSocket {
  /** The owner's id for this socket (the socket pool's index). */
  id: number = 0;
  /**
   * Tunables in force: the object the socket was created with (shared with
   * its context or listener, so an idle connection does not carry a copy)
   * until {@linkcode ownConfig} makes it this socket's own.
   */
  config: TcpConfig;
  // Counters: the four every segment moves are fields; the rare ones live in
  // an object made at the first (a socket that never retransmits, times out
  // or drops carries none of them). `stats` assembles a copy.
  #segmentsOut = 0;
  #segmentsIn = 0;
  #bytesOut = 0;
  #bytesIn = 0;
  #rare: RareCounters = NO_RARE_COUNTERS;
  /** Counters, as a fresh copy (read them where no segment is being handled). */
  get stats(): TcpSocketStats {
    const r = this.#rare;
    return {
      segmentsOut: this.#segmentsOut,
      segmentsIn: this.#segmentsIn,
      bytesOut: this.#bytesOut,
      bytesIn: this.#bytesIn,
      retransmits: r.retransmits,
      timeouts: r.timeouts,
      fastRetransmits: r.fastRetransmits,
      dropped: r.dropped,
      challengeAcks: r.challengeAcks,
      abortsOnData: r.abortsOnData,
    };
  }
  /** Segments retransmitted so far (no copy made). */
  get retransmits(): number {
    return this.#rare.retransmits;
  }
  /** Segments dropped as unacceptable so far (no copy made). */
  get droppedSegments(): number {
    return this.#rare.dropped;
  }
  // The rare counters, made at the first use.
  #rareCounters(): RareCounters {
    if (this.#rare === NO_RARE_COUNTERS) this.#rare = zeroRareCounters();
    return this.#rare;
  }
  /** Current state. */
  state: TcpState = "CLOSED";
  /** Why the connection failed, if it did. */
  error: TcpError = "none";
  // Addresses are kept as int32: one from 128.0.0.0 up is past a small
  // integer, and stored as a plain number it made the field a heap number in
  // every socket (32 bytes an endpoint on 192.168.0.0/16, heap snapshots).
  #localAddr32 = 0;
  #remoteAddr32 = 0;
  /** Local address (host order). */
  get localAddr(): number {
    return this.#localAddr32 >>> 0;
  }
  set localAddr(v: number) {
    this.#localAddr32 = v | 0;
  }
  /** Local port. */
  localPort = 0;
  /** Remote address (host order). */
  get remoteAddr(): number {
    return this.#remoteAddr32 >>> 0;
  }
  set remoteAddr(v: number) {
    this.#remoteAddr32 = v | 0;
  }
  /** Remote port. */
  remotePort = 0;
  /** Trace hook: every state change. */
  onStateChange: ((socket: TcpSocket, from: TcpState, to: TcpState) => void) | undefined;

  // Send sequence space (RFC 9293 §3.3.1).
  /** Peer's window, scaled. */
  sndWnd = 0;
  #maxSndWnd = 0;
  // Receive sequence space.
  /** Shift we apply to our advertised window (RFC 7323). */
  rcvScale = 0;
  /** Shift the peer applies to its window. */
  sndScale = 0;
  /** Effective send MSS. */
  mss: number = 0;
  /** Timestamps negotiated. */
  tsEnabled = false;
  /** SACK negotiated. */
  sackEnabled = false;

  // Buffers: taken from the pools only while they hold data.
  #rxPool: BufferPool | undefined = undefined;
  #txPool: BufferPool | undefined = undefined;
  #rx: RingBuffer | undefined;
  #tx: RingBuffer | undefined;
  #ooo: Assembler = NO_ASSEMBLER; // made at the first out-of-order segment
  #pendingFin = -1; // sequence number of a FIN that arrived before a gap filled, or -1

  // Application-side flags.
  #finQueued = false; // close() or shutdown(SHUT_WR): FIN after the data
  #finSent = false; // the FIN went out in the current pass (go-back-N re-arms it)
  #finSeq32 = 0; // sequence number of our FIN once first sent (finSeqKnown), as int32; fixed from then on
  /** True once a FIN from the peer was received (reads return 0 after the data). */
  peerFinReceived = false;

  // Sending decisions.
  #ackPending = false;
  #ackNow = false;
  #rstPending = false;
  #rstSeq = 0;
  #rstAck = 0;
  #rstFlags = 0;
  #unackedSegments = 0; // full-sized segments received since our last ACK
  #windowUpdate = false;

  // Loss recovery.
  /** The RTT estimator. */
  readonly rtt: RttEstimator;
  /** The congestion controller. */
  cc: CongestionController;
  #dupAcks = 0;
  #inRecovery = false;
  #rtxSeq = -1; // NewReno: a segment to retransmit before anything else
  #retries = 0;
  #timedSeq = 0; // Karn: the segment being timed (its end), as int32, while timedAt is set
  // The sender's scoreboard: SACKed ranges as byte offsets from SND.UNA
  // (an Assembler, shifted as SND.UNA advances), made at the first SACK block.
  #scoreboard: SackScoreboard = SackScoreboard.EMPTY; // made at the first SACK block

  // Timers (absolute ms; Infinity when off).
  #persistBackoff = 0;
  #keepaliveProbes = 0;
  #challengeCount = 0;

  readonly #owner: TcpSocketOwner;

  // Booleans the paths every segment takes do not read share one integer of
  // flags (8 bytes for all, against 8 each as fields); the accessors are
  // ordinary ones, which V8 inlines (#private accessors it did not).
  #flags = 0;
  /** True for a connection made by a listener (RFC 9293: passive OPEN). */
  get passive(): boolean {
    return (this.#flags & 0x1) !== 0;
  }
  set passive(v: boolean) {
    this.#flags = v ? this.#flags | 0x1 : this.#flags & ~0x1;
  }
  /** True once the application closed its handle: the socket finishes on its own. */
  get orphaned(): boolean {
    return (this.#flags & 0x2) !== 0;
  }
  set orphaned(v: boolean) {
    this.#flags = v ? this.#flags | 0x2 : this.#flags & ~0x2;
  }
  /** True once setsockopt made the config this socket's own (see ownConfig). */
  private get configOwned(): boolean {
    return (this.#flags & 0x4) !== 0;
  }
  private set configOwned(v: boolean) {
    this.#flags = v ? this.#flags | 0x4 : this.#flags & ~0x4;
  }
  /** Close once the pending RST is sent. */
  private get closeAfterRst(): boolean {
    return (this.#flags & 0x8) !== 0;
  }
  private set closeAfterRst(v: boolean) {
    this.#flags = v ? this.#flags | 0x8 : this.#flags & ~0x8;
  }
  /** shutdown(SHUT_RD): reads return end of stream. */
  private get readShut(): boolean {
    return (this.#flags & 0x10) !== 0;
  }
  private set readShut(v: boolean) {
    this.#flags = v ? this.#flags | 0x10 : this.#flags & ~0x10;
  }
  /** Window scaling was agreed in the handshake. */
  private get wsAgreed(): boolean {
    return (this.#flags & 0x20) !== 0;
  }
  private set wsAgreed(v: boolean) {
    this.#flags = v ? this.#flags | 0x20 : this.#flags & ~0x20;
  }
  /** The last dispatch could not send (no slot): wait for the retry. */
  private get blocked(): boolean {
    return (this.#flags & 0x40) !== 0;
  }
  private set blocked(v: boolean) {
    this.#flags = v ? this.#flags | 0x40 : this.#flags & ~0x40;
  }
  /** A zero-window probe is due. */
  private get probePending(): boolean {
    return (this.#flags & 0x80) !== 0;
  }
  private set probePending(v: boolean) {
    this.#flags = v ? this.#flags | 0x80 : this.#flags & ~0x80;
  }
  /** A SYN (or SYN-ACK) is due. */
  private get synPending(): boolean {
    return (this.#flags & 0x100) !== 0;
  }
  private set synPending(v: boolean) {
    this.#flags = v ? this.#flags | 0x100 : this.#flags & ~0x100;
  }
  /**
   * Linux's pingpong (interactive) mode: the application answers within the
   * delayed-ACK time of the data it received, so ACKs wait to ride on the
   * replies (inet_csk_enter_pingpong_mode, from tcp_event_data_sent).
   */
  get pingpong(): boolean {
    return (this.#flags & 0x200) !== 0;
  }
  private set pingpong(v: boolean) {
    this.#flags = v ? this.#flags | 0x200 : this.#flags & ~0x200;
  }
  /** The first data segment has been received (Linux: icsk_ack.ato set). */
  private get dataSeen(): boolean {
    return (this.#flags & 0x400) !== 0;
  }
  private set dataSeen(v: boolean) {
    this.#flags = v ? this.#flags | 0x400 : this.#flags & ~0x400;
  }
  /**
   * Our FIN has gone out once and `#finSeq32` holds its sequence number (a
   * flag, not a -1 in the field: a sequence number past 2^31 stored as a
   * plain number turned the field into a heap number in every socket).
   */
  private get finSeqKnown(): boolean {
    return (this.#flags & 0x800) !== 0;
  }
  private set finSeqKnown(v: boolean) {
    this.#flags = v ? this.#flags | 0x800 : this.#flags & ~0x800;
  }
  /** Quick ACKs left (Linux's icsk_ack.quick, at most 16), bits 12 to 16. */
  private get quickAcks(): number {
    return (this.#flags >>> 12) & 0x1f;
  }
  private set quickAcks(n: number) {
    this.#flags = (this.#flags & ~0x1f000) | (n << 12);
  }

  // Times (ms) are stored as whole milliseconds from the owner's time epoch,
  // rounded up, with Infinity, -Infinity and -1 as reserved small integers: a
  // field holding a fraction or Infinity needs a heap number of its own, a small
  // integer does not (for 24.8 days from the epoch; later times are plain
  // numbers, still exact to the millisecond). Times are written in the stored
  // form (from nowMs) and the paths every segment takes compare it directly:
  // a setter or getter that is not inlined there would box the time it
  // passes (tests/hot_path_alloc_test.ts caught it). Getters give the time
  // view to the colder paths (timers firing, the user timeout).
  /**
   * `now` as a stored time: whole ms from the owner's epoch, rounded up. It
   * takes `now` as given and returns a small integer, so no new number is
   * made even where the call is not inlined.
   */
  private nowMs(now: number): number {
    return Math.ceil(now - (this.#owner.timeEpoch ?? 0));
  }
  /** A stored time (see stored_time.ts) on this socket's clock. */
  private decodeStored(stored: number): number {
    return decodeTime(stored, this.#owner.timeEpoch ?? 0);
  }
  #firstUnackedAtMs = T_NONE;
  #timedAtMs = T_NONE; // when the timed segment went out; T_NONE: nothing is timed
  #rtoAtMs = T_INF;
  #delayedAckAtMs = T_INF;
  #lastDataInMs = 0; // when data last arrived (Linux's icsk_ack.lrcvtime)
  #persistAtMs = T_INF;
  #keepaliveAtMs = T_INF;
  #keepaliveProbeAtMs = 0;
  #timeWaitAtMs = T_INF;
  #retryAtMs = T_INF; // a segment could not be sent (no slot, ARP queue full): try again then
  #finWait2AtMs = T_INF;
  #idleAtMs = T_INF;
  #lastSegmentAtMs = 0;
  #challengeWindowStartMs = T_NEG_INF;
  /** When the oldest unacknowledged data was first sent, or -1 (the user timeout). */
  private get firstUnackedAt(): number {
    return this.decodeStored(this.#firstUnackedAtMs);
  }
  /** The retransmission timer (RFC 6298), or Infinity. */
  private get rtoAt(): number {
    return this.decodeStored(this.#rtoAtMs);
  }
  /** The delayed-ACK timer, or Infinity. */
  private get delayedAckAt(): number {
    return this.decodeStored(this.#delayedAckAtMs);
  }
  /** The persist timer (zero-window probes), or Infinity. */
  private get persistAt(): number {
    return this.decodeStored(this.#persistAtMs);
  }
  /** The keepalive timer, or Infinity. */
  private get keepaliveAt(): number {
    return this.decodeStored(this.#keepaliveAtMs);
  }
  /** When the last keepalive probe went out. */
  private get keepaliveProbeAt(): number {
    return this.decodeStored(this.#keepaliveProbeAtMs);
  }
  /** The end of TIME-WAIT, or Infinity. */
  private get timeWaitAt(): number {
    return this.decodeStored(this.#timeWaitAtMs);
  }
  /** When to try again a segment that could not be sent (no slot, ARP queue full), or Infinity. */
  private get retryAt(): number {
    return this.decodeStored(this.#retryAtMs);
  }
  /** The FIN-WAIT-2 timeout of an orphaned socket, or Infinity. */
  private get finWait2At(): number {
    return this.decodeStored(this.#finWait2AtMs);
  }
  /** The idle timeout (tcp_timeout), or Infinity. */
  private get idleAt(): number {
    return this.decodeStored(this.#idleAtMs);
  }
  /** When the last segment arrived. */
  private get lastSegmentAt(): number {
    return this.decodeStored(this.#lastSegmentAtMs);
  }
  /** The start of the current second of challenge ACKs (RFC 5961 §7). */
  private get challengeWindowStart(): number {
    return this.decodeStored(this.#challengeWindowStartMs);
  }

  // Sequence numbers are stored as int32 (the same value modulo 2^32): a field
  // holding a uint32 past 2^31 needs a heap number of its own (16 bytes per
  // field and socket), a small integer does not. The accessors keep the
  // uint32 view everywhere else. The internal ones are TypeScript-private,
  // not #private: V8 inlines ordinary accessors on the hot path, and did not
  // inline #private ones (8 % fewer transactions per second when it was tried).
  #iss32 = 0;
  #sndUna32 = 0;
  #sndNxt32 = 0;
  #sndMax32 = 0;
  #irs32 = 0;
  #rcvNxt32 = 0;
  #sndWl132 = 0;
  #sndWl232 = 0;
  #rcvRight32 = 0; // right edge last advertised
  #tsRecent32 = 0;
  #tsOffset32 = 0;
  #lastAckSent32 = 0;
  #recover32 = 0; // RFC 6582 "recover": SND.MAX when loss was detected
  #highRxt32 = 0; // RFC 6675 HighRxt
  #txSeq32 = 0; // the segment being built (see #sendSegment)
  /** Initial send sequence number. */
  get iss(): number {
    return this.#iss32 >>> 0;
  }
  set iss(v: number) {
    this.#iss32 = v | 0;
  }
  /** Oldest unacknowledged sequence number. */
  get sndUna(): number {
    return this.#sndUna32 >>> 0;
  }
  set sndUna(v: number) {
    this.#sndUna32 = v | 0;
  }
  /** Next sequence number to send. */
  get sndNxt(): number {
    return this.#sndNxt32 >>> 0;
  }
  set sndNxt(v: number) {
    this.#sndNxt32 = v | 0;
  }
  /** Highest sequence number sent plus one. */
  get sndMax(): number {
    return this.#sndMax32 >>> 0;
  }
  set sndMax(v: number) {
    this.#sndMax32 = v | 0;
  }
  /** Initial receive sequence number. */
  get irs(): number {
    return this.#irs32 >>> 0;
  }
  set irs(v: number) {
    this.#irs32 = v | 0;
  }
  /** Next sequence number expected. */
  get rcvNxt(): number {
    return this.#rcvNxt32 >>> 0;
  }
  set rcvNxt(v: number) {
    this.#rcvNxt32 = v | 0;
  }
  /** SND.WL1: the sequence number of the segment that last updated the window. */
  private get sndWl1(): number {
    return this.#sndWl132 >>> 0;
  }
  private set sndWl1(v: number) {
    this.#sndWl132 = v | 0;
  }
  /** SND.WL2: the acknowledgment number of the segment that last updated the window. */
  private get sndWl2(): number {
    return this.#sndWl232 >>> 0;
  }
  private set sndWl2(v: number) {
    this.#sndWl232 = v | 0;
  }
  /** The right edge of the window last advertised. */
  private get rcvRight(): number {
    return this.#rcvRight32 >>> 0;
  }
  private set rcvRight(v: number) {
    this.#rcvRight32 = v | 0;
  }
  /** TS.Recent (RFC 7323): the peer's timestamp to echo. */
  private get tsRecent(): number {
    return this.#tsRecent32 >>> 0;
  }
  private set tsRecent(v: number) {
    this.#tsRecent32 = v | 0;
  }
  /** Our timestamps' random offset (RFC 7323 §7.1). */
  private get tsOffset(): number {
    return this.#tsOffset32 >>> 0;
  }
  private set tsOffset(v: number) {
    this.#tsOffset32 = v | 0;
  }
  /** Last.ACK.sent (RFC 7323): RCV.NXT in the last ACK we sent. */
  private get lastAckSent(): number {
    return this.#lastAckSent32 >>> 0;
  }
  private set lastAckSent(v: number) {
    this.#lastAckSent32 = v | 0;
  }
  /** RFC 6582 "recover": SND.MAX when loss was detected. */
  private get recover(): number {
    return this.#recover32 >>> 0;
  }
  private set recover(v: number) {
    this.#recover32 = v | 0;
  }
  /** RFC 6675 HighRxt: the highest sequence number retransmitted. */
  private get highRxt(): number {
    return this.#highRxt32 >>> 0;
  }
  private set highRxt(v: number) {
    this.#highRxt32 = v | 0;
  }
  /** The sequence number of the segment being built. */
  private get txSeq(): number {
    return this.#txSeq32 >>> 0;
  }
  private set txSeq(v: number) {
    this.#txSeq32 = v | 0;
  }

  /** A CLOSED socket reporting to `owner`. */
  constructor(id: number, owner: TcpSocketOwner, config: TcpConfig = TCP_DEFAULTS) {
    this.id = id;
    this.#owner = owner;
    this.config = config;
    this.mss = Math.min(536, config.mss);
    this.rtt = new RttEstimator(config.minRtoMs, config.maxRtoMs, config.initialRtoMs);
    this.cc = createController(config.congestion, this.mss);
  }

  /** Uses buffer pools for the send and receive buffers (else each socket allocates its own). */
  usePools(rx: BufferPool, tx: BufferPool): void {
    this.#rxPool = rx;
    this.#txPool = tx;
  }

  /** The config, copied first if it is still shared: setsockopt writes here. */
  ownConfig(): TcpConfig {
    if (!this.configOwned) {
      this.config = { ...this.config };
      this.configOwned = true;
    }
    return this.config;
  }

  // --- Application side -------------------------------------------------------

  /** Bytes ready to read. */
  get readable(): number {
    return this.#rx?.length ?? 0;
  }
  /** Free space in the send buffer. */
  get writable(): number {
    return this.config.sndBufSize - (this.#tx?.length ?? 0);
  }
  /** Bytes in the send buffer (unsent or unacknowledged). */
  get sendQueued(): number {
    return this.#tx?.length ?? 0;
  }
  /** True when reads will return end of stream once the buffer is drained. */
  get readClosed(): boolean {
    return this.peerFinReceived || this.readShut || this.state === "CLOSED";
  }
  /** True once no more data may be queued (FIN queued, or the connection is gone). */
  get writeClosed(): boolean {
    return this.#finQueued || this.state === "CLOSED" || this.state === "LISTEN";
  }
  /**
   * Active open (RFC 9293 §3.10.1): from CLOSED to SYN-SENT with `iss`.
   * The SYN goes out on the next dispatch.
   */
  connect(
    now: number,
    localAddr: number,
    localPort: number,
    remoteAddr: number,
    remotePort: number,
    iss: number,
  ): void {
    this.localAddr = localAddr;
    // Ports as small integers, whatever the caller computed them with: one
    // stored as a heap number would make the field one in every socket.
    this.localPort = localPort | 0;
    this.remoteAddr = remoteAddr;
    this.remotePort = remotePort | 0;
    this.passive = false;
    this.#initSend(now, iss);
    this.rcvScale = this.config.windowScaling ? windowShiftFor(this.config.rcvBufSize) : 0;
    this.synPending = true;
    this.#setState("SYN-SENT");
  }

  /**
   * Passive open: a listener took `syn` (RFC 9293 §3.10.7.2) and made this
   * socket for it; it goes to SYN-RECEIVED and answers with a SYN-ACK.
   */
  acceptSyn(now: number, localAddr: number, remoteAddr: number, syn: TcpRepr, iss: number): void {
    this.localAddr = localAddr;
    this.localPort = syn.dstPort;
    this.remoteAddr = remoteAddr;
    this.remotePort = syn.srcPort;
    this.passive = true;
    this.#initSend(now, iss);
    this.irs = syn.seqNumber;
    this.rcvNxt = seqAdd(syn.seqNumber, 1);
    this.#negotiate(syn, true);
    this.sndWnd = syn.window; // RFC 7323 §2.2: the window in a SYN is never scaled
    this.sndWl1 = syn.seqNumber;
    this.sndWl2 = this.iss;
    this.#maxSndWnd = this.sndWnd;
    this.rcvRight = this.rcvNxt;
    this.#lastSegmentAtMs = storedMs(this.nowMs(now));
    this.synPending = true;
    this.#setState("SYN-RECEIVED");
  }

  /**
   * A passive open rebuilt from a SYN cookie (RFC 4987 §3.6): `syn` is the
   * SYN as the cookie remembers it (the peer's ISN, its MSS from the cookie's
   * table, and its window scale and SACK-permitted from the echoed
   * timestamp), and our SYN-ACK with ISN `iss` counts as sent. The ACK that
   * returned the cookie is processed next, as for any SYN-RECEIVED.
   */
  acceptCookie(
    now: number,
    localAddr: number,
    remoteAddr: number,
    syn: TcpRepr,
    iss: number,
  ): void {
    this.acceptSyn(now, localAddr, remoteAddr, syn, iss);
    this.synPending = false;
    this.sndNxt = seqAdd(iss, 1);
    this.sndMax = this.sndNxt;
    this.#afterAckSent(now);
    this.rcvRight = seqMax(
      this.rcvRight,
      seqAdd(this.rcvNxt, Math.min(this.config.rcvBufSize, 65535)),
    );
  }

  /** Marks the socket as a listener (state LISTEN); the demux makes the connections. */
  listen(localAddr: number, localPort: number): void {
    this.localAddr = localAddr;
    this.localPort = localPort | 0;
    this.#setState("LISTEN");
  }

  /**
   * Queues up to `length` bytes of `src` for sending; returns how many fit
   * (0 when the buffer is full or the pool has no buffer). Only in states
   * where sending is allowed; the caller checks.
   */
  send(src: Uint8Array, offset: number, length: number): number {
    if (length <= 0) return 0;
    const tx = this.#txBuffer();
    if (tx === undefined) return 0;
    return tx.enqueue(src, offset, length);
  }

  /**
   * Queues up to `length` bytes that `fill(into)` writes straight into the
   * send buffer (see {@linkcode RingBuffer.enqueueFrom}); returns how many it
   * took, 0 when `fill` wrote nothing, or -1 when the pool has no buffer.
   */
  sendFrom(fill: (into: Uint8Array) => number, length: number): number {
    if (length <= 0) return 0;
    const tx = this.#txBuffer();
    if (tx === undefined) return -1;
    const n = tx.enqueueFrom(fill, length);
    if (tx.length === 0 && this.sndUna === this.sndMax) this.#releaseTx(); // nothing came
    return n;
  }

  /**
   * Copies up to `length` received bytes into `dst`; with `peek` they stay.
   * Returns the count. Reading frees window: an update goes out if it opened
   * enough (RFC 1122 §4.2.3.3).
   */
  recv(dst: Uint8Array, offset: number, length: number, peek = false): number {
    const rx = this.#rx;
    if (rx === undefined || rx.length === 0) return 0;
    const n = peek ? rx.peek(0, dst, offset, length) : rx.dequeue(dst, offset, length);
    if (!peek && n > 0) {
      if (rx.length === 0 && this.#ooo.isEmpty) this.#releaseRx();
      if (isSynchronized(this.state) && !this.peerFinReceived && this.#windowWouldOpen()) {
        this.#windowUpdate = true;
      }
    }
    return n;
  }

  /** Copies `length` bytes of the send buffer, `offset` past SND.UNA, into `dst` (for the transmitter). */
  copyPayload(offset: number, length: number, dst: Uint8Array, dstOffset: number): void {
    this.#tx?.peek(offset, dst, dstOffset, length);
  }

  /**
   * shutdown(SHUT_WR): a FIN follows the queued data (RFC 9293 §3.10.4).
   * ESTABLISHED goes to FIN-WAIT-1, CLOSE-WAIT to LAST-ACK.
   */
  shutdownWrite(): void {
    if (this.#finQueued) return;
    switch (this.state) {
      case "ESTABLISHED":
        this.#finQueued = true;
        this.#setState("FIN-WAIT-1");
        return;
      case "CLOSE-WAIT":
        this.#finQueued = true;
        this.#setState("LAST-ACK");
        return;
      case "SYN-RECEIVED":
        // RFC 9293 §3.10.4: queue the FIN; it goes once established.
        this.#finQueued = true;
        return;
      default:
        return;
    }
  }

  /** shutdown(SHUT_RD): reads return end of stream; later data is acknowledged and dropped. */
  shutdownRead(): void {
    this.readShut = true;
    if (this.#rx !== undefined) {
      this.#rx.clear();
      this.#releaseRx();
    }
  }

  /**
   * close() (RFC 9293 §3.10.4). Unread data makes it an abort with a RST, as
   * Linux does (RFC 2525 §2.17). A socket already closed is left as it is.
   */
  close(now: number): void {
    this.orphaned = true;
    if ((this.#rx?.length ?? 0) > 0 && isSynchronized(this.state)) {
      this.abort(now);
      return;
    }
    switch (this.state) {
      case "CLOSED":
        return;
      case "LISTEN":
      case "SYN-SENT":
        this.#enterClosed();
        return;
      case "SYN-RECEIVED":
      case "ESTABLISHED":
      case "CLOSE-WAIT":
        this.shutdownWrite();
        return;
      case "FIN-WAIT-1":
      case "CLOSING":
      case "LAST-ACK":
      case "TIME-WAIT":
        return;
      case "FIN-WAIT-2":
        // Linux tcp_fin_timeout: an orphan does not wait forever for the peer.
        this.#finWait2AtMs = storedAfter(this.nowMs(now), this.config.finWait2TimeoutMs);
        return;
    }
  }

  /**
   * Gives up a passive open in SYN-RECEIVED without a word, once its SYN-ACK
   * has gone unanswered at least once (Linux's "old" request socks, pruned
   * under pressure): a peer that has not answered in an RTO is likely
   * spoofed. False (and nothing done) for any other socket.
   */
  dropHalfOpen(): boolean {
    if (this.state !== "SYN-RECEIVED" || !this.passive || this.#rare.timeouts === 0) return false;
    this.#enterClosed();
    return true;
  }

  /** Abort (RFC 9293 §3.10.5): a RST if synchronized, then CLOSED. */
  abort(_now: number): void {
    this.orphaned = true;
    if (isSynchronized(this.state) || this.state === "SYN-RECEIVED") {
      this.#queueReset(this.sndNxt, 0, TCP_RST, true);
    } else {
      this.#enterClosed();
    }
  }

  /** Applies a changed option that affects sending (TCP_NODELAY, keepalive, congestion). */
  optionsChanged(now: number): void {
    if (this.config.keepalive && isSynchronized(this.state)) this.#armKeepalive(now);
    else this.#keepaliveAtMs = T_INF;
    if (this.cc.name !== this.config.congestion) {
      const next = createController(this.config.congestion, this.mss);
      next.cwnd = this.cc.cwnd;
      next.ssthresh = this.cc.ssthresh;
      this.cc = next;
    }
  }

  // --- Segment arrival (RFC 9293 §3.10.7) -----------------------------------------

  /**
   * Processes one segment for this connection. `bytes` holds the payload at
   * `seg.payloadOffset`.
   */
  process(now: number, seg: TcpRepr, bytes: Uint8Array): void {
    this.#segmentsIn++;
    this.#lastSegmentAtMs = storedMs(this.nowMs(now));
    switch (this.state) {
      case "CLOSED":
      case "LISTEN":
        return;
      case "SYN-SENT":
        return this.#processSynSent(now, seg, bytes);
      default:
        return this.#processSynchronized(now, seg, bytes);
    }
  }

  // RFC 9293 §3.10.7.3.
  #processSynSent(now: number, seg: TcpRepr, bytes: Uint8Array): void {
    const flags = seg.flags;
    const hasAck = (flags & TCP_ACK) !== 0;
    // First: the ACK must acknowledge our SYN: ISS < SEG.ACK <= SND.NXT.
    if (hasAck && (seqLe(seg.ackNumber, this.iss) || seqGt(seg.ackNumber, this.sndNxt))) {
      if ((flags & TCP_RST) === 0) this.#queueReset(seg.ackNumber, 0, TCP_RST);
      return this.#drop();
    }
    if ((flags & TCP_RST) !== 0) {
      // RFC 5961 §3.2: in SYN-SENT a RST is acceptable only with an acceptable ACK.
      if (hasAck) return this.#fail("refused");
      return this.#drop();
    }
    if ((flags & TCP_SYN) === 0) return this.#drop();
    this.irs = seg.seqNumber;
    this.rcvNxt = seqAdd(seg.seqNumber, 1);
    // Our SYN offered its (unscaled) window: the peer may fill it.
    this.rcvRight = seqAdd(this.rcvNxt, Math.min(this.config.rcvBufSize, 65535));
    this.#negotiate(seg, false);
    if (hasAck) {
      this.#ackAdvanced(now, seg);
      this.sndWnd = seg.window; // a SYN's window is never scaled
      this.sndWl1 = seg.seqNumber;
      this.sndWl2 = seg.ackNumber;
      this.#maxSndWnd = this.sndWnd;
      this.#ackNow = true;
      this.#ackPending = true;
      this.#established(now);
      if (seg.payloadLength > 0 || (flags & TCP_FIN) !== 0) {
        this.#acceptTextAt(now, seg, bytes, 1, 0, seg.payloadLength);
      }
      return;
    }
    // Simultaneous open: SYN-RECEIVED, and our SYN again, now with an ACK.
    this.sndWnd = seg.window;
    this.sndWl1 = seg.seqNumber;
    this.#maxSndWnd = this.sndWnd;
    this.sndNxt = this.iss;
    this.synPending = true;
    this.#setState("SYN-RECEIVED");
  }

  // RFC 9293 §3.10.7.4, for every state from SYN-RECEIVED on.
  #processSynchronized(now: number, seg: TcpRepr, bytes: Uint8Array): void {
    const flags = seg.flags;
    const isRst = (flags & TCP_RST) !== 0;
    if (
      this.state === "SYN-RECEIVED" && (flags & TCP_SYN) !== 0 && seg.seqNumber === this.irs &&
      !isRst
    ) {
      const ack = seg.ackNumber;
      if ((flags & TCP_ACK) === 0 || !seqGt(ack, this.sndUna) || seqGt(ack, this.sndMax)) {
        // A retransmitted SYN: our SYN-ACK was lost; send it again.
        this.sndNxt = this.iss;
        this.synPending = true;
        return;
      }
      // Simultaneous open (RFC 9293 §3.5, figure 8): the peer's SYN-ACK. Its
      // SYN is the one we already have; what is new is the ACK of ours.
      seg.seqNumber = seqAdd(seg.seqNumber, 1);
      seg.flags = flags & ~TCP_SYN;
      return this.#processSynchronized(now, seg, bytes);
    }
    // RFC 7323 §5.3: PAWS. A segment whose TSval is older than TS.Recent is a
    // duplicate from an earlier wrap: acknowledge and drop.
    if (this.tsEnabled && seg.hasTimestamps && !isRst && seqLt(seg.tsVal, this.tsRecent)) {
      this.#ackNow = true;
      this.#ackPending = true;
      return this.#drop();
    }
    // First check: is the segment acceptable?
    const seq = seg.seqNumber;
    let len = seg.payloadLength;
    const segLen = len + ((flags & TCP_SYN) !== 0 ? 1 : 0) + ((flags & TCP_FIN) !== 0 ? 1 : 0);
    const wnd = this.#receiveWindow();
    if (!this.#acceptable(seg, segLen, wnd)) {
      // RFC 9293 §3.10.7.4: "If the RCV.WND is zero, no segments will be
      // acceptable, but special allowance should be made to accept valid ACKs,
      // URGs, and RSTs": a segment at RCV.NXT is processed, its text trimmed.
      if (wnd === 0 && seq === this.rcvNxt) {
        len = 0;
        if ((flags & TCP_FIN) === 0) this.#ackNow = this.#ackPending = true;
      } else {
        // RFC 9293: send <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> unless RST, and drop.
        if (!isRst) this.#challengeAck(now);
        // TIME-WAIT: the peer's FIN again (it sits just before RCV.NXT, so
        // it is never acceptable) means our last ACK was lost; 2 MSL starts
        // again (RFC 9293 §3.10.7.4, eighth step; Linux reschedules the
        // time-wait for it, and so does TimeWaitTable).
        if (
          this.state === "TIME-WAIT" && (flags & TCP_FIN) !== 0 &&
          seqAdd(seq, len) === seqSub(this.rcvNxt, 1) >>> 0
        ) {
          this.#enterTimeWait(now);
        }
        return this.#drop();
      }
    }
    // Second: RST (RFC 5961 §3.2): exact match resets, otherwise challenge.
    if (isRst) return this.#processRst(now, seq);
    // Fourth: a SYN in a synchronized state (RFC 5961 §4): challenge ACK, drop.
    if ((flags & TCP_SYN) !== 0) {
      this.#challengeAck(now);
      return this.#drop();
    }
    // Fifth: the ACK field.
    if ((flags & TCP_ACK) === 0) return this.#drop();
    const ack = seg.ackNumber;
    // RFC 9293 §3.10.7.4, fifth check, SYN-RECEIVED: an ACK outside
    // SND.UNA < SEG.ACK =< SND.NXT gets <SEQ=SEG.ACK><CTL=RST> (RFC 5961
    // leaves this state alone; Linux's tcp_check_req resets too).
    if (this.state === "SYN-RECEIVED" && (!seqGt(ack, this.sndUna) || seqGt(ack, this.sndMax))) {
      this.#queueReset(ack, 0, TCP_RST);
      return this.#drop();
    }
    // RFC 5961 §5.2: SND.UNA - MAX.SND.WND <= SEG.ACK <= SND.NXT, else ACK and drop.
    if (seqGt(ack, this.sndMax) || seqLt(ack, seqSub(this.sndUna, this.#maxSndWnd) >>> 0)) {
      this.#challengeAck(now);
      return this.#drop();
    }
    this.#processAcceptable(now, seg, bytes, len);
  }

  // RFC 9293 §3.10.7.4, second check, for a RST at RCV.NXT (RFC 5961 §3.2:
  // any other in-window RST draws a challenge ACK).
  #processRst(now: number, seq: number): void {
    if (seq !== this.rcvNxt) {
      this.#challengeAck(now);
      return this.#drop();
    }
    switch (this.state) {
      case "SYN-RECEIVED":
        // A passive open goes back to LISTEN: for us, the embryo vanishes.
        return this.passive ? this.#enterClosed() : this.#fail("refused");
      case "ESTABLISHED":
      case "FIN-WAIT-1":
      case "FIN-WAIT-2":
      case "CLOSE-WAIT":
        return this.#fail("reset");
      default:
        return this.#enterClosed();
    }
  }

  // RFC 9293 §3.10.7.4 from the fifth check on, for an acceptable segment
  // with an acceptable ACK: the ACK, the state it moves, then text and FIN.
  #processAcceptable(now: number, seg: TcpRepr, bytes: Uint8Array, len: number): void {
    const flags = seg.flags;
    const seq = seg.seqNumber;
    const ack = seg.ackNumber;
    // RFC 7323 §4.3: remember the peer's TSval if this segment starts at or
    // before the last ACK we sent.
    if (this.tsEnabled && seg.hasTimestamps && seqLe(seq, this.lastAckSent)) {
      this.tsRecent = seg.tsVal;
    }
    if (this.state === "SYN-RECEIVED") {
      if (!seqGt(ack, this.sndUna)) {
        this.#queueReset(ack, 0, TCP_RST);
        return this.#drop();
      }
      this.sndWnd = seg.window << this.sndScale;
      this.sndWl1 = seq;
      this.sndWl2 = ack;
      this.#maxSndWnd = Math.max(this.#maxSndWnd, this.sndWnd);
      this.#established(now);
    }
    this.#processAck(now, seg);
    switch (this.state) {
      case "FIN-WAIT-1":
        if (this.#finAcked()) {
          this.#setState("FIN-WAIT-2");
          if (this.orphaned) {
            this.#finWait2AtMs = storedAfter(this.nowMs(now), this.config.finWait2TimeoutMs);
          }
        }
        break;
      case "CLOSING":
        if (this.#finAcked()) this.#enterTimeWait(now);
        return;
      case "LAST-ACK":
        if (this.#finAcked()) return this.#enterClosed();
        return;
      case "TIME-WAIT":
        // A retransmitted FIN: acknowledge it and restart 2 MSL (RFC 9293
        // §3.10.7.4, eighth step).
        if ((flags & TCP_FIN) !== 0) {
          this.#ackNow = true;
          this.#ackPending = true;
          this.#enterTimeWait(now);
        } else if (len > 0) {
          // Text cannot be taken after the peer's FIN, but RFC 5681 §4.2 has
          // an out-of-order segment acknowledged at once, and Linux answers
          // any in-window data in TIME-WAIT with <SEQ=SND.NXT><ACK=RCV.NXT>
          // (TCP_TW_ACK); 2 MSL is not restarted.
          this.#ackNow = true;
          this.#ackPending = true;
        }
        return;
      default:
        break;
    }
    // Seventh and eighth: text and FIN, trimmed to the window.
    if (len > 0 || (flags & TCP_FIN) !== 0) {
      let dataOffset = 0;
      if (seqLt(seq, this.rcvNxt)) {
        dataOffset = Math.min(seqSub(this.rcvNxt, seq), len);
        len -= dataOffset;
      }
      if (len > 0 && this.#closedForData()) return this.#abortOnData();
      this.#acceptTextAt(now, seg, bytes, dataOffset, dataOffset, len);
    }
  }

  // The application closed this socket (or shut reading), and the state is
  // one where data may still come: FIN-WAIT-1 and FIN-WAIT-2.
  #closedForData(): boolean {
    return (this.orphaned || this.readShut) &&
      (this.state === "FIN-WAIT-1" || this.state === "FIN-WAIT-2");
  }

  // RFC 1122 §4.2.2.13 (and RFC 2525 §2.17): new data for a socket whose
  // application closed it cannot be delivered, so the connection is reset at
  // once and the sender learns it, as Linux does (TCPAbortOnData), instead
  // of taking data nobody will read until the peer gives up.
  #abortOnData(): void {
    this.#rareCounters().abortsOnData++;
    this.error = "reset";
    this.#queueReset(this.sndNxt, 0, TCP_RST, true);
  }

  // The ACK of a synchronized state: new data acknowledged, window update,
  // duplicate ACKs and loss recovery.
  #processAck(now: number, seg: TcpRepr): void {
    const ack = seg.ackNumber;
    const window = seg.window << this.sndScale;
    if (this.sackEnabled && seg.sackCount > 0) this.#updateScoreboard(seg);
    const advanced = seqGt(ack, this.sndUna);
    // RFC 5681 §2: a duplicate ACK carries no data, no SYN/FIN, the same ACK
    // and window, while data is outstanding.
    const duplicate = !advanced && ack === this.sndUna && seg.payloadLength === 0 &&
      (seg.flags & (TCP_SYN | TCP_FIN)) === 0 && window === this.sndWnd &&
      this.sndMax !== this.sndUna;
    // RFC 9293 §3.10.7.4: the send window, if this segment is newer.
    if (
      seqLt(this.sndWl1, seg.seqNumber) ||
      (this.sndWl1 === seg.seqNumber && seqLe(this.sndWl2, ack))
    ) {
      const opened = this.sndWnd === 0 && window > 0;
      this.sndWnd = window;
      this.sndWl1 = seg.seqNumber;
      this.sndWl2 = ack;
      this.#maxSndWnd = Math.max(this.#maxSndWnd, window);
      if (opened) {
        this.#persistAtMs = T_INF;
        this.#persistBackoff = 0;
      }
    }
    if (advanced) {
      this.#ackAdvanced(now, seg);
    } else if (duplicate) {
      this.#dupAcks++;
      if (this.#inRecovery) this.recovery.duplicateInRecovery(this.cc, this.mss);
    }
    if (!this.#inRecovery && this.#lossDetected() && seqGt(this.sndUna, this.recover)) {
      this.#enterRecovery(now);
    } else if (
      !this.#inRecovery && this.recovery.forgetsOldDuplicates && this.#lossDetected() &&
      this.#dupAcks === DUP_THRESH
    ) {
      // RFC 6582 §3.2 step 1: duplicates of data sent before the last
      // recovery do not start another one.
      this.#dupAcks = 0;
    }
    if (
      this.sndWnd === 0 && this.sendQueued > seqSub(this.sndNxt, this.sndUna) &&
      this.#persistAtMs === T_INF
    ) {
      this.#armPersist(now);
    }
  }

  // SND.UNA moves forward to `seg.ackNumber`.
  #ackAdvanced(now: number, seg: TcpRepr): void {
    const ack = seg.ackNumber;
    let acked = seqSub(ack, this.sndUna);
    // The SYN and FIN occupy sequence space but no buffer.
    if (this.sndUna === this.iss && acked > 0) acked--;
    // Our FIN is acknowledged by this ACK if the ACK passes it and SND.UNA did not yet.
    const finAcked = this.finSeqKnown && seqGt(ack, this.#finSeq32 >>> 0) &&
      !seqGt(this.sndUna, this.#finSeq32 >>> 0);
    const dataAcked = Math.min(acked - (finAcked ? 1 : 0), this.sendQueued);
    // RTT: from the timestamp echo (RFC 7323 §4), else the timed segment (Karn).
    if (this.tsEnabled && seg.hasTimestamps && seg.tsEcr !== 0) {
      const sample = ((Math.floor(now) + this.tsOffset - seg.tsEcr) >>> 0) & 0x7fffffff;
      if (sample < 3_600_000) this.rtt.sample(sample);
    } else if (this.#timedAtMs !== T_NONE && seqGe(ack, this.#timedSeq)) {
      this.rtt.sample(now - ((this.#owner.timeEpoch ?? 0) + this.#timedAtMs));
      this.#timedAtMs = T_NONE;
    }
    this.#scoreboard.advance(seqSub(ack, this.sndUna));
    this.sndUna = ack;
    if (seqLt(this.sndNxt, this.sndUna)) this.sndNxt = this.sndUna;
    if (dataAcked > 0) {
      this.#tx!.discard(dataAcked);
      if (this.#tx!.length === 0 && this.sndUna === this.sndMax) this.#releaseTx();
    }
    this.#retries = 0;
    this.#dupAcks = 0;
    // Loss recovery (RFC 6582 §3.2 steps 5-6; RFC 6675 §5 exits at RecoveryPoint).
    if (this.#inRecovery) {
      if (seqGe(ack, this.recover)) {
        this.#inRecovery = false;
        this.#rtxSeq = -1;
        this.recovery.exit(this.cc, this.mss, seqSub(this.sndMax, this.sndUna));
      } else if (this.recovery.partialAck(this.cc, this.mss, dataAcked)) {
        this.#rtxSeq = this.sndUna; // the next hole
      }
    } else if (dataAcked > 0) {
      // Whole microseconds: a fractional RTT would be a heap number in the call.
      this.cc.onAck(now, dataAcked, this.rtt.srttUs);
    }
    // RFC 6298 §5.2/5.3: stop the timer when all is acknowledged, else restart it.
    if (this.sndUna === this.sndMax) {
      this.#rtoAtMs = T_INF;
      this.#firstUnackedAtMs = T_NONE;
    } else {
      this.#rtoAtMs = storedAfter(this.nowMs(now), this.rtt.rto);
      this.#firstUnackedAtMs = storedMs(this.nowMs(now));
    }
    if (finAcked) this.#finSent = true; // for good: a timeout must not re-arm it
    if (dataAcked > 0 || finAcked) this.#emit(TCP_EV_WRITABLE);
  }

  /** The connection's loss recovery: RFC 6675's when SACK was agreed, else NewReno's. */
  private get recovery(): LossRecovery {
    return this.sackEnabled ? SACK_RECOVERY : NEWRENO_RECOVERY;
  }

  // RFC 6675 §4 IsLost(SND.UNA), or RFC 5681's three duplicate ACKs.
  #lossDetected(): boolean {
    return this.recovery.lossDetected(this.#dupAcks, this.#scoreboard, this.mss);
  }

  #enterRecovery(now: number): void {
    this.#inRecovery = true;
    this.recover = this.sndMax;
    this.highRxt = this.sndUna;
    this.#rareCounters().fastRetransmits++;
    const flight = seqSub(this.sndMax, this.sndUna);
    this.cc.onLoss(now, flight);
    this.#timedAtMs = T_NONE;
    if (this.recovery.enter(this.cc, this.mss)) this.#rtxSeq = this.sndUna;
  }

  // The sender's scoreboard: SACKed ranges above SND.UNA, as byte offsets from
  // SND.UNA (shifted as it advances) so that comparisons are plain numbers.
  #updateScoreboard(seg: TcpRepr): void {
    for (let b = 0; b < seg.sackCount; b++) {
      const left = seg.sackBlocks[2 * b]!;
      const right = seg.sackBlocks[2 * b + 1]!;
      // RFC 2018 §5: ignore blocks outside (SND.UNA, SND.MAX].
      if (!seqLt(left, right) || !seqGt(right, this.sndUna) || seqGt(right, this.sndMax)) continue;
      const lo = Math.max(0, seqSub(left, this.sndUna));
      const hi = seqSub(right, this.sndUna);
      if (this.#scoreboard === SackScoreboard.EMPTY) this.#scoreboard = new SackScoreboard();
      this.#scoreboard.add(lo, hi - lo); // a full scoreboard ignores it: recovery is only slower
    }
  }

  // RFC 9293 §3.10.7.4 seventh and eighth: `len` payload bytes starting
  // `dataOffset` into the segment's payload, at sequence number SEG.SEQ +
  // `seqOffset` (>= RCV.NXT), then the FIN. The sequence number is worked out
  // here, not passed: a uint32 above 2^31 would be a heap number in the call.
  #acceptTextAt(
    now: number,
    seg: TcpRepr,
    bytes: Uint8Array,
    seqOffset: number,
    dataOffset: number,
    len: number,
  ): void {
    const seq = seqAdd(seg.seqNumber, seqOffset);
    const fin = (seg.flags & TCP_FIN) !== 0;
    const finSeq = seqAdd(seg.seqNumber, seg.payloadLength);
    if (this.peerFinReceived || this.readShut) {
      // Data after the peer's FIN cannot be; after SHUT_RD it is acknowledged and dropped.
      if (len > 0 && this.readShut && !this.peerFinReceived) {
        this.rcvNxt = seqAdd(seq, len);
        this.rcvRight = seqMax(this.rcvRight, this.rcvNxt);
      }
      this.#ackNow = true;
      this.#ackPending = true;
      if (fin && !this.peerFinReceived && finSeq === this.rcvNxt) this.#finArrived(now);
      return;
    }
    const offset = seqSub(seq, this.rcvNxt);
    const wnd = this.#receiveWindow();
    if (len > wnd - offset) len = Math.max(0, wnd - offset); // trim to the window
    const hadHoles = !this.#ooo.isEmpty;
    if (len > 0) {
      const rx = this.#rxBuffer();
      if (rx === undefined) {
        // No buffer to be had: as if lost; the peer retransmits.
        this.#rareCounters().dropped++;
        this.#ackNow = true;
        this.#ackPending = true;
        return;
      }
      let front: number;
      if (offset === 0 && !hadHoles) {
        // In order, no holes: straight into the buffer. The assembler is not
        // touched, so a connection that never reorders never allocates it.
        rx.writeUnallocated(0, bytes, seg.payloadOffset + dataOffset, len);
        front = len;
      } else {
        if (this.#ooo === NO_ASSEMBLER) this.#ooo = new Assembler(this.config.maxOooRanges);
        if (!this.#ooo.add(offset, len)) {
          // Too many holes: drop this segment, as if lost.
          this.#rareCounters().dropped++;
          this.#ackNow = true;
          this.#ackPending = true;
          return;
        }
        rx.writeUnallocated(offset, bytes, seg.payloadOffset + dataOffset, len);
        front = this.#ooo.removeFront();
      }
      if (front > 0) {
        rx.commit(front);
        this.rcvNxt = seqAdd(this.rcvNxt, front);
        this.#bytesIn += front;
        this.#emit(TCP_EV_READABLE);
      }
    }
    // RFC 5681 §4.2: ACK at once for out-of-order data and for data filling a
    // hole; otherwise at least every second full-sized segment, or on the timer.
    this.#ackPending = true;
    if (offset > 0 || hadHoles || this.config.delayedAckMs === 0) {
      this.#ackNow = true;
    } else if (len > 0 && this.#quickAck(now)) {
      this.#ackNow = true;
    } else if (len > 0) {
      this.#unackedSegments += len >= this.mss ? 1 : 0.5;
      if (this.#unackedSegments >= 2) this.#ackNow = true;
      else if (this.#delayedAckAtMs === T_INF) {
        this.#delayedAckAtMs = storedAfter(this.nowMs(now), this.config.delayedAckMs);
      }
    }
    if (fin) {
      if (finSeq === this.rcvNxt) this.#finArrived(now);
      else this.#pendingFin = finSeq; // a FIN beyond a hole: take it when the hole fills
    } else if (this.#pendingFin >= 0 && this.#pendingFin === this.rcvNxt) {
      this.#finArrived(now);
    }
  }

  // RFC 9293 §3.10.7.4 eighth: the FIN.
  #finArrived(now: number): void {
    this.#pendingFin = -1;
    this.rcvNxt = seqAdd(this.rcvNxt, 1);
    this.rcvRight = seqMax(this.rcvRight, this.rcvNxt);
    this.peerFinReceived = true;
    this.#ackNow = true;
    this.#ackPending = true;
    switch (this.state) {
      case "SYN-RECEIVED":
      case "ESTABLISHED":
        this.#setState("CLOSE-WAIT");
        break;
      case "FIN-WAIT-1":
        if (this.#finAcked()) this.#enterTimeWait(now);
        else this.#setState("CLOSING");
        break;
      case "FIN-WAIT-2":
        this.#enterTimeWait(now);
        break;
      default:
        break;
    }
    this.#emit(TCP_EV_READABLE | TCP_EV_RDHUP);
  }

  // --- Sending ---------------------------------------------------------------------

  /**
   * Emits at most one segment through `tx`: a pending RST, the SYN, a
   * retransmission, new data, a FIN, a probe or an ACK, in that order of
   * preference. Returns true if it sent one; call again until it returns false.
   */
  dispatch(now: number, tx: TcpTransmit): boolean {
    const sent = this.#dispatch(now, tx);
    // Something wanted to go and could not (the transmitter refused): retry
    // shortly rather than wait for an unrelated event.
    if (!sent && this.blocked) {
      this.blocked = false;
      if (this.#retryAtMs === T_INF) {
        this.#retryAtMs = storedAfter(this.nowMs(now), TX_RETRY_MS);
      }
    }
    return sent;
  }

  #dispatch(now: number, tx: TcpTransmit): boolean {
    if (this.#rstPending) return this.#sendReset(now, tx);
    switch (this.state) {
      case "CLOSED":
      case "LISTEN":
        return false;
      case "SYN-SENT":
      case "SYN-RECEIVED":
        if (this.synPending) return this.#sendSyn(now, tx);
        if (this.state === "SYN-SENT") return false;
        break;
      default:
        break;
    }
    if (this.#windowUpdate && this.#windowWouldOpen()) {
      this.#ackPending = true;
      this.#ackNow = true;
    }
    this.#windowUpdate = false;
    // Retransmissions first.
    if (this.#rtxSeq >= 0) {
      const seq = this.#rtxSeq;
      this.#rtxSeq = -1;
      if (seqLt(seq, this.sndMax)) {
        this.txSeq = seq;
        if (this.#sendData(now, tx, this.mss, true)) return true;
      }
    }
    if (this.#inRecovery && this.sackEnabled) {
      if (this.#sackRecoverySend(now, tx)) return true;
    } else if (this.#sendNewData(now, tx)) {
      return true;
    }
    if (this.probePending) {
      this.probePending = false;
      // Zero-window and keepalive probes: an old sequence number (SND.UNA - 1)
      // makes the peer answer with an ACK carrying its window (RFC 9293 §3.8.6.1).
      this.txSeq = seqAdd(this.sndUna, -1);
      return this.#sendSegment(now, tx, 0, 0, TCP_ACK);
    }
    if (
      this.#ackPending &&
      (this.#ackNow ||
        (this.#delayedAckAtMs !== T_INF &&
          now - (this.#owner.timeEpoch ?? 0) >= this.#delayedAckAtMs))
    ) {
      this.#setAcceptableSeq();
      return this.#sendSegment(now, tx, 0, 0, TCP_ACK);
    }
    return false;
  }

  // New data (and the FIN) from SND.NXT, within the windows, with Nagle and
  // sender-side SWS avoidance (RFC 1122 §4.2.3.4).
  #sendNewData(now: number, tx: TcpTransmit): boolean {
    if (!isSynchronized(this.state) && this.state !== "SYN-RECEIVED") return false;
    if (this.state === "SYN-RECEIVED") return false;
    // Skip what the peer has SACKed (after a timeout we go back to SND.UNA).
    if (this.sackEnabled && !this.#scoreboard.isEmpty && seqLt(this.sndNxt, this.sndMax)) {
      const end = this.#scoreboard.endAt(seqSub(this.sndNxt, this.sndUna));
      if (end >= 0) this.sndNxt = seqAdd(this.sndUna, end);
    }
    const offset = seqSub(this.sndNxt, this.sndUna);
    const queued = this.sendQueued;

    const sendable = Math.max(0, queued - offset);
    const inFlight = seqSub(this.sndNxt, this.sndUna);
    const usable = Math.max(0, Math.min(this.sndWnd, this.cc.cwnd) - inFlight);
    const retransmitting = seqLt(this.sndNxt, this.sndMax);
    // With TSO, new data goes out as one super-segment of whole MSS-sized
    // pieces (the device cuts it, as Linux's tcp_tso_autosize lets it).
    const tso = this.config.tsoMaxBytes - TCP_MAX_HEADER_LEN;
    const most = !retransmitting && tso > 2 * this.mss ? tso - (tso % this.mss) : this.mss;
    let len = Math.min(sendable, most, usable);
    if (len > this.mss && len < sendable && len % this.mss !== 0) len -= len % this.mss;
    const wantFin = this.#finQueued && !this.#finSent && !this.#finAcked();

    if (len > 0) {
      // Stop at the next SACKed range when going back over old data.
      if (retransmitting && this.sackEnabled && !this.#scoreboard.isEmpty) {
        const next = this.#scoreboard.nextStart(offset);
        if (next !== Infinity) len = Math.min(len, next - offset);
      }
      if (!retransmitting && len < this.mss && len < sendable && inFlight > 0) {
        // Window-limited below a full segment while ACKs are still to come:
        // wait for the window to open (sender SWS avoidance). With nothing in
        // flight no ACK would come, so the segment goes.
        if (len < this.#maxSndWnd / 2) len = 0;
      }
      if (
        !retransmitting && len > 0 && len < this.mss && len === sendable && inFlight > 0 &&
        !this.config.noDelay
      ) {
        // Nagle (RFC 896): a small segment waits while data is unacknowledged,
        // unless it carries the FIN with it.
        if (!wantFin) len = 0;
      }
      if (len > 0) {
        const fin = wantFin && offset + len === queued;
        this.txSeq = this.sndNxt;
        return this.#sendData(now, tx, len, retransmitting, fin);
      }
    }
    if (wantFin && offset >= queued) {
      // The FIN alone, once all data is out, at its one place in sequence space.
      const finSeq = this.finSeqKnown ? this.#finSeq32 >>> 0 : seqAdd(this.sndUna, queued);
      this.txSeq = finSeq;
      return this.#sendSegment(now, tx, 0, 0, TCP_ACK | TCP_FIN);
    }
    if (sendable > 0 && this.sndWnd === 0 && inFlight === 0 && this.#persistAtMs === T_INF) {
      this.#armPersist(now);
    }
    return false;
  }

  // RFC 6675 §5 (steps C.1-C.5): while cwnd - pipe allows a segment, send
  // NextSeg(): the first lost byte not yet retransmitted, else new data.
  #sackRecoverySend(now: number, tx: TcpTransmit): boolean {
    const pipe = this.#scoreboard.pipe(
      seqSub(this.sndMax, this.sndUna),
      seqSub(this.highRxt, this.sndUna),
    );
    if (this.cc.cwnd - pipe < this.mss) return false;
    const fack = this.#scoreboard.highest();
    let off = Math.max(0, seqSub(this.highRxt, this.sndUna));
    // Skip SACKed ranges.
    for (let end = this.#scoreboard.endAt(off); end >= 0; end = this.#scoreboard.endAt(off)) {
      off = end;
    }
    if (off < fack && off < seqSub(this.sndMax, this.sndUna)) {
      const next = this.#scoreboard.nextStart(off);
      const len = Math.min(this.mss, next - off);
      const seq = seqAdd(this.sndUna, off);
      this.highRxt = seqAdd(seq, len);
      this.txSeq = seq;
      return this.#sendData(now, tx, len, true);
    }
    if (seqLt(this.sndNxt, this.sndMax) && seqLt(this.sndNxt, seqAdd(this.sndUna, fack))) {
      this.sndNxt = seqAdd(this.sndUna, fack);
    }
    return this.#sendNewData(now, tx);
  }

  // Data from #txSeq.
  #sendData(
    now: number,
    tx: TcpTransmit,
    maxLen: number,
    retransmit: boolean,
    fin = false,
  ): boolean {
    const seq = this.txSeq;
    const offset = seqSub(seq, this.sndUna);
    const len = Math.min(maxLen, this.sendQueued - offset);
    if (len <= 0) {
      if (fin || (this.finSeqKnown && seq === this.#finSeq32 >>> 0)) {
        return this.#sendSegment(now, tx, 0, 0, TCP_ACK | TCP_FIN);
      }
      return false;
    }
    const last = offset + len === this.sendQueued;
    const flags = TCP_ACK | (last ? TCP_PSH : 0) | (fin && last ? TCP_FIN : 0);
    if (!this.#sendSegment(now, tx, offset, len, flags)) return false;
    if (retransmit) this.#rareCounters().retransmits++;
    // Linux tcp_event_data_sent: data sent within the delayed-ACK time of
    // data received is a reply: the connection is interactive (pingpong).
    else if (
      (this.#flags & 0x600) === 0x400 && // data seen, not yet pingpong
      this.nowMs(now) - this.#lastDataInMs < this.config.delayedAckMs
    ) {
      this.pingpong = true;
    }
    return true;
  }

  #sendSyn(now: number, tx: TcpTransmit): boolean {
    const r = SEGMENT_OUT.clearOptions();
    r.srcPort = this.localPort;
    r.dstPort = this.remotePort;
    r.seqNumber = this.iss;
    r.urgentPointer = 0;
    const synAck = this.state === "SYN-RECEIVED";
    r.flags = synAck ? TCP_SYN | TCP_ACK : TCP_SYN;
    r.ackNumber = synAck ? this.rcvNxt : 0;
    // RFC 7323 §2.2: the window of a SYN is not scaled.
    r.window = Math.min(this.config.rcvBufSize, 65535);
    r.mss = this.config.mss;
    // A SYN offers every option; a SYN-ACK answers only what the SYN offered.
    if (synAck ? this.rcvScale >= 0 && this.wsAgreed : this.config.windowScaling) {
      r.windowScale = this.rcvScale;
    }
    r.sackPermitted = synAck ? this.sackEnabled : this.config.sack;
    if (synAck ? this.tsEnabled : this.config.timestamps) {
      r.hasTimestamps = true;
      r.tsVal = (Math.floor(now) + this.tsOffset) >>> 0; // our clock, in place (not boxed by a call)
      r.tsEcr = synAck ? this.tsRecent : 0;
    }
    if (!tx.send(now, this, r, 0, 0)) {
      this.blocked = true;
      return false;
    }
    this.#segmentsOut++;
    this.synPending = false;
    this.sndNxt = seqAdd(this.iss, 1);
    this.sndMax = seqMax(this.sndMax, this.sndNxt);
    if (synAck) {
      this.#afterAckSent(now);
      this.rcvRight = seqMax(this.rcvRight, seqAdd(this.rcvNxt, r.window));
    }
    if (this.#rtoAtMs === T_INF) {
      this.#rtoAtMs = storedAfter(this.nowMs(now), this.rtt.rto);
    }
    if (this.#retries === 0 && this.#timedAtMs === T_NONE) {
      this.#timedSeq = this.sndNxt | 0;
      this.#timedAtMs = storedMs(this.nowMs(now));
    }
    return true;
  }

  // True once the peer acknowledged our FIN (SND.UNA is past it).
  #finAcked(): boolean {
    return this.finSeqKnown && seqGt(this.sndUna, this.#finSeq32 >>> 0);
  }

  // The sequence number of a pure ACK, as Linux's tcp_acceptable_seq: the
  // highest sent (after a timeout SND.NXT goes back to SND.UNA, and an ACK
  // numbered there would fall below the peer's RCV.NXT), but never past the
  // right edge of the peer's window, or a peer with a closed window drops it.
  #setAcceptableSeq(): void {
    const windowEnd = seqAdd(this.sndUna, this.sndWnd);
    this.txSeq = seqLe(this.sndMax, windowEnd) ? this.sndMax : windowEnd;
  }

  // Builds and sends one segment at txSeq (a field, not an argument: a uint32
  // above 2^31 would be a heap number in every call) with `len` bytes from
  // `offset`.
  #sendSegment(now: number, tx: TcpTransmit, offset: number, len: number, flags: number): boolean {
    const seq = this.txSeq;
    const r = SEGMENT_OUT;
    r.clearOptions();
    r.srcPort = this.localPort;
    r.dstPort = this.remotePort;
    r.seqNumber = seq;
    r.ackNumber = this.rcvNxt;
    r.flags = flags;
    r.urgentPointer = 0;
    r.window = this.#advertise();
    if (this.tsEnabled) {
      r.hasTimestamps = true;
      r.tsVal = (Math.floor(now) + this.tsOffset) >>> 0; // our clock, in place (not boxed by a call)
      r.tsEcr = this.tsRecent;
    }
    if (this.sackEnabled && !this.#ooo.isEmpty) {
      this.#fillSackBlocks(r);
      // Options and data must fit the MSS: SACK blocks give way to data
      // (each ACK repeats them, RFC 2018 §4).
      while (
        r.sackCount > 0 && len + 4 + 8 * r.sackCount + (this.tsEnabled ? 12 : 0) > this.#mssBase
      ) r.sackCount--;
    }
    if (!tx.send(now, this, r, offset, len)) {
      this.blocked = true;
      return false;
    }
    this.#segmentsOut++;
    this.#afterAckSent(now);
    const isProbe = len === 0 && seqLt(seq, this.sndUna);
    const end = seqAdd(seq, len + ((flags & TCP_FIN) !== 0 ? 1 : 0));
    if ((flags & TCP_FIN) !== 0) {
      this.#finSent = true;
      if (!this.finSeqKnown) {
        this.#finSeq32 = seqAdd(seq, len) | 0;
        this.finSeqKnown = true;
      }
    }
    if (!isProbe && seqGt(end, this.sndNxt)) this.sndNxt = end;
    if (!isProbe && seqGt(end, this.sndMax)) {
      this.sndMax = end;
      if (this.#timedAtMs === T_NONE && !this.tsEnabled) {
        this.#timedSeq = end | 0;
        this.#timedAtMs = storedMs(this.nowMs(now));
      }
    }
    if (len > 0) this.#bytesOut += len;
    // RFC 6298 §5.1: start the timer when data (or a FIN) goes out and none runs.
    if (!isProbe && (len > 0 || (flags & TCP_FIN) !== 0) && this.#rtoAtMs === T_INF) {
      this.#rtoAtMs = storedAfter(this.nowMs(now), this.rtt.rto);
      if (this.#firstUnackedAtMs === T_NONE) {
        this.#firstUnackedAtMs = storedMs(this.nowMs(now));
      }
    }
    if (len > 0) this.#persistAtMs = T_INF;
    return true;
  }

  // After any segment carrying our ACK.
  #afterAckSent(_now: number): void {
    this.#ackPending = false;
    this.#ackNow = false;
    this.#delayedAckAtMs = T_INF;
    this.#unackedSegments = 0;
    this.lastAckSent = this.rcvNxt;
  }

  // RFC 2018 §4: "The first SACK block ... MUST specify the contiguous block
  // of data containing the segment which triggered this ACK", and the rest
  // "SHOULD ... repeat the most recently reported SACK blocks", most recent
  // first, so each block is reported in several ACKs and one lost ACK loses
  // nothing. As Linux's selective_acks (tcp_sack_new_ofo_skb): the blocks of
  // the last ACK, moved along; a block merged into another is reported as
  // the block that holds it. Ranges never reported yet fill what is left,
  // highest first (they are the latest in a run of arrivals).
  // Linux's quick-ACK mode for in-order data (tcp_event_data_recv and
  // tcp_in_quickack_mode): the first data of a connection, and data after an
  // idle gap longer than the RTO, earn up to 16 immediate ACKs (rcv_wnd / (2
  // * MSS) of them), so a sender in slow start or with Nagle on does not wait
  // out the delayed-ACK timer; but not while the connection is interactive
  // (pingpong), where the ACK rides on the reply. True: ACK this one now.
  #quickAck(now: number): boolean {
    const t = this.nowMs(now);
    const gap = t - this.#lastDataInMs;
    this.#lastDataInMs = t;
    // The common case of a request/response connection: interactive, no gap
    // (0x600: the pingpong and dataSeen bits).
    const flags = this.#flags;
    if ((flags & 0x600) === 0x600 && gap <= this.rtt.rto) return false;
    if (!this.dataSeen) {
      this.dataSeen = true;
      this.#enterQuickAck();
    } else if (gap > this.rtt.rto) {
      // An idle gap longer than the RTO: quick again (Linux), and, our
      // choice, no longer interactive either, so the first segment after
      // the gap is acknowledged at once even where replies came quickly
      // before it (Linux would wait for the delayed-ACK timer to end
      // pingpong mode).
      this.#enterQuickAck();
      this.pingpong = false;
    }
    const quick = this.quickAcks;
    if (quick === 0 || this.pingpong) return false;
    this.quickAcks = quick - 1;
    return true;
  }

  // Linux tcp_incr_quickack(sk, TCP_MAX_QUICKACKS).
  #enterQuickAck(): void {
    const byWindow = Math.floor(this.#receiveWindow() / (2 * this.mss)) || 2;
    this.quickAcks = Math.max(this.quickAcks, Math.min(16, byWindow));
  }

  /**
   * TCP_QUICKACK: on leaves pingpong mode and grants quick ACKs (an ACK
   * that is due goes at once); off enters pingpong mode (Linux
   * __tcp_sock_set_quickack).
   */
  setQuickAck(on: boolean): void {
    if (!on) {
      this.pingpong = true;
      return;
    }
    this.pingpong = false;
    this.#enterQuickAck();
    if (this.#ackPending) this.#ackNow = true;
  }

  #fillSackBlocks(r: TcpRepr): void {
    const max = this.tsEnabled ? SACK_BLOCKS_WITH_TS : SACK_BLOCKS_NO_TS;
    const ooo = this.#ooo;
    // The SACK blocks of the last ACK, most recent first, by left edge (as
    // int32 sequence numbers), kept with the out-of-order ranges.
    if (ooo.reported === NO_REPORTED) ooo.reported = new Int32Array(1 + SACK_BLOCKS_NO_TS);
    const sent = ooo.reported;
    let n = 0;
    const recent = ooo.recent;
    if (recent >= 0) n = this.#putSackBlock(r, n, recent);
    for (let k = 1; k <= sent[0]! && n < max; k++) {
      const i = this.#oooRangeAt(seqSub(sent[k]!, this.rcvNxt));
      if (i >= 0) n = this.#putSackBlock(r, n, i);
    }
    for (let i = ooo.count - 1; i >= 0 && n < max; i--) n = this.#putSackBlock(r, n, i);
    r.sackCount = n;
    sent[0] = n;
    for (let k = 0; k < n; k++) sent[1 + k] = r.sackBlocks[2 * k]! | 0;
  }

  // Appends out-of-order range `i` as SACK block `n` unless it is there
  // already; the new count.
  #putSackBlock(r: TcpRepr, n: number, i: number): number {
    const left = seqAdd(this.rcvNxt, this.#ooo.startOf(i));
    for (let k = 0; k < n; k++) if (r.sackBlocks[2 * k] === left) return n;
    r.sackBlocks[2 * n] = left;
    r.sackBlocks[2 * n + 1] = seqAdd(this.rcvNxt, this.#ooo.endOf(i));
    return n + 1;
  }

  // The out-of-order range holding byte `offset` (from RCV.NXT), or -1.
  #oooRangeAt(offset: number): number {
    const ooo = this.#ooo;
    if (offset < 0) return -1;
    for (let i = 0; i < ooo.count; i++) {
      if (offset >= ooo.startOf(i) && offset < ooo.endOf(i)) return i;
    }
    return -1;
  }

  #sendReset(now: number, tx: TcpTransmit): boolean {
    const r = SEGMENT_OUT.clearOptions();
    r.srcPort = this.localPort;
    r.dstPort = this.remotePort;
    r.seqNumber = this.#rstSeq;
    r.ackNumber = this.#rstAck;
    r.flags = this.#rstFlags;
    r.window = 0;
    r.urgentPointer = 0;
    if (!tx.send(now, this, r, 0, 0)) {
      this.blocked = true;
      return false;
    }
    this.#segmentsOut++;
    this.#rstPending = false;
    // A RST from abort() ends the connection; one answering a bad segment does not.
    if (this.closeAfterRst) {
      this.closeAfterRst = false;
      this.#enterClosed();
    }
    return true;
  }

  #queueReset(seq: number, ack: number, flags: number, closeAfter = false): void {
    this.#rstPending = true;
    this.#rstSeq = seq;
    this.#rstAck = ack;
    this.#rstFlags = flags;
    this.closeAfterRst = closeAfter;
  }

  // RFC 5961 §7: challenge ACKs (and the ACKs that answer unacceptable
  // segments) are rate-limited per connection.
  #challengeAck(now: number): void {
    if (now - this.challengeWindowStart >= 1000) {
      this.#challengeWindowStartMs = storedMs(this.nowMs(now));
      this.#challengeCount = 0;
    }
    if (this.#challengeCount >= this.config.challengeAcksPerSecond) return;
    this.#challengeCount++;
    this.#rareCounters().challengeAcks++;
    this.#ackPending = true;
    this.#ackNow = true;
  }

  // --- Windows -----------------------------------------------------------------------

  // RCV.WND: the window in force for acceptance, from the last advertisement.
  #receiveWindow(): number {
    return Math.max(0, seqSub(this.rcvRight, this.rcvNxt));
  }

  // Free receive space, as the right edge it would allow.
  #freeSpace(): number {
    if (this.readShut) return this.config.rcvBufSize;
    return this.config.rcvBufSize - (this.#rx?.length ?? 0);
  }

  // RFC 1122 §4.2.3.3: move the right edge only by at least min(buffer/2, MSS).
  #windowWouldOpen(): boolean {
    const proposed = seqAdd(this.rcvNxt, this.#freeSpace());
    const step = Math.min(this.config.rcvBufSize / 2, this.config.mss);
    const wasSmall = this.#receiveWindow() < step;
    return wasSmall && seqSub(proposed, this.rcvRight) >= step;
  }

  // The window field to send, updating the advertised right edge. The edge
  // never moves left (RFC 9293 §3.8.6.2.2) and moves right only by a useful step.
  #advertise(): number {
    // In offsets from RCV.NXT, so that no sequence number crosses a call.
    const free = this.#freeSpace();
    const step = Math.min(this.config.rcvBufSize / 2, this.config.mss);
    let right = Math.max(0, (this.rcvRight - this.rcvNxt) | 0);
    if (free - right >= step || free === this.config.rcvBufSize) right = Math.max(right, free);
    const field = Math.min(right >>> this.rcvScale, 65535);
    this.rcvRight = seqAdd(this.rcvNxt, field << this.rcvScale);
    return field;
  }

  // The segment's own sequence number is read here, not passed: a uint32
  // above 2^31 would be a heap number in the call.
  #acceptable(seg: TcpRepr, segLen: number, wnd: number): boolean {
    // RFC 9293 §3.10.7.4, the table of the four cases, as offsets from
    // RCV.NXT (the window is below 2^31, so the signed offset compares).
    const start = (seg.seqNumber - this.rcvNxt) | 0;
    if (segLen === 0) {
      if (wnd === 0) return start === 0;
      return start >= 0 && start < wnd;
    }
    if (wnd === 0) return false;
    const end = start + segLen - 1;
    return (start >= 0 && start < wnd) || (end >= 0 && end < wnd);
  }

  // --- Timers ------------------------------------------------------------------------

  /** When {@linkcode TcpSocket.onTimer} next has work, or `Infinity`. */
  pollAt(): number {
    // The earliest in stored form (the order is the same), decoded once.
    const m = Math.min(
      this.#rtoAtMs,
      this.#delayedAckAtMs,
      this.#persistAtMs,
      this.#keepaliveAtMs,
      this.#timeWaitAtMs,
      this.#retryAtMs,
      this.#finWait2AtMs,
      this.#idleAtMs,
    );
    if (m < T_INF) return decodeTime(m, this.#owner.timeEpoch ?? 0);
    // All off, or a time past the 24.8 days of small integers: decode each.
    return Math.min(
      this.rtoAt,
      this.delayedAckAt,
      this.persistAt,
      this.keepaliveAt,
      this.timeWaitAt,
      this.retryAt,
      this.finWait2At,
      this.idleAt,
    );
  }

  /** The end of TIME-WAIT (the clock's ms), or Infinity outside it. */
  get timeWaitEndsAt(): number {
    return this.timeWaitAt;
  }

  /**
   * Writes what a compact TIME-WAIT record keeps (see TimeWaitTable) into
   * `into`; the four-tuple is the caller's.
   *
   * @internal
   */
  timeWaitRecord(into: TimeWaitState): void {
    into.sndNxt = this.sndNxt;
    into.rcvNxt = this.rcvNxt;
    into.rcvWnd = this.#receiveWindow();
    into.rcvScale = this.rcvScale;
    into.tsEnabled = this.tsEnabled;
    into.tsRecent = this.tsRecent;
    into.tsOffset = this.tsOffset;
  }

  /**
   * True when an ACK (or a RST) is due at once: the caller should dispatch
   * before it processes the next segment, so that every out-of-order segment
   * gets its duplicate ACK and every second segment its ACK (RFC 5681 §4.2),
   * whatever the size of the receive batch.
   */
  get ackDue(): boolean {
    return this.#ackNow || this.#rstPending;
  }

  /** True when {@linkcode TcpSocket.dispatch} has something to send now. */
  get wantsToSend(): boolean {
    return this.#rstPending || this.synPending || this.#ackNow || this.probePending ||
      this.#windowUpdate ||
      this.#rtxSeq >= 0 ||
      (isSynchronized(this.state) && (this.sendQueued > seqSub(this.sndNxt, this.sndUna) ||
        (this.#finQueued && !this.#finSent)));
  }

  /** Runs the timers due at `now`. */
  onTimer(now: number): void {
    if (now >= this.timeWaitAt) {
      this.#timeWaitAtMs = T_INF;
      return this.#enterClosed();
    }
    if (now >= this.retryAt) this.#retryAtMs = T_INF; // the caller dispatches next
    if (now >= this.finWait2At) {
      this.#finWait2AtMs = T_INF;
      if (this.state === "FIN-WAIT-2") return this.#enterClosed();
    }
    if (now >= this.idleAt) {
      this.#idleAtMs = T_INF;
      if (now - this.lastSegmentAt >= this.config.idleTimeoutMs) return this.#fail("timeout");
      this.#idleAtMs = storedAfter(this.#lastSegmentAtMs, this.config.idleTimeoutMs);
    }
    if (now >= this.rtoAt) {
      this.#rtoAtMs = T_INF;
      this.#retransmitTimeout(now);
      if (this.state === "CLOSED") return;
    }
    if (now >= this.delayedAckAt) {
      this.#delayedAckAtMs = T_INF;
      if (this.#ackPending) {
        this.#ackNow = true;
        // Linux tcp_delack_timer_handler: no reply came to carry the ACK,
        // so the connection is not interactive after all.
        this.pingpong = false;
      }
    }
    if (now >= this.persistAt) {
      this.#persistAtMs = T_INF;
      if (this.sndWnd === 0 && this.sendQueued > seqSub(this.sndNxt, this.sndUna)) {
        this.probePending = true;
        this.#persistBackoff++;
        this.#armPersist(now);
      }
    }
    if (now >= this.keepaliveAt) {
      this.#keepaliveAtMs = T_INF;
      this.#keepaliveTimer(now);
    }
  }

  // RFC 6298 §5.4-5.7, and giving up after too many retries.
  #retransmitTimeout(now: number): void {
    this.#retries++;
    this.#rareCounters().timeouts++;
    // A passive open's SYN-ACK has its own limit (Linux tcp_synack_retries), so
    // a half-open connection from a spoofed source gives way sooner.
    const handshake = this.state === "SYN-SENT" || this.state === "SYN-RECEIVED";
    const limit = this.state === "SYN-SENT"
      ? this.config.synRetries
      : this.state === "SYN-RECEIVED"
      ? (this.passive ? this.config.synAckRetries : this.config.synRetries)
      : this.config.maxRetries;
    const userTimedOut = this.config.userTimeoutMs > 0 && this.firstUnackedAt >= 0 &&
      now - this.firstUnackedAt >= this.config.userTimeoutMs;
    if (this.#retries > limit || userTimedOut) {
      if (this.passive && this.state === "SYN-RECEIVED") return this.#enterClosed();
      return this.#fail("timeout");
    }
    this.rtt.backoff();
    this.#timedAtMs = T_NONE; // Karn: no sample from a retransmitted segment
    if (handshake) {
      this.sndNxt = this.iss;
      this.synPending = true;
      this.#rtoAtMs = storedAfter(this.nowMs(now), this.rtt.rto);
      return;
    }
    if (this.sndUna === this.sndMax) return;
    this.cc.onTimeout(now, seqSub(this.sndMax, this.sndUna));
    // RFC 6582 §4 / RFC 6675 §5.1: recovery ends; duplicate ACKs for data sent
    // before the timeout must not start a new fast retransmit.
    this.#inRecovery = false;
    this.recover = this.sndMax;
    this.#rtxSeq = -1;
    this.#dupAcks = 0;
    this.highRxt = this.sndUna;
    // Go back to SND.UNA; SACKed data is skipped as it is resent.
    this.sndNxt = this.sndUna;
    // The FIN goes again after the data, unless it was acknowledged.
    if (!this.#finAcked()) this.#finSent = false;
    this.#rtoAtMs = storedAfter(this.nowMs(now), this.rtt.rto);
  }

  #armPersist(now: number): void {
    // RFC 9293 §3.8.6.1: probe the zero window with the RTO, backed off.
    const base = Math.max(this.rtt.rto, this.config.minRtoMs);
    this.#persistAtMs = storedAfter(
      this.nowMs(now),
      Math.min(base * 2 ** this.#persistBackoff, this.config.maxRtoMs),
    );
  }

  #armKeepalive(now: number): void {
    this.#keepaliveProbes = 0;
    this.#keepaliveAtMs = storedAfter(this.nowMs(now), this.config.keepIdleMs);
  }

  // RFC 1122 §4.2.3.6: after keepIdle of silence, probe every keepIntvl; after
  // keepCnt unanswered probes, the connection is dead.
  #keepaliveTimer(now: number): void {
    if (!this.config.keepalive || !isSynchronized(this.state)) return;
    // Anything heard since the last probe answers it.
    if (this.#keepaliveProbes > 0 && this.lastSegmentAt >= this.keepaliveProbeAt) {
      this.#keepaliveProbes = 0;
    }
    if (this.#keepaliveProbes === 0 && now - this.lastSegmentAt < this.config.keepIdleMs) {
      this.#keepaliveAtMs = storedAfter(this.#lastSegmentAtMs, this.config.keepIdleMs);
      return;
    }
    if (this.#keepaliveProbes >= this.config.keepCnt) return this.#fail("timeout");
    this.#keepaliveProbes++;
    this.#keepaliveProbeAtMs = storedMs(this.nowMs(now));
    this.probePending = true;
    this.#keepaliveAtMs = storedAfter(this.nowMs(now), this.config.keepIntvlMs);
  }

  // --- State plumbing ----------------------------------------------------------------

  #initSend(now: number, iss: number): void {
    this.iss = iss;
    this.sndUna = iss;
    this.sndNxt = iss;
    this.sndMax = iss;
    this.recover = iss;
    this.highRxt = iss;
    // RFC 7323 §5.4: a random offset per connection for TSval.
    this.tsOffset = tsOffsetFor(iss);
    this.#lastSegmentAtMs = storedMs(this.nowMs(now));
    if (this.config.idleTimeoutMs > 0) {
      this.#idleAtMs = storedAfter(this.nowMs(now), this.config.idleTimeoutMs);
    }
  }

  // Options of the peer's SYN (RFC 9293 §3.7.1, RFC 7323, RFC 2018).
  #negotiate(syn: TcpRepr, passive: boolean): void {
    // MSS: the peer's, else 536 (RFC 9293 §3.7.1), clamped to ours. RFC 6691:
    // the segment size excludes options, so the timestamps' 12 bytes come off.
    const peerMss = syn.mss > 0 ? syn.mss : 536;
    // Window scaling only if both sides offered it (RFC 7323 §2.2); the
    // peer's shift is capped at 14 (§2.3).
    this.wsAgreed = this.config.windowScaling && syn.windowScale >= 0;
    if (this.wsAgreed) {
      this.sndScale = Math.min(syn.windowScale, 14);
      if (passive) this.rcvScale = windowShiftFor(this.config.rcvBufSize);
    } else {
      this.sndScale = 0;
      this.rcvScale = 0;
    }
    this.tsEnabled = this.config.timestamps && syn.hasTimestamps;
    if (this.tsEnabled) this.tsRecent = syn.tsVal;
    this.sackEnabled = this.config.sack && syn.sackPermitted;
    this.#mssBase = Math.max(64, Math.min(peerMss, this.config.mss));
    this.mss = this.#mssBase - (this.tsEnabled ? 12 : 0);
    this.cc.mss = this.mss;
    this.cc.cwnd = Math.min(10 * this.mss, Math.max(2 * this.mss, 14600));
  }

  #mssBase = 536;

  #established(now: number): void {
    this.#setState("ESTABLISHED");
    this.#retries = 0;
    if (this.sndUna === this.sndMax) this.#rtoAtMs = T_INF;
    if (this.config.keepalive) this.#armKeepalive(now);
    this.#emit(this.passive ? TCP_EV_ESTABLISHED | TCP_EV_WRITABLE : TCP_EV_WRITABLE);
    if (this.#finQueued && this.passive) this.#setState("FIN-WAIT-1");
  }

  #enterTimeWait(now: number): void {
    this.#setState("TIME-WAIT");
    this.#rtoAtMs = T_INF;
    this.#persistAtMs = T_INF;
    this.#keepaliveAtMs = T_INF;
    this.#finWait2AtMs = T_INF;
    this.#idleAtMs = T_INF;
    this.#releaseTx();
    if (this.config.timeWaitMs <= 0) {
      // mTCP's tcp_timewait = 0: gone at once (the final ACK is still sent).
      this.#timeWaitAtMs = storedMs(this.nowMs(now));
      return;
    }
    this.#timeWaitAtMs = storedAfter(this.nowMs(now), this.config.timeWaitMs);
  }

  // The connection failed: CLOSED with an error for the application.
  #fail(error: TcpError): void {
    this.error = error;
    this.#enterClosed();
  }

  #enterClosed(): void {
    if (this.state === "CLOSED") return;
    this.#rtoAtMs = T_INF;
    this.#delayedAckAtMs = T_INF;
    this.#persistAtMs = T_INF;
    this.#keepaliveAtMs = T_INF;
    this.#timeWaitAtMs = T_INF;
    this.#retryAtMs = T_INF;
    this.#finWait2AtMs = T_INF;
    this.#idleAtMs = T_INF;
    this.synPending = false;
    this.#ackPending = false;
    this.#ackNow = false;
    this.probePending = false;
    this.#releaseTx();
    this.#ooo.clear();
    this.#setState("CLOSED");
    let events = TCP_EV_CLOSED | TCP_EV_HUP | TCP_EV_READABLE | TCP_EV_WRITABLE | TCP_EV_RDHUP;
    if (this.error !== "none") events |= TCP_EV_ERROR;
    this.#emit(events);
  }

  /** Frees the receive buffer once the application is done with the socket. */
  release(): void {
    this.#releaseRx();
    this.#releaseTx();
  }

  #setState(next: TcpState): void {
    const prev = this.state;
    if (prev === next) return;
    this.state = next;
    this.onStateChange?.(this, prev, next);
  }

  #emit(events: number): void {
    this.#owner.socketEvent(this, events);
  }

  #drop(): void {
    this.#rareCounters().dropped++;
  }

  #rxBuffer(): RingBuffer | undefined {
    return this.#rx ??= this.#acquireRing(this.#rxPool, this.config.rcvBufSize);
  }

  #txBuffer(): RingBuffer | undefined {
    return this.#tx ??= this.#acquireRing(this.#txPool, this.config.sndBufSize);
  }

  // A buffer from the pool when the size is the pool's (else one of our own).
  #acquireRing(pool: BufferPool | undefined, size: number): RingBuffer | undefined {
    if (pool !== undefined && pool.size === size) return pool.acquireRing();
    return new RingBuffer(new Uint8Array(size));
  }

  #releaseRx(): void {
    if (this.#rx === undefined || !this.#ooo.isEmpty) return;
    giveBack(this.#rxPool, this.#rx);
    this.#rx = undefined;
  }

  #releaseTx(): void {
    if (this.#tx === undefined) return;
    giveBack(this.#txPool, this.#tx);
    this.#tx = undefined;
  }
}

function giveBack(pool: BufferPool | undefined, ring: RingBuffer): void {
  if (pool !== undefined && ring.storage.length === pool.size) pool.releaseRing(ring);
}

/** The smallest window shift that lets a 16-bit field cover `bufferSize` (RFC 7323 §2.3, at most 14). */
/**
 * The per-connection offset of our TSval for ISN `iss` (RFC 7323 §5.4): a
 * cookie SYN-ACK uses it before its connection exists.
 */
export function tsOffsetFor(iss: number): number {
  return (iss * 2654435761) >>> 0;
}

/**
 * Fills `r` with the SYN-ACK a socket with `config` would answer `syn` with
 * (RFC 7323 §2.2: an unscaled window; only the options the SYN offered), for
 * ISN `iss` and the TSval `tsVal`: the stateless SYN-ACK of a SYN cookie.
 */
export function fillSynAck(
  r: TcpRepr,
  config: TcpConfig,
  syn: TcpRepr,
  iss: number,
  tsVal: number,
): void {
  r.clearOptions();
  r.srcPort = syn.dstPort;
  r.dstPort = syn.srcPort;
  r.seqNumber = iss;
  r.ackNumber = seqAdd(syn.seqNumber, 1);
  r.flags = TCP_SYN | TCP_ACK;
  r.urgentPointer = 0;
  r.window = Math.min(config.rcvBufSize, 65535);
  r.mss = config.mss;
  if (config.windowScaling && syn.windowScale >= 0) {
    r.windowScale = windowShiftFor(config.rcvBufSize);
  }
  r.sackPermitted = config.sack && syn.sackPermitted;
  if (config.timestamps && syn.hasTimestamps) {
    r.hasTimestamps = true;
    r.tsVal = tsVal;
    r.tsEcr = syn.tsVal;
  }
}

export function windowShiftFor(bufferSize: number): number {
  let shift = 0;
  while (shift < 14 && bufferSize > 65535 << shift) shift++;
  return shift;
}
