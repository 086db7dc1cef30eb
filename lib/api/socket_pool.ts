/**
 * A context's socket ids (mTCP's socket table): a fixed pool of slots, each
 * with its kind and the few facts every kind of socket has, handed out FIFO
 * as mTCP's free TAILQ does. An id is `generation * capacity + slot`; the
 * generation moves on each free, so an old id stays invalid (EBADF) after its
 * slot is reused.
 *
 * @module
 */

/**
 * Kinds of socket slot, as mTCP's socket_type.
 *
 * @example The kind of each id
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, INADDR_ANY, MemoryNetwork, SOCK_STREAM, type SocketKind, mtcp_bind, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_init, mtcp_listen, mtcp_socket } from "../../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * const ep = mtcp_epoll_create(ctx, 4);
 * const kind = (id: number): SocketKind => ctx.kindOf(ctx.slotOf(id));
 * assert.equal(kind(fd), "stream");
 * mtcp_bind(ctx, fd, { family: AF_INET, addr: INADDR_ANY, port: 80 });
 * mtcp_listen(ctx, fd, 4);
 * assert.equal(kind(fd), "listener");
 * assert.equal(kind(ep), "epoll");
 * mtcp_destroy();
 * ```
 */
export type SocketKind = "unused" | "stream" | "listener" | "epoll" | "pipe";

/** Kinds as stored. */
export const KIND_UNUSED = 0;
/** A stream socket (connected, connecting, or not yet either). */
export const KIND_STREAM = 1;
/** A listening socket. */
export const KIND_LISTENER = 2;
/** An epoll instance. */
export const KIND_EPOLL = 3;
/** One end of a pipe. */
export const KIND_PIPE = 4;
const KIND_NAMES: readonly SocketKind[] = ["unused", "stream", "listener", "epoll", "pipe"];

/**
 * Socket slots and ids.
 *
 * @example An id, its slot, and an old id after the slot is reused
 * ```ts
 * import assert from "node:assert/strict";
 * import { SocketPool } from "../mod.ts";
 * const pool = new SocketPool(2);
 * const a = pool.alloc("stream");
 * assert.equal(pool.kindOf(pool.slotOf(a)), "stream");
 * pool.free(pool.slotOf(a));
 * pool.alloc("epoll");
 * const b = pool.alloc("stream"); // slot 0 again, a new generation
 * assert.equal(pool.slotOf(b), 0);
 * assert.notEqual(b, a);
 * assert.equal(pool.slotOf(a), -1); // the old id is stale
 * ```
 */
export class SocketPool {
  /** Slots in all. */
  readonly capacity: number;
  /** Each slot's kind (KIND_*). */
  readonly kind: Uint8Array;
  /** A stream's connection (a ConnectionPool index), or -1. */
  readonly conn: Int32Array;
  /** 1 for a nonblocking socket. */
  readonly nonblock: Uint8Array;
  /** The bound port, or -1. */
  readonly boundPort: Int32Array;
  /** SO_ERROR: the pending errno. */
  readonly pendingError: Int32Array;
  /** 1 after shutdown(SHUT_WR). */
  readonly shutWrite: Uint8Array;
  readonly #gen: Uint32Array;
  readonly #maxGen: number;
  readonly #free: Int32Array;
  #freeHead = 0;
  #freeCount: number;

  /** A pool of `capacity` slots. */
  constructor(capacity: number) {
    this.capacity = capacity;
    this.kind = new Uint8Array(capacity);
    this.conn = new Int32Array(capacity).fill(-1);
    this.nonblock = new Uint8Array(capacity);
    this.boundPort = new Int32Array(capacity).fill(-1);
    this.pendingError = new Int32Array(capacity);
    this.shutWrite = new Uint8Array(capacity);
    this.#gen = new Uint32Array(capacity);
    this.#maxGen = Math.max(1, Math.floor(0x7fffffff / capacity));
    this.#free = new Int32Array(capacity);
    for (let i = 0; i < capacity; i++) this.#free[i] = i;
    this.#freeCount = capacity;
  }

  /** Ids in use. */
  get inUse(): number {
    return this.capacity - this.#freeCount;
  }

  /** The slot of a live id, or -1. */
  slotOf(id: number): number {
    if (!Number.isInteger(id) || id < 0) return -1;
    const slot = id % this.capacity;
    const gen = Math.floor(id / this.capacity);
    if (this.kind[slot] === KIND_UNUSED || this.#gen[slot] !== gen) return -1;
    return slot;
  }

  /** The kind of a slot's socket. */
  kindOf(slot: number): SocketKind {
    return KIND_NAMES[this.kind[slot]!]!;
  }

  /** The id of a live slot. */
  idOf(slot: number): number {
    return this.#gen[slot]! * this.capacity + slot;
  }

  /** Takes a slot for a socket of `kind` and returns its id; -1 when the pool is full. */
  alloc(kind: SocketKind): number {
    if (this.#freeCount === 0) return -1;
    const slot = this.#free[this.#freeHead]!;
    this.#freeHead = (this.#freeHead + 1) % this.capacity;
    this.#freeCount--;
    this.kind[slot] = KIND_NAMES.indexOf(kind);
    this.conn[slot] = -1;
    this.nonblock[slot] = 0;
    this.boundPort[slot] = -1;
    this.pendingError[slot] = 0;
    this.shutWrite[slot] = 0;
    return this.idOf(slot);
  }

  /** Gives a slot back (FIFO): its id, and every earlier id of the slot, go stale. */
  free(slot: number): void {
    this.kind[slot] = KIND_UNUSED;
    this.conn[slot] = -1;
    this.#gen[slot] = (this.#gen[slot]! + 1) % this.#maxGen;
    this.#free[(this.#freeHead + this.#freeCount) % this.capacity] = slot;
    this.#freeCount++;
  }

  /** True when a socket other than `except` is bound to `port`. */
  portBound(port: number, except: number): boolean {
    for (let s = 0; s < this.capacity; s++) {
      if (s !== except && this.kind[s] !== KIND_UNUSED && this.boundPort[s] === port) return true;
    }
    return false;
  }
}
