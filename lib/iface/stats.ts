/**
 * Counters of one interface: traffic by protocol and every reason a frame is
 * dropped. Plain number fields, bumped in place: reading them is free and
 * nothing is allocated per packet.
 *
 * @module
 */

/** Every reason the interface drops a frame, in the order they are checked. */
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
  "udpNoSocket",
  "txNoSlot",
  "txTooBig",
] as const;

/** One drop reason. */
export type DropReason = typeof DROP_REASONS[number];

/** Traffic counters of one direction. */
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
}

function traffic(): TrafficCounters {
  return { frames: 0, bytes: 0, arp: 0, ipv4: 0, fragments: 0, icmp: 0, tcp: 0 };
}

/** All counters of an interface. */
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

  /** The non-zero drop counters, for reports. */
  nonZeroDrops(): Partial<Record<DropReason, number>> {
    const out: Partial<Record<DropReason, number>> = {};
    for (const r of DROP_REASONS) if (this.drops[r] > 0) out[r] = this.drops[r];
    return out;
  }
}
