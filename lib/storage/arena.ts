/**
 * One ArrayBuffer that frame pools and socket buffers are carved from, so
 * that copies between them are `copyWithin` inside one buffer: no view is
 * created, so nothing is allocated per packet. Carving is a bump allocator
 * (pools reuse what they free). The buffer has a fixed size: views on a
 * resizable buffer measured half as fast on the whole stack (bulk 0.54 against
 * 1.15 Gbit/s), and untouched pages of a large plain buffer cost nothing until
 * written. When it is full, pools allocate privately (and copies fall back to
 * one view each).
 *
 * @module
 */

/**
 * A region of memory for pools to allocate from.
 *
 * @example Carving buffers out of one region
 * ```ts
 * import assert from "node:assert/strict";
 * import { Arena } from "../mod.ts";
 * const arena = new Arena(1 << 16);
 * const a = arena.alloc(1000)!;
 * assert.equal(a.length, 1000);
 * assert.ok(arena.used >= 1000);
 * assert.equal(arena.alloc(1 << 20), undefined); // too big: no throw
 * ```
 */
export class Arena {
  readonly #buffer: ArrayBuffer;
  readonly #start: number = 0;
  readonly #end: number = 0;
  #used = 0;

  /**
   * An arena of `bytes` (default 64 MiB) of its own, or the range
   * `[offset, offset + length)` of an existing buffer (a ring's mapping, say).
   */
  constructor(bytes: number | { buffer: ArrayBuffer; offset: number; length: number } = 64 << 20) {
    if (typeof bytes === "number") {
      this.#buffer = new ArrayBuffer(bytes);
      this.#start = 0;
      this.#end = bytes;
    } else {
      this.#buffer = bytes.buffer;
      this.#start = bytes.offset;
      this.#end = bytes.offset + bytes.length;
    }
    this.#used = this.#start;
  }

  /** Capacity in bytes. */
  get size(): number {
    return this.#end - this.#start;
  }

  /** Bytes handed out. */
  get used(): number {
    return this.#used - this.#start;
  }

  /** `size` bytes, 8-byte aligned, or `undefined` when the arena is full. */
  alloc(size: number): Uint8Array | undefined {
    const start = (this.#used + 7) & ~7;
    const end = start + size;
    if (end > this.#end) return undefined;
    this.#used = end;
    return new Uint8Array(this.#buffer, start, size);
  }
}

// One whole-buffer view per buffer, for copyWithin.
const wholeViews = new WeakMap<ArrayBufferLike, Uint8Array>();

function wholeView(buffer: ArrayBufferLike): Uint8Array {
  let v = wholeViews.get(buffer);
  if (v === undefined) {
    v = new Uint8Array(buffer);
    wholeViews.set(buffer, v);
  }
  return v;
}

/**
 * Copies `n` bytes from `src[from]` to `dst[to]`. Within one buffer it is
 * `copyWithin` and allocates nothing; between buffers, short runs are a byte
 * loop and longer ones one `subarray` view (the fastest way measured:
 * scripts/bench/copy_bench.ts).
 */
export function copyBytes(
  src: Uint8Array,
  from: number,
  dst: Uint8Array,
  to: number,
  n: number,
): void {
  if (n <= 0) return;
  if (src.buffer === dst.buffer) {
    const s = src.byteOffset + from;
    wholeView(src.buffer).copyWithin(dst.byteOffset + to, s, s + n);
    return;
  }
  if (n <= 32) {
    for (let i = 0; i < n; i++) dst[to + i] = src[from + i]!;
    return;
  }
  dst.set(src.subarray(from, from + n), to);
}
