/**
 * Tracing middleware: calls a function for every frame in either direction.
 * With {@linkcode describeFrame} it prints a tcpdump-like line per frame.
 *
 * @module
 */

import type { Device, FrameSink, TxSlot } from "../iface/device.ts";
import { ArpPacket, parseArp } from "../wire/arp.ts";
import { formatIpv4, formatMac } from "../wire/address.ts";
import { EthernetFrame, ETHERTYPE_ARP, ETHERTYPE_IPV4 } from "../wire/ethernet.ts";
import { IcmpPacket } from "../wire/icmp.ts";
import { IP_PROTO_ICMP, IP_PROTO_TCP, Ipv4Packet } from "../wire/ipv4.ts";
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, TcpPacket } from "../wire/tcp.ts";
import { DeviceWrapper } from "./device_wrapper.ts";

/**
 * Direction of a traced frame.
 *
 * @example Counting frames each way
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, MemoryNetwork, SOCK_STREAM, type TraceDirection, mtcp_connect, mtcp_create_context, mtcp_destroy, mtcp_init, mtcp_socket, parseIpv4Address } from "../../mod.ts";
 * mtcp_init({ num_cores: 2 });
 * const network = new MemoryNetwork();
 * const seen: Record<TraceDirection, number> = { rx: 0, tx: 0 };
 * const a = mtcp_create_context(0, { network, address: "10.0.0.1/24", trace: (dir) => seen[dir]++ })!;
 * mtcp_create_context(1, { network, address: "10.0.0.2/24" });
 * mtcp_connect(a, mtcp_socket(a, AF_INET, SOCK_STREAM, 0), { family: AF_INET, addr: parseIpv4Address("10.0.0.2")!, port: 80 });
 * network.runFor(100);
 * assert.ok(seen.tx >= 2 && seen.rx >= 2); // ARP and SYN out, ARP reply and RST in
 * mtcp_destroy();
 * ```
 */
export type TraceDirection = "rx" | "tx";

/**
 * Called for each frame; the bytes are valid only during the call.
 *
 * @example Logging each frame's size; the bytes are only valid during the call
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryNetwork, type TraceFn, mtcp_create_context, mtcp_destroy, mtcp_init, parseIpv4Address } from "../../mod.ts";
 * mtcp_init({ num_cores: 2 });
 * const network = new MemoryNetwork();
 * const sizes: string[] = [];
 * const trace: TraceFn = (dir, _now, _bytes, _offset, length) => sizes.push(`${dir} ${length}`);
 * const a = mtcp_create_context(0, { network, address: "10.0.0.1/24", trace })!;
 * mtcp_create_context(1, { network, address: "10.0.0.2/24" });
 * a.iface.ping(a.now(), parseIpv4Address("10.0.0.2")!, 1, 1, 56);
 * network.runFor(100);
 * assert.equal(sizes[0], "tx 42"); // the ARP request first
 * assert.ok(sizes.includes("rx 98")); // 14 + 20 + 8 + 56: the echo reply
 * mtcp_destroy();
 * ```
 */
export type TraceFn = (
  direction: TraceDirection,
  now: number,
  bytes: Uint8Array,
  offset: number,
  length: number,
) => void;

/** Middleware that reports every frame to a trace function. */
export class Tracer extends DeviceWrapper implements FrameSink {
  readonly #fn: TraceFn;
  #outer: FrameSink | undefined;
  #slot: TxSlot | undefined;

