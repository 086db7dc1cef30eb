/**
 * IPv4 fragment reassembly (RFC 791 §3.2, with RFC 815's hole list).
 *
 * Datagrams are keyed by source, destination, protocol and identification.
 * A fragment that partly overlaps data already received drops the whole
 * datagram (as Linux does since 2018: overlapping fragments are an attack,
 * not a retransmission); one wholly inside received data is a duplicate and
 * is ignored. Memory is capped in bytes and datagrams, holes per datagram are
 * bounded, and a datagram not complete within `timeoutMs` is discarded.
 *
 * @module
 */

import { IPV4_MAX_DATAGRAM, type Ipv4Packet } from "../wire/ipv4.ts";

/**
 * Reassembly limits.
 *
 * @example Limits, partly given: the rest are defaults
 * ```ts
 * import assert from "node:assert/strict";
 * import { Reassembler, type ReassemblyConfig } from "../mod.ts";
 * const config: ReassemblyConfig = new Reassembler({ maxDatagrams: 16 }).config;
 * assert.equal(config.maxDatagrams, 16);
 * assert.ok(config.timeoutMs > 0 && config.maxBytes > 0);
 * ```
 */
export interface ReassemblyConfig {
  /** Time a datagram may take to complete (default 30 000 ms, as Linux's ipfrag_time). */
  timeoutMs: number;
  /** Bytes of buffers held in all (default 1 MiB). */
  maxBytes: number;
  /** Datagrams in reassembly at once (default 64). */
  maxDatagrams: number;
  /** Holes one datagram may have (default 32). */
  maxHoles: number;
}

/** Defaults for {@linkcode ReassemblyConfig}. */
export const REASSEMBLY_DEFAULTS: Readonly<ReassemblyConfig> = {
  timeoutMs: 30_000,
  maxBytes: 1 << 20,
  maxDatagrams: 64,
  maxHoles: 32,
};

/**
 * What became of a fragment.
 *
 * @example A first fragment alone leaves the datagram incomplete
 * ```ts
 * import assert from "node:assert/strict";
 * import { type FragmentOutcome, Ipv4Packet, Reassembler } from "../mod.ts";
 * // 20 bytes of header (more fragments set) and 8 of payload
 * const bytes = new Uint8Array([0x45, 0, 0, 28, 0x12, 0x34, 0x20, 0, 64, 1, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8]);
 * const outcome: FragmentOutcome = new Reassembler({}).add(0, new Ipv4Packet().wrap(bytes, 0, 28));
 * assert.equal(outcome, "incomplete");
 * ```
 */
export type FragmentOutcome =
  | "incomplete"
  | "complete"
  | "fragOverlap"
  | "fragDuplicate"
  | "fragNoMemory"
  | "fragTooManyHoles"
  | "ipBadFragment";

/**
 * A datagram in reassembly.
 *
 * @example An incomplete datagram expires after the timeout
 * ```ts
 * import assert from "node:assert/strict";
 * import { Ipv4Packet, type PartialDatagram, Reassembler } from "../mod.ts";
 * const bytes = new Uint8Array([0x45, 0, 0, 28, 0x12, 0x34, 0x20, 0, 64, 1, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8]);
 * const reassembler = new Reassembler({ timeoutMs: 1000 });
 * reassembler.add(0, new Ipv4Packet().wrap(bytes, 0, 28));
 * const expired: PartialDatagram[] = [];
 * assert.equal(reassembler.expire(2000, expired), 1);
 * assert.equal(expired[0]!.startedAt, 0);
 * ```
 */
