import assert from "node:assert/strict";
import { fixtureFrames, prng } from "../../tests/_support/fixtures.ts";
import { RecordingDevice } from "../../tests/_support/recording_device.ts";
import { getMac, MAC_BROADCAST, parseIpv4Address, parseMac, putMac } from "../wire/address.ts";
import { ARP_REPLY, ARP_REQUEST, ArpPacket, parseArp } from "../wire/arp.ts";
import { EthernetFrame, ETHERTYPE_ARP, ETHERTYPE_IPV4 } from "../wire/ethernet.ts";
import {
  ICMP_DEST_UNREACHABLE,
  ICMP_ECHO_REPLY,
  ICMP_EXC_FRAGTIME,
  ICMP_TIME_EXCEEDED,
  ICMP_UNREACH_PORT,
  ICMP_UNREACH_PROTOCOL,
  IcmpPacket,
} from "../wire/icmp.ts";
import { Ipv4Packet, writeIpv4Header } from "../wire/ipv4.ts";
import { parseTcp, TCP_ACK, TCP_RST, TCP_SYN, TcpPacket } from "../wire/tcp.ts";
import { Interface } from "./interface.ts";
import { DROP_REASONS } from "./stats.ts";

const IP_A = parseIpv4Address("10.200.0.1")!;
const IP_B = parseIpv4Address("10.200.0.2")!;
const T0 = 1_000_000;

// An interface that stands where the kernel's 10.200.0.2 stood in the fixtures.
function hostB(options: { mtu?: number; icmpErrorsPerSecond?: number } = {}) {
  const frames = fixtureFrames("arp_icmp").map((r) => r.data);
  const macB = getMac(frames[1]!, 6); // the ARP reply's source
  const macA = getMac(frames[0]!, 6);
  const dev = new RecordingDevice(options.mtu);
  const iface = new Interface(dev, {
    mac: macB,
    address: IP_B,
    prefixLength: 24,
    ...(options.icmpErrorsPerSecond !== undefined
      ? { icmpErrorsPerSecond: options.icmpErrorsPerSecond }
      : {}),
  });
  return { dev, iface, macA, macB, frames };
}

function ip(frame: Uint8Array): Ipv4Packet {
  const eth = new EthernetFrame().wrap(frame);
  return new Ipv4Packet().wrap(frame, eth.payloadOffset, eth.payloadLength);
}

function icmpOf(frame: Uint8Array): IcmpPacket {
  const p = ip(frame);
  return new IcmpPacket().wrap(frame, p.payloadOffset, p.payloadLength);
}

Deno.test("Interface answers the kernel's ARP request and learns the sender", () => {
  const { dev, iface, macA, macB, frames } = hostB();
  dev.inject(frames[0]!);
  iface.poll(T0);
  const [reply] = dev.take();
  assert.ok(reply);
  const eth = new EthernetFrame().wrap(reply);
  assert.equal(eth.dst, macA);
  assert.equal(eth.ethertype, ETHERTYPE_ARP);
  const arp = parseArp(new ArpPacket().wrap(reply, 14))!;
  assert.equal(arp.operation, ARP_REPLY);
  assert.equal(arp.senderMac, macB);
  assert.equal(arp.senderIp, IP_B);
  assert.equal(arp.targetIp, IP_A);
  assert.equal(iface.arp.get(IP_A)?.state, "REACHABLE");
  assert.equal(iface.arp.get(IP_A)?.mac, macA);
});

