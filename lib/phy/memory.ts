/**
 * An in-memory Ethernet: any number of hosts on one simulated segment behind a
 * learning switch, and a scheduler that drives them.
 *
 * Each host's device has a receive queue of fixed slots (see
 * {@linkcode FramePool}); sending copies the frame once into the receiver's
 * queue, due after the link latency. With a {@linkcode VirtualClock} the
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

import { FramePool } from "../storage/frame_pool.ts";
import {
  type Device,
  type DeviceStats,
  deviceStats,
  type FrameSink,
  type TxSlot,
} from "../iface/device.ts";
import { getMac, isMulticastMac } from "../wire/address.ts";
import { ETHERNET_HEADER_LEN, VLAN_TAG_LEN } from "../wire/ethernet.ts";
import { type Clock, SystemClock, VirtualClock } from "./clock.ts";

/** Largest frame a memory link carries: MTU plus a tagged Ethernet header. */
function maxFrame(mtu: number): number {
  return mtu + ETHERNET_HEADER_LEN + VLAN_TAG_LEN;
}

/** Options for one host's port on the network. */
export interface MemoryPortOptions {
  /** Port name, used in device names (`memory:NAME`). */
  name: string;
  /** MTU (default 1500). */
  mtu?: number;
  /** Receive queue length in frames (default 1024). */
  queueFrames?: number;
}

/** Something the scheduler drives: an interface, a context, an application loop. */
export interface Pollable {
  /** Does whatever is due at `now`; true if it did anything. */
  poll(now: number): boolean;
  /** When it next has something to do (`Infinity`: nothing until a frame comes). */
  pollAt(now: number): number;
}

/** One host's device on a {@linkcode MemoryNetwork}. */
export class MemoryDevice implements Device {
  /** `memory:NAME`. */
  readonly name: string;
  /** MTU. */
  readonly mtu: number;
  /** Counters. */
  readonly stats: DeviceStats = deviceStats();
  /** Receive queue. */
  readonly rxQueue: FramePool;
  readonly #network: MemoryNetwork;
  readonly #txBuffer: Uint8Array;
  readonly #slot: TxSlot;
  #closed = false;

  /** Use {@linkcode MemoryNetwork.attach}. */
  constructor(network: MemoryNetwork, options: MemoryPortOptions) {
    this.#network = network;
    this.name = `memory:${options.name}`;
    this.mtu = options.mtu ?? 1500;
    this.rxQueue = new FramePool(options.queueFrames ?? 1024, maxFrame(this.mtu));
    this.#txBuffer = new Uint8Array(maxFrame(this.mtu));
    this.#slot = { bytes: this.#txBuffer, offset: 0 };
  }

  /** True once closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Lends up to `budget` due frames to `sink`. */
  receive(now: number, sink: FrameSink, budget: number): number {
    const q = this.rxQueue;
    let n = 0;
    while (n < budget) {
      const slot = q.takeDue(now);
      if (slot < 0) break;
      const length = q.lengthOf(slot);
      this.stats.rxFrames++;
      this.stats.rxBytes += length;
      sink.receiveFrame(q.bytes, q.offsetOf(slot), length);
      q.release(slot);
      n++;
    }
    return n;
  }

  /** The one transmit slot (a memory link sends each frame at commit). */
  txAcquire(_now: number, length: number): TxSlot | undefined {
    if (this.#closed || length > this.#txBuffer.length) {
      this.stats.txDropped++;
      return undefined;
    }
    return this.#slot;
  }

  /** Delivers the frame to the ports the switch picks. */
  txCommit(now: number, length: number): void {
    if (this.#closed) return;
    this.stats.txFrames++;
    this.stats.txBytes += length;
    this.#network.deliver(now, this, this.#txBuffer, length);
  }

  /** Nothing to flush: frames leave at commit. */
  flush(_now: number): void {}

  /** The next frame's arrival time. */
  pollAt(_now: number): number {
    return this.rxQueue.nextDue();
  }

  /** Detaches from the network and drops queued frames. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.rxQueue.clear();
    this.#network.detach(this);
  }

  /** Copies a frame into the receive queue; false if the queue is full. */
  enqueue(bytes: Uint8Array, offset: number, length: number, due: number): boolean {
    const q = this.rxQueue;
    if (this.#closed || length > q.slotSize) return false;
    const slot = q.acquire();
    if (slot < 0) {
      this.stats.rxDropped++;
      return false;
    }
    q.bytes.set(bytes.subarray(offset, offset + length), q.offsetOf(slot));
    q.schedule(slot, length, due);
    return true;
  }
}

/** Options for a {@linkcode MemoryNetwork}. */
export interface MemoryNetworkOptions {
  /** `"virtual"` (default): a discrete-event simulation; `"system"`: real time. */
  clock?: "virtual" | "system" | Clock;
  /** One-way latency of the segment in milliseconds (default 0). */
  latencyMs?: number;
}

/** Why a run stopped. */
export type RunResult = "done" | "idle" | "timeout" | "steps";

/** Options for {@linkcode MemoryNetwork.runUntil}. */
export interface RunOptions {
  /** Stop when this much (virtual or real) time has passed (default 60 000 ms). */
  timeoutMs?: number;
  /** Stop after this many scheduler rounds (default 10 000 000). */
  maxSteps?: number;
}

/** The segment: a learning switch between ports, and the scheduler. */
export class MemoryNetwork {
  /** The clock every host on this network reads. */
  readonly clock: Clock;
  /** One-way latency in milliseconds. */
  readonly latencyMs: number;
  /** Frames the switch flooded because the destination was unknown or a group address. */
  flooded = 0;
  readonly #ports: MemoryDevice[] = [];
  readonly #macTable = new Map<number, MemoryDevice>();
  readonly #pollables: Pollable[] = [];

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
    for (const [mac, port] of this.#macTable) if (port === dev) this.#macTable.delete(mac);
  }

  /** Switches one frame from `from` to its destination port(s). */
  deliver(now: number, from: MemoryDevice, bytes: Uint8Array, length: number): void {
    if (length < ETHERNET_HEADER_LEN) return;
    const due = now + this.latencyMs;
    const src = getMac(bytes, 6);
    if (!isMulticastMac(src)) this.#macTable.set(src, from);
    const dst = getMac(bytes, 0);
    const port = isMulticastMac(dst) ? undefined : this.#macTable.get(dst);
    if (port !== undefined) {
      if (port !== from) port.enqueue(bytes, 0, length, due);
      return;
    }
    this.flooded++;
    for (const p of this.#ports) if (p !== from) p.enqueue(bytes, 0, length, due);
  }

  /** Registers something for the scheduler to drive. */
  add(p: Pollable): void {
    this.#pollables.push(p);
  }

  /** Stops driving `p`. */
  remove(p: Pollable): void {
    const i = this.#pollables.indexOf(p);
    if (i >= 0) this.#pollables.splice(i, 1);
  }

  /**
   * Polls everything until nobody does anything. Each poll reads the clock, so
   * in real time a round trip is measured, not rounded to one instant.
   */
  pollAll(): boolean {
    const clock = this.clock;
    let any = false;
    for (let progress = true; progress;) {
      progress = false;
      for (const p of this.#pollables) if (p.poll(clock.now())) progress = true;
      any ||= progress;
    }
    return any;
  }

  /** The earliest time anything registered wants to run. */
  nextEvent(): number {
    const now = this.clock.now();
    let next = Infinity;
    for (const p of this.#pollables) next = Math.min(next, p.pollAt(now));
    return next;
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
