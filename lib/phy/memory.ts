/**
 * An in-memory Ethernet: any number of hosts on one simulated segment behind a
 * learning switch, and a scheduler that drives them.
 *
 * Each port owns a pool of transmit slots; the switch queues a reference to
 * the sent slot on each destination port, due after the link latency, and the
 * receiver lends the frame straight from the sender's slot. Nothing is copied
 * and nothing allocated per frame. With a {@linkcode VirtualClock} the
 * network runs as a discrete-event simulation: when no host has work, time
 * jumps to the next event, so a long lossy transfer finishes in milliseconds
 * of real time and repeats exactly. With the {@linkcode SystemClock} it runs
 * in real time.
 *
 * Fault injection is middleware: wrap a host's device in a `FaultInjector`
 * (lib/phy/fault.ts) to impair both of its directions.
 *
 * @module
 */

import { Arena } from "../storage/arena.ts";
import { DueHeap } from "../storage/due_heap.ts";
import { FramePool } from "../storage/frame_pool.ts";
import {
  type Device,
  type DeviceStats,
  deviceStats,
  type FrameSink,
  type TxSlot,
} from "../iface/device.ts";
import { get16, get32 } from "../wire/address.ts";
import { ETHERNET_HEADER_LEN, VLAN_TAG_LEN } from "../wire/ethernet.ts";
import { type Clock, SystemClock, VirtualClock } from "./clock.ts";
import { type Network, type Pollable, PollSet } from "./network.ts";

/** Largest frame a memory link carries: MTU plus a tagged Ethernet header. */
function maxFrame(mtu: number): number {
  return mtu + ETHERNET_HEADER_LEN + VLAN_TAG_LEN;
}

/**
 * Options for one host's port on the network.
 *
 * @example A port with jumbo frames
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryNetwork, type MemoryPortOptions } from "../../mod.ts";
 * const network = new MemoryNetwork();
 * const options: MemoryPortOptions = { name: "jumbo", mtu: 9000 };
 * const device = network.attach(options);
 * assert.equal(device.mtu, 9000);
 * device.close();
 * ```
 */
export interface MemoryPortOptions {
  /** Port name, used in device names (`memory:NAME`). */
  name: string;
  /** MTU (default 1500). */
  mtu?: number;
  /** Receive queue length in frames (default 1024). */
  queueFrames?: number;
}

export type { Pollable } from "./network.ts";

/**
 * One host's device on a {@linkcode MemoryNetwork}.
 *
 * @example A port of the switch: its counters show what it carried
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, INADDR_ANY, MTCP_EPOLLOUT, MTCP_EPOLL_CTL_ADD, MemoryDevice, MemoryNetwork, SOCK_STREAM, mtcp_accept, mtcp_bind, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_init, mtcp_listen, mtcp_setsock_nonblock, mtcp_socket, parseIpv4Address } from "../../mod.ts";
 * // A client context `a` connected to a server context `b`: fd on a, s on b.
 * mtcp_init({ num_cores: 2 });
 * const network = new MemoryNetwork();
 * const a = mtcp_create_context(0, { network, address: "10.0.0.1/24" })!;
 * const b = mtcp_create_context(1, { network, address: "10.0.0.2/24" })!;
 * const lfd = mtcp_socket(b, AF_INET, SOCK_STREAM, 0);
 * mtcp_bind(b, lfd, { family: AF_INET, addr: INADDR_ANY, port: 80 });
 * mtcp_listen(b, lfd, 4);
 * const fd = mtcp_socket(a, AF_INET, SOCK_STREAM, 0);
 * mtcp_setsock_nonblock(a, fd);
 * mtcp_connect(a, fd, { family: AF_INET, addr: parseIpv4Address("10.0.0.2")!, port: 80 });
 * const ep = mtcp_epoll_create(a, 4);
 * mtcp_epoll_ctl(a, ep, MTCP_EPOLL_CTL_ADD, fd, { events: MTCP_EPOLLOUT, data: fd });
 * await mtcp_epoll_wait(a, ep, [], 4, 1000); // writable: connected
 * const s = mtcp_accept(b, lfd);
 * const device = a.iface.device as MemoryDevice;
 * assert.ok(device.stats.txFrames >= 2); // an ARP request, the SYN, the ACK
 * assert.equal(device.mtu, 1500);
 * mtcp_destroy();
 * ```
 */
