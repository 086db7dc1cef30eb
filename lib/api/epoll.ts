/**
 * epoll for mTCP contexts, with Linux's semantics (which mTCP only half has):
 * level-triggered reports while a socket stays ready, edge-triggered reports
 * once per event, one-shot disarms until MOD, EPOLLERR and EPOLLHUP are always
 * reported, and any number of epoll instances per context.
 *
 * What the caller may rely on (after mio's Poll): events can be spurious, so
 * a read or accept may still say EAGAIN; under EPOLLET, drain until EAGAIN or
 * no further event comes for data already there.
 *
 * @module
 */

import {
  MTCP_EPOLLERR,
  MTCP_EPOLLET,
  MTCP_EPOLLHUP,
  MTCP_EPOLLONESHOT,
  type MtcpEpollEvent,
} from "./constants.ts";

/** One socket's registration. */
export interface EpollRegistration {
  /** The socket's slot in the context. */
  slot: number;
  /** Interest mask (normalised, `>>> 0`). */
  events: number;
  /** User data returned with events. */
  data: number;
  /** In the ready list. */
  queued: boolean;
  /** False after a one-shot report, until MOD. */
  armed: boolean;
}

/**
 * Reads a socket's current readiness.
 *
 * @example A connected socket's readiness, as epoll bits
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, INADDR_ANY, MTCP_EPOLLIN, MTCP_EPOLLOUT, MTCP_EPOLL_CTL_ADD, MemoryNetwork, type ReadinessSource, SOCK_STREAM, mtcp_accept, mtcp_bind, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_init, mtcp_listen, mtcp_setsock_nonblock, mtcp_socket, parseIpv4Address } from "../mod.ts";
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
 * const source: ReadinessSource = a;
 * assert.ok(source.readiness(a.slotOf(fd)) & MTCP_EPOLLOUT);
 * assert.equal(source.readiness(a.slotOf(fd)) & MTCP_EPOLLIN, 0);
 * mtcp_destroy();
 * ```
 */
export interface ReadinessSource {
  /** Current event bits of the socket in `slot`. */
  readiness(slot: number): number;
}

const ALWAYS = MTCP_EPOLLERR | MTCP_EPOLLHUP;
const FLAG_BITS = (MTCP_EPOLLET | MTCP_EPOLLONESHOT) >>> 0;

/**
 * One epoll instance.
 *
 * @example An epoll instance's registrations
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, Epoll, MTCP_EPOLLIN, MTCP_EPOLL_CTL_ADD, MemoryNetwork, SOCK_STREAM, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_init, mtcp_socket } from "../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
 * const ep = mtcp_epoll_create(ctx, 4);
 * mtcp_epoll_ctl(ctx, ep, MTCP_EPOLL_CTL_ADD, fd, { events: MTCP_EPOLLIN, data: 42 });
 * const epoll: Epoll = ctx.epoll(ctx.slotOf(ep))!;
 * assert.equal(epoll.registrations.size, 1);
 * mtcp_destroy();
 * ```
 */
export class Epoll {
  /** Registrations by socket slot. */
  readonly registrations = new Map<number, EpollRegistration>();
  readonly #ready: EpollRegistration[] = [];
  readonly #levelTriggered: EpollRegistration[] = [];

  /** Registers a socket; returns false if it already is (EEXIST). */
  add(slot: number, events: number, data: number, source: ReadinessSource): boolean {
    if (this.registrations.has(slot)) return false;
    const reg: EpollRegistration = { slot, events: events >>> 0, data, queued: false, armed: true };
    this.registrations.set(slot, reg);
    this.#checkNow(reg, source);
    return true;
  }

  /** Changes a registration (re-arms a one-shot); false if absent (ENOENT). */
  modify(slot: number, events: number, data: number, source: ReadinessSource): boolean {
    const reg = this.registrations.get(slot);
    if (reg === undefined) return false;
    reg.events = events >>> 0;
    reg.data = data;
    reg.armed = true;
    this.#checkNow(reg, source);
    return true;
  }

  /** Removes a registration; false if absent (ENOENT). */
  remove(slot: number): boolean {
    const reg = this.registrations.get(slot);
    if (reg === undefined) return false;
    reg.armed = false; // a queued entry is skipped when reached
    this.registrations.delete(slot);
    return true;
  }

  /** Something happened on `slot` (event bits): queue it if the registration cares. */
  notify(slot: number, bits: number): void {
    const reg = this.registrations.get(slot);
    if (reg === undefined || !reg.armed || reg.queued) return;
    if ((bits & ((reg.events & ~FLAG_BITS) | ALWAYS)) === 0) return;
    reg.queued = true;
    this.#ready.push(reg);
  }

  /** True when a wait would report something now (prunes stale entries). */
  hasEvents(source: ReadinessSource): boolean {
    let w = 0;
    let found = false;
    for (const reg of this.#ready) {
      if (
        reg.armed && this.registrations.get(reg.slot) === reg && this.#current(reg, source) !== 0
      ) {
        this.#ready[w++] = reg;
        found = true;
      } else {
        reg.queued = false;
      }
    }
    this.#ready.length = w;
    return found;
  }

  /** Fills `out` with up to `max` events; returns the count. */
  collect(source: ReadinessSource, out: MtcpEpollEvent[], max: number): number {
    let n = 0;
    const ready = this.#ready;
    // Kept empty by pop: `length = 0` would free its storage each wait.
    const keep = this.#levelTriggered;
    let i = 0;
    for (; i < ready.length && n < max; i++) {
      const reg = ready[i]!;
      reg.queued = false;
      if (!reg.armed || this.registrations.get(reg.slot) !== reg) continue;
      const current = this.#current(reg, source);
      if (current === 0) continue;
      let ev = out[n];
      if (ev === undefined) out[n] = ev = { events: 0, data: 0 };
      ev.events = current >>> 0;
      ev.data = reg.data;
      n++;
      if ((reg.events & MTCP_EPOLLONESHOT) !== 0) {
        reg.armed = false;
      } else if ((reg.events & MTCP_EPOLLET) === 0) {
        // Level-triggered: it stays ready until a wait finds it not ready.
        reg.queued = true;
        keep.push(reg);
      }
    }
    // Entries not reached stay first, in order; the level-triggered ones follow.
    ready.splice(0, i);
    for (const reg of keep) ready.push(reg);
    while (keep.length > 0) keep.pop();
    return n;
  }

  #current(reg: EpollRegistration, source: ReadinessSource): number {
    return (source.readiness(reg.slot) & ((reg.events & ~FLAG_BITS) | ALWAYS)) >>> 0;
  }

  #checkNow(reg: EpollRegistration, source: ReadinessSource): void {
    if (!reg.queued && this.#current(reg, source) !== 0) {
      reg.queued = true;
      this.#ready.push(reg);
    }
  }
}