  /** Wraps `inner`, reporting to `fn`. */
  constructor(inner: Device, fn: TraceFn) {
    super(inner);
    this.#fn = fn;
  }
  /** Traces and forwards received frames. */
  override receive(now: number, sink: FrameSink, budget: number): number {
    this.#outer = sink;
    const n = this.inner.receive(now, this, budget);
    this.#outer = undefined;
    return n;
  }
  /** @internal */
  receiveFrame(
    now: number,
    bytes: Uint8Array,
    offset: number,
    length: number,
    flags: number,
  ): void {
    this.#fn("rx", now, bytes, offset, length);
    this.#outer!.receiveFrame(now, bytes, offset, length, flags);
  }
  /** Forwards, remembering the slot. */
  override txAcquire(now: number, length: number): TxSlot | undefined {
    this.#slot = this.inner.txAcquire(now, length);
    return this.#slot;
  }
  /** Traces, then forwards. */
  override txCommit(now: number, length: number): void {
    if (this.#slot !== undefined) this.#fn("tx", now, this.#slot.bytes, this.#slot.offset, length);
    this.#slot = undefined;
    this.inner.txCommit(now, length);
  }
}

function tcpFlags(flags: number): string {
  let s = "";
  if (flags & TCP_SYN) s += "S";
  if (flags & TCP_FIN) s += "F";
  if (flags & TCP_RST) s += "R";
  if (flags & TCP_PSH) s += "P";
  if (flags & TCP_ACK) s += ".";
  return s || "none";
}

/** A one-line, tcpdump-like summary of a frame (allocates: for tracing only). */
export function describeFrame(bytes: Uint8Array, offset: number, length: number): string {
  const eth = new EthernetFrame().wrap(bytes, offset, length);
  if (eth.check() !== "ok") return `malformed Ethernet frame, ${length} bytes`;
  const type = eth.ethertype;
  if (type === ETHERTYPE_ARP) {
    const arp = parseArp(new ArpPacket().wrap(bytes, eth.payloadOffset, eth.payloadLength));
    if (arp === undefined) return "ARP, malformed";
    return arp.operation === 1
      ? `ARP, Request who-has ${formatIpv4(arp.targetIp)} tell ${formatIpv4(arp.senderIp)}`
      : `ARP, Reply ${formatIpv4(arp.senderIp)} is-at ${formatMac(arp.senderMac)}`;
  }
  if (type !== ETHERTYPE_IPV4) {
    return `${formatMac(eth.src)} > ${formatMac(eth.dst)}, ethertype 0x${type.toString(16)}`;
  }
  const ip = new Ipv4Packet().wrap(bytes, eth.payloadOffset, eth.payloadLength);
  const fault = ip.check();
  if (fault !== "ok") return `IP, malformed (${fault})`;
  const head = `IP ${formatIpv4(ip.src)} > ${formatIpv4(ip.dst)}`;
  if (ip.isFragment && ip.fragmentOffset > 0) {
    return `${head}: fragment id ${ip.ident} offset ${ip.fragmentOffset} length ${ip.payloadLength}`;
  }
  if (ip.protocol === IP_PROTO_ICMP) {
    const icmp = new IcmpPacket().wrap(bytes, ip.payloadOffset, ip.payloadLength);
    if (icmp.length < 8) return `${head}: ICMP, truncated`;
    const kind = icmp.type === 8
      ? "echo request"
      : icmp.type === 0
      ? "echo reply"
      : `type ${icmp.type} code ${icmp.code}`;
    return `${head}: ICMP ${kind}, id ${icmp.ident}, seq ${icmp.seqNo}, length ${icmp.length}`;
  }
  if (ip.protocol === IP_PROTO_TCP) {
    const tcp = new TcpPacket().wrap(bytes, ip.payloadOffset, ip.payloadLength);
    if (tcp.check() !== "ok") return `${head}: TCP, malformed`;
    return `IP ${formatIpv4(ip.src)}.${tcp.srcPort} > ${
      formatIpv4(ip.dst)
    }.${tcp.dstPort}: Flags [${
      tcpFlags(tcp.flags)
    }], seq ${tcp.seqNumber}, ack ${tcp.ackNumber}, win ${tcp.window}, length ${tcp.payloadLength}`;
  }
  return `${head}: ip-proto-${ip.protocol}, length ${ip.payloadLength}`;
}
