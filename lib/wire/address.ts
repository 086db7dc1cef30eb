/**
 * Addresses as plain numbers: an IPv4 address is a uint32, a MAC address a
 * 48-bit integer (exact in a double). Numbers compare and hash without
 * allocating; these helpers convert to and from text at the edges.
 *
 * @module
 */

/** The Ethernet broadcast address ff:ff:ff:ff:ff:ff. */
export const MAC_BROADCAST = 0xffff_ffff_ffff;

/** The limited broadcast address 255.255.255.255. */
export const IPV4_BROADCAST = 0xffff_ffff;

/** Reads a big-endian uint16. */
export function get16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

/** Reads a big-endian uint32. */
export function get32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/** Writes a big-endian uint16. */
export function put16(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 8;
  b[o + 1] = v;
}

/** Writes a big-endian uint32. */
export function put32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = v >>> 16;
  b[o + 2] = v >>> 8;
  b[o + 3] = v;
}

/** Reads a 48-bit MAC address. */
export function getMac(b: Uint8Array, o: number): number {
  return get16(b, o) * 0x1_0000_0000 + get32(b, o + 2);
}

/** Writes a 48-bit MAC address. */
export function putMac(b: Uint8Array, o: number, mac: number): void {
  put16(b, o, Math.floor(mac / 0x1_0000_0000));
  put32(b, o + 2, mac >>> 0);
}

/** True for a group (multicast or broadcast) MAC address: the I/G bit. */
export function isMulticastMac(mac: number): boolean {
  return (Math.floor(mac / 0x100_0000_0000) & 1) === 1;
}

/** `"aa:bb:cc:dd:ee:ff"` for a MAC number. */
export function formatMac(mac: number): string {
  const parts: string[] = [];
  for (let shift = 40; shift >= 0; shift -= 8) {
    parts.push((Math.floor(mac / 2 ** shift) & 0xff).toString(16).padStart(2, "0"));
  }
  return parts.join(":");
}

/** Parses `"aa:bb:cc:dd:ee:ff"` (or with `-`); `undefined` if malformed. */
export function parseMac(text: string): number | undefined {
  const m =
    /^([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})$/i
      .exec(text.trim());
  if (m === null) return undefined;
  let mac = 0;
  for (let i = 1; i <= 6; i++) mac = mac * 256 + parseInt(m[i]!, 16);
  return mac;
}

/**
 * Dotted-quad text for an IPv4 address.
 *
 * @example A uint32 address in dotted form
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatIpv4 } from "../../mod.ts";
 * assert.equal(formatIpv4(0x0a000001), "10.0.0.1");
 * ```
 */
export function formatIpv4(addr: number): string {
  return `${addr >>> 24}.${(addr >>> 16) & 0xff}.${(addr >>> 8) & 0xff}.${addr & 0xff}`;
}

/**
 * Parses a dotted quad; `undefined` if malformed (no shorthand forms).
 *
 * @example Dotted form to a uint32; anything else is undefined
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseIpv4Address } from "../../mod.ts";
 * assert.equal(parseIpv4Address("10.0.0.1"), 0x0a000001);
 * assert.equal(parseIpv4Address("10.0.0.256"), undefined);
 * ```
 */
export function parseIpv4Address(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text.trim());
  if (m === null) return undefined;
  let addr = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(m[i]);
    if (octet > 255) return undefined;
    addr = addr * 256 + octet;
  }
  return addr;
}

/** An IPv4 address with its prefix length, as in `10.0.0.2/24`. */
export interface Ipv4Cidr {
  /** The address itself. */
  address: number;
  /** Prefix length, 0 to 32. */
  prefixLength: number;
}

/** Parses `a.b.c.d/n`; `undefined` if malformed. */
export function parseIpv4Cidr(text: string): Ipv4Cidr | undefined {
  const slash = text.indexOf("/");
  if (slash < 0) return undefined;
  const address = parseIpv4Address(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (address === undefined || !/^\d{1,2}$/.test(prefixText)) return undefined;
  const prefixLength = Number(prefixText);
  if (prefixLength > 32) return undefined;
  return { address, prefixLength };
}

/** The netmask of a prefix length, as a uint32. */
export function prefixMask(prefixLength: number): number {
  return prefixLength === 0 ? 0 : (0xffff_ffff << (32 - prefixLength)) >>> 0;
}
