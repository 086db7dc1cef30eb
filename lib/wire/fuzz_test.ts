import assert from "node:assert/strict";
import { allFixtureFrames, prng } from "../../tests/_support/fixtures.ts";
import { ArpPacket, parseArp } from "./arp.ts";
import { EthernetFrame, ETHERTYPE_ARP, ETHERTYPE_IPV4, parseEthernet } from "./ethernet.ts";
import { IcmpPacket, parseIcmp } from "./icmp.ts";
import { IP_PROTO_ICMP, IP_PROTO_TCP, Ipv4Packet, parseIpv4 } from "./ipv4.ts";
import { parsePcap } from "./pcap.ts";
import { parseTcp, TcpPacket, TcpRepr } from "./tcp.ts";

const eth = new EthernetFrame();
const arp = new ArpPacket();
const ip = new Ipv4Packet();
const icmp = new IcmpPacket();
const tcp = new TcpPacket();
const tcpRepr = new TcpRepr();

// Runs every parser a receiver would on `frame`; returns how far it got.
function parseAll(frame: Uint8Array): number {
  eth.wrap(frame);
  const e = parseEthernet(eth);
  if (e === undefined) return 0;
  if (e.ethertype === ETHERTYPE_ARP) {
    return parseArp(arp.wrap(frame, eth.payloadOffset, eth.payloadLength)) ? 2 : 1;
  }
  if (e.ethertype !== ETHERTYPE_IPV4) return 1;
  ip.wrap(frame, eth.payloadOffset, eth.payloadLength);
  const i = parseIpv4(ip);
  if (i === undefined) return 1;
  if (i.protocol === IP_PROTO_TCP) {
    return parseTcp(tcp.wrap(frame, ip.payloadOffset, i.payloadLength), tcpRepr, i.src, i.dst)
      ? 3
      : 2;
  }
  if (i.protocol === IP_PROTO_ICMP) {
    return parseIcmp(icmp.wrap(frame, ip.payloadOffset, i.payloadLength)) ? 3 : 2;
  }
  ip.hasSourceRoute(); // option walking on checked headers must stay in bounds
  return 2;
}

Deno.test("random bytes never make a parser throw", () => {
  const rand = prng(1);
  for (let n = 0; n < 20_000; n++) {
    const frame = new Uint8Array(Math.floor(rand() * 120));
    for (let i = 0; i < frame.length; i++) frame[i] = rand() * 256;
    // Steer a share of them past the EtherType so deeper parsers see garbage.
    if (frame.length > 14 && n % 2 === 0) {
      frame.set(n % 4 === 0 ? [0x08, 0x00, 0x45] : [0x08, 0x06], 12);
    }
    parseAll(frame);
    parsePcap(frame);
  }
});

Deno.test("mutated kernel frames never make a parser throw, and fail only by returning undefined", () => {
  const rand = prng(2);
  const frames = allFixtureFrames();
  let deep = 0;
  for (let n = 0; n < 30_000; n++) {
    const frame = frames[n % frames.length]!.slice();
    const flips = 1 + Math.floor(rand() * 4);
    for (let k = 0; k < flips; k++) frame[Math.floor(rand() * frame.length)] = rand() * 256;
    const cut = rand() < 0.3 ? Math.floor(rand() * frame.length) : frame.length;
    if (parseAll(frame.subarray(0, cut)) === 3) deep++;
  }
  // Flips in payload bytes leave many frames valid except for checksums:
  // the fuzzer must reach the transport parsers, or it tests nothing there.
  assert.ok(deep > 100, `only ${deep} mutated frames reached TCP/ICMP parsing`);
});

Deno.test("every unmutated kernel frame parses all the way down", () => {
  for (const frame of allFixtureFrames()) {
    const depth = parseAll(frame);
    // A fragment's transport checksum covers the whole datagram: only
    // reassembly can verify it, so IP is as deep as a lone fragment parses.
    const fragment = eth.ethertype === ETHERTYPE_IPV4 && ip.isFragment;
    const isArp = eth.ethertype === ETHERTYPE_ARP;
    assert.equal(depth, isArp ? 2 : fragment ? 2 : 3);
  }
});