Deno.test("Interface replies to the kernel's echo request with the same id, sequence and data", () => {
  const { dev, iface, macA, frames } = hostB();
  dev.inject(frames[0]!); // ARP request: learn A
  dev.inject(frames[2]!); // echo request
  iface.poll(T0);
  const sent = dev.take();
  assert.equal(sent.length, 2);
  const reply = sent[1]!;
  assert.equal(getMac(reply, 0), macA);
  const replyIp = ip(reply);
  assert.equal(replyIp.check(), "ok");
  assert.equal(replyIp.src, IP_B);
  assert.equal(replyIp.dst, IP_A);
  const req = icmpOf(frames[2]!);
  const rep = icmpOf(reply);
  assert.equal(rep.check(), "ok");
  assert.equal(rep.type, ICMP_ECHO_REPLY);
  assert.equal(rep.ident, req.ident);
  assert.equal(rep.seqNo, req.seqNo);
  assert.deepEqual(reply.subarray(rep.dataOffset), frames[2]!.subarray(req.dataOffset));
  assert.equal(iface.stats.echoReplies, 1);
});

Deno.test("Interface honours the record-route header and answers past the options", () => {
  const { dev, iface, frames } = hostB();
  dev.inject(frames[0]!);
  dev.inject(fixtureFrames("ip_options")[0]!.data);
  iface.poll(T0);
  const reply = dev.take()[1]!;
  assert.equal(icmpOf(reply).type, ICMP_ECHO_REPLY);
  assert.equal(icmpOf(reply).check(), "ok");
});

Deno.test("Interface reassembles the kernel's fragments in any order and fragments its reply", () => {
  for (const order of [[0, 1, 2], [2, 0, 1], [1, 2, 0]]) {
    const { dev, iface, frames } = hostB();
    const frags = fixtureFrames("fragments").map((r) => r.data).slice(0, 3);
    dev.inject(frames[0]!);
    for (const i of order) dev.inject(frags[i]!);
    iface.poll(T0);
    const sent = dev.take().slice(1);
    assert.equal(iface.stats.reassembled, 1, `order ${order}`);
    assert.equal(sent.length, 3, "a 3008-byte reply needs three 1500-byte frames");
    const offsets = sent.map((f) => ip(f).fragmentOffset);
    assert.deepEqual(offsets, [0, 1480, 2960]);
    assert.deepEqual(sent.map((f) => ip(f).moreFragments), [true, true, false]);
    // The payload of the reply equals the request's payload but for type and checksum.
    const req = frags.map((f) => ip(f)).flatMap((
      p,
    ) => [...p.bytes.subarray(p.payloadOffset, p.payloadOffset + p.payloadLength)]);
    const rep = sent.map((f) => ip(f)).flatMap((
      p,
    ) => [...p.bytes.subarray(p.payloadOffset, p.payloadOffset + p.payloadLength)]);
    assert.equal(rep.length, 3008);
    assert.deepEqual(rep.slice(4), req.slice(4));
    assert.equal(rep[0], ICMP_ECHO_REPLY);
    assert.equal(iface.reassembler.bytesHeld, 0);
  }
});

Deno.test("Interface drops a datagram whose fragments overlap, and counts a duplicate", () => {
  const { dev, iface, frames } = hostB();
  const frags = fixtureFrames("fragments").map((r) => r.data.slice()).slice(0, 3);
  dev.inject(frames[0]!);
  dev.inject(frags[0]!);
  dev.inject(frags[0]!);
  iface.poll(T0);
  assert.equal(iface.stats.drops.fragDuplicate, 1);
  // The second fragment moved back by 8 bytes overlaps the first.
  const moved = frags[1]!;
  const p = ip(moved);
  writeIpv4Header(
    moved,
    14,
    20,
    p.src,
    p.dst,
    p.protocol,
    p.payloadLength,
    p.ttl,
    p.ident,
    0x2000 | (1472 >>> 3),
  );
  dev.inject(moved);
  dev.inject(frags[2]!);
  iface.poll(T0);
  assert.equal(iface.stats.drops.fragOverlap, 1);
  assert.equal(iface.stats.reassembled, 0);
  assert.equal(iface.reassembler.pending, 1, "the last fragment starts a new datagram");
});

