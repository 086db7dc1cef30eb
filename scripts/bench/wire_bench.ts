/**
 * Micro-benchmarks of the receive hot path on real kernel frames: the codecs
 * alone, and the interface answering an echo request end to end (parse every
 * layer, verify every checksum, build and checksum the reply). Run with
 * `deno task bench`. These measure; they assert nothing.
 *
 * @module
 */

import { fixtureFrames } from "../../tests/_support/fixtures.ts";
import { Interface } from "../../lib/iface/interface.ts";
import { getMac, parseIpv4Address } from "../../lib/wire/address.ts";
import { EthernetFrame } from "../../lib/wire/ethernet.ts";
import { internetChecksum } from "../../lib/wire/checksum.ts";
import { Ipv4Packet, parseIpv4 } from "../../lib/wire/ipv4.ts";
import { parseTcp, TcpPacket, TcpRepr } from "../../lib/wire/tcp.ts";
import { type Device, deviceStats, type FrameSink, type TxSlot } from "../../lib/iface/device.ts";

const tcpFrames = fixtureFrames("tcp_http").map((r) => r.data);
const fullSegment = tcpFrames.reduce((a, b) => (b.length > a.length ? b : a));
const eth = new EthernetFrame();
const ip = new Ipv4Packet();
const tcp = new TcpPacket();
const ipRepr = parseIpv4(ip.wrap(fullSegment, 14))!;
const tcpRepr = new TcpRepr();

Deno.bench({
  name: `parse Ethernet+IPv4+TCP, both checksums, ${fullSegment.length}-byte kernel segment`,
  group: "codec",
  baseline: true,
  fn() {
    eth.wrap(fullSegment);
    ip.wrap(fullSegment, eth.payloadOffset, eth.payloadLength);
    parseIpv4(ip, ipRepr);
    parseTcp(
      tcp.wrap(fullSegment, ip.payloadOffset, ipRepr.payloadLength),
      tcpRepr,
      ipRepr.src,
      ipRepr.dst,
    );
  },
});

Deno.bench({
  name: "internet checksum of 1500 bytes",
  group: "codec",
  fn() {
    internetChecksum(fullSegment, 14, 1500);
  },
});

// A device that lends the same echo request forever and discards what is sent.
class EchoSource implements Device {
  readonly name = "bench";
  readonly mtu = 1500;
  readonly stats = deviceStats();
  readonly #frame: Uint8Array;
  readonly #slot: TxSlot = { bytes: new Uint8Array(1518), offset: 0 };
  constructor(frame: Uint8Array) {
    this.#frame = frame;
  }
  receive(now: number, sink: FrameSink, budget: number): number {
    for (let i = 0; i < budget; i++) sink.receiveFrame(now, this.#frame, 0, this.#frame.length, 0);
    return budget;
  }
  txAcquire(): TxSlot {
    return this.#slot;
  }
  txCommit(): void {}
  flush(): void {}
  pollAt(): number {
    return 0;
  }
  close(): void {}
}

const arpIcmp = fixtureFrames("arp_icmp").map((r) => r.data);
const echoIface = new Interface(new EchoSource(arpIcmp[2]!), {
  mac: getMac(arpIcmp[1]!, 6),
  address: parseIpv4Address("10.200.0.2")!,
  prefixLength: 24,
});
// The requester is known, so replies go straight into the transmit slot.
echoIface.arp.addStatic(parseIpv4Address("10.200.0.1")!, getMac(arpIcmp[0]!, 6));

Deno.bench({
  name: "interface: echo request in, reply out (64 frames per poll; time is per poll)",
  group: "iface",
  fn() {
    echoIface.poll(0);
  },
});
