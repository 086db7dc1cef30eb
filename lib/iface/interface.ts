/**
 * One network interface: Ethernet demux, ARP, IPv4 in and out (validation,
 * routing through the subnet or a gateway, fragmentation and reassembly), ICMP
 * echo and errors, and the hand-off of TCP segments to a transport.
 *
 * Sans-I/O in spirit: every entry point takes `now`; the only I/O is through
 * the {@linkcode Device} it was given. A frame never throws: whatever is wrong
 * with it is counted in {@linkcode Interface.stats} under a drop reason.
 *
 * @module
 */

import {
  formatIpv4,
  get16,
  get32,
  getMac,
  IPV4_BROADCAST,
  isMulticastMac,
  MAC_BROADCAST,
  prefixMask,
  putMac,
} from "../wire/address.ts";
import { ARP_REPLY, ARP_REQUEST, ArpPacket, arpRepr, emitArp, parseArp } from "../wire/arp.ts";
import {
  ETHERNET_HEADER_LEN,
  EthernetFrame,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  writeEthernetHeader,
} from "../wire/ethernet.ts";
import {
  ICMP_DEST_UNREACHABLE,
  ICMP_ECHO_REPLY,
  ICMP_ECHO_REQUEST,
  ICMP_EXC_FRAGTIME,
  ICMP_HEADER_LEN,
  ICMP_TIME_EXCEEDED,
  ICMP_UNREACH_PORT,
  ICMP_UNREACH_PROTOCOL,
  IcmpPacket,
  writeIcmp,
} from "../wire/icmp.ts";
import {
  IP_PROTO_ICMP,
  IP_PROTO_TCP,
  IP_PROTO_UDP,
  IPV4_HEADER_LEN,
  Ipv4Packet,
  writeIpv4Header,
} from "../wire/ipv4.ts";
import { emitTcp, readTcp, TCP_ACK, TCP_RST, TcpPacket, TcpRepr } from "../wire/tcp.ts";
import { ArpCache, type ArpConfig, type ArpEntry } from "./arp_cache.ts";
import { type Device, type FrameSink, RX_CHECKSUM_TRUSTED, type TxSlot } from "./device.ts";
import { type PartialDatagram, Reassembler, type ReassemblyConfig } from "./reassembly.ts";
import { type DropReason, InterfaceStats, TX_DROP_REASONS } from "./stats.ts";

/**
 * Configuration of an {@linkcode Interface}.
 *
 * @example An interface of its own on a memory port
 * ```ts
 * import assert from "node:assert/strict";
 * import { Interface, type InterfaceConfig, MemoryNetwork, formatIpv4, parseIpv4Address } from "../mod.ts";
 * const network = new MemoryNetwork();
 * const config: InterfaceConfig = { mac: 0x02_00_00_00_00_01, address: parseIpv4Address("10.1.0.1")!, prefixLength: 16 };
 * const iface = new Interface(network.attach({ name: "h" }), config);
 * assert.equal(formatIpv4(iface.broadcast), "10.1.255.255");
 * ```
 */
export interface InterfaceConfig {
  /** Our MAC address. */
  mac: number;
  /** Our IPv4 address. */
  address: number;
  /** Prefix length of our subnet. */
  prefixLength: number;
  /** Default gateway, if any. */
  gateway?: number;
  /**
   * More prefixes reached directly on this link, as mTCP's route.conf lists
   * them (`10.1.0.0/16 tap0`): their hosts are resolved by ARP, not routed.
   */
  onLink?: { address: number; prefixLength: number }[];
  /**
   * Learn a neighbour's MAC from the Ethernet source of its unicast IPv4
   * frames to us, not only from ARP (default false). Contexts that share one
   * multi-queue TAP need it: the kernel answers every context's ARP request
   * on one queue, so the others would never hear the reply.
   */
  learnFromIp?: boolean;
  /** TTL of datagrams we originate (default 64, as Linux). */
  ttl?: number;
  /** Frames taken from the device per poll (default 64). */
  rxBurst?: number;
  /** ICMP error messages per second we may send (default 100; RFC 1812 §4.3.2.8). */
  icmpErrorsPerSecond?: number;
  /** ARP tuning. */
  arp?: Partial<ArpConfig>;
  /** Reassembly limits. */
  reassembly?: Partial<ReassemblyConfig>;
}

/**
 * The transport above the interface (the TCP demux of lib/tcp, later).
 *
 * @example Seeing the SYNs that reach a bare interface
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, Interface, MemoryNetwork, SOCK_STREAM, type TcpHandler, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_init, mtcp_socket, parseIpv4Address } from "../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const network = new MemoryNetwork();
 * const bare = new Interface(network.attach({ name: "bare" }), {
 *   mac: 0x02_00_00_00_00_02,
 *   address: parseIpv4Address("10.0.0.2")!,
 *   prefixLength: 24,
 * });
 * network.add(bare);
 * const ports: number[] = [];
 * const handler: TcpHandler = { segmentArrived: (_now, _src, _dst, seg) => (ports.push(seg.dstPort), true) };
 * bare.tcp = handler;
 * const ctx = mtcp_create_context(0, { network, address: "10.0.0.1/24" })!;
 * mtcp_connect(ctx, mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0), { family: AF_INET, addr: parseIpv4Address("10.0.0.2")!, port: 443 });
 * network.runUntil(() => ports.length > 0, { timeoutMs: 1000 });
 * assert.equal(ports[0], 443);
 * mtcp_destroy();
 * ```
 */
