/**
 * TCP headers (RFC 9293 §3.1) and every option a Linux peer sends or expects:
 * MSS (RFC 9293), window scale and timestamps (RFC 7323), SACK-permitted and
 * SACK blocks (RFC 2018), NOP and EOL. Unknown options are skipped by their
 * length; an option whose length is malformed, or wrong for its kind, makes
 * the whole segment invalid.
 *
 * @module
 */

import { get16, get32, put16, put32 } from "./address.ts";
import { checksumAdd, checksumFinish, checksumFold, pseudoHeaderSum } from "./checksum.ts";
import { IP_PROTO_TCP } from "./ipv4.ts";

/** Smallest TCP header. */
export const TCP_HEADER_LEN = 20;
/** Largest TCP header (data offset 15). */
export const TCP_MAX_HEADER_LEN = 60;
/** Most SACK blocks that fit in the option space (RFC 2018 §3). */
export const TCP_MAX_SACK_BLOCKS = 4;

/** Flag bit FIN. */
export const TCP_FIN = 0x01;
/** Flag bit SYN. */
export const TCP_SYN = 0x02;
/** Flag bit RST. */
export const TCP_RST = 0x04;
/** Flag bit PSH. */
export const TCP_PSH = 0x08;
/** Flag bit ACK. */
export const TCP_ACK = 0x10;
/** Flag bit URG. */
export const TCP_URG = 0x20;
/** Flag bit ECE (RFC 3168). */
export const TCP_ECE = 0x40;
/** Flag bit CWR (RFC 3168). */
export const TCP_CWR = 0x80;

/** Option kind: end of option list. */
export const TCPOPT_EOL = 0;
/** Option kind: no operation. */
export const TCPOPT_NOP = 1;
/** Option kind: maximum segment size. */
export const TCPOPT_MSS = 2;
/** Option kind: window scale. */
export const TCPOPT_WINDOW_SCALE = 3;
/** Option kind: SACK permitted. */
export const TCPOPT_SACK_PERMITTED = 4;
/** Option kind: SACK blocks. */
export const TCPOPT_SACK = 5;
/** Option kind: timestamps. */
export const TCPOPT_TIMESTAMPS = 8;

/** Why a TCP segment was rejected, or `"ok"`. */
export type TcpCheck = "ok" | "truncated" | "badDataOffset" | "badChecksum" | "badOption";

/** A view over a TCP segment; reusable with {@linkcode TcpPacket.wrap}. */
export class TcpPacket {
  /** The bytes the segment lives in. */
  bytes: Uint8Array = new Uint8Array(0);
  /** Offset of the header's first byte. */
  offset = 0;
  /** Length of the segment (header and payload: the IP payload length). */
  length = 0;

  /** Points this view at `bytes[offset, offset + length)` and returns it. */
  wrap(bytes: Uint8Array, offset = 0, length: number = bytes.length - offset): this {
    this.bytes = bytes;
    this.offset = offset;
    this.length = length;
    return this;
  }
  /** Source port. */
  get srcPort(): number {
    return get16(this.bytes, this.offset);
  }
  /** Destination port. */
  get dstPort(): number {
    return get16(this.bytes, this.offset + 2);
  }
  /** Sequence number. */
  get seqNumber(): number {
    return get32(this.bytes, this.offset + 4);
  }
  /** Acknowledgment number. */
  get ackNumber(): number {
    return get32(this.bytes, this.offset + 8);
  }
  /** Header length in bytes (data offset x 4). */
  get headerLength(): number {
    return (this.bytes[this.offset + 12]! >>> 4) * 4;
  }
  /** The eight flag bits (CWR ... FIN). */
  get flags(): number {
    return this.bytes[this.offset + 13]!;
  }
  /** Window field, unscaled. */
  get window(): number {
    return get16(this.bytes, this.offset + 14);
  }
  /** Checksum field. */
  get checksum(): number {
    return get16(this.bytes, this.offset + 16);
  }
  /** Urgent pointer. */
  get urgentPointer(): number {
    return get16(this.bytes, this.offset + 18);
  }
  /** Offset of the payload. */
  get payloadOffset(): number {
    return this.offset + this.headerLength;
  }
  /** Length of the payload. */
  get payloadLength(): number {
    return this.length - this.headerLength;
  }
  /** True when the checksum verifies with the pseudo-header of `src` and `dst`. */
  verifyChecksum(src: number, dst: number): boolean {
    const sum = checksumAdd(
      pseudoHeaderSum(src, dst, IP_PROTO_TCP, this.length),
      this.bytes,
      this.offset,
      this.length,
    );
    return checksumFold(sum) === 0xffff;
  }
  /**
   * Validates header length, checksum (skipped when `src` and `dst` are not
   * given, for devices that have verified it) and option syntax.
   */
  check(src?: number, dst?: number): TcpCheck {
    if (this.length < TCP_HEADER_LEN) return "truncated";
    const hl = this.headerLength;
    if (hl < TCP_HEADER_LEN) return "badDataOffset";
    if (hl > this.length) return "truncated";
    if (src !== undefined && dst !== undefined && !this.verifyChecksum(src, dst)) {
      return "badChecksum";
    }
    if (!walkOptions(this.bytes, this.offset + TCP_HEADER_LEN, hl - TCP_HEADER_LEN, undefined)) {
      return "badOption";
    }
    return "ok";
  }
}

