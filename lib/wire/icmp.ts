/**
 * ICMP for IPv4 (RFC 792): echo request and reply, destination unreachable,
 * time exceeded. Other types parse to their type and code only.
 *
 * @module
 */

import { get16, put16 } from "./address.ts";
import { checksumAdd, checksumFinish, checksumFold } from "./checksum.ts";

/** ICMP type: echo reply. */
export const ICMP_ECHO_REPLY = 0;
/** ICMP type: destination unreachable. */
export const ICMP_DEST_UNREACHABLE = 3;
/** ICMP type: echo request. */
export const ICMP_ECHO_REQUEST = 8;
/** ICMP type: time exceeded. */
export const ICMP_TIME_EXCEEDED = 11;
/** Destination unreachable code: protocol unreachable. */
export const ICMP_UNREACH_PROTOCOL = 2;
/** Destination unreachable code: port unreachable. */
export const ICMP_UNREACH_PORT = 3;
/** Destination unreachable code: fragmentation needed and DF set. */
export const ICMP_UNREACH_NEEDFRAG = 4;
/** Time exceeded code: fragment reassembly time exceeded. */
export const ICMP_EXC_FRAGTIME = 1;
/** Length of the ICMP header (type, code, checksum, four bytes of rest). */
export const ICMP_HEADER_LEN = 8;

/** Why an ICMP message was rejected, or `"ok"`. */
export type IcmpCheck = "ok" | "truncated" | "badChecksum";

/** A view over an ICMP message; reusable with {@linkcode IcmpPacket.wrap}. */
export class IcmpPacket {
  /** The bytes the message lives in. */
  bytes: Uint8Array = new Uint8Array(0);
  /** Offset of the message's first byte. */
  offset = 0;
  /** Length of the message (the IP payload length). */
  length = 0;

  /** Points this view at `bytes[offset, offset + length)` and returns it. */
  wrap(bytes: Uint8Array, offset = 0, length: number = bytes.length - offset): this {
    this.bytes = bytes;
    this.offset = offset;
    this.length = length;
    return this;
  }
  /** Message type. */
  get type(): number {
    return this.bytes[this.offset]!;
  }
  /** Message code. */
  get code(): number {
    return this.bytes[this.offset + 1]!;
  }
  /** Checksum field. */
  get checksum(): number {
    return get16(this.bytes, this.offset + 2);
  }
  /** Echo identifier (echo request and reply). */
  get ident(): number {
    return get16(this.bytes, this.offset + 4);
  }
  /** Echo sequence number (echo request and reply). */
  get seqNo(): number {
    return get16(this.bytes, this.offset + 6);
  }
  /** Next-hop MTU of a "fragmentation needed" message (RFC 1191). */
  get nextHopMtu(): number {
    return get16(this.bytes, this.offset + 6);
  }
  /** Offset of the data after the 8-byte header. */
  get dataOffset(): number {
    return this.offset + ICMP_HEADER_LEN;
  }
  /** Length of the data after the 8-byte header. */
  get dataLength(): number {
    return this.length - ICMP_HEADER_LEN;
  }
  /** Validates length and checksum. */
  check(): IcmpCheck {
    if (this.length < ICMP_HEADER_LEN) return "truncated";
    if (checksumFold(checksumAdd(0, this.bytes, this.offset, this.length)) !== 0xffff) {
      return "badChecksum";
    }
    return "ok";
  }
}

/** A validated ICMP message. */
export interface IcmpRepr {
  /** Message type. */
  type: number;
  /** Message code. */
  code: number;
  /**
   * The four bytes after the checksum as one number: identifier and sequence
   * number for echo, next-hop MTU for "fragmentation needed", else unused.
   */
  rest: number;
  /** Offset of the data in the parsed packet's bytes. */
  dataOffset: number;
  /** Length of the data. */
  dataLength: number;
}

/** A fresh, zeroed {@linkcode IcmpRepr}. */
export function icmpRepr(): IcmpRepr {
  return { type: 0, code: 0, rest: 0, dataOffset: 0, dataLength: 0 };
}

/** Parses into `into`; `undefined` if truncated or the checksum fails. */
export function parseIcmp(packet: IcmpPacket, into: IcmpRepr = icmpRepr()): IcmpRepr | undefined {
  if (packet.check() !== "ok") return undefined;
  into.type = packet.type;
  into.code = packet.code;
  into.rest = (get16(packet.bytes, packet.offset + 4) * 0x10000) +
    get16(packet.bytes, packet.offset + 6);
  into.dataOffset = packet.dataOffset;
  into.dataLength = packet.dataLength;
  return into;
}

/**
 * Writes an ICMP header at `bytes[offset]` whose `dataLength` bytes of data are
 * already in place after it, and computes the checksum over both. Returns the
 * message length.
 */
export function writeIcmp(
  bytes: Uint8Array,
  offset: number,
  type: number,
  code: number,
  rest: number,
  dataLength: number,
): number {
  bytes[offset] = type;
  bytes[offset + 1] = code;
  put16(bytes, offset + 2, 0);
  put16(bytes, offset + 4, Math.floor(rest / 0x10000) & 0xffff);
  put16(bytes, offset + 6, rest & 0xffff);
  const length = ICMP_HEADER_LEN + dataLength;
  put16(bytes, offset + 2, checksumFinish(checksumAdd(0, bytes, offset, length)));
  return length;
}

/** Writes `repr` with its data already in place; see {@linkcode writeIcmp}. */
export function emitIcmp(repr: IcmpRepr, bytes: Uint8Array, offset: number): number {
  return writeIcmp(bytes, offset, repr.type, repr.code, repr.rest, repr.dataLength);
}
