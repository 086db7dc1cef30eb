/**
 * IPv4 headers (RFC 791): header length with options honoured, total length,
 * flags and fragment offset, TTL, header checksum.
 *
 * @module
 */

import { get16, get32, put16, put32 } from "./address.ts";
import { checksumAdd, checksumFinish, checksumFold } from "./checksum.ts";

/** Smallest IPv4 header (IHL 5). */
export const IPV4_HEADER_LEN = 20;
/** Largest IPv4 header (IHL 15). */
export const IPV4_MAX_HEADER_LEN = 60;
/** Largest IPv4 datagram. */
export const IPV4_MAX_DATAGRAM = 65535;
/** Protocol number of ICMP. */
export const IP_PROTO_ICMP = 1;
/** Protocol number of TCP. */
export const IP_PROTO_TCP = 6;
/** Protocol number of UDP. */
export const IP_PROTO_UDP = 17;

/** IP option: end of option list (RFC 791). */
export const IPOPT_EOL = 0;
/** IP option: no operation. */
export const IPOPT_NOP = 1;
/** IP option: record route. */
export const IPOPT_RR = 7;
/** IP option: loose source and record route. */
export const IPOPT_LSRR = 131;
/** IP option: strict source and record route. */
export const IPOPT_SSRR = 137;

/**
 * Why an IPv4 packet was rejected, or `"ok"`.
 *
 * @example A header with a wrong checksum is refused with a reason
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Ipv4Check, Ipv4Packet } from "../mod.ts";
 * const bytes = new Uint8Array([0x45, 0, 0, 20, 0, 1, 0x40, 0, 64, 6, 0xde, 0xad, 10, 0, 0, 1, 10, 0, 0, 2]);
 * const check: Ipv4Check = new Ipv4Packet().wrap(bytes, 0, 20).check(true);
 * assert.equal(check, "badChecksum");
 * ```
 */
export type Ipv4Check =
  | "ok"
  | "truncated"
  | "badVersion"
  | "badHeaderLength"
  | "badTotalLength"
  | "badChecksum"
  | "badFragment"
  | "badOptions";

/**
 * A view over an IPv4 packet; reusable with {@linkcode Ipv4Packet.wrap}.
 *
 * @example Reading an IPv4 header in place
 * ```ts
 * import assert from "node:assert/strict";
 * import { Ipv4Packet, formatIpv4 } from "../mod.ts";
 * const bytes = new Uint8Array([0x45, 0, 0, 20, 0, 1, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
 * const ip = new Ipv4Packet().wrap(bytes, 0, bytes.length);
 * assert.equal(ip.ttl, 64);
 * assert.equal(ip.protocol, 6);
 * assert.equal(formatIpv4(ip.dst), "10.0.0.2");
 * assert.ok(ip.dontFragment);
 * ```
 */
export class Ipv4Packet {
  /** The bytes the packet lives in. */
  bytes: Uint8Array = new Uint8Array(0);
  /** Offset of the header's first byte. */
  offset = 0;
  /** Bytes available from `offset` (the frame payload, padding included). */
  length = 0;

