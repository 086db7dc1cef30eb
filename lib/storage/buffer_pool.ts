/**
 * A pool of fixed-size byte buffers, bounded in count, allocated on first
 * demand and reused after release. Sockets take their send and receive
 * buffers from it only while data is in flight, so idle connections hold none
 * (mTCP's max_num_buffers).
 *
 * @module
 */

import type { Arena } from "./arena.ts";
import { RingBuffer } from "./ring_buffer.ts";

/**
 * Buffers of `size` bytes, at most `max` of them out at once.
 *
 * @example At most `max` buffers out at once
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferPool } from "../mod.ts";
 * const pool = new BufferPool(4096, 2);
 * const a = pool.acquire()!;
 * pool.acquire();
 * assert.equal(pool.acquire(), undefined);
 * pool.release(a);
 * assert.equal(pool.inUse, 1);
 * ```
 *
 * @example Rings from a pool: the ring object comes back with its buffer
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferPool } from "../mod.ts";
 * const pool = new BufferPool(4096, 1);
 * const ring = pool.acquireRing()!;
 * assert.equal(pool.acquireRing(), undefined); // max 1 out
 * pool.releaseRing(ring);
 * assert.equal(pool.acquireRing(), ring); // the same object, emptied
 * ```
 */
export class BufferPool {
  /** Bytes per buffer. */
  readonly size: number = 0;
  /** Most buffers out at once. */
  readonly max: number = 0;
  readonly #free: Uint8Array[] = [];
  readonly #freeRings: RingBuffer[] = [];
  readonly #arena: Arena | undefined;
  #out = 0;

  /** A pool of up to `max` buffers of `size` bytes, carved from `arena` when given (and while it has room). */
  constructor(size: number, max: number, arena?: Arena) {
    this.size = size;
    this.max = max;
    this.#arena = arena;
  }

  /** Buffers handed out and not yet released. */
  get inUse(): number {
    return this.#out;
  }
  /** Buffers allocated in all (in use and free). */
  get allocated(): number {
    return this.#out + this.#free.length + this.#freeRings.length;
  }

  /** A buffer, or `undefined` when `max` are out. */
  acquire(): Uint8Array | undefined {
    if (this.#out >= this.max) return undefined;
    this.#out++;
    return this.#free.pop() ?? this.#arena?.alloc(this.size) ?? new Uint8Array(this.size);
  }

  /** Gives a buffer back. */
  release(buffer: Uint8Array): void {
    this.#out--;
    this.#free.push(buffer);
  }

  /**
   * A buffer wrapped as an empty {@linkcode RingBuffer}, or `undefined` when
   * `max` are out. A ring given back with {@linkcode releaseRing} is handed
   * out again whole, so a socket that takes and returns its buffers with
   * every burst makes no new object each time.
   */
  acquireRing(): RingBuffer | undefined {
    const ring = this.#freeRings.pop();
    if (ring === undefined) {
      const memory = this.acquire();
      return memory === undefined ? undefined : new RingBuffer(memory);
    }
    if (this.#out >= this.max) {
      this.#freeRings.push(ring);
      return undefined;
    }
    this.#out++;
    ring.clear();
    return ring;
  }

  /** Gives back a ring from {@linkcode acquireRing}; its contents are dropped. */
  releaseRing(ring: RingBuffer): void {
    this.#out--;
    this.#freeRings.push(ring);
  }
}
