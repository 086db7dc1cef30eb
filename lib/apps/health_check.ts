/**
 * Active health checks of a proxy's upstreams, run on the proxy's own
 * context and epoll instance: every `intervalMs` each upstream gets a
 * connect (`tcp`), or a connect and `GET PATH HTTP/1.0` whose status must be
 * 2xx or 3xx (`http`); a check that does not finish within `timeoutMs`
 * fails. Results go to {@linkcode UpstreamPool.checked}, which applies
 * rise and fall.
 *
 * @module
 */

import {
  AF_INET,
  EAGAIN,
  EINPROGRESS,
  MTCP_EPOLL_CTL_ADD,
  MTCP_EPOLL_CTL_DEL,
  MTCP_EPOLL_CTL_MOD,
  MTCP_EPOLLERR,
  MTCP_EPOLLHUP,
  MTCP_EPOLLIN,
  MTCP_EPOLLOUT,
  type MtcpEpollEvent,
  SO_ERROR,
  SOCK_STREAM,
  SOL_SOCKET,
} from "../api/constants.ts";
import {
  mtcp_abort,
  mtcp_connect,
  mtcp_epoll_ctl,
  mtcp_getsockopt,
  mtcp_read,
  mtcp_setsock_nonblock,
  mtcp_socket,
  mtcp_write,
  type SockOptValue,
} from "../api/mtcp.ts";
import type { MtcpContext } from "../api/context.ts";
import { formatIpv4 } from "../wire/address.ts";
import type { UpstreamPool } from "./proxy.ts";

/** What an active check does. */
export interface HealthCheckOptions {
  /** `tcp`: the connect must succeed; `http`: and `GET path` must answer 2xx or 3xx. */
  kind: "tcp" | "http";
  /** Path of the `http` check (default `/`). */
  path?: string;
  /** Time between checks of one upstream, ms (default 2000). */
  intervalMs?: number;
  /** A check not done in this long fails, ms (default 1000). */
  timeoutMs?: number;
}

/**
 * Parses `tcp` or `http:/PATH` (the `--health-check` flag); undefined when
 * it is neither.
 */
export function parseHealthCheck(text: string): HealthCheckOptions | undefined {
  if (text === "tcp") return { kind: "tcp" };
  if (!text.startsWith("http:")) return undefined;
  const path = text.slice(5) || "/";
  if (!path.startsWith("/") || [...path].some((ch) => ch <= " " || ch === "\x7f")) return undefined;
  return { kind: "http", path };
}

interface Check {
  k: number;
  fd: number;
  startedAt: number;
  connected: boolean;
  registered: boolean;
  head: string;
}

/** The checks in flight and when each upstream is due. */
export class HealthChecker {
  /** Checks that passed and failed. */
  readonly counts = { passed: 0, failed: 0 };
  readonly #ctx: MtcpContext;
  readonly #pool: UpstreamPool;
  readonly #ep: number;
  readonly #o: HealthCheckOptions;
  #due: Float64Array;
  readonly #checks = new Map<number, Check>();
  readonly #buf = new Uint8Array(512);

  /** Checks of `pool`'s upstreams on `ctx`, watched with epoll instance `ep`. */
  constructor(ctx: MtcpContext, pool: UpstreamPool, ep: number, options: HealthCheckOptions) {
    this.#ctx = ctx;
    this.#pool = pool;
    this.#ep = ep;
    this.#o = options;
    this.#due = new Float64Array(pool.size); // all due at once
  }

