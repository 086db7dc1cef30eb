/**
 * The eleven TCP states, spelled as RFC 9293 §3.3.2 spells them, so traces and
 * test failures read like the RFC.
 *
 * @module
 */

/** A TCP connection state. */
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