  /** Points this view at `bytes[offset, offset + length)` and returns it. */
  wrap(bytes: Uint8Array, offset = 0, length: number = bytes.length - offset): this {
    this.bytes = bytes;
    this.offset = offset;
    this.length = length;
    return this;
  }
  /** Version field (4). */
  get version(): number {
    return this.bytes[this.offset]! >>> 4;
  }
  /** Header length in bytes (IHL x 4). */
  get headerLength(): number {
    return (this.bytes[this.offset]! & 0x0f) * 4;
  }
  /** DSCP and ECN byte. */
  get dscpEcn(): number {
    return this.bytes[this.offset + 1]!;
  }
  /** Total length field. */
  get totalLength(): number {
    return get16(this.bytes, this.offset + 2);
  }
  /** Identification field. */
  get ident(): number {
    return get16(this.bytes, this.offset + 4);
  }
  /** The DF flag. */
  get dontFragment(): boolean {
    return (this.bytes[this.offset + 6]! & 0x40) !== 0;
  }
  /** The MF flag. */
  get moreFragments(): boolean {
    return (this.bytes[this.offset + 6]! & 0x20) !== 0;
  }
  /** The reserved (evil) bit. */
  get reservedFlag(): boolean {
    return (this.bytes[this.offset + 6]! & 0x80) !== 0;
  }
  /** Fragment offset in bytes. */
  get fragmentOffset(): number {
    return (get16(this.bytes, this.offset + 6) & 0x1fff) * 8;
  }
  /** Time to live. */
  get ttl(): number {
    return this.bytes[this.offset + 8]!;
  }
  /** Protocol number. */
  get protocol(): number {
    return this.bytes[this.offset + 9]!;
  }
  /** Header checksum field. */
  get checksum(): number {
    return get16(this.bytes, this.offset + 10);
  }
  /** Source address. */
  get src(): number {
    return get32(this.bytes, this.offset + 12);
  }
  /** Destination address. */
  get dst(): number {
    return get32(this.bytes, this.offset + 16);
  }
  /** Offset of the payload in {@linkcode Ipv4Packet.bytes}. */
  get payloadOffset(): number {
    return this.offset + this.headerLength;
  }
  /** Payload length by the total length field. */
  get payloadLength(): number {
    return this.totalLength - this.headerLength;
  }
  /** True when the header checksum verifies. */
  verifyChecksum(): boolean {
    return checksumFold(checksumAdd(0, this.bytes, this.offset, this.headerLength)) === 0xffff;
  }
  /** True when the packet is a fragment (MF set or a non-zero offset). */
  get isFragment(): boolean {
    return (get16(this.bytes, this.offset + 6) & 0x3fff) !== 0;
  }

  /**
   * Validates every header field that can be wrong on the wire, in the order a
   * receiver must (RFC 1122 §3.2.1): version, header length, total length
   * against the frame, checksum (unless `verifyChecksum` is false, for devices
   * that have checked it), fragment bounds and option syntax.
   */
  check(verifyChecksum = true): Ipv4Check {
    if (this.length < IPV4_HEADER_LEN) return "truncated";
    if (this.version !== 4) return "badVersion";
    const hl = this.headerLength;
    if (hl < IPV4_HEADER_LEN) return "badHeaderLength";
    if (hl > this.length) return "truncated";
    const total = this.totalLength;
    if (total < hl) return "badTotalLength";
    if (total > this.length) return "truncated";
    if (verifyChecksum && !this.verifyChecksum()) return "badChecksum";
    if (this.fragmentOffset + total - hl > IPV4_MAX_DATAGRAM) return "badFragment";
    if (
      hl > IPV4_HEADER_LEN &&
      !optionsWellFormed(this.bytes, this.offset + IPV4_HEADER_LEN, hl - IPV4_HEADER_LEN)
    ) {
      return "badOptions";
    }
    return "ok";
  }

  /** True when the options carry a source route (LSRR or SSRR). */
  hasSourceRoute(): boolean {
    return findOption(
      this.bytes,
      this.offset + IPV4_HEADER_LEN,
      this.headerLength - IPV4_HEADER_LEN,
      IPOPT_LSRR,
    ) ||
      findOption(
        this.bytes,
        this.offset + IPV4_HEADER_LEN,
        this.headerLength - IPV4_HEADER_LEN,
        IPOPT_SSRR,
      );
  }
}

// RFC 791: an option is EOL, NOP, or kind, length (>= 2, covering kind and
// length themselves), data; the list must not run past the header.
function optionsWellFormed(b: Uint8Array, o: number, len: number): boolean {
  let i = 0;
  while (i < len) {
    const kind = b[o + i]!;
    if (kind === IPOPT_EOL) return true;
    if (kind === IPOPT_NOP) {
      i++;
      continue;
    }
    if (i + 1 >= len) return false;
    const optLen = b[o + i + 1]!;
    if (optLen < 2 || i + optLen > len) return false;
    i += optLen;
  }
  return true;
}

function findOption(b: Uint8Array, o: number, len: number, wanted: number): boolean {
  let i = 0;
  while (i < len) {
    const kind = b[o + i]!;
    if (kind === IPOPT_EOL) return false;
    if (kind === IPOPT_NOP) {
      i++;
      continue;
    }
    if (kind === wanted) return true;
    if (i + 1 >= len) return false;
    const optLen = b[o + i + 1]!;
    if (optLen < 2) return false;
    i += optLen;
  }
  return false;
}

