/**
 * Counters of one interface: traffic by protocol and every reason a frame is
 * dropped. Plain number fields, bumped in place: reading them is free and
 * nothing is allocated per packet.
 *
 * @module
 */

/**
 * Every reason the interface drops a frame, in the order they are checked.
 *
 * @example Every drop reason, for a report
 * ```ts
 * import assert from "node:assert/strict";
 * import { DROP_REASONS, InterfaceStats } from "../mod.ts";
 * assert.ok(DROP_REASONS.includes("ethNotForUs"));
 * const stats = new InterfaceStats();
 * assert.deepEqual(Object.keys(stats.drops), [...DROP_REASONS]);
 * ```
 */
export const DROP_REASONS = [
  "ethTruncated",
  "ethStackedVlan",
  "ethVlanTagged",
  "ethNotForUs",
  "ethUnknownType",
  "arpTruncated",
  "arpUnsupported",
  "arpBadOperation",
  "arpBadSender",
  "arpConflict",
  "arpUnresolved",
  "arpQueueFull",
  "ipTruncated",
  "ipBadVersion",
  "ipBadHeaderLength",
  "ipBadTotalLength",
  "ipBadChecksum",
  "ipBadFragment",
  "ipBadOptions",
  "ipSourceRoute",
  "ipBadSource",
  "ipNotForUs",
  "ipUnknownProtocol",
  "ipNoRoute",
  "fragTimeout",
  "fragOverlap",
  "fragDuplicate",
  "fragNoMemory",
  "fragTooManyHoles",
  "icmpTruncated",
  "icmpBadChecksum",
  "icmpUnsupported",
  "icmpBroadcastEcho",
  "icmpRateLimited",
  "tcpTruncated",
  "tcpBadDataOffset",
  "tcpBadChecksum",
  "tcpBadOption",
  "tcpToBroadcast",
  "tcpNoSocket",
  "tcpListenIgnored",
  "tcpListenOverflow",
  "tcpPoolFull",
  "tcpUnacceptable",
  "udpNoSocket",
  "txNoSlot",
  "txTooBig",
] as const;

/**
 * One drop reason.
 *
 * @example A frame too short for Ethernet, counted by its reason
 * ```ts
 * import assert from "node:assert/strict";
 * import { type DropReason, MemoryDevice, MemoryNetwork, mtcp_create_context, mtcp_destroy, mtcp_init } from "../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * const device = ctx.iface.device as MemoryDevice;
 * const reason: DropReason = "ethTruncated";
 * ctx.iface.receiveFrame(ctx.now(), new Uint8Array(10), 0, 10, 0);
 * assert.equal(ctx.iface.stats.drops[reason], 1);
 * assert.equal(device.stats.rxFrames, 0); // it came from us, not the device
 * mtcp_destroy();
 * ```
 */
export type DropReason = typeof DROP_REASONS[number];

/**
 * The drop reasons that are not the fate of a received frame: what could not
 * be sent (no transmit slot, too big, no route, no ARP answer, a full ARP
 * queue, the ICMP error rate) and fragments of a datagram that timed out
 * (each frame was counted as delivered to the reassembler when it came).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TX_DROP_REASONS } from "../mod.ts";
 * assert.ok(TX_DROP_REASONS.has("txNoSlot"));
 * assert.ok(!TX_DROP_REASONS.has("ipBadChecksum"));
 * ```
 */
export const TX_DROP_REASONS: ReadonlySet<DropReason> = new Set<DropReason>([
  "arpUnresolved",
  "arpQueueFull",
  "ipNoRoute",
  "fragTimeout",
  "icmpRateLimited",
  "txNoSlot",
  "txTooBig",
]);

/**
 * Traffic counters of one direction.
 *
 * @example Frames of each protocol sent
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, INADDR_ANY, MTCP_EPOLLOUT, MTCP_EPOLL_CTL_ADD, MemoryNetwork, SOCK_STREAM, type TrafficCounters, mtcp_accept, mtcp_bind, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_epoll_create, mtcp_epoll_ctl, mtcp_epoll_wait, mtcp_init, mtcp_listen, mtcp_setsock_nonblock, mtcp_socket, parseIpv4Address } from "../mod.ts";
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
 * const tx: TrafficCounters = a.iface.stats.tx;
 * assert.ok(tx.arp >= 1); // the request (and any answer to the peer's)
 * assert.ok(tx.tcp >= 2); // SYN and ACK
 * mtcp_destroy();
 * ```
 */
export interface TrafficCounters {
  /** Ethernet frames. */
  frames: number;
  /** Bytes of those frames. */
  bytes: number;
  /** ARP packets. */
  arp: number;
  /** IPv4 datagrams (after reassembly on receive; before fragmentation on send). */
  ipv4: number;
  /** IPv4 fragments. */
  fragments: number;
  /** ICMP messages. */
  icmp: number;
  /** TCP segments. */
  tcp: number;
  /**
   * Received: frames taken by a consumer (ARP, ICMP, the reassembler, a TCP
   * socket or listener). Every received frame is counted here or under
   * exactly one receive drop reason (see {@linkcode InterfaceStats.unaccounted}).
   */
  delivered: number;
}

function traffic(): TrafficCounters {
  return { frames: 0, bytes: 0, arp: 0, ipv4: 0, fragments: 0, icmp: 0, tcp: 0, delivered: 0 };
}

/**
 * All counters of an interface.
 *
 * @example Counting a drop
 * ```ts
 * import assert from "node:assert/strict";
 * import { InterfaceStats } from "../mod.ts";
 * const stats = new InterfaceStats();
 * stats.drops.ethTruncated++;
 * assert.equal(stats.totalDrops, 1);
 * assert.deepEqual(stats.nonZeroDrops(), { ethTruncated: 1 });
 * ```
 */
export class InterfaceStats {
  /** Received traffic. */
  readonly rx: TrafficCounters = traffic();
  /** Sent traffic. */
  readonly tx: TrafficCounters = traffic();
  /** Drops by reason. */
  readonly drops: Record<DropReason, number>;
  /** Datagrams reassembled from fragments. */
  reassembled = 0;
  /** Echo requests answered. */
  echoReplies = 0;
  /** ICMP errors sent (unreachable, time exceeded). */
  icmpErrorsSent = 0;
  /** ICMP errors received. */
  icmpErrorsReceived = 0;
  /** TCP resets sent for segments no socket wanted. */
  tcpResetsSent = 0;

  constructor() {
    const drops = {} as Record<DropReason, number>;
    for (const r of DROP_REASONS) drops[r] = 0;
    this.drops = drops;
  }

  /** Sum of all drops. */
  get totalDrops(): number {
    let n = 0;
    for (const r of DROP_REASONS) n += this.drops[r];
    return n;
  }

  /** Frames received and dropped, by every reason but {@linkcode TX_DROP_REASONS}. */
  get rxDrops(): number {
    let n = 0;
    for (const r of DROP_REASONS) if (!TX_DROP_REASONS.has(r)) n += this.drops[r];
    return n;
  }

  /**
   * Received frames neither delivered nor counted under a drop reason: 0
   * always (the accounting invariant, tested).
   */
  get unaccounted(): number {
    return this.rx.frames - this.rx.delivered - this.rxDrops;
  }

  /** The non-zero drop counters, for reports. */
  nonZeroDrops(): Partial<Record<DropReason, number>> {
    const out: Partial<Record<DropReason, number>> = {};
    for (const r of DROP_REASONS) if (this.drops[r] > 0) out[r] = this.drops[r];
    return out;
  }
}
