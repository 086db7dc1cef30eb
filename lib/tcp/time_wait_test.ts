import assert from "node:assert/strict";
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, TcpRepr } from "../wire/tcp.ts";
import { type TimeWaitState, TimeWaitTable, TW_ACK, TW_GONE, TW_IGNORE } from "./time_wait.ts";

const PEER = 0x0a000001;

// Sequence numbers near the 2^32 wrap, as the segments' arithmetic must hold there.
const SND_NXT = 0xfffffff0;
const RCV_NXT = 0x00000008; // the peer's FIN was at 2^32 - 9 + 16 = 7: RCV.NXT wrapped

function state(over: Partial<TimeWaitState> = {}): TimeWaitState {
  return {
    remoteAddr: PEER,
    remotePort: 40000,
    localPort: 80,
    sndNxt: SND_NXT,
    rcvNxt: RCV_NXT,
    rcvWnd: 65535 * 4,
    rcvScale: 2,
    tsEnabled: false,
    tsRecent: 0,
    tsOffset: 0,
    ...over,
  };
}

/** A segment from the peer, written like a trace line. */
function seg(flags: number, seq: number, len = 0, ts?: number): TcpRepr {
  const r = new TcpRepr();
  r.srcPort = 40000;
  r.dstPort = 80;
  r.flags = flags;
  r.seqNumber = seq >>> 0;
  r.ackNumber = SND_NXT;
  r.payloadLength = len;
  if (ts !== undefined) {
    r.hasTimestamps = true;
    r.tsVal = ts >>> 0;
  }
  return r;
}

function table(over: Partial<TimeWaitState> = {}, now = 0): { tw: TimeWaitTable; i: number } {
  const tw = new TimeWaitTable(8);
  tw.add(state(over), now, 60_000);
  return { tw, i: tw.find(PEER, 40000, 80) };
}

Deno.test("TIME-WAIT record: a retransmitted FIN draws <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> and restarts 2 MSL (RFC 9293 §3.10.7.4)", () => {
  const { tw, i } = table();
  assert.equal(tw.process(i, seg(TCP_FIN | TCP_ACK, RCV_NXT - 1), 30_000), TW_ACK);
  const j = tw.find(PEER, 40000, 80);
  const ack = new TcpRepr();
  tw.fillAck(j, ack, 30_000);
  assert.equal(ack.flags, TCP_ACK);
  assert.equal(ack.seqNumber, SND_NXT);
  assert.equal(ack.ackNumber, RCV_NXT);
  assert.equal(ack.srcPort, 80);
  assert.equal(ack.dstPort, 40000);
  assert.equal(ack.window, 65535, "the window scaled by our shift");
  assert.equal(tw.nextExpiry(), 90_000, "60 s from the FIN again");
  assert.equal(tw.expire(60_001), 0);
  assert.equal(tw.size, 1);
  assert.equal(tw.expire(90_000), 1);
  assert.equal(tw.size, 0);
});

Deno.test("TIME-WAIT record: an out-of-order segment (SEG.SEQ = RCV.NXT+1) is acknowledged at once, 2 MSL not restarted (RFC 5681 §4.2)", () => {
  const { tw, i } = table();
  assert.equal(tw.process(i, seg(TCP_ACK, RCV_NXT + 1, 100), 1000), TW_ACK);
  assert.equal(tw.nextExpiry(), 60_000);
  // Data at RCV.NXT and an old duplicate alike.
  assert.equal(tw.process(i, seg(TCP_ACK, RCV_NXT, 10), 1000), TW_ACK);
  assert.equal(tw.process(i, seg(TCP_ACK, RCV_NXT - 500, 10), 1000), TW_ACK);
  assert.equal(tw.stats.acks, 3);
});

Deno.test("TIME-WAIT record: a bare ACK draws nothing", () => {
  const { tw, i } = table();
  assert.equal(tw.process(i, seg(TCP_ACK, RCV_NXT), 1000), TW_IGNORE);
  assert.equal(tw.stats.acks, 0);
});

Deno.test("TIME-WAIT record: a RST at RCV.NXT ends it; one elsewhere in the window is challenged; outside, ignored (RFC 5961 §3.2)", () => {
  const a = table();
  assert.equal(a.tw.process(a.i, seg(TCP_RST, RCV_NXT + 10), 1), TW_ACK);
  assert.equal(a.tw.size, 1);
  assert.equal(a.tw.process(a.i, seg(TCP_RST, RCV_NXT - 10), 1), TW_IGNORE);
  assert.equal(a.tw.process(a.i, seg(TCP_RST, RCV_NXT + 65535 * 4), 1), TW_IGNORE);
  assert.equal(a.tw.process(a.i, seg(TCP_RST, RCV_NXT), 1), TW_GONE);
  assert.equal(a.tw.size, 0);
  assert.equal(a.tw.find(PEER, 40000, 80), -1);
});