Deno.test("an incomplete datagram times out with ICMP time exceeded when fragment zero came", () => {
  const { dev, iface, frames } = hostB();
  const frags = fixtureFrames("fragments").map((r) => r.data).slice(0, 3);
  dev.inject(frames[0]!);
  dev.inject(frags[0]!);
  dev.inject(frags[2]!);
  iface.poll(T0);
  dev.take();
  assert.equal(iface.pollAt(T0), T0 + 30_000);
  iface.poll(T0 + 29_999);
  assert.equal(dev.take().length, 0);
  iface.poll(T0 + 30_000);
  const [msg] = dev.take();
  assert.ok(msg);
  const icmp = icmpOf(msg);
  assert.equal(icmp.type, ICMP_TIME_EXCEEDED);
  assert.equal(icmp.code, ICMP_EXC_FRAGTIME);
  assert.equal(icmp.check(), "ok");
  assert.equal(iface.stats.drops.fragTimeout, 1);
  assert.equal(iface.reassembler.bytesHeld, 0);
});

Deno.test("reassembly memory is capped: a flood of first fragments cannot grow it", () => {
  const dev = new RecordingDevice();
  const iface = new Interface(dev, {
    mac: 2,
    address: IP_B,
    prefixLength: 24,
    reassembly: { maxBytes: 64 * 1024, maxDatagrams: 8 },
  });
  const frag = fixtureFrames("fragments")[0]!.data.slice();
  putMac(frag, 0, 2);
  for (let id = 0; id < 100; id++) {
    const p = ip(frag);
    writeIpv4Header(frag, 14, 20, p.src, IP_B, p.protocol, p.payloadLength, p.ttl, id, 0x2000);
    dev.inject(frag.slice());
  }
  while (iface.poll(T0));
  assert.ok(iface.reassembler.bytesHeld <= 64 * 1024);
  assert.equal(iface.reassembler.pending, 8);
  assert.equal(iface.stats.drops.fragNoMemory, 92);
});

Deno.test("a SYN to a port nobody listens on gets RST|ACK; an ACK gets a RST at its ack number", () => {
  const { dev, iface, frames } = hostB();
  dev.inject(frames[0]!);
  const syn = fixtureFrames("tcp_http")[0]!.data;
  dev.inject(syn);
  iface.poll(T0);
  const rst = dev.take()[1]!;
  const p = ip(rst);
  const seg = parseTcp(
    new TcpPacket().wrap(rst, p.payloadOffset, p.payloadLength),
    undefined,
    p.src,
    p.dst,
  )!;
  const synIp = ip(syn);
  const synSeg = parseTcp(new TcpPacket().wrap(syn, synIp.payloadOffset, synIp.payloadLength))!;
  assert.equal(seg.flags, TCP_RST | TCP_ACK);
  assert.equal(seg.seqNumber, 0);
  assert.equal(seg.ackNumber, (synSeg.seqNumber + 1) >>> 0);
  assert.equal(seg.dstPort, synSeg.srcPort);
  assert.equal(iface.stats.tcpResetsSent, 1);

  const ack = fixtureFrames("tcp_http")[2]!.data;
  dev.inject(ack);
  iface.poll(T0);
  const rst2 = dev.take()[0]!;
  const p2 = ip(rst2);
  const seg2 = parseTcp(
    new TcpPacket().wrap(rst2, p2.payloadOffset, p2.payloadLength),
    undefined,
    p2.src,
    p2.dst,
  )!;
  const ackIp = ip(ack);
  const ackSeg = parseTcp(new TcpPacket().wrap(ack, ackIp.payloadOffset, ackIp.payloadLength))!;
  assert.equal(seg2.flags, TCP_RST);
  assert.equal(seg2.seqNumber, ackSeg.ackNumber);

  // A RST is never answered.
  const rstIn = fixtureFrames("tcp_sack").at(-1)!.data;
  dev.inject(rstIn);
  iface.poll(T0);
  assert.equal(dev.take().filter((f) => ip(f).protocol === 6).length, 0);
  assert.equal(iface.stats.drops.tcpNoSocket, 3);
});

