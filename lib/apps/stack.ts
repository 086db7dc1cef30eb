/**
 * One context of the appliance, built from the command line's common
 * options through `createStack` (the one way to build a stack): the device
 * (`tap:NAME`, `packet:IFNAME`, `xdp:IFNAME`, `netmap:IFNAME` or `memory`),
 * our address, gateway and MAC, the kernel side of a TAP, config files
 * (mtcp.conf, arp.conf, route.conf), capture and impairment; the one
 * usage-error class; and the per-second statistics of a context, in the
 * spirit of mTCP's.
 *
 * @module
 */

import { mtcp_init, mtcp_setconf, mtcp_strerror_init } from "../api/mtcp.ts";
import { createStack } from "../api/deno_net.ts";
import type { MtcpContext } from "../api/context.ts";
import type { Network } from "../phy/network.ts";
import { PcapFileSink } from "../phy/pcap_writer.ts";
import { RingDevice } from "../phy/ring_device.ts";
import type { FaultInjectorOptions, Impairment } from "../phy/fault.ts";
import { formatIpv4, parseIpv4Address, parseIpv4Cidr, parseMac } from "../wire/address.ts";

/**
 * A mistake in the command line or the options: the CLI prints it as one
 * line with the usage and exits 2. The one usage-error class.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkStackOptions, UsageError } from "./stack.ts";
 * assert.throws(() => checkStackOptions({ dev: "tap:x", ip: "nope", cores: 1, configFiles: [] }), UsageError);
 * ```
 */
