/**
 * Connections in TIME-WAIT as compact records, as Linux keeps a
 * `tcp_timewait_sock` instead of the whole socket (`tcp_time_wait`,
 * `tcp_timewait_state_process`).
 *
 * Once a connection is in TIME-WAIT and the application has closed it, all
 * that is left to do is answer the peer for 2 MSL (RFC 9293 §3.10.7.4): an
 * ACK for a retransmitted FIN (restarting the wait), an ACK for anything else
 * that is not a RST, and a new SYN that may take the pair over (RFC 6191).
 * That needs the four-tuple, SND.NXT, RCV.NXT, the window, and the
 * timestamps' state: 57 bytes a record in typed arrays (with the expiry
 * list) and 24 in its lookup table, where a socket object is a kilobyte or
 * more and, living a minute, is copied by two scavenges and
 * promoted into V8's old generation. Short connections then leave nothing
 * behind in the young generation but garbage.
 *
 * Records sit in a list in order of expiry (a restarted wait moves its record
 * to the tail), their slots on a free list; when every slot is in use the
 * oldest ends early and is counted, as Linux does past `tcp_max_tw_buckets`.
 *
 * @module
 */

import { FlowTable } from "../storage/flow_table.ts";
import { seqAdd, seqGt, seqLt, seqSub } from "../wire/seq_number.ts";
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type TcpRepr } from "../wire/tcp.ts";

/** What {@linkcode TimeWaitTable.process} asks of its caller. */
export const TW_IGNORE = 0;
/** Send `<SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>` (see {@linkcode TimeWaitTable.fillAck}). */
export const TW_ACK = 1;
/** The record is gone (a RST, or a SYN that may start a new incarnation): go on as if there were none. */
export const TW_GONE = 2;

/** What one record is made from (a socket entering TIME-WAIT). */
export interface TimeWaitState {
  remoteAddr: number;
  remotePort: number;
  localPort: number;
  sndNxt: number;
  rcvNxt: number;
  /** RCV.WND in bytes (the right edge last advertised, less RCV.NXT). */
  rcvWnd: number;
  /** Our window scale shift. */
  rcvScale: number;
  /** Timestamps in use, and then TS.Recent and our TSval offset. */
  tsEnabled: boolean;
  tsRecent: number;
  tsOffset: number;
}

/** Counters of the table. */
export interface TimeWaitStats {
  /** ACKs asked for (retransmitted FINs, other segments). */
  acks: number;
  /** Records ended early because the table was full. */
  overflows: number;
}

/**
 * A bounded table of TIME-WAIT records keyed by four-tuple.
 *
 * @example A connection's last minute in a record
 * ```ts
 * import assert from "node:assert/strict";
 * import { TCP_ACK, TCP_FIN, TcpRepr, TimeWaitTable, TW_ACK } from "../mod.ts";
 * const tw = new TimeWaitTable(16);
 * tw.add({ remoteAddr: 0x0a000001, remotePort: 40000, localPort: 80, sndNxt: 1000, rcvNxt: 5000,
 *   rcvWnd: 65535, rcvScale: 0, tsEnabled: false, tsRecent: 0, tsOffset: 0 }, 0, 60_000);
 * const fin = new TcpRepr();
 * fin.flags = TCP_FIN | TCP_ACK;
 * fin.seqNumber = 4999; // the peer's FIN again
 * const i = tw.find(0x0a000001, 40000, 80);
 * assert.equal(tw.process(i, fin, 10), TW_ACK);
 * ```
 */
export class TimeWaitTable {
  /** Most records at once. */
  readonly capacity: number;
  /** Counters. */
  readonly stats: TimeWaitStats = { acks: 0, overflows: 0 };
  readonly #flows: FlowTable;
  readonly #addr: Uint32Array;
  readonly #ports: Uint32Array; // remote << 16 | local
  readonly #sndNxt: Uint32Array;
  readonly #rcvNxt: Uint32Array;
  readonly #rcvWnd: Uint32Array;
  readonly #tsRecent: Uint32Array;
  readonly #tsOffset: Uint32Array;
  readonly #meta: Uint8Array; // bit 7 live, bit 6 timestamps, bits 0-3 scale
  readonly #expires: Float64Array;
  readonly #duration: Uint32Array; // ms: the whole wait, for a restart
  readonly #next: Int32Array; // expiry order, -1 at the end
  readonly #prev: Int32Array;
  readonly #free: Int32Array; // a stack of free slots
  #freeTop: number;
  #head = -1; // the oldest record
  #tail = -1;
  #live = 0;

