/**
 * The eleven TCP states, spelled as RFC 9293 §3.3.2 spells them, so traces and
 * test failures read like the RFC.
 *
 * @module
 */

/**
 * A TCP connection state.
 *
 * @example The states a half-close walks through
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, INADDR_ANY, MTCP_EPOLLOUT, MTCP_EPOLL_CTL_ADD, MemoryNetwork, SHUT_WR, SOCK_STREAM, type TcpState, mtcp_accept, mtcp_bind, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_init, mtcp_listen, mtcp_setsock_nonblock, mtcp_shutdown, mtcp_socket, parseIpv4Address } from "../mod.ts";
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
 * const state = (): TcpState => a.connection(a.slotOf(fd))!.state;
 * mtcp_shutdown(a, fd, SHUT_WR);
 * network.runFor(100);
 * assert.equal(state(), "FIN-WAIT-2");
 * mtcp_shutdown(b, s, SHUT_WR);
 * network.runFor(100);
 * assert.equal(state(), "TIME-WAIT");
 * mtcp_destroy();
 * ```
 */
export type TcpState =
  | "CLOSED"
  | "LISTEN"
  | "SYN-SENT"
  | "SYN-RECEIVED"
  | "ESTABLISHED"
  | "FIN-WAIT-1"
  | "FIN-WAIT-2"
  | "CLOSE-WAIT"
  | "CLOSING"
  | "LAST-ACK"
  | "TIME-WAIT";

/** Every state, in the RFC's order. */
export const TCP_STATES: readonly TcpState[] = [
  "CLOSED",
  "LISTEN",
  "SYN-SENT",
  "SYN-RECEIVED",
  "ESTABLISHED",
  "FIN-WAIT-1",
  "FIN-WAIT-2",
  "CLOSE-WAIT",
  "CLOSING",
  "LAST-ACK",
  "TIME-WAIT",
];

/** True once the handshake has completed (RFC 9293: a synchronized state). */
export function isSynchronized(state: TcpState): boolean {
  switch (state) {
    case "CLOSED":
    case "LISTEN":
    case "SYN-SENT":
    case "SYN-RECEIVED":
      return false;
    case "ESTABLISHED":
    case "FIN-WAIT-1":
    case "FIN-WAIT-2":
    case "CLOSE-WAIT":
    case "CLOSING":
    case "LAST-ACK":
    case "TIME-WAIT":
      return true;
  }
}

/** True in the states where the peer may still send us data. */
export function canReceive(state: TcpState): boolean {
  return state === "ESTABLISHED" || state === "FIN-WAIT-1" || state === "FIN-WAIT-2";
}

/** True in the states where we may still queue data to send. */
export function canSend(state: TcpState): boolean {
  return state === "ESTABLISHED" || state === "CLOSE-WAIT";
}