/** A validated IPv4 header. */
export interface Ipv4Repr {
  /** Source address. */
  src: number;
  /** Destination address. */
  dst: number;
  /** Protocol number. */
  protocol: number;
  /** Time to live. */
  ttl: number;
  /** Identification. */
  ident: number;
  /** DSCP and ECN byte. */
  dscpEcn: number;
  /** The DF flag. */
  dontFragment: boolean;
  /** The MF flag. */
  moreFragments: boolean;
  /** Fragment offset in bytes (a multiple of 8). */
  fragmentOffset: number;
  /** Payload length in bytes. */
  payloadLength: number;
  /** Raw option bytes (a multiple of 4 in length), empty for none. */
  options: Uint8Array;
}

const NO_OPTIONS = new Uint8Array(0);

/** A fresh, zeroed {@linkcode Ipv4Repr}. */
export function ipv4Repr(): Ipv4Repr {
  return {
    src: 0,
    dst: 0,
    protocol: 0,
    ttl: 64,
    ident: 0,
    dscpEcn: 0,
    dontFragment: false,
    moreFragments: false,
    fragmentOffset: 0,
    payloadLength: 0,
    options: NO_OPTIONS,
  };
}

/**
 * Parses into `into`; `undefined` if {@linkcode Ipv4Packet.check} fails.
 * `options` is a view into the packet's bytes (no copy), valid as long as they are.
 */
export function parseIpv4(
  packet: Ipv4Packet,
  into: Ipv4Repr = ipv4Repr(),
  verifyChecksum = true,
): Ipv4Repr | undefined {
  if (packet.check(verifyChecksum) !== "ok") return undefined;
  const hl = packet.headerLength;
  into.src = packet.src;
  into.dst = packet.dst;
  into.protocol = packet.protocol;
  into.ttl = packet.ttl;
  into.ident = packet.ident;
  into.dscpEcn = packet.dscpEcn;
  into.dontFragment = packet.dontFragment;
  into.moreFragments = packet.moreFragments;
  into.fragmentOffset = packet.fragmentOffset;
  into.payloadLength = packet.totalLength - hl;
  into.options = hl > IPV4_HEADER_LEN
    ? packet.bytes.subarray(packet.offset + IPV4_HEADER_LEN, packet.offset + hl)
    : NO_OPTIONS;
  return into;
}

/** Header length {@linkcode emitIpv4} writes for `repr`. */
export function ipv4HeaderLen(repr: Ipv4Repr): number {
  return IPV4_HEADER_LEN + ((repr.options.length + 3) & ~3);
}

/**
 * Writes the header of `repr` at `bytes[offset]`, checksum included; returns its
 * length. The payload is not touched.
 */
export function emitIpv4(repr: Ipv4Repr, bytes: Uint8Array, offset: number): number {
  const hl = ipv4HeaderLen(repr);
  bytes.fill(0, offset + IPV4_HEADER_LEN, offset + hl);
  bytes.set(repr.options, offset + IPV4_HEADER_LEN);
  writeIpv4Header(
    bytes,
    offset,
    hl,
    repr.src,
    repr.dst,
    repr.protocol,
    repr.payloadLength,
    repr.ttl,
    repr.ident,
    (repr.dontFragment ? 0x4000 : 0) | (repr.moreFragments ? 0x2000 : 0) |
      (repr.fragmentOffset >>> 3),
    repr.dscpEcn,
  );
  return hl;
}

/**
 * Writes an IPv4 header from scalars (the allocation-free path): `headerLength`
 * bytes whose options, if any, are already in place; `flagsFragment` is the raw
 * 16-bit flags and fragment-offset word. Computes the checksum.
 */
export function writeIpv4Header(
  bytes: Uint8Array,
  offset: number,
  headerLength: number,
  src: number,
  dst: number,
  protocol: number,
  payloadLength: number,
  ttl: number,
  ident: number,
  flagsFragment: number,
  dscpEcn = 0,
): void {
  bytes[offset] = 0x40 | (headerLength >>> 2);
  bytes[offset + 1] = dscpEcn;
  put16(bytes, offset + 2, headerLength + payloadLength);
  put16(bytes, offset + 4, ident);
  put16(bytes, offset + 6, flagsFragment);
  bytes[offset + 8] = ttl;
  bytes[offset + 9] = protocol;
  put16(bytes, offset + 10, 0);
  put32(bytes, offset + 12, src);
  put32(bytes, offset + 16, dst);
  put16(bytes, offset + 10, checksumFinish(checksumAdd(0, bytes, offset, headerLength)));
}
