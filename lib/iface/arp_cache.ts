/**
 * The ARP cache (RFC 826, with aging after RFC 1122 §2.3.2.1): entries are
 * INCOMPLETE while a request is outstanding, REACHABLE after a reply, and STALE
 * once `reachableMs` has passed, when they are still used but re-probed by
 * unicast requests. Requests are rate-limited to one per `retryMs` per
 * address, at most `maxRetries` in a row. Packets waiting on resolution sit in
 * a bounded pool (RFC 1122 §2.3.2.2: "SHOULD save at least one").
 *
 * @module
 */

import { FramePool } from "../storage/frame_pool.ts";

/**
 * ARP tuning.
 *
 * @example Tuning: how long an answer stays reachable
 * ```ts
 * import assert from "node:assert/strict";
 * import { ArpCache, type ArpConfig } from "../mod.ts";
 * const cache = new ArpCache({ reachableMs: 5000 }, 1514);
 * const config: ArpConfig = cache.config;
 * assert.equal(config.reachableMs, 5000);
 * ```
 */
export interface ArpConfig {
  /** How long a reply keeps an entry REACHABLE (default 60 000 ms). */
  reachableMs: number;
  /** Least time between two requests for one address (default 1 000 ms). */
  retryMs: number;
  /** Requests without a reply before giving up (default 3). */
  maxRetries: number;
  /** Entries kept; the oldest goes first (default 1 024). */
  maxEntries: number;
  /** Frames waiting for one address (default 16). */
  maxPendingPerEntry: number;
  /** Frames waiting in all (default 256). */
  pendingFrames: number;
}

/** Defaults for {@linkcode ArpConfig}. */
export const ARP_DEFAULTS: Readonly<ArpConfig> = {
  reachableMs: 60_000,
  retryMs: 1_000,
  maxRetries: 3,
  maxEntries: 1024,
  maxPendingPerEntry: 16,
  pendingFrames: 256,
};

/**
 * State of an entry.
 *
 * @example A static entry never ages
 * ```ts
 * import assert from "node:assert/strict";
 * import { ArpCache, type ArpState } from "../mod.ts";
 * const cache = new ArpCache({}, 1514);
 * cache.addStatic(1, 2);
 * const state: ArpState = cache.get(1)!.state;
 * assert.equal(state, "STATIC");
 * ```
 */
export type ArpState = "INCOMPLETE" | "REACHABLE" | "STALE" | "STATIC";

/**
 * One cache entry.
 *
 * @example The entry a context learned for its peer
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, type ArpEntry, INADDR_ANY, MTCP_EPOLLOUT, MTCP_EPOLL_CTL_ADD, MemoryNetwork, SOCK_STREAM, mtcp_accept, mtcp_bind, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_init, mtcp_listen, mtcp_setsock_nonblock, mtcp_socket, parseIpv4Address } from "../mod.ts";
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
 * const entry: ArpEntry = a.iface.arp.get(parseIpv4Address("10.0.0.2")!)!;
 * assert.equal(entry.state, "REACHABLE");
 * assert.equal(entry.mac, b.iface.mac);
 * mtcp_destroy();
 * ```
 */
export interface ArpEntry {
  /** The IPv4 address. */
  ip: number;
  /** Its MAC, or -1 while INCOMPLETE. */
  mac: number;
  /** State. */
  state: ArpState;
  /** When REACHABLE turns STALE. */
  expiresAt: number;
  /** Earliest time of the next request. */
  nextRequestAt: number;
  /** Requests sent since the last reply. */
  requests: number;
  /** Pool slots of frames waiting on this entry, in order. */
  pending: number[];
}

/**
 * What the caller should do after {@linkcode ArpCache.resolve}.
 *
 * @example An unknown neighbour: send a request, and queue the frame
 * ```ts
 * import assert from "node:assert/strict";
 * import { type ArpAction, ArpCache, parseIpv4Address } from "../mod.ts";
 * const cache = new ArpCache({}, 1514);
 * const action: ArpAction = cache.resolve(0, parseIpv4Address("10.0.0.9")!);
 * assert.equal(action, "request");
 * ```
 */
export type ArpAction = "send" | "probe" | "queue" | "request";

/**
 * The cache and its pending-frame pool.
 *
 * @example Static entries and resolution
 * ```ts
 * import assert from "node:assert/strict";
 * import { ArpCache, parseIpv4Address } from "../mod.ts";
 * const cache = new ArpCache({}, 1514);
 * const ip = parseIpv4Address("10.0.0.9")!;
 * cache.addStatic(ip, 0x02_00_00_00_00_09);
 * assert.equal(cache.resolve(0, ip), "send");
 * assert.equal(cache.get(ip)?.mac, 0x02_00_00_00_00_09);
 * ```
 */
export class ArpCache {
  /** Configuration in force. */
  readonly config: ArpConfig;
  /** Frames waiting for resolution. */
  readonly pool: FramePool;
  readonly #entries = new Map<number, ArpEntry>();
  #nextTimer = Infinity;

  /** A cache with `config` over {@linkcode ARP_DEFAULTS}, queueing frames of up to `frameSize` bytes. */
  constructor(config: Partial<ArpConfig> = {}, frameSize = 1518) {
    this.config = { ...ARP_DEFAULTS, ...config };
    this.pool = new FramePool(this.config.pendingFrames, frameSize);
  }

  /** Number of entries. */
  get size(): number {
    return this.#entries.size;
  }

