/**
 * ARP for IPv4 over Ethernet (RFC 826): request and reply.
 *
 * @module
 */

import { get16, get32, getMac, put16, put32, putMac } from "./address.ts";

/** ARP operation: request. */
export const ARP_REQUEST = 1;
/** ARP operation: reply. */
export const ARP_REPLY = 2;
/** Length of an ARP packet for IPv4 over Ethernet. */
export const ARP_PACKET_LEN = 28;

const HTYPE_ETHERNET = 1;
const PTYPE_IPV4 = 0x0800;

/** Why an ARP packet was rejected, or `"ok"`. */
export type ArpCheck = "ok" | "truncated" | "unsupported" | "badOperation";

/** A view over an ARP packet; reusable with {@linkcode ArpPacket.wrap}. */
export class ArpPacket {
  /** The bytes the packet lives in. */
  bytes: Uint8Array = new Uint8Array(0);
  /** Offset of the packet's first byte. */
  offset = 0;
  /** Length available to the packet. */
  length = 0;

  /** Points this view at `bytes[offset, offset + length)` and returns it. */
  wrap(bytes: Uint8Array, offset = 0, length: number = bytes.length - offset): this {
    this.bytes = bytes;
    this.offset = offset;
    this.length = length;
    return this;
  }
  /** Hardware type (1 = Ethernet). */
  get hardwareType(): number {
    return get16(this.bytes, this.offset);
  }
  /** Protocol type (0x0800 = IPv4). */
  get protocolType(): number {
    return get16(this.bytes, this.offset + 2);
  }
  /** Hardware address length. */
  get hardwareLength(): number {
    return this.bytes[this.offset + 4]!;
  }
  /** Protocol address length. */
  get protocolLength(): number {
    return this.bytes[this.offset + 5]!;
  }
  /** Operation: 1 request, 2 reply. */
  get operation(): number {
    return get16(this.bytes, this.offset + 6);
  }
  /** Sender hardware address. */
  get senderMac(): number {
    return getMac(this.bytes, this.offset + 8);
  }
  /** Sender protocol address. */
  get senderIp(): number {
    return get32(this.bytes, this.offset + 14);
  }
  /** Target hardware address. */
  get targetMac(): number {
    return getMac(this.bytes, this.offset + 18);
  }
  /** Target protocol address. */
  get targetIp(): number {
    return get32(this.bytes, this.offset + 24);
  }

  /** Validates the packet for IPv4 over Ethernet. */
  check(): ArpCheck {
    if (this.length < 8) return "truncated";
    if (
      this.hardwareType !== HTYPE_ETHERNET || this.protocolType !== PTYPE_IPV4 ||
      this.hardwareLength !== 6 || this.protocolLength !== 4
    ) return "unsupported";
    if (this.length < ARP_PACKET_LEN) return "truncated";
    const op = this.operation;
    if (op !== ARP_REQUEST && op !== ARP_REPLY) return "badOperation";
    return "ok";
  }
}

/** A validated ARP packet for IPv4 over Ethernet. */
export interface ArpRepr {
  /** {@linkcode ARP_REQUEST} or {@linkcode ARP_REPLY}. */
  operation: number;
  /** Sender MAC. */
  senderMac: number;
  /** Sender IPv4 address. */
  senderIp: number;
  /** Target MAC (zero in a request). */
  targetMac: number;
  /** Target IPv4 address. */
  targetIp: number;
}

/** A fresh, zeroed {@linkcode ArpRepr}. */
export function arpRepr(): ArpRepr {
  return { operation: 0, senderMac: 0, senderIp: 0, targetMac: 0, targetIp: 0 };
}

/** Parses into `into`; `undefined` if malformed or not IPv4 over Ethernet. */
export function parseArp(packet: ArpPacket, into: ArpRepr = arpRepr()): ArpRepr | undefined {
  if (packet.check() !== "ok") return undefined;
  into.operation = packet.operation;
  into.senderMac = packet.senderMac;
  into.senderIp = packet.senderIp;
  into.targetMac = packet.targetMac;
  into.targetIp = packet.targetIp;
  return into;
}

/** Writes `repr` at `bytes[offset]`: exactly {@linkcode ARP_PACKET_LEN} bytes. */
export function emitArp(repr: ArpRepr, bytes: Uint8Array, offset: number): number {
  put16(bytes, offset, HTYPE_ETHERNET);
  put16(bytes, offset + 2, PTYPE_IPV4);
  bytes[offset + 4] = 6;
  bytes[offset + 5] = 4;
  put16(bytes, offset + 6, repr.operation);
  putMac(bytes, offset + 8, repr.senderMac);
  put32(bytes, offset + 14, repr.senderIp);
  putMac(bytes, offset + 18, repr.targetMac);
  put32(bytes, offset + 24, repr.targetIp);
  return ARP_PACKET_LEN;
}
