/**
 * A context's TCP connections (mTCP's tcp_stream pool): a fixed number of
 * slots, each a connection and who it belongs to, an application's socket
 * or a listener's queues while it is not yet accepted. Slots are handed out
 * FIFO; a full pool may give up a connection in TIME-WAIT that no
 * application holds, as Linux does past its TIME-WAIT buckets.
 *
 * @module
 */

import type { TcpSocket } from "../tcp/socket.ts";

/** Slots a full pool looks at, in turn, for a TIME-WAIT connection to give up. */
const RECYCLE_SCAN = 256;

/**
 * Connection slots.
 *
 * @example Two slots, and a connection in TIME-WAIT given up for a third
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConnectionPool, type TcpSocket } from "../mod.ts";
 * const pool = new ConnectionPool(2);
 * const a = pool.alloc(() => false);
 * pool.conns[a] = { state: "TIME-WAIT" } as TcpSocket;
 * pool.conns[pool.alloc(() => false)] = { state: "ESTABLISHED" } as TcpSocket;
 * const freed: number[] = [];
 * const c = pool.alloc((slot) => (freed.push(slot), pool.release(slot), true));
 * assert.deepEqual(freed, [a]);
 * assert.equal(c, a);
 * ```
 */
export class ConnectionPool {
  /** Slots in all. */
  readonly capacity: number;
  /** Each slot's connection, or undefined. */
  readonly conns: (TcpSocket | undefined)[];
  /** The application's socket slot holding it, or -1. */
  readonly sock: Int32Array;
  /** The listener's slot while it is not yet accepted, or -1. */
  readonly listener: Int32Array;
  readonly #free: Int32Array;
  #freeHead = 0;
  #freeCount: number;
  #inUse = 0;
  #scan = 0;

  /** A pool of `capacity` slots. */
  constructor(capacity: number) {
    this.capacity = capacity;
    this.conns = new Array<TcpSocket | undefined>(capacity).fill(undefined);
    this.sock = new Int32Array(capacity).fill(-1);
    this.listener = new Int32Array(capacity).fill(-1);
    this.#free = new Int32Array(capacity);
    for (let i = 0; i < capacity; i++) this.#free[i] = i;
    this.#freeCount = capacity;
  }

  /** Slots in use. */
  get inUse(): number {
    return this.#inUse;
  }

  /**
   * Takes a slot; -1 when none is free. A full pool first offers, in turn,
   * up to 256 slots holding a TIME-WAIT connection no application holds to
   * `recycle`, which frees it (calling {@linkcode ConnectionPool.release})
   * and says so: a scan of the whole pool for each new connection would stall
   * a flood of SYNs for seconds.
   */
  alloc(recycle: (slot: number) => boolean): number {
    if (this.#freeCount === 0 && !this.#recycle(recycle)) return -1;
    const c = this.#free[this.#freeHead]!;
    this.#freeHead = (this.#freeHead + 1) % this.capacity;
    this.#freeCount--;
    this.#inUse++;
    return c;
  }

  /** Gives a slot back. */
  release(c: number): void {
    this.#free[(this.#freeHead + this.#freeCount) % this.capacity] = c;
    this.#freeCount++;
    this.#inUse--;
  }

  #recycle(recycle: (slot: number) => boolean): boolean {
    for (let i = 0; i < this.capacity && i < RECYCLE_SCAN; i++) {
      const c = this.#scan;
      this.#scan = (c + 1) % this.capacity;
      const sock = this.conns[c];
      if (sock !== undefined && sock.state === "TIME-WAIT" && this.sock[c] === -1 && recycle(c)) {
        return true;
      }
    }
    return false;
  }
}
