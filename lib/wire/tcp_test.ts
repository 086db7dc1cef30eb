import assert from "node:assert/strict";
import { fixtureFrames } from "../../tests/_support/fixtures.ts";
import { EthernetFrame } from "./ethernet.ts";
import { Ipv4Packet } from "./ipv4.ts";
import { checksumFold, pseudoHeaderSum } from "./checksum.ts";
import {
  completeTcpChecksum,
  emitTcp,
  parseTcp,
  TCP_ACK,
  TCP_PSH,
  TCP_SYN,
  tcpHeaderLen,
  TcpPacket,
  TcpRepr,
} from "./tcp.ts";

interface Seg {
  frame: Uint8Array;
  ip: Ipv4Packet;
  tcp: TcpPacket;
}

function segments(name: string): Seg[] {
  return fixtureFrames(name).map(({ data }) => {
    const eth = new EthernetFrame().wrap(data);
    const ip = new Ipv4Packet().wrap(data, eth.payloadOffset, eth.payloadLength);
    const tcp = new TcpPacket().wrap(data, ip.payloadOffset, ip.payloadLength);
    return { frame: data, ip, tcp };
  });
}

Deno.test("parseTcp() reads the options of the kernel's SYN and SYN-ACK", () => {
  const [syn, synAck] = segments("tcp_http");
  const s = parseTcp(syn!.tcp, new TcpRepr(), syn!.ip.src, syn!.ip.dst)!;
  assert.equal(s.flags, TCP_SYN);
  assert.equal(s.dstPort, 8000);
  assert.equal(s.mss, 1460);
  assert.equal(s.windowScale, 10);
  assert.ok(s.sackPermitted);
  assert.ok(s.hasTimestamps);
  assert.equal(s.tsEcr, 0);
  assert.equal(s.segmentLength, 1);
  const a = parseTcp(synAck!.tcp, new TcpRepr(), synAck!.ip.src, synAck!.ip.dst)!;
  assert.equal(a.flags, TCP_SYN | TCP_ACK);
  assert.equal(a.ackNumber, (s.seqNumber + 1) >>> 0);
  assert.equal(a.tsEcr, s.tsVal);
});

Deno.test("parseTcp() reads the SACK block the kernel sent for a hole", () => {
  const segs = segments("tcp_sack");
  const dupAck = segs[4]!;
  const r = parseTcp(dupAck.tcp, new TcpRepr(), dupAck.ip.src, dupAck.ip.dst)!;
  assert.equal(r.sackCount, 1);
  const isn = 1000;
  assert.equal(r.ackNumber, isn + 1);
  assert.deepEqual([r.sackBlocks[0], r.sackBlocks[1]], [isn + 101, isn + 201]);
  assert.ok(r.hasTimestamps);
});

Deno.test("emitTcp() re-emits every kernel TCP segment byte for byte", () => {
  const repr = new TcpRepr();
  let count = 0;
  for (const name of ["tcp_http", "tcp_sack"]) {
    for (const { frame, ip, tcp } of segments(name)) {
      parseTcp(tcp, repr, ip.src, ip.dst)!;
      assert.equal(tcpHeaderLen(repr), tcp.headerLength);
      const out = frame.slice();
      out.fill(0, tcp.offset, tcp.offset + tcp.headerLength);
      emitTcp(repr, out, tcp.offset, ip.src, ip.dst, repr.payloadLength);
      assert.deepEqual(out, frame);
      count++;
    }
  }
  assert.ok(count > 15);
});

Deno.test("emitTcp() writes SACK-permitted without timestamps as Linux does", () => {
  const r = new TcpRepr();
  r.flags = TCP_SYN;
  r.mss = 1460;
  r.sackPermitted = true;
  r.windowScale = 7;
  const out = new Uint8Array(64);
  const hl = emitTcp(r, out, 0, 1, 2, 0);
  assert.equal(hl, 32);
  assert.deepEqual([...out.subarray(20, 32)], [2, 4, 0x05, 0xb4, 1, 1, 4, 2, 1, 3, 3, 7]);
  const back = parseTcp(new TcpPacket().wrap(out, 0, hl), new TcpRepr(), 1, 2)!;
  assert.equal(back.mss, 1460);
  assert.ok(back.sackPermitted && !back.hasTimestamps);
  assert.equal(back.windowScale, 7);
});