Deno.test("a transport that takes a segment suppresses the RST", () => {
  const { dev, iface, frames } = hostB();
  let seen = 0;
  iface.tcp = {
    segmentArrived(_now, src, dst, seg) {
      assert.equal(src, IP_A);
      assert.equal(dst, IP_B);
      assert.equal(seg.flags, TCP_SYN);
      assert.equal(seg.mss, 1460);
      seen++;
      return true;
    },
  };
  dev.inject(frames[0]!);
  dev.inject(fixtureFrames("tcp_http")[0]!.data);
  iface.poll(T0);
  assert.equal(seen, 1);
  assert.equal(dev.take().length, 1, "only the ARP reply");
});

// Rewrites the fixture echo request as another protocol and checksum-fixes it.
function asProtocol(frame: Uint8Array, protocol: number): Uint8Array {
  const f = frame.slice();
  const p = ip(f);
  writeIpv4Header(f, 14, 20, p.src, p.dst, protocol, p.payloadLength, p.ttl, p.ident, 0);
  return f;
}

Deno.test("UDP gets port unreachable and an unknown protocol gets protocol unreachable", () => {
  const { dev, iface, frames } = hostB();
  dev.inject(frames[0]!);
  dev.inject(asProtocol(frames[2]!, 17));
  dev.inject(asProtocol(frames[2]!, 99));
  iface.poll(T0);
  const [, portUnreach, protoUnreach] = dev.take();
  assert.equal(icmpOf(portUnreach!).type, ICMP_DEST_UNREACHABLE);
  assert.equal(icmpOf(portUnreach!).code, ICMP_UNREACH_PORT);
  assert.equal(icmpOf(protoUnreach!).code, ICMP_UNREACH_PROTOCOL);
  assert.equal(icmpOf(protoUnreach!).check(), "ok");
  // The quote starts with the offending datagram's header.
  const quoted = icmpOf(protoUnreach!);
  assert.deepEqual(
    protoUnreach!.subarray(quoted.dataOffset, quoted.dataOffset + 20),
    asProtocol(frames[2]!, 99).subarray(14, 34),
  );
  assert.equal(iface.stats.drops.udpNoSocket, 1);
  assert.equal(iface.stats.drops.ipUnknownProtocol, 1);
});

Deno.test("ICMP errors are rate-limited by a token bucket", () => {
  const { dev, iface, frames } = hostB({ icmpErrorsPerSecond: 10 });
  dev.inject(frames[0]!);
  for (let i = 0; i < 50; i++) dev.inject(asProtocol(frames[2]!, 17));
  while (iface.poll(T0));
  assert.equal(iface.stats.icmpErrorsSent, 10);
  assert.equal(iface.stats.drops.icmpRateLimited, 40);
  for (let i = 0; i < 5; i++) dev.inject(asProtocol(frames[2]!, 17));
  iface.poll(T0 + 200); // 200 ms refills two tokens
  assert.equal(iface.stats.icmpErrorsSent, 12);
});

Deno.test("broadcast echo requests are ignored and frames for other hosts dropped", () => {
  const { dev, iface, frames } = hostB();
  const bcast = frames[2]!.slice();
  putMac(bcast, 0, MAC_BROADCAST);
  const p = ip(bcast);
  writeIpv4Header(
    bcast,
    14,
    20,
    p.src,
    parseIpv4Address("10.200.0.255")!,
    1,
    p.payloadLength,
    64,
    1,
    0,
  );
  dev.inject(bcast);
  const otherMac = frames[2]!.slice();
  putMac(otherMac, 0, parseMac("02:00:00:00:00:99")!);
  dev.inject(otherMac);
  const otherIp = frames[2]!.slice();
  writeIpv4Header(
    otherIp,
    14,
    20,
    p.src,
    parseIpv4Address("10.200.0.7")!,
    1,
    p.payloadLength,
    64,
    1,
    0,
  );
  dev.inject(otherIp);
  iface.poll(T0);
  assert.equal(dev.take().length, 0);
  assert.equal(iface.stats.drops.icmpBroadcastEcho, 1);
  assert.equal(iface.stats.drops.ethNotForUs, 1);
  assert.equal(iface.stats.drops.ipNotForUs, 1);
});