/**
 * A validated TCP header. Reusable: {@linkcode parseTcp} overwrites every field.
 * Absent options are `0` (mss), `-1` (windowScale), `false` (sackPermitted,
 * hasTimestamps) and `sackCount` 0.
 *
 * @example A SYN occupies one sequence number
 * ```ts
 * import assert from "node:assert/strict";
 * import { TcpRepr } from "../mod.ts";
 * const syn = new TcpRepr();
 * syn.flags = 0x02; // SYN
 * syn.payloadLength = 0;
 * assert.equal(syn.segmentLength, 1);
 * ```
 */
export class TcpRepr {
  /** Source port. */
  srcPort = 0;
  /** Destination port. */
  dstPort = 0;
  /** Sequence number. */
  seqNumber = 0;
  /** Acknowledgment number (meaningful with ACK). */
  ackNumber = 0;
  /** Flag bits, {@linkcode TCP_SYN} etc. */
  flags = 0;
  /** Window field, unscaled. */
  window = 0;
  /** Urgent pointer. */
  urgentPointer = 0;
  /** MSS option value, 0 when absent. */
  mss = 0;
  /** Window scale shift, -1 when absent. */
  windowScale: number = -1;
  /** SACK-permitted option present. */
  sackPermitted = false;
  /** Timestamps option present. */
  hasTimestamps = false;
  /** TSval. */
  tsVal = 0;
  /** TSecr. */
  tsEcr = 0;
  /** Number of SACK blocks, 0 to 4. */
  sackCount = 0;
  /** SACK blocks as `[left0, right0, left1, right1, ...]`. */
  readonly sackBlocks: Uint32Array = new Uint32Array(2 * TCP_MAX_SACK_BLOCKS);
  /** Offset of the payload in the parsed packet's bytes. */
  payloadOffset = 0;
  /** Length of the payload. */
  payloadLength = 0;

  /** Clears every option, leaving ports, numbers and flags. */
  clearOptions(): this {
    this.mss = 0;
    this.windowScale = -1;
    this.sackPermitted = false;
    this.hasTimestamps = false;
    this.tsVal = 0;
    this.tsEcr = 0;
    this.sackCount = 0;
    return this;
  }

  /** Sequence space the segment occupies: payload plus one each for SYN and FIN. */
  get segmentLength(): number {
    return this.payloadLength + ((this.flags & TCP_SYN) !== 0 ? 1 : 0) +
      ((this.flags & TCP_FIN) !== 0 ? 1 : 0);
  }
}