  /** A table for up to `capacity` records. */
  constructor(capacity: number) {
    this.capacity = Math.max(1, capacity | 0);
    const n = this.capacity;
    this.#flows = new FlowTable(n);
    this.#addr = new Uint32Array(n);
    this.#ports = new Uint32Array(n);
    this.#sndNxt = new Uint32Array(n);
    this.#rcvNxt = new Uint32Array(n);
    this.#rcvWnd = new Uint32Array(n);
    this.#tsRecent = new Uint32Array(n);
    this.#tsOffset = new Uint32Array(n);
    this.#meta = new Uint8Array(n);
    this.#expires = new Float64Array(n);
    this.#duration = new Uint32Array(n);
    this.#next = new Int32Array(n);
    this.#prev = new Int32Array(n);
    this.#free = new Int32Array(n);
    for (let i = 0; i < n; i++) this.#free[i] = n - 1 - i;
    this.#freeTop = n;
  }

  /** Records held. */
  get size(): number {
    return this.#live;
  }

  /** The record of a four-tuple, or -1. */
  find(remoteAddr: number, remotePort: number, localPort: number): number {
    return this.#flows.get(remoteAddr, remotePort, localPort);
  }

  /**
   * Adds a record that ends `durationMs` after `now` (replacing one of the
   * same four-tuple). True when the table was full and a live record ended
   * early to make room (counted in `stats.overflows`).
   */
  add(s: TimeWaitState, now: number, durationMs: number): boolean {
    const old = this.find(s.remoteAddr, s.remotePort, s.localPort);
    if (old >= 0) this.#kill(old);
    let evicted = false;
    if (this.#live === this.capacity) {
      this.stats.overflows++;
      this.#kill(this.#head);
      evicted = true;
    }
    const i = this.#free[--this.#freeTop]!;
    this.#live++;
    this.#prev[i] = this.#tail;
    this.#next[i] = -1;
    if (this.#tail >= 0) this.#next[this.#tail] = i;
    else this.#head = i;
    this.#tail = i;
    this.#addr[i] = s.remoteAddr;
    this.#ports[i] = ((s.remotePort << 16) | s.localPort) >>> 0;
    this.#sndNxt[i] = s.sndNxt;
    this.#rcvNxt[i] = s.rcvNxt;
    this.#rcvWnd[i] = s.rcvWnd;
    this.#tsRecent[i] = s.tsRecent;
    this.#tsOffset[i] = s.tsOffset;
    this.#meta[i] = 0x80 | (s.tsEnabled ? 0x40 : 0) | (s.rcvScale & 0x0f);
    this.#expires[i] = now + durationMs;
    this.#duration[i] = durationMs;
    this.#flows.set(s.remoteAddr, s.remotePort, s.localPort, i);
    return evicted;
  }

  /** Ends every record whose time is up; returns how many ended. */
  expire(now: number): number {
    let n = 0;
    while (this.#head >= 0 && this.#expires[this.#head]! <= now) {
      this.#kill(this.#head);
      n++;
    }
    return n;
  }

  /** When the oldest record ends (Infinity when there is none). */
  nextExpiry(): number {
    return this.#head >= 0 ? this.#expires[this.#head]! : Infinity;
  }

  /** Ends a record at once (the pair is needed for something else). */
  remove(i: number): void {
    if (i >= 0 && (this.#meta[i]! & 0x80) !== 0) this.#kill(i);
  }

  /**
   * RFC 9293 §3.10.7.4 in TIME-WAIT for a segment of record `i`, as Linux's
   * `tcp_timewait_state_process`: TW_ACK (answer with
   * {@linkcode TimeWaitTable.fillAck}), TW_GONE (the record ended: a RST at
   * RCV.NXT, or a SYN that RFC 6191 lets start a new incarnation) or
   * TW_IGNORE.
   */
  process(i: number, seg: TcpRepr, now: number): number {
    const flags = seg.flags;
    const rcvNxt = this.#rcvNxt[i]!;
    const ts = (this.#meta[i]! & 0x40) !== 0;
    const isRst = (flags & TCP_RST) !== 0;
    if ((flags & (TCP_SYN | TCP_ACK | TCP_RST)) === TCP_SYN) {
      // RFC 6191 §2: with timestamps, or without them a sequence number
      // beyond the old connection's, the pair may open again. (Our TSval
      // offset is per connection, so a new incarnation's TSval says nothing
      // about the old one's: timestamps on both sides are taken as enough.)
      const newer = ts && seg.hasTimestamps ? true : seqGt(seg.seqNumber, rcvNxt);
      if (newer) {
        this.#kill(i);
        return TW_GONE;
      }
      return this.#ack(); // RFC 5961 §4: any other SYN draws an ACK
    }
    // RFC 7323 §5.3: PAWS; an old duplicate is acknowledged and dropped.
    if (ts && seg.hasTimestamps && !isRst && seqLt(seg.tsVal, this.#tsRecent[i]!)) {
      return this.#ack();
    }
    const seq = seg.seqNumber;
    if (isRst) {
      // RFC 5961 §3.2: only a RST at RCV.NXT ends the wait (Linux's default,
      // net.ipv4.tcp_rfc1337 = 0); one elsewhere in the window is challenged.
      if (seq === rcvNxt) {
        this.#kill(i);
        return TW_GONE;
      }
      const off = seqSub(seq, rcvNxt);
      return off > 0 && off < Math.max(1, this.#rcvWnd[i]!) ? this.#ack() : TW_IGNORE;
    }
    if ((flags & TCP_FIN) !== 0 && seqSub(seqAdd(seq, seg.payloadLength), rcvNxt) === -1) {
      // The peer's FIN again: our last ACK was lost. Acknowledge it and
      // restart 2 MSL (RFC 9293 §3.10.7.4, eighth step).
      this.#restart(i, now, this.#duration[i]!, seg);
      return this.#ack();
    }
    if (seg.payloadLength > 0 || (flags & TCP_FIN) !== 0 || (flags & TCP_ACK) === 0) {
      // Anything else with a sequence number to acknowledge (RFC 5681 §4.2:
      // an out-of-order segment is acknowledged at once; Linux's TCP_TW_ACK).
      return this.#ack();
    }
    return TW_IGNORE; // a bare ACK: nothing to say
  }

  /** Fills `r` with record `i`'s `<SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>` at `now`. */
  fillAck(i: number, r: TcpRepr, now: number): void {
    r.clearOptions();
    const ports = this.#ports[i]!;
    r.srcPort = ports & 0xffff;
    r.dstPort = ports >>> 16;
    r.seqNumber = this.#sndNxt[i]!;
    r.ackNumber = this.#rcvNxt[i]!;
    r.flags = TCP_ACK;
    r.urgentPointer = 0;
    r.window = Math.min(this.#rcvWnd[i]! >>> (this.#meta[i]! & 0x0f), 65535);
    if ((this.#meta[i]! & 0x40) !== 0) {
      r.hasTimestamps = true;
      r.tsVal = (Math.floor(now) + this.#tsOffset[i]!) >>> 0;
      r.tsEcr = this.#tsRecent[i]!;
    }
  }

  /** The remote address of record `i`. */
  remoteAddr(i: number): number {
    return this.#addr[i]!;
  }

  /** Every live record, oldest first: its four-tuple and when it ends (tools and tests). */
  *records(): IterableIterator<
    { remoteAddr: number; remotePort: number; localPort: number; expiresAt: number }
  > {
    for (let i = this.#head; i >= 0; i = this.#next[i]!) {
      const ports = this.#ports[i]!;
      yield {
        remoteAddr: this.#addr[i]!,
        remotePort: ports >>> 16,
        localPort: ports & 0xffff,
        expiresAt: this.#expires[i]!,
      };
    }
  }

  #ack(): number {
    this.stats.acks++;
    return TW_ACK;
  }

  // Moves record i to the tail with a new end time (and the FIN's TSval).
  #restart(i: number, now: number, durationMs: number, seg: TcpRepr): void {
    const ts = (this.#meta[i]! & 0x40) !== 0;
    const ports = this.#ports[i]!;
    const s: TimeWaitState = {
      remoteAddr: this.#addr[i]!,
      remotePort: ports >>> 16,
      localPort: ports & 0xffff,
      sndNxt: this.#sndNxt[i]!,
      rcvNxt: this.#rcvNxt[i]!,
      rcvWnd: this.#rcvWnd[i]!,
      rcvScale: this.#meta[i]! & 0x0f,
      tsEnabled: ts,
      tsRecent: ts && seg.hasTimestamps ? seg.tsVal : this.#tsRecent[i]!,
      tsOffset: this.#tsOffset[i]!,
    };
    this.add(s, now, durationMs);
  }

  #kill(i: number): void {
    const ports = this.#ports[i]!;
    this.#flows.delete(this.#addr[i]!, ports >>> 16, ports & 0xffff);
    this.#meta[i] = 0;
    this.#live--;
    const p = this.#prev[i]!, n = this.#next[i]!;
    if (p >= 0) this.#next[p] = n;
    else this.#head = n;
    if (n >= 0) this.#prev[n] = p;
    else this.#tail = p;
    this.#free[this.#freeTop++] = i;
  }
}
