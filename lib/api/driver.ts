/**
 * Drives a scheduler (a network of hosts and contexts) for whoever is
 * waiting: `mtcp_epoll_wait` registers a waiter and the driver polls, runs
 * timers and moves time until the waiter's condition holds or its deadline
 * passes.
 *
 * With a virtual clock, time jumps to the next event only when no waiter was
 * satisfied in the round: after a waiter resolves, the driver yields a whole
 * macrotask so every application coroutine runs (and queues its writes and
 * next waits) at the same virtual instant. With the system clock it sleeps
 * until the next event, at most `maxSleepMs`: in the scheduler's `idle` (a
 * real device's wait, which a kick ends early) or else on a timer.
 *
 * @module
 */

import { setImmediate } from "node:timers";
import { type Clock, VirtualClock } from "../phy/clock.ts";

/**
 * What a driver drives: the memory network satisfies it.
 *
 * @example The memory network is a scheduler
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryNetwork, type Scheduler } from "../mod.ts";
 * const network = new MemoryNetwork();
 * const scheduler: Scheduler = network;
 * assert.equal(scheduler.nextEvent(), Infinity); // nothing pending
 * ```
 */
export interface Scheduler {
  /** The clock the scheduler's hosts read. */
  readonly clock: Clock;
  /** Polls everything until nothing more happens now, or for `maxPasses` passes. */
  pollAll(maxPasses?: number): boolean;
  /** The earliest time anything wants to run. */
  nextEvent(): number;
  /**
   * Sleeps until a device event, a wake, or `timeoutMs` (real devices; else a
   * timer); `undefined` when it spun on this thread instead and the driver
   * should poll again at once.
   */
  idle?(timeoutMs: number): Promise<void> | undefined;
  /** Ends an `idle` in progress. */
  wakeIdle?(): void;
}

interface Waiter {
  ready: () => boolean;
  deadline: number;
  resolve: () => void;
}

function macrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Polling passes per round on a real clock before the waiters are looked at
 * (each pass lets every context take a receive burst, run its timers and
 * send), as mTCP's loop takes one batch of packets and then the
 * application's events.
 */
const POLL_PASSES = 4;

const drivers = new WeakMap<Scheduler, Driver>();

/**
 * The driver of one scheduler.
 *
 * @example The driver runs the network until a condition holds or the time is up
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, INADDR_ANY, MemoryNetwork, SOCK_STREAM, mtcp_bind, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_init, mtcp_listen, mtcp_setsock_nonblock, mtcp_socket, parseIpv4Address } from "../mod.ts";
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
 * await a.driver.wait(() => a.isConnected(a.slotOf(fd)), 1000);
 * assert.ok(a.isConnected(a.slotOf(fd)));
 * assert.equal(a.driver.waiting, 0);
 * mtcp_destroy();
 * ```
 */
export class Driver {
  /** The scheduler driven. */
  readonly scheduler: Scheduler;
  /** Longest real-time sleep between polls. */
  maxSleepMs = 50;
  readonly #waiters = new Set<Waiter>();
  #running = false;
  #kicked = false;
  #sleep: { timer: ReturnType<typeof setTimeout>; resolve: () => void } | undefined;

  /** The one driver of `scheduler`. */
  static of(scheduler: Scheduler): Driver {
    let d = drivers.get(scheduler);
    if (d === undefined) {
      d = new Driver(scheduler);
      drivers.set(scheduler, d);
    }
    return d;
  }

  private constructor(scheduler: Scheduler) {
    this.scheduler = scheduler;
  }

  /** Waiters not yet satisfied. */
  get waiting(): number {
    return this.#waiters.size;
  }

  /** Resolves when `ready()` holds or `timeoutMs` (of the scheduler's clock) passes; -1 waits forever. */
  wait(ready: () => boolean, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const deadline = timeoutMs < 0 ? Infinity : this.scheduler.clock.now() + timeoutMs;
      this.#waiters.add({ ready, deadline, resolve });
      this.#start();
    });
  }

  /** Runs a round soon: something changed outside a poll (an application call). */
  kick(): void {
    this.#kicked = true;
    this.#start();
  }

  /** Ends a real-time sleep early (the scheduler is going away). */
  interrupt(): void {
    this.scheduler.wakeIdle?.();
    const s = this.#sleep;
    if (s !== undefined) {
      clearTimeout(s.timer);
      this.#sleep = undefined;
      s.resolve();
    }
  }

  #start(): void {
    if (this.#running) {
      this.interrupt();
      return;
    }
    this.#running = true;
    queueMicrotask(() => this.#run());
  }

  async #run(): Promise<void> {
    const s = this.scheduler;
    const clock = s.clock;
    const virtual = clock instanceof VirtualClock;
    try {
      for (let idleRounds = 0;;) {
        this.#kicked = false;
        // In real time a round is bounded, so that a sustained stream of
        // frames cannot keep the applications' waiters from running (receive
        // livelock: connections pile up unserved while new ones are taken).
        s.pollAll(virtual ? Infinity : POLL_PASSES);
        const now = clock.now();
        let resolved = 0;
        let nextDeadline = Infinity;
        for (const w of this.#waiters) {
          if (w.ready() || now >= w.deadline) {
            this.#waiters.delete(w);
            w.resolve();
            resolved++;
          } else if (w.deadline < nextDeadline) {
            nextDeadline = w.deadline;
          }
        }
        if (resolved > 0 || this.#kicked) {
          await macrotask();
          continue;
        }
        const next = Math.min(s.nextEvent(), nextDeadline);
        if (this.#waiters.size === 0 && (virtual || next === Infinity)) return;
        if (virtual) {
          // Nothing can ever happen: the waiters wait forever, as they asked.
          if (next === Infinity) return;
          clock.advanceTo(Math.max(next, now));
          // Let the event loop breathe now and then during long simulations.
          if (++idleRounds % 4096 === 0) await macrotask();
          continue;
        }
        const wait = Math.max(0, Math.min(next - now, this.maxSleepMs));
        if (s.idle !== undefined) {
          const slept = s.idle(wait);
          if (slept !== undefined) await slept;
          continue;
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            this.#sleep = undefined;
            resolve();
          }, wait);
          this.#sleep = { timer, resolve };
        });
      }
    } finally {
      this.#running = false;
    }
  }
}