  /** The entry for `ip`, if any. */
  get(ip: number): ArpEntry | undefined {
    return this.#entries.get(ip);
  }

  /** Every entry (for reports). */
  entries(): IterableIterator<ArpEntry> {
    return this.#entries.values();
  }

  /** Adds a permanent entry (from static configuration). */
  addStatic(ip: number, mac: number): void {
    this.#insert({
      ip,
      mac,
      state: "STATIC",
      expiresAt: Infinity,
      nextRequestAt: 0,
      requests: 0,
      pending: [],
    });
  }

  /**
   * Looks `ip` up for sending and says what to do: `"send"` (use
   * {@linkcode ArpEntry.mac}), `"probe"` (send, and also send a unicast
   * request to refresh a STALE entry), `"request"` (queue the frame and
   * broadcast a request), `"queue"` (queue it; a request is outstanding).
   */
  resolve(now: number, ip: number): ArpAction {
    let e = this.#entries.get(ip);
    if (e === undefined) {
      e = {
        ip,
        mac: -1,
        state: "INCOMPLETE",
        expiresAt: 0,
        nextRequestAt: now,
        requests: 0,
        pending: [],
      };
      this.#insert(e);
    }
    switch (e.state) {
      case "STATIC":
        return "send";
      case "REACHABLE":
        if (now < e.expiresAt) return "send";
        e.state = "STALE";
        e.requests = 0;
        e.nextRequestAt = now;
        return this.#probeStale(now, e);
      case "STALE":
        return this.#probeStale(now, e);
      case "INCOMPLETE":
        if (now >= e.nextRequestAt && e.requests < this.config.maxRetries) {
          e.requests++;
          e.nextRequestAt = now + this.config.retryMs;
          this.#nextTimer = Math.min(this.#nextTimer, e.nextRequestAt);
          return "request";
        }
        return "queue";
    }
  }

  // A STALE entry is used while unicast requests refresh it (RFC 1122
  // §2.3.2.1); after maxRetries unanswered ones it is resolved afresh.
  #probeStale(now: number, e: ArpEntry): ArpAction {
    if (now >= e.nextRequestAt) {
      if (e.requests >= this.config.maxRetries) {
        // No answer to the probes: forget the MAC and resolve afresh.
        e.state = "INCOMPLETE";
        e.mac = -1;
        e.requests = 0;
        e.nextRequestAt = now;
        return this.resolve(now, e.ip);
      }
      e.requests++;
      e.nextRequestAt = now + this.config.retryMs;
      return "probe";
    }
    return "send";
  }

  /**
   * Queues a frame for `ip`'s INCOMPLETE entry: returns the pool slot to write
   * it into, or -1 when the entry's or the pool's limit is reached.
   */
  queue(ip: number): number {
    const e = this.#entries.get(ip);
    if (e === undefined || e.pending.length >= this.config.maxPendingPerEntry) return -1;
    const slot = this.pool.acquire();
    if (slot >= 0) e.pending.push(slot);
    return slot;
  }

  /**
   * Records a mapping learned from the wire. Creates an entry only when
   * `create` (RFC 826: the packet was addressed to us); otherwise refreshes an
   * existing one. Returns the entry when it holds frames to send now.
   */
  learn(now: number, ip: number, mac: number, create: boolean): ArpEntry | undefined {
    let e = this.#entries.get(ip);
    if (e === undefined) {
      if (!create) return undefined;
      e = { ip, mac, state: "REACHABLE", expiresAt: 0, nextRequestAt: 0, requests: 0, pending: [] };
      this.#insert(e);
    }
    if (e.state === "STATIC") return undefined;
    e.mac = mac;
    e.state = "REACHABLE";
    e.expiresAt = now + this.config.reachableMs;
    e.requests = 0;
    e.nextRequestAt = now;
    return e.pending.length > 0 ? e : undefined;
  }

  /** When {@linkcode ArpCache.expire} next has work. */
  nextTimer(): number {
    return this.#nextTimer;
  }

  /**
   * Runs retries and give-ups: returns the INCOMPLETE entries due for another
   * request (appended to `retry`) and frees the frames of entries that ran out
   * of retries, returning how many frames were dropped.
   */
  expire(now: number, retry: ArpEntry[]): number {
    if (now < this.#nextTimer) return 0;
    let dropped = 0;
    let next = Infinity;
    for (const e of this.#entries.values()) {
      if (e.state !== "INCOMPLETE") continue;
      if (now >= e.nextRequestAt) {
        if (e.requests >= this.config.maxRetries) {
          dropped += this.#dropPending(e);
          this.#entries.delete(e.ip);
          continue;
        }
        e.requests++;
        e.nextRequestAt = now + this.config.retryMs;
        retry.push(e);
      }
      next = Math.min(next, e.nextRequestAt);
    }
    this.#nextTimer = next;
    return dropped;
  }

  #dropPending(e: ArpEntry): number {
    const n = e.pending.length;
    for (const slot of e.pending) this.pool.release(slot);
    e.pending.length = 0;
    return n;
  }

  #insert(e: ArpEntry): void {
    if (this.#entries.size >= this.config.maxEntries) {
      // Evict the oldest entry that is not static (Map keeps insertion order).
      for (const old of this.#entries.values()) {
        if (old.state === "STATIC") continue;
        this.#dropPending(old);
        this.#entries.delete(old.ip);
        break;
      }
    }
    this.#entries.set(e.ip, e);
  }
}
