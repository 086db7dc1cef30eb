/**
 * One host on a real ring device: the {@linkcode Network} a context attaches
 * to when its packets go through TAP, AF_PACKET or netmap. Time is the system
 * clock; the scheduler polls the host, and between rounds sleeps in the
 * device's `nonblocking` wait (woken early when the application acts), or
 * spins when the device is in busy-poll mode.
 *
 * The wait is adaptive: right after a round that did work, the scheduler
 * spins for a short budget before sleeping in poll, so a request that
 * answers a burst does not pay the sleep's wake-up cost. The spin is a
 * bounded call into the shim on the JavaScript thread, which allocates
 * nothing (a spin made of macrotasks allocated a promise and an immediate
 * per turn: two to 2.7 times the scavenges of a server at 26,000 requests/s).
 *
 * @module
 */

import { setImmediate } from "node:timers";
import type { Device } from "../iface/device.ts";
import { Arena } from "../storage/arena.ts";
import { type Clock, SystemClock } from "./clock.ts";
import { type Network, type Pollable, PollSet } from "./network.ts";
import type { RingDevice } from "./ring_device.ts";

/** Options of a {@linkcode DeviceNetwork}. */
export interface DeviceNetworkOptions {
  /** Bytes of buffer memory for the host's sockets when the ring has no arena (default 64 MiB). */
  arenaBytes?: number;
  /** How long to keep spinning after the last busy round, in ms (default 0.2). */
  spinMs?: number;
}

/** Empty "readable" wake-ups in a row before the wait backs off for a millisecond. */
const SPURIOUS_LIMIT = 16;
/** The longest a spin goes without yielding a macrotask, in ms. */
const SLICE_MS = 0.1;

function macrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A network of one host on one ring device: the context's clock is the
 * system's, and its loop waits on the ring (poll, or a spin with
 * `busyPoll`).
 *
 * @example A context on a TAP (root), or the reason it cannot be made here
 * ```ts
 * import { DeviceNetwork, mtcp_create_context, mtcp_destroy, mtcp_init, RingDevice } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * try {
 *   const device = RingDevice.open("tap:mtcpdoc0");
 *   const ctx = mtcp_create_context(0, { network: new DeviceNetwork(device), address: "10.9.0.2/24" });
 *   console.log(ctx !== null); // true
 *   mtcp_destroy();
 *   await device.closeAsync(); // the TAP it created is gone
 * } catch (err) {
 *   console.log((err as Error).message); // one line: a missing capability or the shim
 * }
 * ```
 */
export class DeviceNetwork implements Network {
  /** The system clock. */
  readonly clock: Clock = new SystemClock();
  /**
   * Memory for the host's socket buffers.
   *
   * @internal
   */
  readonly arena: Arena;
  /** The ring device. */
  readonly device: RingDevice;
  /** Spin budget after a busy round, in ms. */
  spinMs: number = 0;
  readonly #pollables = new PollSet();
  #attached = false;
  #lastBusy = -Infinity;
  #lastYield = -Infinity;
  // Waits that said "readable" but after which a round found nothing: a
  // device whose poll stays ready (a pending socket error, a frame the ring
  // does not lend) would otherwise spin the event loop and starve its I/O.
  #lastWaitReadable = false;
  #spurious = 0;

  /** A network around `device`; it owns the device from now on. */
  constructor(device: RingDevice, options: DeviceNetworkOptions = {}) {
    this.device = device;
    // The ring's own arena when it has one: socket buffers and frames then
    // share one mapping, and copies between them allocate nothing.
    this.arena = device.arena ?? new Arena(options.arenaBytes);
    // A sleep in the device's wait costs more CPU than spinning through a
    // short gap (the wait is a call on another thread and a promise back):
    // under ab's short connections 0.2 ms measured 10 % fewer CPU
    // microseconds per connection than 0.05 ms, and 10 % more connections/s.
    this.spinMs = options.spinMs ?? 0.2;
  }

  /** The device's hardware address (packet, netmap, xdp); `undefined` for a TAP. */
  get hardwareMac(): number | undefined {
    return this.device.hardwareMac || undefined;
  }

  /** The device, for the one host; a second attach throws `Error`. */
  attach(_options: { name: string }): Device {
    if (this.#attached) throw new Error(`${this.device.name} already carries a host`);
    this.#attached = true;
    return this.device;
  }

  /** Registers something for the scheduler to drive. */
  add(p: Pollable): void {
    this.#pollables.add(p);
  }

  /** Stops driving `p`. */
  remove(p: Pollable): void {
    this.#pollables.remove(p);
  }

  /** Polls everything until nobody does anything, or for `maxPasses` passes. */
  pollAll(maxPasses = Infinity): boolean {
    const any = this.#pollables.pollAll(this.clock, maxPasses);
    if (any) {
      this.#lastBusy = this.clock.now();
      this.#spurious = 0;
    } else if (this.#lastWaitReadable) {
      this.#spurious++;
    }
    this.#lastWaitReadable = false;
    return any;
  }

  /** Waits that reported the device readable with nothing to read, in a row. */
  get spuriousWakeups(): number {
    return this.#spurious;
  }

  /** The earliest time anything registered wants to run. */
  nextEvent(): number {
    return this.#pollables.nextEvent(this.clock);
  }

  /**
   * Waits for the device. Just after work (`spinMs`, or always with
   * busy-poll) it spins: one bounded call into the shim on this thread (no
   * promise, no allocation, and the core stays awake, so a frame is seen at
   * once), after which `undefined` is returned and the driver polls again;
   * every 0.1 ms a macrotask is yielded instead, so timers and the event
   * loop's other work go on. Otherwise it sleeps in the device's
   * `nonblocking` wait.
   */
  idle(timeoutMs: number): Promise<void> | undefined {
    const d = this.device;
    const now = this.clock.now();
    const spinLeft = d.busyPoll ? SLICE_MS : this.spinMs - (now - this.#lastBusy);
    if (spinLeft > 0) {
      if (now - this.#lastYield >= SLICE_MS) {
        this.#lastYield = now;
        return macrotask();
      }
      d.spin(Math.ceil(Math.min(spinLeft, timeoutMs, SLICE_MS - (now - this.#lastYield)) * 1000));
      return undefined;
    }
    return this.#sleep(timeoutMs);
  }

  async #sleep(timeoutMs: number): Promise<void> {
    const d = this.device;
    if (this.#spurious >= SPURIOUS_LIMIT) {
      // The device keeps saying "readable" with nothing to read: back off on
      // a timer so the event loop's other work goes on.
      this.#spurious = 0;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const rc = d.gone ? -1 : await d.wait(Math.ceil(timeoutMs));
    this.#lastYield = this.clock.now();
    this.#lastWaitReadable = rc === 1;
    // A vanished device wakes poll at once, forever: sleep on a timer instead.
    if (rc < 0) await new Promise((resolve) => setTimeout(resolve, Math.max(1, timeoutMs)));
  }

  /** Ends a wait in progress. */
  wakeIdle(): void {
    this.device.wake();
  }

  /** Closes the device. */
  close(): void {
    this.device.close();
  }
}