export class MemoryDevice implements Device {
  /** `memory:NAME`. */
  readonly name: string;
  /** MTU. */
  readonly mtu: number = 0;
  /** Counters. */
  readonly stats: DeviceStats = deviceStats();
  /**
   * Frames this port has sent. A frame stays in its slot until every port it
   * was switched to has received it: the receivers lend it straight from here,
   * so the link copies nothing. A full pool is a full transmit ring.
   *
   * @internal
   */
  readonly txPool: FramePool;
  readonly #refs: Uint16Array;
  readonly #network: MemoryNetwork;
  readonly #slot: TxSlot;
  #acquired = -1;
  // The receive queue: entries naming a sender's slot, ordered by arrival time.
  readonly #rxFrom: (MemoryDevice | undefined)[];
  readonly #rxSlot: Int32Array;
  readonly #rxLength: Uint32Array;
  readonly #rxFree: Int32Array;
  #rxFreeCount: number = 0;
  readonly #rxQueue: DueHeap;
  #closed = false;

  /** Use {@linkcode MemoryNetwork.attach}. */
  constructor(network: MemoryNetwork, options: MemoryPortOptions) {
    this.#network = network;
    this.name = `memory:${options.name}`;
    this.mtu = options.mtu ?? 1500;
    const frames = options.queueFrames ?? 1024;
    this.txPool = new FramePool(frames, maxFrame(this.mtu), network.arena);
    this.#refs = new Uint16Array(frames);
    this.#slot = { bytes: this.txPool.bytes, offset: 0 };
    this.#rxFrom = new Array<MemoryDevice | undefined>(frames).fill(undefined);
    this.#rxSlot = new Int32Array(frames);
    this.#rxLength = new Uint32Array(frames);
    this.#rxFree = new Int32Array(frames);
    for (let i = 0; i < frames; i++) this.#rxFree[i] = i;
    this.#rxFreeCount = frames;
    this.#rxQueue = new DueHeap(frames);
  }

  /** True once closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Frames waiting to be received. */
  get rxQueued(): number {
    return this.#rxQueue.size;
  }

  /** Lends up to `budget` due frames to `sink`, straight from the senders' slots. */
  receive(now: number, sink: FrameSink, budget: number): number {
    let n = 0;
    while (n < budget) {
      const entry = this.#rxQueue.popDue(now);
      if (entry < 0) break;
      const from = this.#rxFrom[entry]!;
      const slot = this.#rxSlot[entry]!;
      const length = this.#rxLength[entry]!;
      this.#rxFrom[entry] = undefined;
      this.#rxFree[this.#rxFreeCount++] = entry;
      this.stats.rxFrames++;
      this.stats.rxBytes += length;
      sink.receiveFrame(now, from.txPool.bytes, from.txPool.offsetOf(slot), length, 0);
      from.releaseTx(slot);
      n++;
    }
    return n;
  }

  /** A free slot of the transmit pool, or `undefined` when every slot is in flight. */
  txAcquire(_now: number, length: number): TxSlot | undefined {
    if (this.#closed || length > this.txPool.slotSize) {
      this.stats.txDropped++;
      return undefined;
    }
    if (this.#acquired < 0) {
      this.#acquired = this.txPool.acquire();
      if (this.#acquired < 0) {
        this.stats.txDropped++;
        return undefined;
      }
    }
    this.#slot.offset = this.txPool.offsetOf(this.#acquired);
    return this.#slot;
  }

