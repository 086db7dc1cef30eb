/**
 * ping(8) on the user-space stack: echo requests at an interval, round trips
 * measured on the network's clock, and ping's summary.
 *
 * @module
 */

import { attachHost, type Host } from "../api/host.ts";
import type { Network, Pollable } from "../phy/network.ts";
import { Driver } from "../api/driver.ts";
import { MemoryNetwork } from "../phy/memory.ts";
import { PcapFileSink } from "../phy/pcap_writer.ts";
import { describeFrame } from "../phy/tracer.ts";
import { formatIpv4, formatMac, parseIpv4Address } from "../wire/address.ts";

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

/** Options of {@linkcode pingDemo}: the `ping` command's flags. */
export interface PingDemoOptions {
  /** Echo requests. */
  count: number;
  /** Milliseconds between requests. */
  intervalMs: number;
  /** Data bytes per request. */
  size: number;
  /** One-way latency of the in-memory link, ms. */
  latencyMs: number;
  /** Loss probability each way. */
  loss: number;
  /** Seed of the loss. */
  seed: number;
  /** `system` (real time) or `virtual` (a simulation). */
  clock: "system" | "virtual";
  /** Capture host a's frames to this file. */
  pcap?: string;
  /** Print every frame host a sends and receives. */
  trace?: boolean;
}

function pingSummary(a: Host, dst: number, result: PingResult, out: (line: string) => void): void {
  out(`--- ${formatIpv4(dst)} ping statistics ---`);
  const lossPct = Math.round((100 * (result.transmitted - result.received)) / result.transmitted);
  out(
    `${result.transmitted} packets transmitted, ${result.received} received, ${lossPct}% packet loss`,
  );
  if (result.received > 0) {
    const f = (x: number) => x.toFixed(3);
    out(
      `rtt min/avg/max/mdev = ${f(result.min)}/${f(result.avg)}/${f(result.max)}/${
        f(result.mdev)
      } ms`,
    );
  }
  const entry = a.iface.arp.get(dst);
  if (entry !== undefined && entry.mac >= 0) {
    out(`arp: ${formatIpv4(dst)} is-at ${formatMac(entry.mac)} (${entry.state})`);
  }
  const drops = JSON.stringify(a.iface.stats.nonZeroDrops());
  out(
    `host a: ${a.iface.stats.rx.frames} frames in, ${a.iface.stats.tx.frames} out, drops ${drops}`,
  );
}

/**
 * The `ping` command: hosts a (10.0.0.1) and b (10.0.0.2) on an in-memory
 * Ethernet, ARP, then ping from a to b, printed as ping(8) prints it.
 * Throws `Error` when no reply came back.
 *
 * @example Three pings in virtual time
 * ```ts
 * import { pingDemo } from "./ping.ts";
 * const lines: string[] = [];
 * await pingDemo({ count: 3, intervalMs: 10, size: 56, latencyMs: 1, loss: 0, seed: 1, clock: "virtual" }, (l) => lines.push(l));
 * console.log(lines.some((l) => l.startsWith("3 packets transmitted, 3 received"))); // true
 * ```
 */
export async function pingDemo(o: PingDemoOptions, out: (line: string) => void): Promise<void> {
  const net = new MemoryNetwork({ clock: o.clock, latencyMs: o.latencyMs });
  const impair = o.loss > 0 ? { rx: { loss: o.loss }, tx: { loss: o.loss } } : undefined;
  const a = attachHost(net, {
    name: "a",
    address: "10.0.0.1/24",
    ...(impair ? { impair: { ...impair, seed: o.seed } } : {}),
    ...(o.pcap !== undefined ? { pcap: new PcapFileSink(o.pcap) } : {}),
    ...(o.trace
      ? { trace: (dir, _now, bytes, off, len) => out(`  ${dir} ${describeFrame(bytes, off, len)}`) }
      : {}),
  });
  const b = attachHost(net, {
    name: "b",
    address: "10.0.0.2/24",
    ...(impair ? { impair: { ...impair, seed: o.seed + 1 } } : {}),
  });
  const dst = parseIpv4Address("10.0.0.2")!;
  out(
    `ping: hosts a (${a.address}) and b (${b.address}) on an in-memory Ethernet, ${o.clock} clock, no privileges needed`,
  );
  out(`PING ${formatIpv4(dst)} from ${a.address}: ${o.size} data bytes`);
  const options = { count: o.count, intervalMs: o.intervalMs, size: o.size };
  const result = await ping(net, a, dst, options, (r) => {
    const dup = r.duplicate ? " (DUP!)" : "";
    out(
      `${r.bytes} bytes from ${formatIpv4(dst)}: icmp_seq=${r.seq} time=${
        r.rttMs.toFixed(3)
      } ms${dup}`,
    );
  });
  pingSummary(a, dst, result, out);
  a.close();
  b.close();
  if (o.pcap !== undefined) out(`capture written to ${o.pcap}`);
  if (result.received === 0) throw new Error("No echo replies");
}
