/**
 * ping(8) on the user-space stack: echo requests at an interval, round trips
 * measured on the network's clock, and ping's summary.
 *
 * @module
 */

import type { Host } from "../api/host.ts";
import type { Network, Pollable } from "../phy/network.ts";
import { Driver } from "../api/driver.ts";

/** Options for {@linkcode ping}. */
export interface PingOptions {
  /** Echo requests to send (default 4). */
  count?: number;
  /** Milliseconds between requests (default 1000). */
  intervalMs?: number;
  /** Data bytes per request (default 56, as ping). */
  size?: number;
  /** How long to wait for replies after the last request (default 1000 ms). */
  waitMs?: number;
  /** Identifier (default 0x4d54). */
  ident?: number;
}

/** One reply. */
export interface PingReply {
  /** Sequence number. */
  seq: number;
  /** Round trip in milliseconds. */
  rttMs: number;
  /** ICMP message length (header and data). */
  bytes: number;
  /** True if this sequence number was already answered. */
  duplicate: boolean;
}

/** The outcome of a run. */
export interface PingResult {
  /** Requests sent. */
  transmitted: number;
  /** Distinct requests answered. */
  received: number;
  /** Every reply in arrival order, duplicates included. */
  replies: PingReply[];
  /** Round-trip statistics over the distinct replies (ms); NaN without replies. */
  min: number;
  /** Mean. */
  avg: number;
  /** Maximum. */
  max: number;
  /** Standard deviation, as ping's mdev: sqrt(mean(rtt^2) - mean(rtt)^2). */
  mdev: number;
}

class Pinger implements Pollable {
  sent = 0;
  nextAt: number = 0;
  readonly sentAt: number[] = [];
  readonly replies: PingReply[] = [];
  readonly answered = new Set<number>();
  constructor(
    readonly host: Host,
    readonly dst: number,
    readonly count: number,
    readonly intervalMs: number,
    readonly size: number,
    readonly ident: number,
    start: number,
  ) {
    this.nextAt = start;
  }
  poll(now: number): boolean {
    let did = false;
    while (this.sent < this.count && now >= this.nextAt) {
      this.sentAt[this.sent] = now;
      this.host.iface.ping(now, this.dst, this.ident, this.sent + 1, this.size);
      this.sent++;
      this.nextAt += this.intervalMs;
      did = true;
    }
    if (did) this.host.iface.device.flush(now);
    return did;
  }
  pollAt(): number {
    return this.sent < this.count ? this.nextAt : Infinity;
  }
}

/**
 * Pings `dst` from `host` on `network`, running the network's scheduler until
 * every request is answered or `waitMs` after the last. `onReply` sees each
 * reply as it comes.
 */
export async function ping(
  network: Network,
  host: Host,
  dst: number,
  options: PingOptions = {},
  onReply?: (reply: PingReply) => void,
): Promise<PingResult> {
  const count = options.count ?? 4;
  const intervalMs = options.intervalMs ?? 1000;
  const size = options.size ?? 56;
  const ident = options.ident ?? 0x4d54;
  const waitMs = options.waitMs ?? 1000;
  const start = network.clock.now();
  const pinger = new Pinger(host, dst, count, intervalMs, size, ident, start);
  const previous = host.iface.onEchoReply;
  host.iface.onEchoReply = (now, src, id, seq, dataLength) => {
    if (src !== dst || id !== ident || seq < 1 || seq > pinger.sent) return;
    const duplicate = pinger.answered.has(seq);
    pinger.answered.add(seq);
    const reply = { seq, rttMs: now - pinger.sentAt[seq - 1]!, bytes: dataLength + 8, duplicate };
    pinger.replies.push(reply);
    onReply?.(reply);
  };
  network.add(pinger);
  try {
    const lastSendAt = start + (count - 1) * intervalMs;
    await Driver.of(network).wait(
      () => pinger.sent === count && pinger.answered.size === count,
      lastSendAt - start + waitMs,
    );
  } finally {
    network.remove(pinger);
    host.iface.onEchoReply = previous;
  }
  const rtts = pinger.replies.filter((r) => !r.duplicate).map((r) => r.rttMs);
  const avg = rtts.reduce((a, b) => a + b, 0) / rtts.length;
  return {
    transmitted: pinger.sent,
    received: pinger.answered.size,
    replies: pinger.replies,
    min: Math.min(...rtts),
    avg,
    max: Math.max(...rtts),
    mdev: Math.sqrt(Math.max(0, rtts.reduce((a, r) => a + r * r, 0) / rtts.length - avg * avg)),
  };
}