// Walks the options; fills `into` when given. False on malformed syntax or a
// length wrong for a known kind.
function walkOptions(b: Uint8Array, o: number, len: number, into: TcpRepr | undefined): boolean {
  let i = 0;
  while (i < len) {
    const kind = b[o + i]!;
    if (kind === TCPOPT_EOL) break;
    if (kind === TCPOPT_NOP) {
      i++;
      continue;
    }
    if (i + 1 >= len) return false;
    const optLen = b[o + i + 1]!;
    if (optLen < 2 || i + optLen > len) return false;
    const d = o + i + 2;
    switch (kind) {
      case TCPOPT_MSS:
        if (optLen !== 4) return false;
        if (into) into.mss = get16(b, d);
        break;
      case TCPOPT_WINDOW_SCALE:
        if (optLen !== 3) return false;
        if (into) into.windowScale = b[d]!;
        break;
      case TCPOPT_SACK_PERMITTED:
        if (optLen !== 2) return false;
        if (into) into.sackPermitted = true;
        break;
      case TCPOPT_TIMESTAMPS:
        if (optLen !== 10) return false;
        if (into) {
          into.hasTimestamps = true;
          // Read in place, not through get32: a uint32 above 2^31 returned
          // from a call that is not inlined is a new heap number.
          into.tsVal = ((b[d]! << 24) | (b[d + 1]! << 16) | (b[d + 2]! << 8) | b[d + 3]!) >>> 0;
          into.tsEcr = ((b[d + 4]! << 24) | (b[d + 5]! << 16) | (b[d + 6]! << 8) | b[d + 7]!) >>> 0;
        }
        break;
      case TCPOPT_SACK: {
        const n = (optLen - 2) / 8;
        if (!Number.isInteger(n) || n < 1 || n > TCP_MAX_SACK_BLOCKS) return false;
        if (into) {
          into.sackCount = n;
          for (let k = 0, o = d; k < 2 * n; k++, o += 4) {
            into.sackBlocks[k] =
              ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>>
              0;
          }
        }
        break;
      }
      default:
        // RFC 9293 §3.2: an unknown option is skipped by its length.
        break;
    }
    i += optLen;
  }
  return true;
}

/**
 * Parses into `into`. With `src` and `dst` the checksum is verified against the
 * pseudo-header; without them it is taken as verified. `undefined` if malformed.
 */
export function parseTcp(
  packet: TcpPacket,
  into: TcpRepr = new TcpRepr(),
  src?: number,
  dst?: number,
): TcpRepr | undefined {
  if (packet.check(src, dst) !== "ok") return undefined;
  return readTcp(packet, into);
}

/**
 * Fills `into` from a segment whose {@linkcode TcpPacket.check} has already
 * passed (the receive path checks once, with the checksum, and counts the
 * fault; this does not check again). Unchecked input is undefined behaviour.
 */
export function readTcp(packet: TcpPacket, into: TcpRepr): TcpRepr {
  into.srcPort = packet.srcPort;
  into.dstPort = packet.dstPort;
  // Read in place, not through the getters: a 32-bit value returned from a
  // call that is not inlined is boxed, and this runs once per segment.
  const b = packet.bytes;
  const o = packet.offset;
  into.seqNumber = ((b[o + 4]! << 24) | (b[o + 5]! << 16) | (b[o + 6]! << 8) | b[o + 7]!) >>> 0;
  into.ackNumber = ((b[o + 8]! << 24) | (b[o + 9]! << 16) | (b[o + 10]! << 8) | b[o + 11]!) >>> 0;
  into.flags = packet.flags;
  into.window = packet.window;
  into.urgentPointer = packet.urgentPointer;
  into.clearOptions();
  walkOptions(
    packet.bytes,
    packet.offset + TCP_HEADER_LEN,
    packet.headerLength - TCP_HEADER_LEN,
    into,
  );
  into.payloadOffset = packet.payloadOffset;
  into.payloadLength = packet.payloadLength;
  return into;
}

/** Header length {@linkcode emitTcp} writes for `repr`, options padded to 4 bytes. */
export function tcpHeaderLen(repr: TcpRepr): number {
  let len = TCP_HEADER_LEN;
  if (repr.mss > 0) len += 4;
  if (repr.hasTimestamps) len += 12; // SACK-permitted rides in the timestamp's NOPs.
  else if (repr.sackPermitted) len += 4;
  if (repr.windowScale >= 0) len += 4;
  if (repr.sackCount > 0) len += 4 + 8 * repr.sackCount;
  return len;
}

/**
 * Writes the header of `repr` at `bytes[offset]` and the checksum over header
 * and the `payloadLength` bytes of payload already placed after the header.
 * Options go in the order Linux writes them (tcp_options_write): MSS, then
 * SACK-permitted+timestamps (or NOP,NOP,timestamps; or NOP,NOP,SACK-permitted),
 * NOP,window scale, NOP,NOP,SACK blocks. Returns the header length.
 *
 * With `partialChecksum`, the checksum field gets only the folded
 * pseudo-header sum, for a device that completes it (checksum offload, TSO):
 * the payload is not read.
 */
