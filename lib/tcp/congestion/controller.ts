/**
 * The congestion controller interface. The socket runs loss detection and
 * recovery (RFC 6675 with SACK, RFC 6582 without); a controller only says how
 * the congestion window grows and how it shrinks on loss.
 *
 * @module
 */

/**
 * Algorithm names, as TCP_CONGESTION spells them.
 *
 * @example NewReno for one socket, CUBIC for the rest
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, type CongestionAlgorithm, INADDR_ANY, IPPROTO_TCP, MTCP_EPOLLOUT, MTCP_EPOLL_CTL_ADD, MemoryNetwork, SOCK_STREAM, TCP_CONGESTION, mtcp_accept, mtcp_bind, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_init, mtcp_listen, mtcp_setsock_nonblock, mtcp_setsockopt, mtcp_socket, parseIpv4Address } from "../../mod.ts";
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
 * mtcp_setsockopt(a, fd, IPPROTO_TCP, TCP_CONGESTION, "newreno");
 * const name: CongestionAlgorithm = a.connection(a.slotOf(fd))!.cc.name;
 * assert.equal(name, "newreno");
 * assert.equal(b.connection(b.slotOf(s))!.cc.name, "cubic");
 * mtcp_destroy();
 * ```
 */
export type CongestionAlgorithm = "newreno" | "cubic";

/**
 * The slow-start threshold before the first loss (RFC 5681 §3.1: "arbitrarily
 * high"): 2^31 - 1 bytes, as Linux's TCP_INFINITE_SSTHRESH. A small integer,
 * where Infinity would cost every connection a heap number.
 */
export const INITIAL_SSTHRESH = 0x7fffffff;

/**
 * One connection's congestion window. Windows are in bytes.
 *
 * @example The initial window: ten segments (RFC 6928)
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, type CongestionController, INADDR_ANY, MTCP_EPOLLOUT, MTCP_EPOLL_CTL_ADD, MemoryNetwork, SOCK_STREAM, mtcp_accept, mtcp_bind, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_init, mtcp_listen, mtcp_setsock_nonblock, mtcp_socket, parseIpv4Address } from "../../mod.ts";
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
 * const cc: CongestionController = a.connection(a.slotOf(fd))!.cc;
 * assert.equal(cc.cwnd, 10 * cc.mss);
 * mtcp_destroy();
 * ```
 */
export interface CongestionController {
  /** Algorithm name. */
  readonly name: CongestionAlgorithm;
  /** Congestion window. The socket may inflate it during NewReno recovery. */
  cwnd: number;
  /** Slow-start threshold; {@linkcode INITIAL_SSTHRESH} until the first loss. */
  ssthresh: number;
  /** Sender MSS the window counts in. */
  mss: number;
  /**
   * `acked` bytes of new data were acknowledged outside loss recovery;
   * `srttUs` is the smoothed RTT in whole microseconds.
   */
  onAck(now: number, acked: number, srttUs: number): void;
  /** Loss detected by duplicate ACKs or SACK: enter recovery (RFC 5681 §3.2 step 2). */
  onLoss(now: number, flightSize: number): void;
  /** The retransmission timer expired (RFC 5681 §3.1 eq. 4): back to one segment. */
  onTimeout(now: number, flightSize: number): void;
  /** The connection was idle for an RTO: restart from the initial window (RFC 5681 §4.1). */
  onIdleRestart(now: number): void;
}

/** RFC 6928: the initial window, min(10 MSS, max(2 MSS, 14600 bytes)). */
export function initialWindow(mss: number): number {
  return Math.min(10 * mss, Math.max(2 * mss, 14600));
}
