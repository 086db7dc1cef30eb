/**
 * A pool of fixed-size byte buffers, bounded in count, allocated on first
 * demand and reused after release. Sockets take their send and receive
 * buffers from it only while data is in flight, so idle connections hold none
 * (mTCP's max_num_buffers).
 *
 * @module
 */

import type { Arena } from "./arena.ts";

/**
 * Buffers of `size` bytes, at most `max` of them out at once.
 *
 * @example At most `max` buffers out at once
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferPool } from "../../mod.ts";
 * const pool = new BufferPool(4096, 2);
 * const a = pool.acquire()!;
 * pool.acquire();
 * assert.equal(pool.acquire(), undefined);
 * pool.release(a);
 * assert.equal(pool.inUse, 1);
 * ```
 */
export class BufferPool {
  /** Bytes per buffer. */
  readonly size: number;
  /** Most buffers out at once. */
  readonly max: number;
  readonly #free: Uint8Array[] = [];
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
    return this.#out + this.#free.length;
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
}
