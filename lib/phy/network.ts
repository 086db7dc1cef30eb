/**
 * What hosts and contexts attach to: a {@linkcode MemoryNetwork} (many hosts,
 * simulated) or a {@linkcode DeviceNetwork} (one host on a real ring device).
 * Either gives a clock, an arena for buffers, a device per attached host, and
 * a scheduler that polls everything registered with it.
 *
 * @module
 */

import type { Device } from "../iface/device.ts";
import type { Arena } from "../storage/arena.ts";
import type { Clock } from "./clock.ts";

/**
 * Something the scheduler drives: an interface, a context, an application loop.
 *
 * @example Anything the scheduler drives, on its own timer
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryNetwork, type Pollable } from "../../mod.ts";
 * const network = new MemoryNetwork();
 * const ticks: number[] = [];
 * const start = network.clock.now();
 * let next = start + 100;
 * const ticker: Pollable = {
 *   poll(now) {
 *     if (now < next) return false;
 *     ticks.push(now - start);
 *     next += 100;
 *     return true;
 *   },
 *   pollAt: () => next,
 * };
 * network.add(ticker);
 * network.runFor(350);
 * assert.deepEqual(ticks, [100, 200, 300]);
 * ```
 */
export interface Pollable {
  /** Does whatever is due at `now`; true if it did anything. */
  poll(now: number): boolean;
  /** When it next has something to do (`Infinity`: nothing until a frame comes). */
  pollAt(now: number): number;
}

/**
 * A place hosts attach to, with the scheduler that drives them.
 *
 * @example What a context attaches to: the memory network, or a ring device's network
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryNetwork, type Network, mtcp_create_context, mtcp_destroy, mtcp_init } from "../../mod.ts";
 * const network: Network = new MemoryNetwork();
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network, address: "10.0.0.1/24" })!;
 * assert.equal(ctx.network, network);
 * mtcp_destroy();
 * ```
 */
export interface Network {
  /** The clock every host reads. */
  readonly clock: Clock;
  /**
   * Memory for frame slots and socket buffers.
   *
   * @internal
   */
  readonly arena: Arena;
  /** The device's own MAC, for a host that is not given one (a NIC's, a veth's). */
  readonly hardwareMac?: number | undefined;
  /** A device for a new host named `name`. */
  attach(options: { name: string }): Device;
  /** Registers something for the scheduler to drive. */
  add(p: Pollable): void;
  /** Stops driving `p`. */
  remove(p: Pollable): void;
  /**
   * Polls everything until nothing more happens now, or for at most
   * `maxPasses` passes; true if anything did.
   */
  pollAll(maxPasses?: number): boolean;
  /** The earliest time anything registered wants to run. */
  nextEvent(): number;
  /**
   * Sleeps until the device has a frame, {@linkcode Network.wakeIdle} is
   * called, or `timeoutMs` passes; `undefined` when it spun on the calling
   * thread instead (poll again at once). Absent on a memory network (a timer
   * does).
   */
  idle?(timeoutMs: number): Promise<void> | undefined;
  /** Ends an `idle` in progress. */
  wakeIdle?(): void;
}

/** What a network's scheduler drives, polled in the order they were added. */
export class PollSet {
  readonly #items: Pollable[] = [];

  /** Registers `p`. */
  add(p: Pollable): void {
    this.#items.push(p);
  }

  /** Stops driving `p`. */
  remove(p: Pollable): void {
    const i = this.#items.indexOf(p);
    if (i >= 0) this.#items.splice(i, 1);
  }

  /**
   * Polls everything until nobody does anything, or for at most `maxPasses`
   * passes; true if anything did. Each poll reads the clock, so in real time
   * a round trip is measured, not rounded to one instant.
   */
  pollAll(clock: Clock, maxPasses = Infinity): boolean {
    const items = this.#items;
    let any = false;
    for (let progress = true, pass = 0; progress && pass < maxPasses; pass++) {
      progress = false;
      // Indexed, not for-of: an iterator and its results would be allocated
      // on every pass wherever this loop is not optimised.
      for (let i = 0; i < items.length; i++) if (items[i]!.poll(clock.now())) progress = true;
      any ||= progress;
    }
    return any;
  }

  /** The earliest time anything registered wants to run. */
  nextEvent(clock: Clock): number {
    const now = clock.now();
    let next = Infinity;
    const items = this.#items;
    for (let i = 0; i < items.length; i++) next = Math.min(next, items[i]!.pollAt(now));
    return next;
  }
}
