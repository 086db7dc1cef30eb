import assert from "node:assert/strict";
import { fixtureFrames } from "../../tests/_support/fixtures.ts";
import { formatIpv4 } from "./address.ts";
import { EthernetFrame } from "./ethernet.ts";
import {
  ICMP_ECHO_REPLY,
  ICMP_ECHO_REQUEST,
  IcmpPacket,
  type IcmpRepr,
  parseIcmp,
  writeIcmp,
} from "./icmp.ts";
import {
  emitIpv4,
  IP_PROTO_ICMP,
  IPOPT_RR,
  ipv4HeaderLen,
  Ipv4Packet,
  type Ipv4Repr,
  parseIpv4,
} from "./ipv4.ts";

function ipOf(frame: Uint8Array): Ipv4Packet {
  const eth = new EthernetFrame().wrap(frame);
  return new Ipv4Packet().wrap(frame, eth.payloadOffset, eth.payloadLength);
}

function reEmit(frame: Uint8Array): Uint8Array {
  const ip = ipOf(frame);
  const repr = parseIpv4(ip)!;
  const out = frame.slice();
  out.fill(0, 14);
  const hl = emitIpv4(repr, out, 14);
  out.set(frame.subarray(14 + hl), 14 + hl);
  return out;
}

Deno.test("parseIpv4() and parseIcmp() read the kernel's echo request and reply", () => {
  const frames = fixtureFrames("arp_icmp").map((r) => r.data);
  const request = parseIpv4(ipOf(frames[2]!))!;
  assert.equal(formatIpv4(request.src), "10.200.0.1");
  assert.equal(formatIpv4(request.dst), "10.200.0.2");
  assert.equal(request.protocol, IP_PROTO_ICMP);
  assert.equal(request.ttl, 64);
  assert.ok(request.dontFragment);
  assert.equal(request.payloadLength, 64);
  const ip = ipOf(frames[2]!);
  const icmp = parseIcmp(new IcmpPacket().wrap(ip.bytes, ip.payloadOffset, ip.payloadLength))!;
  assert.equal(icmp.type, ICMP_ECHO_REQUEST);
  assert.equal(icmp.dataLength, 56);
  const replyIp = ipOf(frames[3]!);
  const reply = parseIcmp(
    new IcmpPacket().wrap(replyIp.bytes, replyIp.payloadOffset, replyIp.payloadLength),
  )!;
  assert.equal(reply.type, ICMP_ECHO_REPLY);
  assert.equal(reply.rest, icmp.rest, "identifier and sequence number echoed");
});

Deno.test("emitIpv4() and writeIcmp() re-emit every kernel IPv4 frame byte for byte", () => {
  const frames = [
    ...fixtureFrames("arp_icmp").slice(2),
    ...fixtureFrames("ip_options"),
    ...fixtureFrames("fragments"),
  ]
    .map((r) => r.data);
  for (const frame of frames) assert.deepEqual(reEmit(frame), frame);
  for (const frame of fixtureFrames("arp_icmp").slice(2).map((r) => r.data)) {
    const ip = ipOf(frame);
    const repr: IcmpRepr = parseIcmp(
      new IcmpPacket().wrap(frame, ip.payloadOffset, ip.payloadLength),
    )!;
    const out = frame.slice();
    out.fill(0, ip.payloadOffset, ip.payloadOffset + 8);
    writeIcmp(out, ip.payloadOffset, repr.type, repr.code, repr.rest, repr.dataLength);
    assert.deepEqual(out, frame);
  }
});

Deno.test("parseIpv4() honours a 60-byte header with the record-route option", () => {
  const frame = fixtureFrames("ip_options")[0]!.data;
  const ip = ipOf(frame);
  const repr: Ipv4Repr = parseIpv4(ip)!;
  assert.equal(ip.headerLength, 60);
  assert.equal(repr.options.length, 40);
  assert.equal(repr.options[0], 1, "Linux pads with a NOP first");
  assert.equal(repr.options[1], IPOPT_RR);
  assert.equal(ipv4HeaderLen(repr), 60);
  // The ICMP message starts after the options, not at byte 20.
  assert.equal(
    parseIcmp(new IcmpPacket().wrap(frame, ip.payloadOffset, ip.payloadLength))!.type,
    ICMP_ECHO_REQUEST,
  );
  assert.ok(!ip.hasSourceRoute());
});