export function emitTcp(
  repr: TcpRepr,
  bytes: Uint8Array,
  offset: number,
  src: number,
  dst: number,
  payloadLength: number,
  partialChecksum = false,
): number {
  const hl = tcpHeaderLen(repr);
  put16(bytes, offset, repr.srcPort);
  put16(bytes, offset + 2, repr.dstPort);
  put32(bytes, offset + 4, repr.seqNumber);
  put32(bytes, offset + 8, repr.ackNumber);
  bytes[offset + 12] = (hl >>> 2) << 4;
  bytes[offset + 13] = repr.flags;
  put16(bytes, offset + 14, repr.window);
  put16(bytes, offset + 16, 0);
  put16(bytes, offset + 18, repr.urgentPointer);
  let o = offset + TCP_HEADER_LEN;
  if (repr.mss > 0) {
    bytes[o] = TCPOPT_MSS;
    bytes[o + 1] = 4;
    put16(bytes, o + 2, repr.mss);
    o += 4;
  }
  if (repr.hasTimestamps) {
    if (repr.sackPermitted) {
      bytes[o] = TCPOPT_SACK_PERMITTED;
      bytes[o + 1] = 2;
    } else {
      bytes[o] = TCPOPT_NOP;
      bytes[o + 1] = TCPOPT_NOP;
    }
    bytes[o + 2] = TCPOPT_TIMESTAMPS;
    bytes[o + 3] = 10;
    put32(bytes, o + 4, repr.tsVal);
    put32(bytes, o + 8, repr.tsEcr);
    o += 12;
  } else if (repr.sackPermitted) {
    bytes[o] = TCPOPT_NOP;
    bytes[o + 1] = TCPOPT_NOP;
    bytes[o + 2] = TCPOPT_SACK_PERMITTED;
    bytes[o + 3] = 2;
    o += 4;
  }
  if (repr.windowScale >= 0) {
    bytes[o] = TCPOPT_NOP;
    bytes[o + 1] = TCPOPT_WINDOW_SCALE;
    bytes[o + 2] = 3;
    bytes[o + 3] = repr.windowScale;
    o += 4;
  }
  if (repr.sackCount > 0) {
    bytes[o] = TCPOPT_NOP;
    bytes[o + 1] = TCPOPT_NOP;
    bytes[o + 2] = TCPOPT_SACK;
    bytes[o + 3] = 2 + 8 * repr.sackCount;
    o += 4;
    for (let k = 0; k < 2 * repr.sackCount; k++, o += 4) put32(bytes, o, repr.sackBlocks[k]!);
  }
  const length = hl + payloadLength;
  if (partialChecksum) {
    put16(bytes, offset + 16, checksumFold(pseudoHeaderSum(src, dst, IP_PROTO_TCP, length)));
    return hl;
  }
  const sum = checksumAdd(pseudoHeaderSum(src, dst, IP_PROTO_TCP, length), bytes, offset, length);
  put16(bytes, offset + 16, checksumFinish(sum));
  return hl;
}

/**
 * Computes and stores the TCP checksum of an Ethernet frame carrying IPv4 and
 * TCP, whatever the checksum field held (a partial checksum from an offloading
 * sender, say). Returns false, changing nothing, for any other frame or one
 * too short for its headers.
 */
export function completeTcpChecksum(bytes: Uint8Array, offset: number, length: number): boolean {
  if (length < 14 + 20 + TCP_HEADER_LEN) return false;
  if (bytes[offset + 12] !== 0x08 || bytes[offset + 13] !== 0x00) return false;
  const ip = offset + 14;
  if (bytes[ip]! >> 4 !== 4 || bytes[ip + 9] !== IP_PROTO_TCP) return false;
  const ihl = (bytes[ip]! & 0x0f) * 4;
  const total = (bytes[ip + 2]! << 8) | bytes[ip + 3]!;
  if (ihl < 20 || total < ihl + TCP_HEADER_LEN || total > length - 14) return false;
  const src = ((bytes[ip + 12]! << 24) | (bytes[ip + 13]! << 16) | (bytes[ip + 14]! << 8) |
    bytes[ip + 15]!) >>> 0;
  const dst = ((bytes[ip + 16]! << 24) | (bytes[ip + 17]! << 16) | (bytes[ip + 18]! << 8) |
    bytes[ip + 19]!) >>> 0;
  const seg = ip + ihl;
  const segLen = total - ihl;
  bytes[seg + 16] = 0;
  bytes[seg + 17] = 0;
  const sum = checksumFinish(
    checksumAdd(pseudoHeaderSum(src, dst, IP_PROTO_TCP, segLen), bytes, seg, segLen),
  );
  bytes[seg + 16] = sum >> 8;
  bytes[seg + 17] = sum & 0xff;
  return true;
}