export interface PartialDatagram {
  /** Map key. */
  key: string;
  /** Arrival of the first fragment. */
  startedAt: number;
  /** Payload bytes received so far, placed by offset. */
  payload: Uint8Array;
  /** Holes as `[first, last]` byte pairs; `last` is Infinity until the final fragment. */
  holes: number[];
  /** Payload length, known once the fragment without MF arrives; -1 before. */
  totalLength: number;
  /** Header of the fragment with offset 0 (options included), once it arrives. */
  firstHeader: Uint8Array | undefined;
  /** First 8 payload bytes of fragment 0, for an ICMP time-exceeded message. */
  firstPayload: Uint8Array | undefined;
}

/**
 * Reassembles IPv4 datagrams.
 *
 * @example A ping too big for the MTU is fragmented, and reassembled on the other side
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryNetwork, mtcp_create_context, mtcp_destroy, mtcp_init, parseIpv4Address } from "../mod.ts";
 * mtcp_init({ num_cores: 2 });
 * const network = new MemoryNetwork();
 * const a = mtcp_create_context(0, { network, address: "10.0.0.1/24" })!;
 * const b = mtcp_create_context(1, { network, address: "10.0.0.2/24" })!;
 * let replied = false;
 * a.iface.onEchoReply = () => replied = true;
 * a.iface.ping(a.now(), parseIpv4Address("10.0.0.2")!, 1, 1, 4000);
 * network.runUntil(() => replied, { timeoutMs: 1000 });
 * assert.equal(b.iface.stats.reassembled, 1);
 * assert.equal(b.iface.reassembler.pending, 0);
 * mtcp_destroy();
 * ```
 */
export class Reassembler {
  /** Limits in force. */
  readonly config: ReassemblyConfig;
  /** The reassembled datagram after `add` returned `"complete"`: header then payload. */
  output: Uint8Array = new Uint8Array(0);
  readonly #partial = new Map<string, PartialDatagram>();
  #bytes = 0;

  /** A reassembler with `config` over {@linkcode REASSEMBLY_DEFAULTS}. */
  constructor(config: Partial<ReassemblyConfig> = {}) {
    this.config = { ...REASSEMBLY_DEFAULTS, ...config };
  }

  /** Datagrams in reassembly. */
  get pending(): number {
    return this.#partial.size;
  }
  /** Buffer bytes held. */
  get bytesHeld(): number {
    return this.#bytes;
  }