Deno.test("every malformed variant of a kernel frame is counted under its own reason", () => {
  const { dev, iface, frames } = hostB();
  const echo = frames[2]!;
  const cases: [string, (b: Uint8Array) => Uint8Array][] = [
    ["ethTruncated", (b) => b.slice(0, 10)],
    ["ethVlanTagged", (b) => {
      const t = new Uint8Array(b.length + 4);
      t.set(b.subarray(0, 12));
      t.set([0x81, 0, 0, 5], 12);
      t.set(b.subarray(12), 16);
      return t;
    }],
    ["ethStackedVlan", (b) => (b.set([0x88, 0xa8], 12), b)],
    ["ethUnknownType", (b) => (b.set([0x86, 0xdd], 12), b)],
    ["ipTruncated", (b) => b.slice(0, 30)],
    ["ipBadVersion", (b) => (b[14] = 0x65, b)],
    ["ipBadHeaderLength", (b) => (b[14] = 0x43, b)],
    ["ipBadTotalLength", (b) => (b[16] = 0, b[17] = 8, b)],
    ["ipBadChecksum", (b) => (b[22] = 1, b)],
    ["icmpBadChecksum", (b) => (b[50] = b[50]! ^ 0xff, b)],
    ["ipBadSource", (b) => {
      const p = ip(b);
      writeIpv4Header(b, 14, 20, 0xe0000001, p.dst, 1, p.payloadLength, 64, 1, 0);
      return b;
    }],
  ];
  for (const [reason, edit] of cases) {
    const before = iface.stats.drops[reason as keyof typeof iface.stats.drops];
    dev.inject(edit(echo.slice()));
    iface.poll(T0);
    assert.equal(iface.stats.drops[reason as keyof typeof iface.stats.drops], before + 1, reason);
  }
  assert.equal(dev.take().length, 0);
});

Deno.test("no frame, however mangled, makes the interface throw; all are accounted for", () => {
  const { dev, iface } = hostB();
  const rand = prng(9);
  const seeds = fixtureFrames("arp_icmp").concat(
    fixtureFrames("fragments"),
    fixtureFrames("tcp_http"),
  )
    .map((r) => r.data);
  const n = 20_000;
  for (let i = 0; i < n; i++) {
    let f: Uint8Array;
    if (i % 3 === 0) {
      f = new Uint8Array(Math.floor(rand() * 200));
      for (let k = 0; k < f.length; k++) f[k] = rand() * 256;
    } else {
      f = seeds[i % seeds.length]!.slice();
      for (let k = 0; k < 1 + rand() * 3; k++) f[Math.floor(rand() * f.length)] = rand() * 256;
      if (rand() < 0.3) f = f.slice(0, Math.floor(rand() * f.length));
    }
    dev.inject(f);
    iface.poll(T0 + i);
    dev.take();
  }
  iface.poll(T0 + n + 60_000);
  assert.equal(iface.stats.rx.frames, n);
  const drops = DROP_REASONS.reduce((s, r) => s + iface.stats.drops[r], 0);
  assert.ok(drops > n / 2, `${drops} drops counted`);
  assert.equal(iface.reassembler.pending, 0);
  // Each frame ended in one counter: delivered, or one receive drop reason.
  assert.equal(iface.stats.unaccounted, 0);
  assert.equal(iface.stats.rx.delivered + iface.stats.rxDrops, n);
});

