/**
 * A seeded fault injector: middleware that impairs any device's frames in
 * either or both directions with loss, duplication, reordering, corruption,
 * delay (with jitter) and a rate limit. The same seed and the same traffic
 * give the same faults, so a failure found once is found again.
 *
 * @module
 */

import { FramePool } from "../storage/frame_pool.ts";
import { type Device, type FrameSink, RX_CHECKSUM_TRUSTED, type TxSlot } from "../iface/device.ts";
import { ETHERNET_HEADER_LEN } from "../wire/ethernet.ts";
import { completeTcpChecksum } from "../wire/tcp.ts";
import { DeviceWrapper } from "./device_wrapper.ts";

/**
 * What to do to frames in one direction. Probabilities are 0 to 1.
 *
 * @example Duplicating every received frame: the duplicates are counted, the data is not doubled
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, type Impairment, MemoryNetwork, SOCK_STREAM, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_init, mtcp_setsock_nonblock, mtcp_socket, parseIpv4Address } from "../../mod.ts";
 * mtcp_init({ num_cores: 2 });
 * const network = new MemoryNetwork();
 * const duplicate: Impairment = { duplicate: 1 };
 * const a = mtcp_create_context(0, { network, address: "10.0.0.1/24", impair: { rx: duplicate } })!;
 * mtcp_create_context(1, { network, address: "10.0.0.2/24" });
 * const fd = mtcp_socket(a, AF_INET, SOCK_STREAM, 0);
 * mtcp_setsock_nonblock(a, fd);
 * mtcp_connect(a, fd, { family: AF_INET, addr: parseIpv4Address("10.0.0.2")!, port: 80 }); // refused
 * network.runFor(100);
 * assert.ok(a.iface.stats.rx.frames >= 4); // the ARP reply and the RST, twice each
 * mtcp_destroy();
 * ```
 */
export interface Impairment {
  /** Probability a frame is dropped. */
  loss?: number;
  /** Probability a frame is delivered twice. */
  duplicate?: number;
  /** Probability a frame is held back until the next one has passed. */
  reorder?: number;
  /** Probability one bit of a frame is flipped (past the Ethernet header, as a link with an FCS would let through only there). */
  corrupt?: number;
  /** Fixed one-way delay in milliseconds. */
  delayMs?: number;
  /** Uniform random extra delay in `[0, jitterMs)`; frames keep their order. */
  jitterMs?: number;
  /** Link rate in bits per second: frames queue behind each other. */
  rateBitsPerSec?: number;
  /** Frames the delay queue holds before dropping (default 4096). */
  queueFrames?: number;
}

/**
 * Options for a {@linkcode FaultInjector}.
 *
 * @example A context whose sent frames are all lost: its SYN never arrives
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, type FaultInjectorOptions, MemoryNetwork, SOCK_STREAM, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_init, mtcp_setsock_nonblock, mtcp_socket, parseIpv4Address } from "../../mod.ts";
 * mtcp_init({ num_cores: 2 });
 * const network = new MemoryNetwork();
 * const impair: FaultInjectorOptions = { tx: { loss: 1 }, seed: 7 };
 * const a = mtcp_create_context(0, { network, address: "10.0.0.1/24", impair })!;
 * const b = mtcp_create_context(1, { network, address: "10.0.0.2/24" })!;
 * const fd = mtcp_socket(a, AF_INET, SOCK_STREAM, 0);
 * mtcp_setsock_nonblock(a, fd);
 * mtcp_connect(a, fd, { family: AF_INET, addr: parseIpv4Address("10.0.0.2")!, port: 80 });
 * network.runFor(100);
 * assert.equal(b.iface.stats.rx.frames, 0);
 * mtcp_destroy();
 * ```
 */
export interface FaultInjectorOptions {
  /** Impairment of received frames. */
  rx?: Impairment;
  /** Impairment of sent frames. */
  tx?: Impairment;
  /** PRNG seed (default 1). */
  seed?: number;
}