  /** Adds one checked fragment. On `"complete"`, {@linkcode Reassembler.output} holds the datagram. */
  add(now: number, ip: Ipv4Packet): FragmentOutcome {
    const first = ip.fragmentOffset;
    const length = ip.payloadLength;
    const more = ip.moreFragments;
    // RFC 791: every fragment but the last carries a multiple of 8 bytes.
    if ((more && (length & 7) !== 0) || length === 0 && more) return "ipBadFragment";
    const last = first + length - 1;
    if (last >= IPV4_MAX_DATAGRAM) return "ipBadFragment";
    const key = `${ip.src}:${ip.dst}:${ip.protocol}:${ip.ident}`;
    let d = this.#partial.get(key);
    if (d === undefined) {
      if (this.#partial.size >= this.config.maxDatagrams) return "fragNoMemory";
      d = {
        key,
        startedAt: now,
        payload: new Uint8Array(0),
        holes: [0, Infinity],
        totalLength: -1,
        firstHeader: undefined,
        firstPayload: undefined,
      };
      this.#partial.set(key, d);
    }
    if (!more) {
      if (d.totalLength >= 0 && d.totalLength !== last + 1) return this.#fail(d, "fragOverlap");
      // Data already received beyond the end is an inconsistency too.
      if (this.#dataBeyond(d, last + 1)) return this.#fail(d, "fragOverlap");
    } else if (d.totalLength >= 0 && last >= d.totalLength) {
      return this.#fail(d, "fragOverlap");
    }
    // Find the hole that holds the fragment (RFC 815 steps 1-3).
    let h = -1;
    let touches = false;
    for (let i = 0; i < d.holes.length; i += 2) {
      const hf = d.holes[i]!;
      const hl = d.holes[i + 1]!;
      if (first >= hf && last <= hl) {
        h = i;
        break;
      }
      if (first <= hl && last >= hf) touches = true;
    }
    if (h < 0) return touches ? this.#fail(d, "fragOverlap") : "fragDuplicate";
    const need = last + 1;
    if (need > d.payload.length) {
      const grow = Math.min(IPV4_MAX_DATAGRAM, Math.max(need, d.payload.length * 2));
      if (this.#bytes + grow - d.payload.length > this.config.maxBytes) {
        return this.#fail(d, "fragNoMemory");
      }
      const bigger = new Uint8Array(grow);
      bigger.set(d.payload);
      this.#bytes += grow - d.payload.length;
      d.payload = bigger;
    }
    const hf = d.holes[h]!;
    const hl = d.holes[h + 1]!;
    const replacement: number[] = [];
    if (first > hf) replacement.push(hf, first - 1); // RFC 815 step 5
    if (last < hl && more) replacement.push(last + 1, hl); // step 6
    d.holes.splice(h, 2, ...replacement);
    if (!more) {
      d.totalLength = last + 1;
      // Holes past the end cannot be filled: trim them.
      for (let i = 0; i < d.holes.length; i += 2) {
        if (d.holes[i]! > last) {
          d.holes.splice(i, 2);
          i -= 2;
        } else if (d.holes[i + 1]! > last) d.holes[i + 1] = last;
      }
    }
    if (d.holes.length / 2 > this.config.maxHoles) return this.#fail(d, "fragTooManyHoles");
    d.payload.set(ip.bytes.subarray(ip.payloadOffset, ip.payloadOffset + length), first);
    if (first === 0) {
      d.firstHeader = ip.bytes.slice(ip.offset, ip.payloadOffset);
      d.firstPayload = ip.bytes.slice(ip.payloadOffset, ip.payloadOffset + Math.min(8, length));
    }
    if (d.holes.length > 0 || d.totalLength < 0 || d.firstHeader === undefined) return "incomplete";
    // Complete (RFC 815 step 8): header of fragment 0, flags and offset cleared.
    const hlen = d.firstHeader.length;
    const out = new Uint8Array(hlen + d.totalLength);
    out.set(d.firstHeader);
    out.set(d.payload.subarray(0, d.totalLength), hlen);
    out[2] = (hlen + d.totalLength) >>> 8;
    out[3] = (hlen + d.totalLength) & 0xff;
    out[6] = out[6]! & 0x40; // keep DF, clear MF and the offset
    out[7] = 0;
    this.output = out;
    this.#remove(d);
    return "complete";
  }

  /** When the oldest datagram times out, or `Infinity`. */
  nextTimeout(): number {
    let next = Infinity;
    for (const d of this.#partial.values()) {
      next = Math.min(next, d.startedAt + this.config.timeoutMs);
    }
    return next;
  }

  /** Discards timed-out datagrams, appending them to `expired`; returns how many. */
  expire(now: number, expired: PartialDatagram[]): number {
    let n = 0;
    for (const d of this.#partial.values()) {
      if (now >= d.startedAt + this.config.timeoutMs) {
        this.#remove(d);
        expired.push(d);
        n++;
      }
    }
    return n;
  }

  // True if any byte at or past `end` has been received: until the final
  // fragment arrives the last hole runs to Infinity, and nothing past `end`
  // was received only if that hole starts at or before `end`.
  #dataBeyond(d: PartialDatagram, end: number): boolean {
    for (let i = 0; i < d.holes.length; i += 2) {
      if (d.holes[i + 1] === Infinity) return d.holes[i]! > end;
    }
    return d.totalLength > end;
  }

  #fail(d: PartialDatagram, why: FragmentOutcome): FragmentOutcome {
    this.#remove(d);
    return why;
  }

  #remove(d: PartialDatagram): void {
    this.#bytes -= d.payload.length;
    this.#partial.delete(d.key);
  }
}