Deno.test("parseIpv4() reads fragment offsets and the MF flag of kernel fragments", () => {
  const frames = fixtureFrames("fragments").map((r) => r.data);
  const reprs = frames.slice(0, 3).map((f) => ({ ...parseIpv4(ipOf(f))! }));
  assert.deepEqual(reprs.map((r) => r.fragmentOffset), [0, 1480, 2960]);
  assert.deepEqual(reprs.map((r) => r.moreFragments), [true, true, false]);
  assert.equal(new Set(reprs.map((r) => r.ident)).size, 1);
  assert.equal(reprs.reduce((n, r) => n + r.payloadLength, 0), 3008);
  assert.ok(ipOf(frames[0]!).isFragment && ipOf(frames[2]!).isFragment);
});

Deno.test("Ipv4Packet.check() names every malformation", () => {
  const frame = fixtureFrames("arp_icmp")[2]!.data;
  const variant = (edit: (b: Uint8Array) => void, length?: number) => {
    const b = frame.slice();
    edit(b);
    return new Ipv4Packet().wrap(b, 14, length ?? b.length - 14).check();
  };
  assert.equal(variant(() => {}), "ok");
  assert.equal(variant(() => {}, 19), "truncated");
  assert.equal(variant(() => {}, 83), "truncated", "frame shorter than total length");
  assert.equal(variant((b) => (b[14] = 0x65)), "badVersion");
  assert.equal(variant((b) => (b[14] = 0x44)), "badHeaderLength", "IHL 4");
  assert.equal(variant((b) => (b[14] = 0x4f), 40), "truncated", "IHL 15 past the data");
  assert.equal(variant((b) => (b[16] = 0, b[17] = 10)), "badTotalLength");
  assert.equal(variant((b) => (b[24] = b[24]! ^ 0x01)), "badChecksum");
  // A fragment whose end passes 65535 bytes (the ping of death).
  assert.equal(variant((b) => (b[20] = 0x1f, b[21] = 0xff)), "badChecksum");
  const pod = frame.slice();
  pod[20] = 0x1f;
  pod[21] = 0xff;
  assert.equal(new Ipv4Packet().wrap(pod, 14).check(false), "badFragment");
  // Padding after the datagram is allowed (Ethernet minimum frame).
  const padded = new Uint8Array(frame.length + 10);
  padded.set(frame);
  assert.equal(new Ipv4Packet().wrap(padded, 14).check(), "ok");
});

Deno.test("Ipv4Packet.check() rejects malformed option lengths", () => {
  const frame = fixtureFrames("ip_options")[0]!.data;
  const bad = frame.slice();
  bad[14 + 22] = 1; // RR option length 1
  assert.equal(new Ipv4Packet().wrap(bad, 14).check(false), "badOptions");
  const over = frame.slice();
  over[14 + 22] = 60; // runs past the header
  assert.equal(new Ipv4Packet().wrap(over, 14).check(false), "badOptions");
  assert.equal(parseIpv4(new Ipv4Packet().wrap(over, 14), undefined, false), undefined);
});

Deno.test("IcmpPacket.check() rejects truncation and a bad checksum", () => {
  const frame = fixtureFrames("arp_icmp")[2]!.data;
  assert.equal(new IcmpPacket().wrap(frame, 34, 7).check(), "truncated");
  const bad = frame.slice();
  bad[40] = bad[40]! ^ 0xff;
  assert.equal(new IcmpPacket().wrap(bad, 34).check(), "badChecksum");
  assert.equal(parseIcmp(new IcmpPacket().wrap(bad, 34)), undefined);
});