export interface TcpHandler {
  /**
   * A valid segment addressed to us. Return true if a socket took it; false
   * makes the interface answer with a RST (RFC 9293 §3.10.7.1).
   */
  segmentArrived(
    now: number,
    src: number,
    dst: number,
    segment: TcpRepr,
    bytes: Uint8Array,
  ): boolean;
}

/**
 * Called for each echo reply addressed to us.
 *
 * @example Ping from a context's interface
 * ```ts
 * import assert from "node:assert/strict";
 * import { type EchoReplyFn, MemoryNetwork, mtcp_create_context, mtcp_destroy, mtcp_init, parseIpv4Address } from "../mod.ts";
 * mtcp_init({ num_cores: 2 });
 * const network = new MemoryNetwork({ latencyMs: 1 });
 * const a = mtcp_create_context(0, { network, address: "10.0.0.1/24" })!;
 * mtcp_create_context(1, { network, address: "10.0.0.2/24" });
 * const replies: number[] = [];
 * const onReply: EchoReplyFn = (_now, _src, _ident, seq) => replies.push(seq);
 * a.iface.onEchoReply = onReply;
 * a.iface.ping(a.now(), parseIpv4Address("10.0.0.2")!, 7, 1, 56);
 * network.runUntil(() => replies.length > 0, { timeoutMs: 1000 });
 * assert.deepEqual(replies, [1]);
 * mtcp_destroy();
 * ```
 */
export type EchoReplyFn = (
  now: number,
  src: number,
  ident: number,
  seq: number,
  dataLength: number,
) => void;

const CHECK_DROPS = {
  eth: { truncated: "ethTruncated", stackedVlan: "ethStackedVlan" },
  arp: {
    truncated: "arpTruncated",
    unsupported: "arpUnsupported",
    badOperation: "arpBadOperation",
  },
  ip: {
    truncated: "ipTruncated",
    badVersion: "ipBadVersion",
    badHeaderLength: "ipBadHeaderLength",
    badTotalLength: "ipBadTotalLength",
    badChecksum: "ipBadChecksum",
    badFragment: "ipBadFragment",
    badOptions: "ipBadOptions",
  },
  icmp: { truncated: "icmpTruncated", badChecksum: "icmpBadChecksum" },
  tcp: {
    truncated: "tcpTruncated",
    badDataOffset: "tcpBadDataOffset",
    badChecksum: "tcpBadChecksum",
    badOption: "tcpBadOption",
  },
} as const satisfies Record<string, Record<string, DropReason>>;

const FRAME_HEADERS = ETHERNET_HEADER_LEN + IPV4_HEADER_LEN;

// The neighbour every broadcast goes to.
const BROADCAST_NEIGHBOUR: ArpEntry = {
  ip: IPV4_BROADCAST,
  mac: MAC_BROADCAST,
  state: "STATIC",
  expiresAt: Infinity,
  nextRequestAt: 0,
  requests: 0,
  pending: [],
};

/**
 * An IPv4-over-Ethernet interface on one device.
 *
 * @example A context's interface: addresses, MTU, and what it dropped
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryNetwork, formatIpv4, mtcp_create_context, mtcp_destroy, mtcp_init } from "../mod.ts";
 * mtcp_init({ num_cores: 1 });
 * const ctx = mtcp_create_context(0, { network: new MemoryNetwork(), address: "10.0.0.1/24" })!;
 * assert.equal(formatIpv4(ctx.iface.address), "10.0.0.1");
 * assert.equal(ctx.iface.prefixLength, 24);
 * assert.equal(formatIpv4(ctx.iface.broadcast), "10.0.0.255");
 * assert.equal(ctx.iface.stats.totalDrops, 0);
 * mtcp_destroy();
 * ```
 */
export class Interface implements FrameSink {
  /** The device frames go through. */
  readonly device: Device;
  /** Our MAC. */
  readonly mac: number = 0;
  /** Our IPv4 address. */
  readonly address: number = 0;
  /** Our prefix length. */
  readonly prefixLength: number = 0;
  /** Default gateway, or -1. */
  readonly gateway: number = 0;
  /** Largest IP datagram per frame. */
  readonly mtu: number = 0;
  /** Largest IPv4 packet the device segments itself (TSO), 0 when it does not. */
  readonly tsoMaxBytes: number = 0;
  /** Counters. */
  readonly stats: InterfaceStats = new InterfaceStats();
  /** The ARP cache. */
  readonly arp: ArpCache;
  /** The fragment reassembler. */
  readonly reassembler: Reassembler;
  /** The transport that takes TCP segments; without one every segment is answered with a RST. */
  tcp: TcpHandler | undefined;
  /** Called for each echo reply addressed to us. */
  onEchoReply: EchoReplyFn | undefined;