/** What the injector did in one direction. */
export interface FaultStats {
  /** Frames seen. */
  frames: number;
  /** Frames dropped by `loss`. */
  lost: number;
  /** Extra copies made by `duplicate`. */
  duplicated: number;
  /** Frames held back by `reorder`. */
  reordered: number;
  /** Frames with a bit flipped by `corrupt`. */
  corrupted: number;
  /** Frames dropped because the delay queue was full. */
  queueDrops: number;
}

function faultStats(): FaultStats {
  return { frames: 0, lost: 0, duplicated: 0, reordered: 0, corrupted: 0, queueDrops: 0 };
}

/** How long a reordered frame waits for a successor before it goes anyway. */
const REORDER_HOLD_MS = 10;

class Direction {
  readonly stats: FaultStats = faultStats();
  readonly pool: FramePool;
  readonly loss: number = 0;
  readonly duplicate: number = 0;
  readonly reorder: number = 0;
  readonly corrupt: number = 0;
  readonly delayMs: number = 0;
  readonly jitterMs: number = 0;
  readonly rate: number = 0;
  linkFreeAt = 0;
  lastDue = 0;
  held = -1;
  heldUntil = Infinity;

  constructor(imp: Impairment, slotSize: number) {
    for (const key of ["loss", "duplicate", "reorder", "corrupt"] as const) {
      const p = imp[key] ?? 0;
      if (!(p >= 0 && p <= 1)) throw new RangeError(`Invalid ${key} probability: ${p}`);
    }
    for (const key of ["delayMs", "jitterMs", "rateBitsPerSec"] as const) {
      const v = imp[key] ?? 0;
      if (!(v >= 0 && Number.isFinite(v))) throw new RangeError(`Invalid ${key}: ${v}`);
    }
    this.loss = imp.loss ?? 0;
    this.duplicate = imp.duplicate ?? 0;
    this.reorder = imp.reorder ?? 0;
    this.corrupt = imp.corrupt ?? 0;
    this.delayMs = imp.delayMs ?? 0;
    this.jitterMs = imp.jitterMs ?? 0;
    this.rate = imp.rateBitsPerSec ?? 0;
    this.pool = new FramePool(imp.queueFrames ?? 4096, slotSize);
  }

  nextDue(): number {
    return Math.min(this.pool.nextDue(), this.heldUntil);
  }
}

/** Middleware that impairs a device's traffic. */
export class FaultInjector extends DeviceWrapper {
  /** Counters of received-direction faults. */
  readonly rxStats: FaultStats;
  /** Counters of sent-direction faults. */
  readonly txStats: FaultStats;
  readonly #rx: Direction;
  readonly #tx: Direction;
  #state: number = 0;
  #sink: FrameSink | undefined;
  readonly #txBuffer: Uint8Array;
  readonly #txSlot: TxSlot;

  /** Wraps `inner`; throws `RangeError` for a probability outside 0..1 or a negative time or rate. */
  constructor(inner: Device, options: FaultInjectorOptions = {}) {
    super(inner);
    const slotSize = inner.mtu + 18;
    this.#rx = new Direction(options.rx ?? {}, slotSize);
    this.#tx = new Direction(options.tx ?? {}, slotSize);
    this.rxStats = this.#rx.stats;
    this.txStats = this.#tx.stats;
    this.#state = (options.seed ?? 1) >>> 0;
    this.#txBuffer = new Uint8Array(slotSize);
    this.#txSlot = { bytes: this.#txBuffer, offset: 0 };
  }

  // mulberry32: small, fast, and good enough to decide the fate of a frame.
  #random(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Pulls frames from the device through the impairment, then lends the due ones. */
  override receive(now: number, sink: FrameSink, budget: number): number {
    this.#sink = sink;
    this.inner.receive(now, this, budget);
    this.#sink = undefined;
    return this.#drain(this.#rx, now, budget, sink, undefined);
  }

  /** @internal Frames from the wrapped device enter the receive impairment. */
  receiveFrame(
    now: number,
    bytes: Uint8Array,
    offset: number,
    length: number,
    flags: number,
  ): void {
    this.#admit(this.#rx, now, bytes, offset, length, flags);
  }

  /** A slot of the injector's own; the frame is impaired at commit. */
  override txAcquire(_now: number, length: number): TxSlot | undefined {
    return length <= this.#txBuffer.length ? this.#txSlot : undefined;
  }