Deno.test("four SACK blocks round-trip across the sequence wrap", () => {
  const r = new TcpRepr();
  r.flags = TCP_ACK | TCP_PSH;
  r.seqNumber = 0xffff_fff0;
  r.sackCount = 4;
  r.sackBlocks.set([0xffff_ff00, 0xffff_ff10, 0xffff_fff8, 0x8, 0x20, 0x40, 0x60, 0x80]);
  const out = new Uint8Array(80);
  const hl = emitTcp(r, out, 0, 0x0a000001, 0x0a000002, 0);
  assert.equal(hl, 20 + 4 + 32);
  const back = parseTcp(new TcpPacket().wrap(out, 0, hl), new TcpRepr(), 0x0a000001, 0x0a000002)!;
  assert.equal(back.sackCount, 4);
  assert.deepEqual([...back.sackBlocks], [...r.sackBlocks]);
});

Deno.test("TcpPacket.check() rejects malformed segments", () => {
  const { frame, tcp } = segments("tcp_http")[0]!;
  const o = tcp.offset;
  const check = (edit: (b: Uint8Array) => void, length = tcp.length, verify = true) => {
    const b = frame.slice();
    edit(b);
    const ip = new Ipv4Packet().wrap(b, 14);
    const seg = new TcpPacket().wrap(b, o, length);
    return verify ? seg.check(ip.src, ip.dst) : seg.check();
  };
  assert.equal(check(() => {}), "ok");
  assert.equal(check(() => {}, 19), "truncated");
  assert.equal(check(() => {}, 30), "truncated", "options past the segment");
  assert.equal(check((b) => (b[o + 12] = 0x40)), "badDataOffset");
  assert.equal(check((b) => (b[o + 15] = b[o + 15]! ^ 1)), "badChecksum");
  // SYN options: mss(20) sackOK(24) ts(26) nop(36) wscale(37).
  assert.equal(check((b) => (b[o + 21] = 1), tcp.length, false), "badOption", "option length 1");
  assert.equal(check((b) => (b[o + 21] = 5), tcp.length, false), "badOption", "MSS of length 5");
  assert.equal(
    check((b) => (b[o + 27] = 9), tcp.length, false),
    "badOption",
    "timestamps of length 9",
  );
  assert.equal(
    check((b) => (b[o + 38] = 30), tcp.length, false),
    "badOption",
    "runs past the header",
  );
  assert.equal(parseTcp(new TcpPacket().wrap(frame, o, 19)), undefined);
});

Deno.test("parseTcp() skips an unknown option by its length and stops at EOL", () => {
  const out = new Uint8Array(40);
  out[12] = (32 / 4) << 4;
  out.set([254, 6, 0xaa, 0xbb, 0xcc, 0xdd, 2, 4, 0x05, 0x78, 0, 0xff], 20);
  const r = parseTcp(new TcpPacket().wrap(out, 0, 32))!;
  assert.equal(r.mss, 1400, "MSS after the unknown option");
  assert.ok(!r.hasTimestamps, "nothing read after EOL");
});

Deno.test("completeTcpChecksum() turns a partial checksum into the kernel's full one", () => {
  let count = 0;
  for (const { frame, ip, tcp } of segments("tcp_http")) {
    const out = frame.slice();
    // What an offloading sender leaves: the folded pseudo-header sum.
    const partial = checksumFold(pseudoHeaderSum(ip.src, ip.dst, 6, tcp.length));
    out[tcp.offset + 16] = partial >> 8;
    out[tcp.offset + 17] = partial & 0xff;
    assert.equal(completeTcpChecksum(out, 0, out.length), true);
    assert.deepEqual(out, frame);
    count++;
  }
  assert.ok(count > 5);
  const arp = fixtureFrames("arp_icmp")[0]!.data.slice();
  const before = arp.slice();
  assert.equal(completeTcpChecksum(arp, 0, arp.length), false);
  assert.deepEqual(arp, before);
  assert.equal(completeTcpChecksum(new Uint8Array(60), 0, 60), false);
});