  readonly #macHi: number = 0;
  readonly #macLo: number = 0;
  readonly #mask: number = 0;
  readonly #ttl: number = 0;
  readonly #rxBurst: number = 0;
  readonly #icmpRate: number = 0;
  #icmpTokens: number = 0;
  #icmpRefilledAt = -Infinity;
  #ident = 1;
  #now = 0;
  #rxChecksumTrusted = false;
  #txGsoSize = 0;
  #rxFrameOffset = 0;
  readonly #learnFromIp: boolean;
  readonly #routes: number[] = []; // on-link prefixes: address, mask pairs

  // Reused views: nothing is allocated per packet on the receive path.
  readonly #eth = new EthernetFrame();
  readonly #arpPacket = new ArpPacket();
  readonly #arpRepr = arpRepr();
  readonly #ip = new Ipv4Packet();
  readonly #icmp = new IcmpPacket();
  readonly #tcpPacket = new TcpPacket();
  readonly #tcpRepr = new TcpRepr();
  readonly #rstRepr = new TcpRepr();
  readonly #retry: ArpEntry[] = [];
  readonly #expired: PartialDatagram[] = [];

  // Transmit state between beginIpv4 and commitIpv4.
  readonly #payloadSlot: TxSlot = { bytes: new Uint8Array(0), offset: 0 };
  readonly #scratch = new Uint8Array(FRAME_HEADERS + 65535);
  #txDevice: TxSlot | undefined;
  #txDst = 0;
  #txNextHop = 0;
  #txHop: ArpEntry | undefined;
  #txProtocol = 0;
  #txLength = 0;
  #txDontFragment = false;
  #txOpen = false;

  /** An interface on `device`; call {@linkcode Interface.up} to announce it. */
  constructor(device: Device, config: InterfaceConfig) {
    this.device = device;
    this.mac = config.mac;
    this.#macHi = Math.floor(config.mac / 0x1_0000_0000);
    this.#macLo = config.mac >>> 0;
    this.address = config.address;
    this.prefixLength = config.prefixLength;
    this.gateway = config.gateway ?? -1;
    this.#learnFromIp = config.learnFromIp ?? false;
    this.tsoMaxBytes = device.txCommitGso !== undefined ? (device.tsoMaxBytes ?? 0) : 0;
    for (const r of config.onLink ?? []) {
      const mask = r.prefixLength === 0 ? 0 : (~0 << (32 - r.prefixLength)) >>> 0;
      this.#routes.push((r.address & mask) >>> 0, mask);
    }
    this.mtu = device.mtu;
    this.#mask = prefixMask(config.prefixLength);
    this.#ttl = config.ttl ?? 64;
    this.#rxBurst = config.rxBurst ?? 64;
    this.#icmpRate = config.icmpErrorsPerSecond ?? 100;
    this.#icmpTokens = this.#icmpRate;
    this.arp = new ArpCache(config.arp, this.mtu + ETHERNET_HEADER_LEN);
    this.reassembler = new Reassembler(config.reassembly);
  }