  /** Impairs the frame and queues it for the wrapped device. */
  override txCommit(now: number, length: number): void {
    this.#admit(this.#tx, now, this.#txBuffer, 0, length, 0);
    this.#drain(this.#tx, now, Infinity, undefined, this.inner);
  }

  /** Sends due frames to the wrapped device and flushes it. */
  override flush(now: number): void {
    this.#drain(this.#tx, now, Infinity, undefined, this.inner);
    this.inner.flush(now);
  }

  /** The earliest of the wrapped device's events and the held-back frames. */
  override pollAt(now: number): number {
    return Math.min(this.inner.pollAt(now), this.#rx.nextDue(), this.#tx.nextDue());
  }

  #admit(
    d: Direction,
    now: number,
    bytes: Uint8Array,
    offset: number,
    length: number,
    flags: number,
  ): void {
    d.stats.frames++;
    if (d.loss > 0 && this.#random() < d.loss) {
      d.stats.lost++;
      return;
    }
    const copies = d.duplicate > 0 && this.#random() < d.duplicate ? 2 : 1;
    if (copies === 2) d.stats.duplicated++;
    for (let c = 0; c < copies; c++) {
      const slot = d.pool.acquire();
      if (slot < 0) {
        d.stats.queueDrops++;
        return;
      }
      const at = d.pool.offsetOf(slot);
      d.pool.bytes.set(bytes.subarray(offset, offset + length), at);
      // A held copy is lent later without the device's flags: complete a
      // partial checksum now, so that corruption is still caught.
      if ((flags & RX_CHECKSUM_TRUSTED) !== 0) completeTcpChecksum(d.pool.bytes, at, length);
      if (d.corrupt > 0 && length > ETHERNET_HEADER_LEN && this.#random() < d.corrupt) {
        const i = at + ETHERNET_HEADER_LEN +
          Math.floor(this.#random() * (length - ETHERNET_HEADER_LEN));
        d.pool.bytes[i] = d.pool.bytes[i]! ^ (1 << Math.floor(this.#random() * 8));
        d.stats.corrupted++;
      }
      let due = now;
      if (d.rate > 0) {
        d.linkFreeAt = Math.max(now, d.linkFreeAt) + (length * 8 * 1000) / d.rate;
        due = d.linkFreeAt;
      }
      due += d.delayMs;
      if (d.jitterMs > 0) due += this.#random() * d.jitterMs;
      due = Math.max(due, d.lastDue); // jitter never reorders by itself
      d.lastDue = due;
      if (d.held < 0 && d.reorder > 0 && this.#random() < d.reorder) {
        d.stats.reordered++;
        d.held = slot;
        d.pool.setLength(slot, length);
        d.heldUntil = due + REORDER_HOLD_MS;
        continue;
      }
      d.pool.schedule(slot, length, due);
      if (d.held >= 0) {
        // The held frame goes right after the one that overtook it.
        d.pool.schedule(d.held, d.pool.lengthOf(d.held), due);
        d.held = -1;
        d.heldUntil = Infinity;
      }
    }
  }

  #drain(
    d: Direction,
    now: number,
    budget: number,
    sink: FrameSink | undefined,
    out: Device | undefined,
  ): number {
    if (d.held >= 0 && d.heldUntil <= now) {
      d.pool.schedule(d.held, d.pool.lengthOf(d.held), now);
      d.held = -1;
      d.heldUntil = Infinity;
    }
    let n = 0;
    const pool = d.pool;
    while (n < budget) {
      const slot = pool.takeDue(now);
      if (slot < 0) break;
      const length = pool.lengthOf(slot);
      const at = pool.offsetOf(slot);
      if (sink !== undefined) {
        sink.receiveFrame(now, pool.bytes, at, length, 0);
      } else if (out !== undefined) {
        const tx = out.txAcquire(now, length);
        if (tx !== undefined) {
          tx.bytes.set(pool.bytes.subarray(at, at + length), tx.offset);
          out.txCommit(now, length);
        }
      }
      pool.release(slot);
      n++;
    }
    return n;
  }
}