  /** Switches the frame to its destination ports. */
  txCommit(now: number, length: number): void {
    const slot = this.#acquired;
    if (this.#closed || slot < 0) return;
    this.#acquired = -1;
    this.stats.txFrames++;
    this.stats.txBytes += length;
    this.#refs[slot] = 1; // held while switching, so an early receive cannot free it
    this.#network.deliver(now, this, slot, length);
    this.releaseTx(slot);
  }

  /** Nothing to flush: frames leave at commit. */
  flush(_now: number): void {}

  /** The next frame's arrival time. */
  pollAt(_now: number): number {
    return this.#rxQueue.nextDue();
  }

  /** Detaches from the network and gives back the frames it was to receive. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (
      let entry = this.#rxQueue.popDue(Infinity);
      entry >= 0;
      entry = this.#rxQueue.popDue(Infinity)
    ) {
      this.#rxFrom[entry]!.releaseTx(this.#rxSlot[entry]!);
      this.#rxFrom[entry] = undefined;
      this.#rxFree[this.#rxFreeCount++] = entry;
    }
    this.#network.detach(this);
  }

  /**
   * Queues `from`'s frame in `slot` for this port, due `delay` ms after `now`;
   * false (counted) if the queue is full.
   */
  enqueue(from: MemoryDevice, slot: number, length: number, now: number, delay: number): boolean {
    if (this.#closed) return false;
    if (this.#rxFreeCount === 0) {
      this.stats.rxDropped++;
      return false;
    }
    const entry = this.#rxFree[--this.#rxFreeCount]!;
    this.#rxFrom[entry] = from;
    this.#rxSlot[entry] = slot;
    this.#rxLength[entry] = length;
    from.holdTx(slot);
    this.#rxQueue.push(entry, now, delay);
    return true;
  }

  /** @internal One more receiver holds `slot`. */
  holdTx(slot: number): void {
    this.#refs[slot]!++;
  }

  /** @internal A receiver is done with `slot`; the last one frees it. */
  releaseTx(slot: number): void {
    if (--this.#refs[slot]! === 0) this.txPool.release(slot);
  }
}

// The switch reads MACs as two small integers straight from the frame (high
// 16 and low 32 bits): a 48-bit MAC held in one number is a heap number
// wherever it crosses a call. The table is keyed by the low 30 bits; the entry
// keeps the whole MAC, and a rare collision of keys is told apart (and flooded).
interface MacEntry {
  hi: number;
  lo: number;
  port: MemoryDevice;
}

/** Options for a {@linkcode MemoryNetwork}. */
export interface MemoryNetworkOptions {
  /** `"virtual"` (default): a discrete-event simulation; `"system"`: real time. */
  clock?: "virtual" | "system" | Clock;
  /** One-way latency of the segment in milliseconds (default 0). */
  latencyMs?: number;
}

/**
 * Why a run stopped.
 *
 * @example Why a run stopped
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryNetwork, type RunResult } from "../../mod.ts";
 * const network = new MemoryNetwork();
 * let polls = 0;
 * network.add({ poll: () => (polls++, false), pollAt: (now) => now + 10 }); // wants a poll every 10 ms
 * const result: RunResult = network.runUntil(() => polls >= 5, { timeoutMs: 1000 });
 * assert.equal(result, "done");
 * ```
 */
export type RunResult = "done" | "idle" | "timeout" | "steps";

/**
 * Options for {@linkcode MemoryNetwork.runUntil}.
 *
 * @example Running the network until a condition, with a virtual-time limit
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryNetwork, type RunOptions } from "../../mod.ts";
 * const network = new MemoryNetwork();
 * const options: RunOptions = { timeoutMs: 5000 };
 * assert.equal(network.runUntil(() => false, options), "idle"); // nothing to do, nothing pending
 * ```
 */
export interface RunOptions {
  /** Stop when this much (virtual or real) time has passed (default 60 000 ms). */
  timeoutMs?: number;
  /** Stop after this many scheduler rounds (default 10 000 000). */
  maxSteps?: number;
}

/**
 * The segment: a learning switch between ports, and the scheduler.
 *
 * @example Two contexts on one in-memory Ethernet, on a virtual clock
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, INADDR_ANY, MTCP_EPOLLOUT, MTCP_EPOLL_CTL_ADD, MemoryNetwork, SOCK_STREAM, mtcp_accept, mtcp_bind, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_init, mtcp_listen, mtcp_setsock_nonblock, mtcp_socket, parseIpv4Address } from "../../mod.ts";
 * // A client context `a` connected to a server context `b`: fd on a, s on b.
 * mtcp_init({ num_cores: 2 });
 * const network = new MemoryNetwork();
 * const a = mtcp_create_context(0, { network, address: "10.0.0.1/24" })!;
 * const b = mtcp_create_context(1, { network, address: "10.0.0.2/24" })!;
 * const lfd = mtcp_socket(b, AF_INET, SOCK_STREAM, 0);
 * mtcp_bind(b, lfd, { family: AF_INET, addr: INADDR_ANY, port: 80 });
 * mtcp_listen(b, lfd, 4);
 * const fd = mtcp_socket(a, AF_INET, SOCK_STREAM, 0);
 * mtcp_setsock_nonblock(a, fd);
 * mtcp_connect(a, fd, { family: AF_INET, addr: parseIpv4Address("10.0.0.2")!, port: 80 });
 * const ep = mtcp_epoll_create(a, 4);
 * mtcp_epoll_ctl(a, ep, MTCP_EPOLL_CTL_ADD, fd, { events: MTCP_EPOLLOUT, data: fd });
 * await mtcp_epoll_wait(a, ep, [], 4, 1000); // writable: connected
 * const s = mtcp_accept(b, lfd);
 * assert.ok(network.clock.virtual);
 * assert.ok(s >= 0);
 * assert.equal(network.runFor(60_000), "idle"); // a virtual minute passes at once
 * mtcp_destroy();
 * ```
 */
export class MemoryNetwork implements Network {
  /** The clock every host on this network reads. */
  readonly clock: Clock;
  /** One-way latency in milliseconds. */
  readonly latencyMs: number = 0;
  /**
   * Memory the ports' frame slots come from, and the sockets' buffers of
   * contexts on this network: copies between them are `copyWithin`.
   *
   * @internal
   */
  readonly arena: Arena = new Arena();
  /** Frames the switch flooded because the destination was unknown or a group address. */
  flooded = 0;
  readonly #ports: MemoryDevice[] = [];
  // Learned MACs by their low 30 bits.
  readonly #macTable = new Map<number, MacEntry>();
  readonly #pollables = new PollSet();

  /** An empty segment; `clock` defaults to a virtual one. */
  constructor(options: MemoryNetworkOptions = {}) {
    const c = options.clock ?? "virtual";
    this.clock = c === "virtual" ? new VirtualClock() : c === "system" ? new SystemClock() : c;
    this.latencyMs = options.latencyMs ?? 0;
  }

  /** Adds a host port. */
  attach(options: MemoryPortOptions): MemoryDevice {
    const dev = new MemoryDevice(this, options);
    this.#ports.push(dev);
    return dev;
  }

  /** Removes a port (called by {@linkcode MemoryDevice.close}). */
  detach(dev: MemoryDevice): void {
    const i = this.#ports.indexOf(dev);
    if (i >= 0) this.#ports.splice(i, 1);
    for (const [key, entry] of this.#macTable) if (entry.port === dev) this.#macTable.delete(key);
  }

  /** Switches the frame in `from`'s transmit `slot` to its destination port(s). */
  deliver(now: number, from: MemoryDevice, slot: number, length: number): void {
    if (length < ETHERNET_HEADER_LEN) return;
    const bytes = from.txPool.bytes;
    const at = from.txPool.offsetOf(slot);
    // `now` and the latency are passed on apart: their sum would be a new
    // heap number per frame.
    const delay = this.latencyMs;
    // The I/G bit of the first byte marks a group (multicast or broadcast) address.
    if ((bytes[at + 6]! & 1) === 0) {
      const hi = get16(bytes, at + 6), lo = get32(bytes, at + 8);
      const key = lo & 0x3fff_ffff;
      const known = this.#macTable.get(key);
      if (known === undefined) this.#macTable.set(key, { hi, lo, port: from });
      else if (known.port !== from || known.hi !== hi || known.lo !== lo) {
        known.hi = hi;
        known.lo = lo;
        known.port = from;
      }
    }
    const dstLo = get32(bytes, at + 2);
    const entry = (bytes[at]! & 1) === 1 ? undefined : this.#macTable.get(dstLo & 0x3fff_ffff);
    const port = entry !== undefined && entry.hi === get16(bytes, at) && entry.lo === dstLo
      ? entry.port
      : undefined;
    if (port !== undefined) {
      if (port !== from) port.enqueue(from, slot, length, now, delay);
      return;
    }
    this.flooded++;
    for (const p of this.#ports) if (p !== from) p.enqueue(from, slot, length, now, delay);
  }

  /** Registers something for the scheduler to drive. */
  add(p: Pollable): void {
    this.#pollables.add(p);
  }

  /** Stops driving `p`. */
  remove(p: Pollable): void {
    this.#pollables.remove(p);
  }

  /** Polls everything until nobody does anything (see {@linkcode PollSet.pollAll}). */
  pollAll(maxPasses = Infinity): boolean {
    return this.#pollables.pollAll(this.clock, maxPasses);
  }

  /** The earliest time anything registered wants to run. */
  nextEvent(): number {
    return this.#pollables.nextEvent(this.clock);
  }

  /**
   * Runs the simulation (virtual clock only) until `done()` is true, nothing is
   * left to happen, the time limit passes or the step limit is reached.
   */
  runUntil(done: () => boolean, options: RunOptions = {}): RunResult {
    const clock = this.clock;
    if (!(clock instanceof VirtualClock)) {
      throw new TypeError("runUntil() needs a virtual clock: use runUntilAsync()");
    }
    const deadline = clock.now() + (options.timeoutMs ?? 60_000);
    const maxSteps = options.maxSteps ?? 10_000_000;
    for (let step = 0; step < maxSteps; step++) {
      this.pollAll();
      if (done()) return "done";
      const next = this.nextEvent();
      if (next === Infinity) return "idle";
      if (next > deadline) {
        clock.advanceTo(deadline);
        return "timeout";
      }
      clock.advanceTo(next);
    }
    return "steps";
  }

  /** Runs for `ms` of (virtual) time, or until idle. */
  runFor(ms: number): RunResult {
    const clock = this.clock as VirtualClock;
    const end = clock.now() + ms;
    const r = this.runUntil(() => clock.now() >= end, { timeoutMs: ms });
    if (r === "idle") clock.advanceTo(end);
    return r === "timeout" ? "done" : r;
  }

  /**
   * The real-time scheduler: polls, then sleeps until the next event (at most
   * `maxSleepMs`), until `done()` is true or `timeoutMs` passes. With a virtual
   * clock it defers to {@linkcode MemoryNetwork.runUntil}.
   */
  async runUntilAsync(
    done: () => boolean,
    options: RunOptions & { maxSleepMs?: number } = {},
  ): Promise<RunResult> {
    if (this.clock instanceof VirtualClock) return this.runUntil(done, options);
    const deadline = this.clock.now() + (options.timeoutMs ?? 60_000);
    const maxSleep = options.maxSleepMs ?? 50;
    for (;;) {
      this.pollAll();
      if (done()) return "done";
      const now = this.clock.now();
      if (now >= deadline) return "timeout";
      const wait = Math.min(this.nextEvent() - now, deadline - now, maxSleep);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, wait)));
    }
  }
}