export class UsageError extends Error {
  /** @param message the one line to print. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The common options of every command that runs a stack. */
export interface StackOptions {
  /** `tap:NAME`, `packet:IFNAME`, `netmap:IFNAME`, `xdp:IFNAME` or `memory`. */
  dev: string;
  /** Our address and prefix, as `10.0.0.2/24`. */
  ip: string;
  /** Default gateway. */
  gateway?: string;
  /** Our MAC, as `02:00:00:00:00:01` (default: the device's, or generated). */
  mac?: string;
  /** For `tap:`: give the kernel side this address (CIDR) and bring it up. */
  hostIp?: string;
  /** Contexts (one per worker, one TAP queue each). */
  cores: number;
  /** mtcp.conf, arp.conf and route.conf files, told apart by their content. */
  configFiles: string[];
  /** Capture every frame to this file (`FILE` or, with several cores, `FILE.N`). */
  pcap?: string;
  /** The fault injector on both directions. */
  impair?: FaultInjectorOptions;
  /** Spin on the device instead of sleeping in poll (tap, packet, netmap, xdp). */
  busyPoll?: boolean;
  /**
   * tap: the virtio header with checksum offload and TSO/GRO super-frames
   * both ways. Default true on a TAP (`--no-offload` turns it off); other
   * devices have no offloads to ask for.
   */
  offload?: boolean;
  /**
   * Descriptors in each of the ring's directions, 8 to 4096 (default 4096 on
   * packet and xdp, whose receive ring is the only queue in front of us, 256
   * on tap and netmap).
   */
  ringSlots?: number;
  /** Serve the Prometheus exposition at `HOST:PORT` on the kernel's network. */
  metrics?: string;
  /** The `--stats` lines: `text` (default) or `json`, one object a line. */
  statsFormat?: "text" | "json";
}

/** A running context and what it stands on. */
export interface Stack {
  /** The context. */
  ctx: MtcpContext;
  /** Its network. */
  network: Network;
  /** The ring device, unless `memory`. */
  device: RingDevice | undefined;
  /** Human description of where it runs, like `tap:mtcp0`. */
  where: string;
  /** Closes the context and the device (a TAP it created disappears). */
  close(): Promise<void>;
  /** The running command's own counters, for the statistics samples (set by the command). */
  appStats?: () => AppStats;
}

/** A command's own counters in a {@linkcode StatsSample}. */
export interface AppStats {
  /** serve: HTTP responses so far, by status. */
  responses?: Record<string, number>;
  /** proxy: each upstream now. */
  upstreams?: UpstreamSample[];
}

/** One proxy upstream in a {@linkcode StatsSample}. */
export interface UpstreamSample {
  /** `IP:PORT`. */
  upstream: string;
  /** 1 up, 0 down. */
  up: number;
  /** Connections to it now. */
  active: number;
  /** Connects started so far. */
  connects: number;
  /** Connects that failed so far. */
  failures: number;
}

/** Parses `loss=P,reorder=P,duplicate=P,corrupt=P,delay=MS,seed=N`. */
export function parseImpair(text: string): FaultInjectorOptions {
  const imp: Impairment = {};
  let seed = 1;
  for (const part of text.split(",")) {
    const [key, value, extra] = part.split("=");
    const n = Number(value);
    if (
      key === undefined || value === undefined || extra !== undefined || value.trim() === "" ||
      !Number.isFinite(n) || n < 0
    ) {
      throw new UsageError(`Invalid --impair: ${part} (expected key=number)`);
    }
    switch (key.trim()) {
      case "loss":
      case "reorder":
      case "duplicate":
      case "corrupt":
        if (n > 1) throw new UsageError(`Invalid --impair: ${key} is a probability from 0 to 1`);
        imp[key.trim() as "loss"] = n;
        break;
      case "delay":
        imp.delayMs = n;
        break;
      case "seed":
        seed = n;
        break;
      default:
        throw new UsageError(
          `Invalid --impair: unknown key ${key} (loss, reorder, duplicate, corrupt, delay, seed)`,
        );
    }
  }
  return { rx: { ...imp }, tx: { ...imp }, seed };
}

/** What the config files say beyond mtcp.conf: static ARP entries and on-link routes. */
export interface ExtraConfig {
  /** arp.conf: static neighbours. */
  arp: { ip: number; mac: number }[];
  /** route.conf: prefixes reached on the link. */
  routes: { address: number; prefixLength: number }[];
}

/**
 * Reads the config files. mtcp.conf goes to `mtcp_init`; a file whose first
 * line is `ARP_ENTRY n` is an arp.conf (`IP/32 MAC` lines), `ROUTES n` a
 * route.conf (`PREFIX/LEN IFNAME` lines). Throws `Error` naming file, line
 * and what is wrong.
 */
export function loadConfigFiles(files: string[], cores: number): ExtraConfig {
  const { extra, mtcpConf } = readConfigFiles(files);
  const rc = mtcpConf === undefined ? mtcp_init({ num_cores: cores }) : mtcp_init(mtcpConf);
  if (rc !== 0) throw new Error(mtcp_strerror_init());
  // The command line's --cores wins over the file's num_cores.
  if (mtcpConf !== undefined && mtcp_setconf({ num_cores: cores }) !== 0) {
    throw new Error(mtcp_strerror_init());
  }
  return extra;
}

/**
 * Reads the config files again for a reload (SIGHUP) and adds arp.conf's
 * static neighbours to `stack`'s interface; route.conf and mtcp.conf are
 * read at start only. Returns the event line's text; throws `Error` naming
 * file and line when a file does not parse (nothing is applied then).
 */
export function reloadConfigFiles(stack: Stack, files: string[]): string {
  const { extra } = readConfigFiles(files);
  for (const e of extra.arp) stack.ctx.iface.arp.addStatic(e.ip, e.mac);
  return `config re-read: ${extra.arp.length} static neighbours (route.conf and mtcp.conf apply at start)`;
}

// Parses the config files; the mtcp.conf among them is returned by name.
function readConfigFiles(files: string[]): { extra: ExtraConfig; mtcpConf: string | undefined } {
  const extra: ExtraConfig = { arp: [], routes: [] };
  let mtcpConf: string | undefined;
  for (const file of files) {
    let text: string;
    try {
      text = Deno.readTextFileSync(file);
    } catch (err) {
      throw new Error(
        `Cannot read ${file}: ${
          err instanceof Deno.errors.NotFound ? "no such file" : (err as Error).message
        }`,
      );
    }
    const lines = text.split(/\r?\n/).map((l) => l.replace(/#.*/, "").trim());
    const first = lines.findIndex((l) => l !== "");
    const head = first < 0 ? "" : lines[first]!;
    const m = /^(ARP_ENTRY|ROUTES)\s+(\d+)$/.exec(head);
    if (m === null) {
      if (mtcpConf !== undefined) {
        throw new Error(`${file}: a second mtcp.conf (the first was ${mtcpConf})`);
      }
      mtcpConf = file;
      continue;
    }
    const isArp = m[1] === "ARP_ENTRY";
    let count = 0;
    for (let i = first + 1; i < lines.length; i++) {
      const line = lines[i]!;
      if (line === "") continue;
      const [cidrText, second, more] = line.split(/\s+/);
      const cidr = cidrText === undefined ? undefined : parseIpv4Cidr(cidrText);
      if (cidr === undefined || second === undefined || more !== undefined) {
        throw new Error(
          `${file}:${i + 1}: expected '${
            isArp ? "IP/32 MAC" : "PREFIX/LEN IFNAME"
          }', got '${line}'`,
        );
      }
      if (isArp) {
        const mac = parseMac(second);
        if (mac === undefined) throw new Error(`${file}:${i + 1}: invalid MAC '${second}'`);
        extra.arp.push({ ip: cidr.address, mac });
      } else {
        extra.routes.push({ address: cidr.address, prefixLength: cidr.prefixLength });
      }
      count++;
    }
    if (count !== Number(m[2])) {
      throw new Error(`${file}:${first + 1}: ${m[1]} says ${m[2]} entries, the file has ${count}`);
    }
  }
  return { extra, mtcpConf };
}

/** Checks the common options; throws {@linkcode UsageError} for a mistake. */
export function checkStackOptions(o: StackOptions): void {
  if (!/^(memory|(tap|packet|netmap|xdp):[^\s:/]{1,15})$/.test(o.dev)) {
    throw new UsageError(
      `Invalid --dev: ${o.dev} (tap:NAME, packet:IFNAME, netmap:IFNAME, xdp:IFNAME or memory)`,
    );
  }
  if (parseIpv4Cidr(o.ip) === undefined) {
    throw new UsageError(`Invalid --ip: ${o.ip} (expected a.b.c.d/n)`);
  }
  if (o.gateway !== undefined && parseIpv4Address(o.gateway) === undefined) {
    throw new UsageError(`Invalid --gateway: ${o.gateway}`);
  }
  if (o.mac !== undefined && parseMac(o.mac) === undefined) {
    throw new UsageError(`Invalid --mac: ${o.mac} (expected xx:xx:xx:xx:xx:xx)`);
  }
  if (o.hostIp !== undefined) {
    if (parseIpv4Cidr(o.hostIp) === undefined) {
      throw new UsageError(`Invalid --host-ip: ${o.hostIp} (expected a.b.c.d/n)`);
    }
    if (!o.dev.startsWith("tap:")) throw new UsageError(`--host-ip needs a tap: device`);
  }
  if (!Number.isInteger(o.cores) || o.cores < 1 || o.cores > 64) {
    throw new UsageError(`Invalid --cores: ${o.cores} (1 to 64)`);
  }
  if (o.cores > 1 && !o.dev.startsWith("tap:")) {
    throw new UsageError(`--cores above 1 needs a tap: device (one TAP queue per core)`);
  }
}

/**
 * Opens the context of core `core` (0-based) on the options' device.
 * `mtcp_init` must have run (see {@linkcode loadConfigFiles}). Throws `Error`
 * with one line when the device or context cannot be made.
 */
export function openStack(o: StackOptions, core: number, extra: ExtraConfig): Stack {
  const pcap = o.pcap === undefined
    ? undefined
    : new PcapFileSink(o.cores > 1 ? `${o.pcap}.${core}` : o.pcap);
  const stack = createStack({
    address: o.ip,
    device: o.dev,
    core,
    ...(o.gateway !== undefined ? { gateway: o.gateway } : {}),
    ...(o.mac !== undefined ? { mac: o.mac } : {}),
    ...(o.hostIp !== undefined && core === 0 ? { hostAddress: o.hostIp } : {}),
    ring: {
      multiQueue: o.cores > 1,
      busyPoll: o.busyPoll ?? false,
      tso: (o.offload ?? true) && o.dev.startsWith("tap:"),
      ...(o.ringSlots !== undefined ? { slots: o.ringSlots } : {}),
    },
    context: {
      name: `core${core}`,
      ...(o.impair !== undefined
        ? { impair: { ...o.impair, seed: (o.impair.seed ?? 1) + core } }
        : {}),
      ...(pcap !== undefined ? { pcap } : {}),
      interface: { onLink: extra.routes, learnFromIp: o.cores > 1 },
    },
  });
  const ctx = stack.ctx;
  for (const e of extra.arp) ctx.iface.arp.addStatic(e.ip, e.mac);
  return {
    ctx,
    network: stack.network,
    device: stack.device,
    where: o.dev,
    close: () => stack.close(),
  };
}

/** One core's counters at an instant, summed into per-second lines. */
export interface StatsSample {
  /** The core. */
  core: number;
  /** Frames and bytes received and sent. */
  rxPackets: number;
  /** Bytes received. */
  rxBytes: number;
  /** Frames sent. */
  txPackets: number;
  /** Bytes sent. */
  txBytes: number;
  /** Connections in the pool now (TIME-WAIT records included). */
  flows: number;
  /** The same by RFC 9293 state (non-zero only). */
  states?: Record<string, number>;
  /** Send and receive buffers out of the pools now (idle connections hold none). */
  buffers?: number;
  /** Connections opened so far (accepted and connected). */
  opened: number;
  /** Segments retransmitted so far. */
  retransmits: number;
  /**
   * Frames dropped so far, by reason: the interface's reasons, and
   * `deviceRxDropped` for frames lost before they reached us (the kernel's
   * side of a ring was full, or a memory link's queue).
   */
  drops: Record<string, number>;
  /**
   * What the listeners refused or answered statelessly so far, by kind
   * (listenOverflows, syncookiesSent, syncookiesRecv, syncookiesFailed,
   * synQueueEvictions, connectionPoolFull, resets, timeouts,
   * timeWaitOverflows): non-zero only.
   */
  tcp: Record<string, number>;
  /** The command's own counters, when it has any. */
  app?: AppStats;
}

const TCP_EVENTS = [
  "listenOverflows",
  "syncookiesSent",
  "syncookiesRecv",
  "syncookiesFailed",
  "synQueueEvictions",
  "connectionPoolFull",
  "resets",
  "timeouts",
  "timeWaitOverflows",
] as const;

/** A sample of `ctx`'s counters. */
export function sampleStats(
  ctx: MtcpContext,
  core: number,
  app?: () => AppStats,
): StatsSample {
  const s = ctx.iface.stats;
  const device = ctx.iface.device;
  device.refreshStats?.();
  const deviceRxDropped = device.stats.rxDropped;
  let flows = ctx.timeWaitRecords;
  let retransmits = ctx.stats.retiredRetransmits;
  const states: Record<string, number> = flows > 0 ? { "TIME-WAIT": flows } : {};
  for (const sock of ctx.connections()) {
    flows++;
    retransmits += sock.retransmits;
    states[sock.state] = (states[sock.state] ?? 0) + 1;
  }
  return {
    core,
    rxPackets: s.rx.frames,
    rxBytes: s.rx.bytes,
    txPackets: s.tx.frames,
    txBytes: s.tx.bytes,
    flows,
    states,
    buffers: ctx.buffersInUse,
    opened: ctx.stats.passiveOpens + ctx.stats.activeOpens,
    retransmits,
    drops: {
      ...s.nonZeroDrops(),
      ...(deviceRxDropped > 0 ? { deviceRxDropped } : {}),
    } as Record<string, number>,
    tcp: {
      ...Object.fromEntries(
        TCP_EVENTS.filter((k) => ctx.stats[k] > 0).map((k) => [k, ctx.stats[k]]),
      ),
      ...stuck(ctx),
    },
    ...(app !== undefined ? { app: app() } : {}),
  };
}

// The watchdog's count: connections with data and nothing to move it
// (MtcpContext.stuckConnections), shown only when there are any.
function stuck(ctx: MtcpContext): Record<string, number> {
  const n = ctx.stuckConnections();
  return n > 0 ? { stuckConnections: n } : {};
}

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

function deltas(prev: Record<string, number>, cur: Record<string, number>): string {
  return Object.entries(cur)
    .map(([k, v]) => [k, v - (prev[k] ?? 0)] as const)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
}

/** Adds samples together (for the total line). */
export function sumStats(samples: StatsSample[]): StatsSample {
  const out: StatsSample = {
    core: -1,
    rxPackets: 0,
    rxBytes: 0,
    txPackets: 0,
    txBytes: 0,
    flows: 0,
    states: {},
    opened: 0,
    retransmits: 0,
    drops: {},
    tcp: {},
  };
  for (const s of samples) {
    out.rxPackets += s.rxPackets;
    out.rxBytes += s.rxBytes;
    out.txPackets += s.txPackets;
    out.txBytes += s.txBytes;
    out.flows += s.flows;
    out.buffers = (out.buffers ?? 0) + (s.buffers ?? 0);
    out.opened += s.opened;
    out.retransmits += s.retransmits;
    addCounts(out.drops, s.drops);
    addCounts(out.tcp, s.tcp ?? {});
    addCounts(out.states!, s.states ?? {});
  }
  return out;
}

/**
 * One statistics line over `seconds` between two samples, like
 * `[CPU 0] RX: 1200 pps (0.014 Gbps) TX: 1190 pps (0.120 Gbps) flows: 50 new: 310/s retx: 0 drops: -`.
 */
export function formatStats(
  prev: StatsSample,
  cur: StatsSample,
  seconds: number,
  format: "text" | "json" = "text",
): string {
  if (format === "json") return statsJson(prev, cur, seconds);
  const rate = (a: number, b: number) => Math.round((b - a) / seconds);
  const gbps = (a: number, b: number) => (((b - a) * 8) / seconds / 1e9).toFixed(3);
  const drops = deltas(prev.drops, cur.drops);
  const tcp = deltas(prev.tcp ?? {}, cur.tcp ?? {});
  const tag = cur.core < 0 ? "[ ALL ]" : `[CPU ${cur.core}]`;
  return `${tag} RX: ${rate(prev.rxPackets, cur.rxPackets)} pps (${
    gbps(prev.rxBytes, cur.rxBytes)
  } Gbps) ` +
    `TX: ${rate(prev.txPackets, cur.txPackets)} pps (${gbps(prev.txBytes, cur.txBytes)} Gbps) ` +
    `flows: ${cur.flows} new: ${rate(prev.opened, cur.opened)}/s retx: ${
      cur.retransmits - prev.retransmits
    } ` +
    `drops: ${drops === "" ? "-" : drops}` + (tcp === "" ? "" : ` tcp: ${tcp}`);
}

// One second's statistics as a JSON line: rates per second, and counts
// since the last line for retransmissions, drops and TCP events.
function statsJson(prev: StatsSample, cur: StatsSample, seconds: number): string {
  const rate = (a: number, b: number) => Math.round((b - a) / seconds);
  const since = (a: Record<string, number>, b: Record<string, number>) =>
    Object.fromEntries(
      Object.entries(b).map(([k, v]) => [k, v - (a[k] ?? 0)]).filter(([, d]) => d !== 0),
    );
  return JSON.stringify({
    time: new Date().toISOString(),
    core: cur.core < 0 ? "all" : cur.core,
    rx_pps: rate(prev.rxPackets, cur.rxPackets),
    rx_bps: rate(prev.rxBytes * 8, cur.rxBytes * 8),
    tx_pps: rate(prev.txPackets, cur.txPackets),
    tx_bps: rate(prev.txBytes * 8, cur.txBytes * 8),
    flows: cur.flows,
    new_per_s: rate(prev.opened, cur.opened),
    retransmits: cur.retransmits - prev.retransmits,
    drops: since(prev.drops, cur.drops),
    tcp: since(prev.tcp ?? {}, cur.tcp ?? {}),
  });
}

/** Our address as text, without the prefix. */
export function hostOf(cidr: string): string {
  return formatIpv4(parseIpv4Cidr(cidr)!.address);
}