  /** Starts the checks that are due and fails those past their time. */
  tick(): void {
    const now = this.#ctx.now();
    const timeout = this.#o.timeoutMs ?? 1000;
    for (const c of [...this.#checks.values()]) {
      if (now - c.startedAt > timeout) this.#done(c, false, `check timed out after ${timeout} ms`);
    }
    for (let k = 0; k < this.#due.length; k++) {
      if (this.#due[k]! > now || this.#inFlight(k)) continue;
      this.#due[k] = now + (this.#o.intervalMs ?? 2000);
      this.#start(k, now);
    }
  }

  /** Handles `ev` when it belongs to a check; false when it does not. */
  onEvent(ev: MtcpEpollEvent): boolean {
    const c = this.#checks.get(ev.data);
    if (c === undefined) return false;
    const ctx = this.#ctx;
    if (!c.connected) {
      const err: { value: SockOptValue } = { value: 0 };
      mtcp_getsockopt(ctx, c.fd, SOL_SOCKET, SO_ERROR, err);
      if (err.value !== 0 || (ev.events & (MTCP_EPOLLERR | MTCP_EPOLLHUP)) !== 0) {
        this.#done(c, false, "check connect failed");
        return true;
      }
      if ((ev.events & MTCP_EPOLLOUT) === 0) return true;
      c.connected = true;
      if (this.#o.kind === "tcp") {
        this.#done(c, true, "check passed");
        return true;
      }
      const u = this.#pool.at(c.k).upstream;
      const req =
        `GET ${this.#o.path ?? "/"} HTTP/1.0\r\nHost: ${formatIpv4(u.addr)}:${u.port}\r\n` +
        "User-Agent: mtcp-health-check\r\n\r\n";
      const bytes = new TextEncoder().encode(req);
      if (mtcp_write(ctx, c.fd, bytes, bytes.length) !== bytes.length) {
        this.#done(c, false, "check request not written");
        return true;
      }
      mtcp_epoll_ctl(ctx, this.#ep, MTCP_EPOLL_CTL_MOD, c.fd, { events: MTCP_EPOLLIN, data: c.fd });
      return true;
    }
    this.#readStatus(c);
    return true;
  }

  /** Starts over after the pool's list changed: checks in flight are dropped, all due now. */
  restart(): void {
    this.close();
    this.#due = new Float64Array(this.#pool.size);
  }

  /** Closes the checks in flight. */
  close(): void {
    for (const c of this.#checks.values()) {
      if (c.registered) mtcp_epoll_ctl(this.#ctx, this.#ep, MTCP_EPOLL_CTL_DEL, c.fd, undefined);
      mtcp_abort(this.#ctx, c.fd);
    }
    this.#checks.clear();
  }

  #inFlight(k: number): boolean {
    for (const c of this.#checks.values()) if (c.k === k) return true;
    return false;
  }

  #start(k: number, now: number): void {
    const ctx = this.#ctx;
    const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return; // no socket now: tried again next interval
    mtcp_setsock_nonblock(ctx, fd);
    const u = this.#pool.at(k).upstream;
    const c: Check = { k, fd, startedAt: now, connected: false, registered: false, head: "" };
    this.#checks.set(fd, c);
    if (mtcp_connect(ctx, fd, { family: AF_INET, addr: u.addr, port: u.port }) < 0) {
      if (ctx.errno !== EINPROGRESS) return this.#done(c, false, "check connect failed");
    }
    mtcp_epoll_ctl(ctx, this.#ep, MTCP_EPOLL_CTL_ADD, fd, { events: MTCP_EPOLLOUT, data: fd });
    c.registered = true;
  }

  #readStatus(c: Check): void {
    const ctx = this.#ctx;
    const r = mtcp_read(ctx, c.fd, this.#buf, this.#buf.length);
    if (r < 0 && ctx.errno === EAGAIN) return;
    if (r > 0) c.head += new TextDecoder().decode(this.#buf.subarray(0, r));
    const line = c.head.indexOf("\r\n");
    if (line < 0 && r > 0 && c.head.length < 4096) return;
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(c.head);
    const status = m === null ? 0 : Number(m[1]);
    if (status >= 200 && status < 400) this.#done(c, true, `check passed (${status})`);
    else if (status > 0) this.#done(c, false, `check answered ${status}`);
    else this.#done(c, false, "check got no HTTP status line");
  }

  #done(c: Check, ok: boolean, why: string): void {
    this.#checks.delete(c.fd);
    if (c.registered) mtcp_epoll_ctl(this.#ctx, this.#ep, MTCP_EPOLL_CTL_DEL, c.fd, undefined);
    // The check's connection is reset, never left in TIME-WAIT on our side.
    mtcp_abort(this.#ctx, c.fd);
    if (ok) this.counts.passed++;
    else this.counts.failed++;
    this.#pool.checked(c.k, ok, this.#ctx.now(), why);
  }
}