Deno.test("ARP requests for an absent host are rate-limited and give up after three", () => {
  const dev = new RecordingDevice();
  const iface = new Interface(dev, { mac: 2, address: IP_B, prefixLength: 24 });
  const ghost = parseIpv4Address("10.200.0.77")!;
  let t = T0;
  // Ping every 100 ms for 2.9 s: inside one resolution cycle.
  for (let i = 0; i < 29; i++, t += 100) {
    iface.ping(t, ghost, 1, i);
    iface.poll(t);
  }
  const requests = dev.take().filter((f) => getMac(f, 0) === MAC_BROADCAST);
  assert.equal(requests.length, 3, "one request per second, three at most");
  assert.ok(requests.every((f) => parseArp(new ArpPacket().wrap(f, 14))!.targetIp === ghost));
  assert.equal(iface.stats.drops.arpQueueFull, 29 - 16, "16 frames wait per address");
  iface.poll(t + 100); // three seconds after the first request, without an answer

  assert.equal(iface.stats.drops.arpUnresolved, 16);
  assert.equal(iface.arp.get(ghost), undefined);
  assert.equal(iface.arp.pool.inUse, 0);
});

Deno.test("a reachable entry goes stale and is refreshed by unicast probes while still used", () => {
  const { dev, iface, macA, frames } = hostB();
  dev.inject(frames[0]!);
  iface.poll(T0);
  dev.take();
  iface.ping(T0 + 60_001, IP_A, 1, 1);
  const [probe, echo] = dev.take();
  assert.equal(getMac(probe!, 0), macA, "the probe is unicast");
  assert.equal(new EthernetFrame().wrap(probe!).ethertype, ETHERTYPE_ARP);
  assert.equal(parseArp(new ArpPacket().wrap(probe!, 14))!.operation, ARP_REQUEST);
  assert.equal(new EthernetFrame().wrap(echo!).ethertype, ETHERTYPE_IPV4, "traffic is not held up");
  assert.equal(iface.arp.get(IP_A)!.state, "STALE");
  dev.inject(frames[0]!); // any ARP from A refreshes it
  iface.poll(T0 + 60_002);
  assert.equal(iface.arp.get(IP_A)!.state, "REACHABLE");
});

Deno.test("up() announces our address with a gratuitous ARP", () => {
  const dev = new RecordingDevice();
  const iface = new Interface(dev, { mac: 2, address: IP_B, prefixLength: 24 });
  iface.up(T0);
  const [g] = dev.take();
  assert.equal(getMac(g!, 0), MAC_BROADCAST);
  const arp = parseArp(new ArpPacket().wrap(g!, 14))!;
  assert.equal(arp.senderIp, IP_B);
  assert.equal(arp.targetIp, IP_B);
});

Deno.test("datagrams off the subnet go to the gateway's MAC, or are dropped without one", () => {
  const dev = new RecordingDevice();
  const gw = parseIpv4Address("10.200.0.254")!;
  const iface = new Interface(dev, { mac: 2, address: IP_B, prefixLength: 24, gateway: gw });
  iface.arp.addStatic(gw, 0x02_0000_0000fe);
  assert.ok(iface.ping(T0, parseIpv4Address("198.51.100.1")!, 1, 1));
  const [f] = dev.take();
  assert.equal(getMac(f!, 0), 0x02_0000_0000fe);
  assert.equal(ip(f!).dst, parseIpv4Address("198.51.100.1"));
  const noGw = new Interface(new RecordingDevice(), { mac: 2, address: IP_B, prefixLength: 24 });
  assert.ok(!noGw.ping(T0, parseIpv4Address("198.51.100.1")!, 1, 1));
  assert.equal(noGw.stats.drops.ipNoRoute, 1);
});

Deno.test("a full transmit ring is counted, not thrown", () => {
  const { dev, iface, frames } = hostB();
  dev.ringHasRoom = false;
  dev.inject(frames[0]!);
  dev.inject(frames[2]!);
  iface.poll(T0);
  assert.equal(iface.stats.drops.txNoSlot, 2);
});
