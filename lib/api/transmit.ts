/**
 * A context's transmit path: TCP segments built straight into the device's
 * transmit slot, from a socket (its payload copied out of its send buffer)
 * or bare (a TIME-WAIT record's ACK), with TSO super-segments when the
 * payload is longer than the MSS.
 *
 * @module
 */

import type { Interface } from "../iface/interface.ts";
import type { TcpSocket, TcpTransmit } from "../tcp/socket.ts";
import { IP_PROTO_TCP } from "../wire/ipv4.ts";
import { emitTcp, tcpHeaderLen, type TcpRepr } from "../wire/tcp.ts";

/** Segments out through one interface. */
export class TransmitPath implements TcpTransmit {
  readonly #iface: Interface;

  /** The path through `iface`. */
  constructor(iface: Interface) {
    this.#iface = iface;
  }

  /**
   * Builds one segment of `sock` (header `repr`, `payloadLength` bytes from
   * `payloadOffset` of its send buffer) into a transmit slot; false when it
   * must wait (no slot, the next hop not resolved yet).
   */
  send(
    now: number,
    sock: TcpSocket,
    repr: TcpRepr,
    payloadOffset: number,
    payloadLength: number,
  ): boolean {
    const iface = this.#iface;
    const hl = tcpHeaderLen(repr);
    // A segment longer than the MSS is a TSO super-segment: the device cuts it
    // into MSS-sized pieces and completes their checksums.
    const gso = payloadLength > sock.mss ? sock.mss : 0;
    const slot = iface.beginIpv4(now, sock.remoteAddr, IP_PROTO_TCP, hl + payloadLength, true, gso);
    // No route is a loss, as on a wire: the socket's timers retransmit,
    // backing off, instead of retrying at every round.
    if (slot === undefined) return iface.txLost;
    if (payloadLength > 0) {
      sock.copyPayload(payloadOffset, payloadLength, slot.bytes, slot.offset + hl);
    }
    emitTcp(repr, slot.bytes, slot.offset, iface.address, sock.remoteAddr, payloadLength, gso > 0);
    return iface.commitIpv4(now);
  }

  /** Sends a segment without payload and without a socket to `dst`; false when it could not go. */
  sendBare(now: number, dst: number, repr: TcpRepr): boolean {
    const iface = this.#iface;
    const slot = iface.beginIpv4(now, dst, IP_PROTO_TCP, tcpHeaderLen(repr), true);
    if (slot === undefined) return false;
    emitTcp(repr, slot.bytes, slot.offset, iface.address, dst, 0);
    return iface.commitIpv4(now);
  }
}
