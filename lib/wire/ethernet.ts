/**
 * Ethernet II frames (IEEE 802.3 with an EtherType), with one 802.1Q tag
 * recognised and skipped. Stacked tags (802.1ad / QinQ) are rejected.
 *
 * @module
 */

import { get16, getMac, put16, putMac } from "./address.ts";

/** EtherType of IPv4. */
export const ETHERTYPE_IPV4 = 0x0800;
/** EtherType of ARP. */
export const ETHERTYPE_ARP = 0x0806;
/** EtherType (TPID) of an 802.1Q VLAN tag. */
export const ETHERTYPE_VLAN = 0x8100;
/** EtherType (TPID) of an 802.1ad service tag (QinQ). */
export const ETHERTYPE_QINQ = 0x88a8;
/** Length of an untagged Ethernet header. */
export const ETHERNET_HEADER_LEN = 14;
/** Length of an 802.1Q tag. */
export const VLAN_TAG_LEN = 4;
/** Smallest frame on the wire without FCS; shorter frames are padded (IEEE 802.3 §4.2.3.3). */
export const ETHERNET_MIN_FRAME = 60;

/** Why an Ethernet frame was rejected, or `"ok"`. */
export type EthernetCheck = "ok" | "truncated" | "stackedVlan";

/** A view over an Ethernet frame; reusable with {@linkcode EthernetFrame.wrap}. */
export class EthernetFrame {
  /** The bytes the frame lives in. */
  bytes: Uint8Array = new Uint8Array(0);
  /** Offset of the frame's first byte. */
  offset = 0;
  /** Length of the frame. */
  length = 0;

  /** Points this view at `bytes[offset, offset + length)` and returns it. */
  wrap(bytes: Uint8Array, offset = 0, length: number = bytes.length - offset): this {
    this.bytes = bytes;
    this.offset = offset;
    this.length = length;
    return this;
  }

  /** Destination MAC. */
  get dst(): number {
    return getMac(this.bytes, this.offset);
  }
  /** Source MAC. */
  get src(): number {
    return getMac(this.bytes, this.offset + 6);
  }
  /** The first EtherType field (the TPID when tagged). */
  get outerEthertype(): number {
    return get16(this.bytes, this.offset + 12);
  }
  /** True when an 802.1Q tag follows the addresses. */
  get tagged(): boolean {
    return this.outerEthertype === ETHERTYPE_VLAN;
  }
  /** The EtherType of the payload, past any tag. */
  get ethertype(): number {
    return get16(this.bytes, this.offset + (this.tagged ? 16 : 12));
  }
  /** The VLAN id of the tag, or -1 when untagged. */
  get vlanId(): number {
    return this.tagged ? get16(this.bytes, this.offset + 14) & 0x0fff : -1;
  }
  /** Header length: 14, or 18 with a tag. */
  get headerLength(): number {
    return this.tagged ? ETHERNET_HEADER_LEN + VLAN_TAG_LEN : ETHERNET_HEADER_LEN;
  }
  /** Offset of the payload in {@linkcode EthernetFrame.bytes}. */
  get payloadOffset(): number {
    return this.offset + this.headerLength;
  }
  /** Length of the payload (padding included: upper layers trim by their own length). */
  get payloadLength(): number {
    return this.length - this.headerLength;
  }

  /** Validates the frame's structure. */
  check(): EthernetCheck {
    if (this.length < ETHERNET_HEADER_LEN) return "truncated";
    if (this.outerEthertype === ETHERTYPE_QINQ) return "stackedVlan";
    if (this.tagged) {
      if (this.length < ETHERNET_HEADER_LEN + VLAN_TAG_LEN) return "truncated";
      const inner = this.ethertype;
      if (inner === ETHERTYPE_VLAN || inner === ETHERTYPE_QINQ) return "stackedVlan";
    }
    return "ok";
  }
}

/** A validated Ethernet header. */
export interface EthernetRepr {
  /** Destination MAC. */
  dst: number;
  /** Source MAC. */
  src: number;
  /** EtherType of the payload. */
  ethertype: number;
  /** VLAN id, or -1 for an untagged frame. */
  vlanId: number;
}

/** A fresh, zeroed {@linkcode EthernetRepr} to parse into. */
export function ethernetRepr(): EthernetRepr {
  return { dst: 0, src: 0, ethertype: 0, vlanId: -1 };
}

/** Parses a frame's header into `into`; `undefined` if malformed. */
export function parseEthernet(
  frame: EthernetFrame,
  into: EthernetRepr = ethernetRepr(),
): EthernetRepr | undefined {
  if (frame.check() !== "ok") return undefined;
  into.dst = frame.dst;
  into.src = frame.src;
  into.ethertype = frame.ethertype;
  into.vlanId = frame.vlanId;
  return into;
}

/** Header length {@linkcode emitEthernet} writes for `repr`. */
export function ethernetHeaderLen(repr: EthernetRepr): number {
  return repr.vlanId >= 0 ? ETHERNET_HEADER_LEN + VLAN_TAG_LEN : ETHERNET_HEADER_LEN;
}

/** Writes the header of `repr` at `bytes[offset]`; returns its length. */
export function emitEthernet(repr: EthernetRepr, bytes: Uint8Array, offset: number): number {
  return writeEthernetHeader(bytes, offset, repr.dst, repr.src, repr.ethertype, repr.vlanId);
}

/** Writes an Ethernet header from scalars (no repr object); returns its length. */
export function writeEthernetHeader(
  bytes: Uint8Array,
  offset: number,
  dst: number,
  src: number,
  ethertype: number,
  vlanId = -1,
): number {
  putMac(bytes, offset, dst);
  putMac(bytes, offset + 6, src);
  if (vlanId >= 0) {
    put16(bytes, offset + 12, ETHERTYPE_VLAN);
    put16(bytes, offset + 14, vlanId & 0x0fff);
    put16(bytes, offset + 16, ethertype);
    return ETHERNET_HEADER_LEN + VLAN_TAG_LEN;
  }
  put16(bytes, offset + 12, ethertype);
  return ETHERNET_HEADER_LEN;
}