  /** The subnet's directed broadcast address. */
  get broadcast(): number {
    return (this.address | ~this.#mask) >>> 0;
  }

  /** Brings the interface up: announces our address with a gratuitous ARP (RFC 5227 §2.3). */
  up(now: number): void {
    this.#sendArp(now, ARP_REQUEST, MAC_BROADCAST, 0, this.address);
    this.device.flush(now);
  }

  /** Receives a burst, runs due timers and flushes; true if any frame came in. */
  poll(now: number): boolean {
    this.#now = now;
    const n = this.device.receive(now, this, this.#rxBurst);
    if (now >= this.arp.nextTimer()) this.#arpTimers(now);
    if (this.reassembler.pending > 0 && now >= this.reassembler.nextTimeout()) {
      this.#fragmentTimers(now);
    }
    this.device.flush(now);
    return n > 0;
  }

  /** When this interface next has work (device events and its own timers). */
  pollAt(now: number): number {
    return Math.min(this.device.pollAt(now), this.arp.nextTimer(), this.reassembler.nextTimeout());
  }

  /** @internal FrameSink: one received frame. */
  receiveFrame(
    now: number,
    bytes: Uint8Array,
    offset: number,
    length: number,
    flags: number,
  ): void {
    this.#rxDropped = false;
    this.#receiveFrame(now, bytes, offset, length, flags);
    // Every frame ends in exactly one counter: a drop reason, or delivered.
    if (!this.#rxDropped) this.stats.rx.delivered++;
  }

  /**
   * Counts the frame being received as dropped for `reason`: the TCP layer's
   * way to say what became of a segment it did not take.
   */
  dropReceived(reason: DropReason): void {
    this.#drop(reason);
  }

  /**
   * Answers the TCP segment being received with a RST (RFC 9293 §3.10.7.1),
   * without counting it: the TCP layer's explicit refusal (a full pool).
   */
  refuseSegment(now: number, src: number, seg: TcpRepr): void {
    this.#sendReset(now, src, seg);
  }

  #receiveFrame(
    now: number,
    bytes: Uint8Array,
    offset: number,
    length: number,
    flags: number,
  ): void {
    this.#now = now;
    this.#rxChecksumTrusted = (flags & RX_CHECKSUM_TRUSTED) !== 0;
    this.#rxFrameOffset = offset;
    const rx = this.stats.rx;
    rx.frames++;
    rx.bytes += length;
    const eth = this.#eth.wrap(bytes, offset, length);
    const fault = eth.check();
    if (fault !== "ok") return this.#drop(CHECK_DROPS.eth[fault]);
    // No VLAN is configured on this interface: a tagged frame is not for us.
    if (eth.tagged) return this.#drop("ethVlanTagged");
    // The destination MAC is compared as two small integers: a 48-bit number
    // would be a heap number wherever it crossed a call.
    const dstHi = get16(bytes, offset);
    const dstLo = get32(bytes, offset + 2);
    const broadcast = dstHi === 0xffff && dstLo === 0xffff_ffff;
    if (!broadcast && (dstHi !== this.#macHi || dstLo !== this.#macLo)) {
      return this.#drop("ethNotForUs");
    }
    switch (eth.ethertype) {
      case ETHERTYPE_ARP:
        return this.#receiveArp(bytes, eth.payloadOffset, eth.payloadLength);
      case ETHERTYPE_IPV4:
        return this.#receiveIpv4(
          now,
          bytes,
          eth.payloadOffset,
          eth.payloadLength,
          broadcast,
        );
      default:
        return this.#drop("ethUnknownType");
    }
  }

  // --- ARP -----------------------------------------------------------------

  #receiveArp(bytes: Uint8Array, offset: number, length: number): void {
    const packet = this.#arpPacket.wrap(bytes, offset, length);
    const fault = packet.check();
    if (fault !== "ok") return this.#drop(CHECK_DROPS.arp[fault]);
    this.stats.rx.arp++;
    const arp = parseArp(packet, this.#arpRepr)!;
    if (isMulticastMac(arp.senderMac) || arp.senderIp === IPV4_BROADCAST) {
      return this.#drop("arpBadSender");
    }
    if (arp.senderIp === this.address) return this.#drop("arpConflict");
    const now = this.#now;
    const forUs = arp.targetIp === this.address;
    // RFC 826: refresh a known sender; add it only if the packet is for us.
    // Like Linux (arp_accept=0), an unsolicited reply creates no entry.
    const ready = arp.senderIp !== 0
      ? this.arp.learn(now, arp.senderIp, arp.senderMac, forUs && arp.operation === ARP_REQUEST)
      : undefined;
    if (ready !== undefined) this.#flushPending(now, ready);
    if (forUs && arp.operation === ARP_REQUEST) {
      this.#sendArp(now, ARP_REPLY, arp.senderMac, arp.senderMac, arp.senderIp);
    }
  }

  #sendArp(
    now: number,
    operation: number,
    dstMac: number,
    targetMac: number,
    targetIp: number,
  ): void {
    const slot = this.device.txAcquire(now, ETHERNET_HEADER_LEN + 28);
    if (slot === undefined) return this.#drop("txNoSlot");
    const hl = writeEthernetHeader(slot.bytes, slot.offset, dstMac, this.mac, ETHERTYPE_ARP);
    const r = this.#arpRepr;
    r.operation = operation;
    r.senderMac = this.mac;
    r.senderIp = this.address;
    r.targetMac = targetMac;
    r.targetIp = targetIp;
    const len = hl + emitArp(r, slot.bytes, slot.offset + hl);
    this.device.txCommit(now, len);
    this.stats.tx.frames++;
    this.stats.tx.bytes += len;
    this.stats.tx.arp++;
  }

  #arpTimers(now: number): void {
    const retry = this.#retry;
    const dropped = this.arp.expire(now, retry);
    this.stats.drops.arpUnresolved += dropped;
    for (const e of retry) this.#sendArp(now, ARP_REQUEST, MAC_BROADCAST, 0, e.ip);
    while (retry.length > 0) retry.pop(); // keeps the array's storage
  }