Deno.test("TIME-WAIT record: a SYN beyond RCV.NXT takes the pair over; one at or below it draws an ACK (RFC 6191, RFC 5961 §4)", () => {
  const a = table();
  assert.equal(a.tw.process(a.i, seg(TCP_SYN, RCV_NXT - 1), 1), TW_ACK);
  assert.equal(a.tw.process(a.i, seg(TCP_SYN, RCV_NXT), 1), TW_ACK);
  assert.equal(a.tw.size, 1);
  assert.equal(a.tw.process(a.i, seg(TCP_SYN, RCV_NXT + 1_000_000), 1), TW_GONE);
  assert.equal(a.tw.size, 0);
  // With timestamps on both sides, a SYN is taken whatever its sequence number.
  const b = table({ tsEnabled: true, tsRecent: 5000 });
  assert.equal(b.tw.process(b.i, seg(TCP_SYN, RCV_NXT - 1, 0, 9), 1), TW_GONE);
});

Deno.test("TIME-WAIT record: with timestamps, PAWS acknowledges an old TSval and the ACK echoes TS.Recent (RFC 7323 §5.3)", () => {
  const { tw, i } = table({ tsEnabled: true, tsRecent: 0xfffffff0, tsOffset: 1000 });
  // 0x10 is after 0xfffffff0 across the wrap: not old.
  assert.equal(tw.process(i, seg(TCP_ACK, RCV_NXT, 0, 0x10), 1), TW_IGNORE);
  assert.equal(tw.process(i, seg(TCP_ACK, RCV_NXT, 0, 0xffffff00), 1), TW_ACK, "old: PAWS");
  const ack = new TcpRepr();
  tw.fillAck(i, ack, 2500.7);
  assert.ok(ack.hasTimestamps);
  assert.equal(ack.tsVal, 3500);
  assert.equal(ack.tsEcr, 0xfffffff0);
  // A retransmitted FIN with a newer TSval updates TS.Recent.
  assert.equal(tw.process(i, seg(TCP_FIN | TCP_ACK, RCV_NXT - 1, 0, 0x20), 10), TW_ACK);
  tw.fillAck(tw.find(PEER, 40000, 80), ack, 10);
  assert.equal(ack.tsEcr, 0x20);
});

Deno.test("TIME-WAIT table: records end in order; a full table ends the oldest early and counts it", () => {
  const tw = new TimeWaitTable(3);
  for (let p = 1; p <= 3; p++) tw.add(state({ remotePort: p }), p * 10, 100);
  assert.equal(tw.size, 3);
  assert.equal(tw.add(state({ remotePort: 4 }), 40, 100), true, "full: the oldest gave way");
  assert.equal(tw.stats.overflows, 1);
  assert.equal(tw.find(PEER, 1, 80), -1);
  assert.deepEqual([...tw.records()].map((r) => r.remotePort), [2, 3, 4]);
  assert.equal(tw.nextExpiry(), 120);
  assert.equal(tw.expire(130), 2);
  assert.deepEqual([...tw.records()].map((r) => r.remotePort), [4]);
  // The same four-tuple again replaces its record instead of adding one.
  assert.equal(tw.add(state({ remotePort: 4 }), 50, 100), false);
  assert.equal(tw.size, 1);
  tw.remove(tw.find(PEER, 4, 80));
  assert.equal(tw.size, 0);
  assert.equal(tw.nextExpiry(), Infinity);
});

Deno.test("TIME-WAIT table: a record ended early (reused, reset) frees its slot at once: no overflow while slots are free", () => {
  const tw = new TimeWaitTable(3);
  tw.add(state({ remotePort: 1 }), 0, 60_000); // stays all along
  for (let p = 2; p < 100; p++) {
    tw.add(state({ remotePort: p }), p, 60_000);
    // A new SYN takes the pair over: the record ends at once.
    assert.equal(tw.process(tw.find(PEER, p, 80), seg(TCP_SYN, RCV_NXT + 1000), p), TW_GONE);
    assert.equal(tw.size, 1);
  }
  assert.equal(tw.stats.overflows, 0);
  assert.notEqual(tw.find(PEER, 1, 80), -1, "the first record is still there");
});