  #flushPending(now: number, e: ArpEntry): void {
    const pool = this.arp.pool;
    for (const slot of e.pending) {
      const at = pool.offsetOf(slot);
      const len = pool.lengthOf(slot);
      putMac(pool.bytes, at, e.mac);
      const tx = this.device.txAcquire(now, len);
      if (tx === undefined) this.#drop("txNoSlot");
      else {
        tx.bytes.set(pool.bytes.subarray(at, at + len), tx.offset);
        this.device.txCommit(now, len);
        this.stats.tx.frames++;
        this.stats.tx.bytes += len;
      }
      pool.release(slot);
    }
    e.pending.length = 0;
  }

  #learnNeighbour(src: number, bytes: Uint8Array): void {
    if (((src ^ this.address) & this.#mask) !== 0 && !this.#onLink(src)) return;
    const e = this.arp.get(src);
    if (e !== undefined && (e.state === "REACHABLE" || e.state === "STATIC")) return;
    const ready = this.arp.learn(this.#now, src, getMac(bytes, this.#rxFrameOffset + 6), true);
    if (ready !== undefined) this.#flushPending(this.#now, ready);
  }

  #onLink(dst: number): boolean {
    const r = this.#routes;
    for (let i = 0; i < r.length; i += 2) if (((dst & r[i + 1]!) >>> 0) === r[i]) return true;
    return false;
  }

  // --- IPv4 in --------------------------------------------------------------

  #receiveIpv4(
    now: number,
    bytes: Uint8Array,
    offset: number,
    length: number,
    linkBroadcast: boolean,
  ): void {
    const ip = this.#ip.wrap(bytes, offset, length);
    const fault = ip.check();
    if (fault !== "ok") return this.#drop(CHECK_DROPS.ip[fault]);
    const src = ip.src;
    const dst = ip.dst;
    // RFC 1122 §3.2.1.3: a source that is broadcast, multicast or ours is martian.
    if (
      src === IPV4_BROADCAST || (src >>> 28) === 0xe || src === this.address ||
      src === this.broadcast
    ) {
      return this.#drop("ipBadSource");
    }
    const toUs = dst === this.address;
    if (!toUs && dst !== IPV4_BROADCAST && dst !== this.broadcast) return this.#drop("ipNotForUs");
    if (this.#learnFromIp && toUs && !linkBroadcast) this.#learnNeighbour(src, bytes);
    // RFC 7126 §4.3/4.4: source-routed datagrams are dropped, as Linux does by default.
    if (ip.headerLength > IPV4_HEADER_LEN && ip.hasSourceRoute()) {
      return this.#drop("ipSourceRoute");
    }
    if (ip.isFragment) {
      this.stats.rx.fragments++;
      const outcome = this.reassembler.add(this.#now, ip);
      if (outcome === "incomplete") return;
      if (outcome !== "complete") return this.#drop(outcome);
      this.stats.reassembled++;
      const whole = this.reassembler.output;
      // The reassembled datagram is checked like any other, but once: it has no fragment flags.
      const again = this.#ip.wrap(whole, 0, whole.length);
      const header = again.headerLength;
      writeIpv4Header(
        whole,
        0,
        header,
        again.src,
        again.dst,
        again.protocol,
        whole.length - header,
        again.ttl,
        again.ident,
        again.dontFragment ? 0x4000 : 0,
        again.dscpEcn,
      );
      return this.#deliver(now, this.#ip, toUs, linkBroadcast);
    }
    this.#deliver(now, ip, toUs, linkBroadcast);
  }

  #deliver(now: number, ip: Ipv4Packet, toUs: boolean, linkBroadcast: boolean): void {
    this.stats.rx.ipv4++;
    const offset = ip.payloadOffset;
    const length = ip.payloadLength;
    switch (ip.protocol) {
      case IP_PROTO_ICMP:
        return this.#receiveIcmp(ip, offset, length, toUs);
      case IP_PROTO_TCP:
        return this.#receiveTcp(now, ip, offset, length, toUs && !linkBroadcast);
      case IP_PROTO_UDP:
        // No UDP sockets exist: RFC 1122 §4.1.3.1 says port unreachable.
        this.#drop("udpNoSocket");
        if (toUs && !linkBroadcast) {
          this.#sendIcmpError(ip, ICMP_DEST_UNREACHABLE, ICMP_UNREACH_PORT, 0);
        }
        return;
      default:
        this.#drop("ipUnknownProtocol");
        if (toUs && !linkBroadcast) {
          this.#sendIcmpError(ip, ICMP_DEST_UNREACHABLE, ICMP_UNREACH_PROTOCOL, 0);
        }
    }
  }

  #fragmentTimers(now: number): void {
    const expired = this.#expired;
    this.reassembler.expire(now, expired);
    for (const d of expired) {
      this.stats.drops.fragTimeout++;
      // RFC 792: time exceeded (reassembly) only if fragment zero arrived.
      if (d.firstHeader !== undefined && d.firstPayload !== undefined) {
        const quoted = new Uint8Array(d.firstHeader.length + d.firstPayload.length);
        quoted.set(d.firstHeader);
        quoted.set(d.firstPayload, d.firstHeader.length);
        const ip = new Ipv4Packet().wrap(quoted);
        this.#sendIcmpErrorQuoting(now, ip.src, quoted, ICMP_TIME_EXCEEDED, ICMP_EXC_FRAGTIME, 0);
      }
    }
    while (expired.length > 0) expired.pop(); // keeps the array's storage
  }

  // --- ICMP -----------------------------------------------------------------

  #receiveIcmp(ip: Ipv4Packet, offset: number, length: number, toUs: boolean): void {
    const icmp = this.#icmp.wrap(ip.bytes, offset, length);
    const fault = icmp.check();
    if (fault !== "ok") return this.#drop(CHECK_DROPS.icmp[fault]);
    this.stats.rx.icmp++;
    switch (icmp.type) {
      case ICMP_ECHO_REQUEST: {
        // Like Linux's icmp_echo_ignore_broadcasts=1: no smurf amplifier here.
        if (!toUs) return this.#drop("icmpBroadcastEcho");
        const dataLength = icmp.dataLength;
        const slot = this.beginIpv4(this.#now, ip.src, IP_PROTO_ICMP, ICMP_HEADER_LEN + dataLength);
        if (slot === undefined) return;
        // RFC 792: the reply carries the request's identifier, sequence and data.
        slot.bytes.set(ip.bytes.subarray(icmp.offset + 4, icmp.offset + length), slot.offset + 4);
        const rest = icmp.ident * 0x10000 + icmp.seqNo;
        writeIcmp(slot.bytes, slot.offset, ICMP_ECHO_REPLY, 0, rest, dataLength);
        if (this.commitIpv4(this.#now)) this.stats.echoReplies++;
        return;
      }
      case ICMP_ECHO_REPLY:
        if (toUs) this.onEchoReply?.(this.#now, ip.src, icmp.ident, icmp.seqNo, icmp.dataLength);
        return;
      case ICMP_DEST_UNREACHABLE:
      case ICMP_TIME_EXCEEDED:
        this.stats.icmpErrorsReceived++;
        return;
      default:
        return this.#drop("icmpUnsupported");
    }
  }

  // RFC 1122 §3.2.2: never answer an ICMP error, a broadcast or multicast, a
  // non-initial fragment, or a source that is not a unicast host.
  #sendIcmpError(ip: Ipv4Packet, type: number, code: number, rest: number): void {
    if (ip.protocol === IP_PROTO_ICMP) {
      const t = ip.bytes[ip.payloadOffset]!;
      if (t !== ICMP_ECHO_REQUEST && t !== ICMP_ECHO_REPLY) return;
    }
    if (ip.fragmentOffset !== 0) return;
    // Broadcast, multicast and our own sources were dropped on receive.
    const src = ip.src;
    if (src === 0) return;
    // RFC 792: the quote is the header and the first 8 bytes of data (RFC 1812
    // allows more; Linux quotes up to 576 bytes in all).
    const quoteLength = Math.min(
      ip.headerLength + ip.payloadLength,
      576 - IPV4_HEADER_LEN - ICMP_HEADER_LEN,
    );
    this.#sendIcmpErrorQuoting(
      this.#now,
      src,
      ip.bytes.subarray(ip.offset, ip.offset + quoteLength),
      type,
      code,
      rest,
    );
  }

  #sendIcmpErrorQuoting(
    now: number,
    dst: number,
    quote: Uint8Array,
    type: number,
    code: number,
    rest: number,
  ): void {
    // A token bucket: icmpErrorsPerSecond, bursting to the same number.
    const elapsed = now - this.#icmpRefilledAt;
    this.#icmpRefilledAt = now;
    this.#icmpTokens = Math.min(
      this.#icmpRate,
      this.#icmpTokens + (elapsed * this.#icmpRate) / 1000,
    );
    if (this.#icmpTokens < 1) return this.#drop("icmpRateLimited");
    this.#icmpTokens--;
    const slot = this.beginIpv4(now, dst, IP_PROTO_ICMP, ICMP_HEADER_LEN + quote.length);
    if (slot === undefined) return;
    slot.bytes.set(quote, slot.offset + ICMP_HEADER_LEN);
    writeIcmp(slot.bytes, slot.offset, type, code, rest, quote.length);
    if (this.commitIpv4(now)) this.stats.icmpErrorsSent++;
  }

  /**
   * Sends an ICMP echo request to `dst` with `dataLength` bytes of data (a
   * counting pattern, like ping's). False if it could not be sent or queued.
   */
  ping(now: number, dst: number, ident: number, seq: number, dataLength = 56): boolean {
    const slot = this.beginIpv4(now, dst, IP_PROTO_ICMP, ICMP_HEADER_LEN + dataLength);
    if (slot === undefined) return false;
    const data = slot.offset + ICMP_HEADER_LEN;
    for (let i = 0; i < dataLength; i++) slot.bytes[data + i] = i & 0xff;
    writeIcmp(
      slot.bytes,
      slot.offset,
      ICMP_ECHO_REQUEST,
      0,
      (ident & 0xffff) * 0x10000 + (seq & 0xffff),
      dataLength,
    );
    return this.commitIpv4(now);
  }

  // --- TCP hand-off -----------------------------------------------------------

  #receiveTcp(
    now: number,
    ip: Ipv4Packet,
    offset: number,
    length: number,
    unicastToUs: boolean,
  ): void {
    const seg = this.#tcpPacket.wrap(ip.bytes, offset, length);
    // The device vouches for the checksum (verified, or partial on local data).
    const fault = this.#rxChecksumTrusted ? seg.check() : seg.check(ip.src, ip.dst);
    if (fault !== "ok") return this.#drop(CHECK_DROPS.tcp[fault]);
    // RFC 1122 §4.2.3.10: segments to a broadcast or multicast address are discarded.
    if (!unicastToUs) return this.#drop("tcpToBroadcast");
    this.stats.rx.tcp++;
    const repr = this.#tcpRepr;
    // check() has passed, checksum included: fill the repr without checking again.
    readTcp(seg, repr);
    if (this.tcp?.segmentArrived(now, ip.src, ip.dst, repr, ip.bytes)) return;
    this.#drop("tcpNoSocket");
    this.#sendReset(now, ip.src, repr);
  }

  /**
   * Answers `seg` from `src` with a RST as a CLOSED endpoint does
   * (RFC 9293 §3.10.7.1); nothing for a segment that is itself a RST.
   */
  #sendReset(now: number, src: number, seg: TcpRepr): void {
    if ((seg.flags & TCP_RST) !== 0) return;
    const r = this.#rstRepr.clearOptions();
    r.srcPort = seg.dstPort;
    r.dstPort = seg.srcPort;
    r.window = 0;
    r.urgentPointer = 0;
    if ((seg.flags & TCP_ACK) !== 0) {
      // <SEQ=SEG.ACK><CTL=RST>
      r.seqNumber = seg.ackNumber;
      r.ackNumber = 0;
      r.flags = TCP_RST;
    } else {
      // <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>
      r.seqNumber = 0;
      r.ackNumber = (seg.seqNumber + seg.segmentLength) >>> 0;
      r.flags = TCP_RST | TCP_ACK;
    }
    const slot = this.beginIpv4(now, src, IP_PROTO_TCP, 20);
    if (slot === undefined) return;
    emitTcp(r, slot.bytes, slot.offset, this.address, src, 0);
    if (this.commitIpv4(now)) this.stats.tcpResetsSent++;
  }

  // --- IPv4 out ---------------------------------------------------------------

  /**
   * Starts a datagram to `dst` carrying `payloadLength` bytes of `protocol`.
   * Returns where to write the payload (straight into the device's transmit
   * slot when the next hop is resolved and the datagram fits one frame), or
   * `undefined` when it cannot be sent (counted). Finish with
   * {@linkcode Interface.commitIpv4}.
   */
  beginIpv4(
    now: number,
    dst: number,
    protocol: number,
    payloadLength: number,
    dontFragment = false,
    gsoSize = 0,
  ): TxSlot | undefined {
    this.txLost = true; // until a slot is given, or a reason to retry
    if (payloadLength + IPV4_HEADER_LEN > 65535) {
      this.#drop("txTooBig");
      return undefined;
    }
    let nextHop: number;
    // The neighbour, not its MAC: a 48-bit MAC in a local that also reaches a
    // call is a heap number each time it is read.
    let hop: ArpEntry | undefined;
    if (dst === IPV4_BROADCAST || dst === this.broadcast) {
      nextHop = dst;
      hop = BROADCAST_NEIGHBOUR;
    } else if (((dst ^ this.address) & this.#mask) === 0 || this.#onLink(dst)) {
      nextHop = dst;
    } else if (this.gateway >= 0) {
      nextHop = this.gateway;
    } else {
      this.#drop("ipNoRoute");
      return undefined;
    }
    if (hop === undefined) {
      const action = this.arp.resolve(now, nextHop);
      if (action === "send" || action === "probe") hop = this.arp.get(nextHop)!;
      if (action === "probe") this.#sendArp(now, ARP_REQUEST, hop!.mac, 0, nextHop);
      if (action === "request") this.#sendArp(now, ARP_REQUEST, MAC_BROADCAST, 0, nextHop);
    }
    // A TCP super-frame (TSO) goes out whole when the device segments it; it
    // is never queued for ARP (the caller tries again once ARP is done).
    const gso = gsoSize > 0 && payloadLength + IPV4_HEADER_LEN > this.mtu;
    if (gso && (hop === undefined || payloadLength + IPV4_HEADER_LEN > this.tsoMaxBytes)) {
      this.txLost = false; // try again (smaller, or once ARP is done)
      return undefined;
    }
    const fits = gso || payloadLength + IPV4_HEADER_LEN <= this.mtu;
    if (dontFragment && !fits) {
      this.#drop("txTooBig");
      return undefined;
    }
    this.#txDst = dst;
    this.#txNextHop = nextHop;
    this.#txHop = hop;
    this.#txProtocol = protocol;
    this.#txLength = payloadLength;
    this.#txDontFragment = dontFragment;
    this.#txGsoSize = gso ? gsoSize : 0;
    this.#txOpen = true;
    const out = this.#payloadSlot;
    if (hop !== undefined && fits) {
      const slot = this.device.txAcquire(now, FRAME_HEADERS + payloadLength);
      if (slot === undefined) {
        this.#txOpen = false;
        this.#drop("txNoSlot");
        this.txLost = false; // the ring is full for now: try again
        return undefined;
      }
      this.txLost = false;
      this.#txDevice = slot;
      out.bytes = slot.bytes;
      out.offset = slot.offset + FRAME_HEADERS;
      return out;
    }
    this.#txDevice = undefined;
    out.bytes = this.#scratch;
    out.offset = FRAME_HEADERS;
    this.txLost = false;
    return out;
  }

  /**
   * After {@linkcode Interface.beginIpv4} gave no slot: true when the
   * datagram is lost for good (no route, too big), as on a wire, so a sender
   * should not try again at once (TCP's timers will); false when the device
   * is full for now.
   */
  txLost = false;

  /**
   * Finishes the datagram begun by {@linkcode Interface.beginIpv4}: writes the
   * headers and sends it, fragmenting it if it is larger than the MTU, or
   * queues it until ARP resolves the next hop. False if it was dropped.
   */
  commitIpv4(now: number): boolean {
    if (!this.#txOpen) return false;
    this.#txOpen = false;
    const ident = this.#ident;
    this.#ident = (this.#ident + 1) & 0xffff;
    const df = this.#txDontFragment ? 0x4000 : 0;
    this.stats.tx.ipv4++;
    this.#countTransport(this.#txProtocol);
    const slot = this.#txDevice;
    if (slot !== undefined) {
      this.#txDevice = undefined;
      this.#writeEthernetHeader(slot.bytes, slot.offset);
      writeIpv4Header(
        slot.bytes,
        slot.offset + ETHERNET_HEADER_LEN,
        IPV4_HEADER_LEN,
        this.address,
        this.#txDst,
        this.#txProtocol,
        this.#txLength,
        this.#ttl,
        ident,
        df,
      );
      const len = FRAME_HEADERS + this.#txLength;
      if (this.#txGsoSize > 0) this.device.txCommitGso!(now, len, this.#txGsoSize, FRAME_HEADERS);
      else this.device.txCommit(now, len);
      this.stats.tx.frames++;
      this.stats.tx.bytes += len;
      return true;
    }
    // Slow path: the payload is in the scratch buffer. RFC 791 §3.2: every
    // fragment but the last carries a multiple of 8 bytes.
    const maxData = (this.mtu - IPV4_HEADER_LEN) & ~7;
    const total = this.#txLength;
    let sent = true;
    for (let off = 0; off < total || (total === 0 && off === 0); off += maxData) {
      const len = Math.min(maxData, total - off);
      const more = off + len < total;
      if (more || off > 0) this.stats.tx.fragments++;
      sent = this.#sendFrame(now, off, len, (more ? 0x2000 : 0) | df | (off >>> 3), ident) && sent;
      if (total === 0) break;
    }
    return sent;
  }

  // The Ethernet header of the datagram being sent: to #txHop's MAC (zeros
  // while unresolved; the ARP reply fills it in), from ours. MACs are split
  // into 16 and 32 bits here, in locals, never passed as 48-bit numbers.
  #writeEthernetHeader(bytes: Uint8Array, at: number): void {
    const hop = this.#txHop;
    const mac = hop === undefined ? 0 : hop.mac;
    const hi = Math.floor(mac / 0x1_0000_0000);
    const lo = mac - hi * 0x1_0000_0000;
    bytes[at] = hi >>> 8;
    bytes[at + 1] = hi & 0xff;
    bytes[at + 2] = lo >>> 24;
    bytes[at + 3] = (lo >>> 16) & 0xff;
    bytes[at + 4] = (lo >>> 8) & 0xff;
    bytes[at + 5] = lo & 0xff;
    const myHi = this.#macHi, myLo = this.#macLo;
    bytes[at + 6] = myHi >>> 8;
    bytes[at + 7] = myHi & 0xff;
    bytes[at + 8] = myLo >>> 24;
    bytes[at + 9] = (myLo >>> 16) & 0xff;
    bytes[at + 10] = (myLo >>> 8) & 0xff;
    bytes[at + 11] = myLo & 0xff;
    bytes[at + 12] = ETHERTYPE_IPV4 >>> 8;
    bytes[at + 13] = ETHERTYPE_IPV4 & 0xff;
  }

  // One frame of the datagram in the scratch buffer: payload bytes [off, off+len).
  #sendFrame(now: number, off: number, len: number, flagsFragment: number, ident: number): boolean {
    const frameLength = FRAME_HEADERS + len;
    let bytes: Uint8Array;
    let at: number;
    let queuedSlot = -1;
    if (this.#txHop !== undefined) {
      const slot = this.device.txAcquire(now, frameLength);
      if (slot === undefined) {
        this.#drop("txNoSlot");
        return false;
      }
      bytes = slot.bytes;
      at = slot.offset;
    } else {
      queuedSlot = this.arp.queue(this.#txNextHop);
      if (queuedSlot < 0) {
        this.#drop("arpQueueFull");
        return false;
      }
      bytes = this.arp.pool.bytes;
      at = this.arp.pool.offsetOf(queuedSlot);
    }
    this.#writeEthernetHeader(bytes, at);
    bytes.set(
      this.#scratch.subarray(FRAME_HEADERS + off, FRAME_HEADERS + off + len),
      at + FRAME_HEADERS,
    );
    writeIpv4Header(
      bytes,
      at + ETHERNET_HEADER_LEN,
      IPV4_HEADER_LEN,
      this.address,
      this.#txDst,
      this.#txProtocol,
      len,
      this.#ttl,
      ident,
      flagsFragment,
    );
    if (queuedSlot >= 0) {
      this.arp.pool.setLength(queuedSlot, frameLength);
      return true;
    }
    this.device.txCommit(now, frameLength);
    this.stats.tx.frames++;
    this.stats.tx.bytes += frameLength;
    return true;
  }

  #countTransport(protocol: number): void {
    if (protocol === IP_PROTO_TCP) this.stats.tx.tcp++;
    else if (protocol === IP_PROTO_ICMP) this.stats.tx.icmp++;
  }

  #rxDropped = false;

  #drop(reason: DropReason): void {
    this.stats.drops[reason]++;
    if (!TX_DROP_REASONS.has(reason)) this.#rxDropped = true;
  }

  /** A one-line description, like `10.0.0.2/24 on memory:a`. */
  toString(): string {
    return `${formatIpv4(this.address)}/${this.prefixLength} on ${this.device.name}`;
  }
}
