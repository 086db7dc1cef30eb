/**
 * The TCP socket driven segment by segment with explicit time, in smoltcp's
 * style: a scripted peer sends segments and reads what the socket emits.
 * Sequence numbers start near the 2^32 wrap, so every test crosses it.
 */
import assert from "node:assert/strict";
import { seqAdd } from "../wire/seq_number.ts";
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, TcpRepr } from "../wire/tcp.ts";
import { TCP_EV_CLOSED, TCP_EV_ESTABLISHED, TcpSocket } from "./socket.ts";
import {
  config,
  established,
  L1,
  LOCAL,
  LOCAL_ISS,
  Peer,
  R1,
  recv,
  REMOTE,
  REMOTE_ISS,
  type Seg,
  send,
} from "../../tests/_support/segments.ts";

Deno.test("active open sends a SYN with every option, and a SYN-ACK establishes it", () => {
  const peer = new Peer();
  const sock = new TcpSocket(0, peer, config({ timestamps: true }));
  sock.connect(0, LOCAL, 40000, REMOTE, 80, LOCAL_ISS);
  const [syn] = recv(sock, peer, 0);
  assert.equal(sock.state, "SYN-SENT");
  assert.equal(syn!.flags, TCP_SYN);
  assert.equal(syn!.seq, LOCAL_ISS);
  assert.equal(syn!.mss, 1460);
  assert.ok(syn!.sackPermitted && syn!.ts && syn!.windowScale >= 0);
  send(sock, 5, {
    seq: REMOTE_ISS,
    ack: L1,
    flags: TCP_SYN | TCP_ACK,
    mss: 1400,
    windowScale: 7,
    sackPermitted: true,
    ts: true,
    tsVal: 1000,
    tsEcr: syn!.tsVal,
  });
  const [ack] = recv(sock, peer, 5);
  assert.equal(sock.state, "ESTABLISHED");
  assert.deepEqual([ack!.seq, ack!.ack, ack!.flags], [L1, R1, TCP_ACK]);
  assert.equal(ack!.tsEcr, 1000);
  assert.equal(sock.mss, 1400 - 12, "peer's MSS less the timestamp option");
  assert.equal(sock.sndScale, 7);
  assert.ok(sock.sackEnabled && sock.tsEnabled);
});

Deno.test("a passive open answers only the options the SYN offered", () => {
  const peer = new Peer();
  const sock = new TcpSocket(0, peer, config({ timestamps: true }));
  const syn = new TcpRepr();
  Object.assign(syn, {
    srcPort: 80,
    dstPort: 40000,
    seqNumber: REMOTE_ISS,
    flags: TCP_SYN,
    window: 5840,
    mss: 536,
  });
  sock.acceptSyn(0, LOCAL, REMOTE, syn, LOCAL_ISS);
  const [synAck] = recv(sock, peer, 0);
  assert.equal(synAck!.flags, TCP_SYN | TCP_ACK);
  assert.equal(synAck!.ack, R1);
  assert.ok(!synAck!.ts && !synAck!.sackPermitted && synAck!.windowScale < 0, "nothing unoffered");
  send(sock, 1, { seq: R1, ack: L1 });
  assert.equal(sock.state, "ESTABLISHED");
  assert.ok(peer.events.some((e) => (e & TCP_EV_ESTABLISHED) !== 0));
});

Deno.test("data and acknowledgments cross the 2^32 wrap in both directions", () => {
  const { sock, peer } = established();
  sock.send(new TextEncoder().encode("0123456789abcdefXYZ"), 0, 19);
  const [seg] = recv(sock, peer, 20);
  assert.equal(seg!.seq, L1);
  assert.equal(seg!.payload, "0123456789abcdefXYZ");
  send(sock, 30, { seq: R1, ack: seqAdd(L1, 19), payload: "hello" });
  assert.equal(sock.sendQueued, 0, "acknowledged across the wrap");
  assert.equal(sock.readable, 5);
  assert.equal(sock.rcvNxt, seqAdd(R1, 5));
});

Deno.test("RFC 5961: an exact RST resets, an in-window RST draws a challenge ACK, an out-of-window RST is ignored", () => {
  {
    const { sock, peer } = established();
    send(sock, 20, { seq: seqAdd(R1, 100), flags: TCP_RST });
    const [challenge] = recv(sock, peer, 20);
    assert.equal(sock.state, "ESTABLISHED");
    assert.deepEqual([challenge!.seq, challenge!.ack, challenge!.flags], [L1, R1, TCP_ACK]);
    send(sock, 21, { seq: seqAdd(R1, 1_000_000), flags: TCP_RST });
    assert.equal(recv(sock, peer, 21).length, 0, "out of window: silently dropped");
    send(sock, 22, { seq: R1, flags: TCP_RST });
    assert.equal(sock.state, "CLOSED");
    assert.equal(sock.error, "reset");
    assert.ok(peer.events.some((e) => (e & TCP_EV_CLOSED) !== 0));
  }
});

Deno.test("RFC 5961: a SYN on an established connection draws a challenge ACK and changes nothing", () => {
  const { sock, peer } = established();
  send(sock, 20, { seq: seqAdd(R1, 5000), flags: TCP_SYN });
  const [challenge] = recv(sock, peer, 20);
  assert.equal(sock.state, "ESTABLISHED");
  assert.equal(challenge!.ack, R1);
  assert.equal(sock.stats.challengeAcks, 1);
});

Deno.test("challenge ACKs are rate-limited per connection", () => {
  const { sock, peer } = established({ challengeAcksPerSecond: 3 });
  for (let i = 0; i < 10; i++) send(sock, 20, { seq: seqAdd(R1, 100), flags: TCP_RST });
  recv(sock, peer, 20);
  assert.equal(sock.stats.challengeAcks, 3);
  send(sock, 1021, { seq: seqAdd(R1, 100), flags: TCP_RST });
  assert.equal(sock.stats.challengeAcks, 4, "a new second, a new allowance");
});

Deno.test("data outside the window is answered with an ACK and dropped", () => {
  const { sock, peer } = established();
  send(sock, 20, { seq: seqAdd(R1, 200_000), ack: L1, payload: "far" });
  const [ack] = recv(sock, peer, 20);
  assert.equal(ack!.ack, R1);
  assert.equal(sock.readable, 0);
  send(sock, 21, { seq: seqAdd(R1, -10), ack: L1, payload: "old" });
  assert.equal(recv(sock, peer, 21).length, 1, "an old duplicate is acknowledged too");
});

Deno.test("PAWS (RFC 7323): a segment with an older timestamp is dropped and acknowledged", () => {
  const peer = new Peer();
  const sock = new TcpSocket(0, peer, config({ timestamps: true }));
  sock.connect(0, LOCAL, 40000, REMOTE, 80, LOCAL_ISS);
  recv(sock, peer, 0);
  send(sock, 1, { seq: REMOTE_ISS, ack: L1, flags: TCP_SYN | TCP_ACK, ts: true, tsVal: 5000 });
  recv(sock, peer, 1);
  send(sock, 2, { seq: R1, ack: L1, payload: "new", ts: true, tsVal: 5001 });
  assert.equal(sock.readable, 3);
  send(sock, 3, { seq: seqAdd(R1, 3), ack: L1, payload: "stale", ts: true, tsVal: 4000 });
  assert.equal(sock.readable, 3, "the stale segment was dropped");
  assert.equal(sock.stats.dropped, 1);
});

Deno.test("delayed ACK: once out of quick-ACK mode, one segment waits for the timer, every second full segment is acknowledged at once", () => {
  const { sock, peer } = established();
  sock.setQuickAck(false); // interactive: no quick ACKs
  const full = "x".repeat(1460);
  send(sock, 20, { seq: R1, ack: L1, payload: full });
  assert.equal(recv(sock, peer, 20).length, 0, "held");
  assert.equal(sock.pollAt(), 60, "for 40 ms");
  assert.equal(recv(sock, peer, 60).length, 1, "the timer sends it");
  sock.setQuickAck(false); // the timer ended pingpong mode: back in it
  send(sock, 70, { seq: seqAdd(R1, 1460), ack: L1, payload: full });
  send(sock, 71, { seq: seqAdd(R1, 2920), ack: L1, payload: full });
  const acks = recv(sock, peer, 71);
  assert.equal(acks.length, 1);
  assert.equal(acks[0]!.ack, seqAdd(R1, 4380));
});

Deno.test("an out-of-order segment gets an immediate duplicate ACK with a SACK block; the fill gets an ACK for all", () => {
  const peer = new Peer();
  const sock = new TcpSocket(0, peer, config());
  sock.connect(0, LOCAL, 40000, REMOTE, 80, LOCAL_ISS);
  recv(sock, peer, 0);
  send(sock, 1, { seq: REMOTE_ISS, ack: L1, flags: TCP_SYN | TCP_ACK, sackPermitted: true });
  recv(sock, peer, 1);
  send(sock, 2, { seq: seqAdd(R1, 10), ack: L1, payload: "later" });
  const [dup] = recv(sock, peer, 2);
  assert.equal(dup!.ack, R1);
  assert.deepEqual(dup!.sack, [seqAdd(R1, 10), seqAdd(R1, 15)]);
  send(sock, 3, { seq: R1, ack: L1, payload: "0123456789" });
  const [ack] = recv(sock, peer, 3);
  assert.equal(ack!.ack, seqAdd(R1, 15));
  assert.deepEqual(ack!.sack, []);
  const out = new Uint8Array(15);
  sock.recv(out, 0, 15);
  assert.equal(new TextDecoder().decode(out), "0123456789later");
});

Deno.test("Nagle holds a small segment while data is unacknowledged; TCP_NODELAY sends it", () => {
  for (const noDelay of [false, true]) {
    const { sock, peer } = established({ noDelay });
    sock.send(new TextEncoder().encode("first"), 0, 5);
    assert.equal(recv(sock, peer, 20).length, 1);
    sock.send(new TextEncoder().encode("second"), 0, 6);
    assert.equal(recv(sock, peer, 21).length, noDelay ? 1 : 0);
    send(sock, 22, { seq: R1, ack: seqAdd(L1, 5) });
    if (!noDelay) {
      assert.equal(
        recv(sock, peer, 22)[0]!.payload,
        "second",
        "sent once the first is acknowledged",
      );
    }
  }
});

Deno.test("a zero window is probed with backoff and data flows when it opens", () => {
  const { sock, peer } = established();
  send(sock, 20, { seq: R1, ack: L1, window: 0 });
  sock.send(new TextEncoder().encode("waiting"), 0, 7);
  assert.equal(recv(sock, peer, 21).length, 0, "nothing into a closed window");
  const first = sock.pollAt();
  const [probe] = recv(sock, peer, first);
  assert.equal(probe!.seq, seqAdd(L1, -1), "a probe with an old sequence number");
  assert.equal(probe!.payload, "");
  assert.ok(sock.pollAt() - first > first - 21, "the next probe is backed off");
  send(sock, first + 1, { seq: R1, ack: L1, window: 1000 });
  const [data] = recv(sock, peer, first + 1);
  assert.equal(data!.payload, "waiting");
});

Deno.test("RFC 6298: unacknowledged data is retransmitted at the RTO, which then doubles", () => {
  const { sock, peer } = established();
  sock.send(new TextEncoder().encode("lost"), 0, 4);
  recv(sock, peer, 100);
  const rto1 = sock.pollAt();
  assert.equal(rto1, 100 + sock.rtt.rto);
  const [again] = recv(sock, peer, rto1);
  assert.equal(again!.payload, "lost");
  assert.equal(sock.stats.retransmits + sock.stats.timeouts >= 1, true);
  const rto2 = sock.pollAt();
  assert.equal(rto2 - rto1, 2 * (rto1 - 100), "backed off");
});

Deno.test("NewReno: three duplicate ACKs retransmit the first unacknowledged segment at once", () => {
  const { sock, peer } = established({ sack: false });
  const data = new Uint8Array(1460 * 6).fill(65);
  sock.send(data, 0, data.length);
  const out = recv(sock, peer, 20);
  assert.equal(out.length, 6);
  // One ACK that advances, then three duplicates of it.
  for (let i = 0; i < 4; i++) send(sock, 30 + i, { seq: R1, ack: seqAdd(L1, 1460) });
  const [rtx] = recv(sock, peer, 33);
  assert.equal(rtx!.seq, seqAdd(L1, 1460), "the segment after the last ACK");
  assert.equal(sock.stats.fastRetransmits, 1);
});

Deno.test("the receive window is not shrunk and reopens by at least an MSS (RFC 1122 SWS avoidance)", () => {
  const { sock, peer } = established({ rcvBufSize: 4096, delayedAckMs: 0 });
  send(sock, 20, { seq: R1, ack: L1, payload: "y".repeat(4096) });
  const [ack] = recv(sock, peer, 20);
  assert.equal(ack!.window, 0, "full");
  const out = new Uint8Array(100);
  sock.recv(out, 0, 100);
  assert.equal(recv(sock, peer, 21).length, 0, "100 bytes is no reason to reopen");
  const big = new Uint8Array(2000);
  sock.recv(big, 0, 2000);
  const [update] = recv(sock, peer, 22);
  assert.ok(update!.window >= 1460, "a window update once an MSS is free");
});

Deno.test("closing from ESTABLISHED: FIN after the data, FIN-WAIT-1, FIN-WAIT-2, TIME-WAIT, CLOSED", () => {
  const { sock, peer } = established({ timeWaitMs: 1000 });
  sock.send(new TextEncoder().encode("bye"), 0, 3);
  sock.close(20);
  assert.equal(sock.state, "FIN-WAIT-1");
  const out = recv(sock, peer, 20);
  assert.equal(out.length, 1);
  assert.equal(out[0]!.flags & TCP_FIN, TCP_FIN, "the FIN rides with the last data");
  assert.equal(out[0]!.flags & TCP_PSH, TCP_PSH);
  send(sock, 30, { seq: R1, ack: seqAdd(L1, 4) });
  assert.equal(sock.state, "FIN-WAIT-2");
  send(sock, 40, { seq: R1, ack: seqAdd(L1, 4), flags: TCP_FIN | TCP_ACK });
  assert.equal(sock.state, "TIME-WAIT");
  const [lastAck] = recv(sock, peer, 40);
  assert.equal(lastAck!.ack, seqAdd(R1, 1));
  recv(sock, peer, 1039);
  assert.equal(sock.state, "TIME-WAIT");
  recv(sock, peer, 1040);
  assert.equal(sock.state, "CLOSED");
});

Deno.test("a connection refused in SYN-SENT reports 'refused'; a SYN-SENT ACK of the wrong number gets a RST", () => {
  const peer = new Peer();
  const sock = new TcpSocket(0, peer, config());
  sock.connect(0, LOCAL, 40000, REMOTE, 80, LOCAL_ISS);
  recv(sock, peer, 0);
  send(sock, 1, { seq: 0, ack: seqAdd(LOCAL_ISS, 77), flags: TCP_ACK });
  const [rst] = recv(sock, peer, 1);
  assert.deepEqual([rst!.seq, rst!.flags], [seqAdd(LOCAL_ISS, 77), TCP_RST]);
  assert.equal(sock.state, "SYN-SENT");
  send(sock, 2, { seq: 0, ack: L1, flags: TCP_RST | TCP_ACK });
  assert.equal(sock.state, "CLOSED");
  assert.equal(sock.error, "refused");
});

Deno.test("the retransmission timer fires on time whatever the clock's origin: 0, a fraction, past 2^31 ms, epoch milliseconds", () => {
  for (const base of [0, 1000.25, 2 ** 31 + 7.5, 1.7e12]) {
    const peer = new Peer();
    const sock = new TcpSocket(0, peer, config());
    sock.connect(base, LOCAL, 40000, REMOTE, 80, LOCAL_ISS);
    recv(sock, peer, base);
    send(sock, base + 10, { seq: REMOTE_ISS, ack: L1, flags: TCP_SYN | TCP_ACK, mss: 1460 });
    recv(sock, peer, base + 10);
    assert.equal(sock.state, "ESTABLISHED", `base ${base}`);
    assert.equal(sock.pollAt(), Infinity, "no timer while nothing is outstanding");
    sock.send(new TextEncoder().encode("lost"), 0, 4);
    assert.equal(recv(sock, peer, base + 100)[0]!.payload, "lost");
    const due = base + 100 + sock.rtt.rto;
    const at = sock.pollAt();
    assert.ok(at >= due && at < due + 1, `base ${base}: RTO at ${at}, due ${due}`);
    assert.deepEqual(recv(sock, peer, at - 1), [], "nothing before the RTO");
    assert.equal(recv(sock, peer, at)[0]!.payload, "lost", `base ${base}: retransmitted`);
    send(sock, at + 5, { seq: R1, ack: seqAdd(L1, 4) });
    recv(sock, peer, at + 5);
    assert.equal(sock.pollAt(), Infinity, "acknowledged: the timer is off");
  }
});

// --- RFC 2018 §4: which SACK blocks an ACK carries, in which order ---------------

/** ESTABLISHED after an active open that negotiated SACK (and timestamps when `ts`). */
function establishedSack(ts: boolean): { sock: TcpSocket; peer: Peer } {
  const peer = new Peer();
  const sock = new TcpSocket(0, peer, config({ timestamps: ts }));
  sock.connect(0, LOCAL, 40000, REMOTE, 80, LOCAL_ISS);
  const [syn] = recv(sock, peer, 0);
  send(sock, 10, {
    seq: REMOTE_ISS,
    ack: L1,
    flags: TCP_SYN | TCP_ACK,
    mss: 1460,
    sackPermitted: true,
    ts,
    tsVal: 100,
    tsEcr: syn!.tsVal,
  });
  recv(sock, peer, 10);
  assert.ok(sock.sackEnabled);
  assert.equal(sock.tsEnabled, ts);
  return { sock, peer };
}

/** The peer's stream: byte `i` is a letter from `i`, so overlapping segments agree. */
function stream(from: number, len: number): string {
  let text = "";
  for (let i = from; i < from + len; i++) text += String.fromCharCode(97 + (i % 26));
  return text;
}

/** The peer's data at R1 + `from`, `len` bytes of its stream; the ACK it draws. */
function dataAt(sock: TcpSocket, peer: Peer, at: number, from: number, len: number): Seg {
  const payload = stream(from, len);
  send(sock, at, { seq: seqAdd(R1, from), ack: L1, payload, ts: sock.tsEnabled, tsVal: 100 + at });
  const out = recv(sock, peer, at);
  assert.equal(out.length, 1, `one ACK for the segment at ${from}`);
  return out[0]!;
}

/** SACK blocks as offsets from R1, for reading. */
function blocks(seg: Seg): number[] {
  return seg.sack.map((s) => (s - R1) >>> 0);
}

Deno.test("RFC 2018 §4: after 200:300, 400:500, 600:700 the ACK reads <sack 600:700 400:500 200:300>", () => {
  const { sock, peer } = establishedSack(false);
  assert.deepEqual(blocks(dataAt(sock, peer, 20, 200, 100)), [200, 300]);
  assert.deepEqual(blocks(dataAt(sock, peer, 21, 400, 100)), [400, 500, 200, 300]);
  const ack = dataAt(sock, peer, 22, 600, 100);
  assert.equal(ack.ack, R1, "the hole at RCV.NXT remains");
  assert.deepEqual(blocks(ack), [600, 700, 400, 500, 200, 300]);
});

Deno.test("RFC 2018 §4: with more holes than fit beside timestamps, each block is repeated in three ACKs, most recent first", () => {
  const { sock, peer } = establishedSack(true);
  const acks: number[][] = [];
  for (let k = 0; k < 6; k++) acks.push(blocks(dataAt(sock, peer, 20 + k, 200 + 200 * k, 100)));
  // At most three blocks: the newest, then the two most recently reported.
  assert.deepEqual(acks[3], [800, 900, 600, 700, 400, 500]);
  assert.deepEqual(acks[4], [1000, 1100, 800, 900, 600, 700]);
  assert.deepEqual(acks[5], [1200, 1300, 1000, 1100, 800, 900]);
  // Each range was reported in three consecutive ACKs (the first ones in fewer only
  // because there were fewer holes then), never lost behind lower ranges.
  for (const left of [600, 800]) {
    assert.equal(acks.filter((b) => b.includes(left)).length, 3, `block at ${left}`);
  }
});

Deno.test("RFC 2018 §4 with overlaps and duplicates: a segment spanning two blocks merges them, a duplicate is reported first, the data is whole", () => {
  const { sock, peer } = establishedSack(false);
  dataAt(sock, peer, 20, 100, 100);
  dataAt(sock, peer, 21, 300, 100);
  dataAt(sock, peer, 22, 500, 100);
  // 150:350 overlaps both 100:200 and 300:400: one block 100:400, reported first.
  assert.deepEqual(blocks(dataAt(sock, peer, 23, 150, 200)), [100, 400, 500, 600]);
  // A duplicate of 500:600: its block first, then the others.
  assert.deepEqual(blocks(dataAt(sock, peer, 24, 500, 100)), [500, 600, 100, 400]);
  // The first hole fills: RCV.NXT moves to 400, one block left.
  const ack = dataAt(sock, peer, 25, 0, 100);
  assert.equal(ack.ack, seqAdd(R1, 400));
  assert.deepEqual(blocks(ack), [500, 600]);
  const got = new Uint8Array(400);
  assert.equal(sock.recv(got, 0, 400), 400);
  assert.equal(new TextDecoder().decode(got), stream(0, 400));
});

// --- RFC 9293 §3.10.7.4 and RFC 5681 §4.2 in TIME-WAIT -----------------------------

Deno.test("TIME-WAIT: a segment at RCV.NXT+1 draws <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, and 2 MSL is not restarted", () => {
  const { sock, peer } = established({ timeWaitMs: 60_000 });
  sock.close(20);
  const [fin] = recv(sock, peer, 20);
  assert.equal(fin!.flags, TCP_ACK | TCP_FIN);
  // The peer acknowledges our FIN and sends its own: TIME-WAIT.
  send(sock, 30, { seq: R1, ack: seqAdd(L1, 1), flags: TCP_ACK | TCP_FIN });
  const [ackOfFin] = recv(sock, peer, 30);
  assert.equal(sock.state, "TIME-WAIT");
  assert.equal(ackOfFin!.ack, seqAdd(R1, 1));
  const until = sock.pollAt();
  // Out of order, one past RCV.NXT.
  send(sock, 40, { seq: seqAdd(R1, 2), ack: seqAdd(L1, 1), payload: "z" });
  const out = recv(sock, peer, 40);
  assert.equal(out.length, 1, "one ACK");
  assert.deepEqual(
    [out[0]!.seq, out[0]!.ack, out[0]!.flags, out[0]!.payload],
    [seqAdd(L1, 1), seqAdd(R1, 1), TCP_ACK, ""],
  );
  assert.equal(sock.state, "TIME-WAIT");
  assert.equal(sock.pollAt(), until, "2 MSL not restarted by data");
  // A pure ACK in TIME-WAIT draws nothing (no ACK loop).
  send(sock, 41, { seq: seqAdd(R1, 1), ack: seqAdd(L1, 1) });
  assert.equal(recv(sock, peer, 41).length, 0);
});

// --- Quick ACKs and pingpong (Linux tcp_in_quickack_mode, inet_csk_enter_pingpong_mode)

Deno.test("quick ACK: the first small segments of a connection are acknowledged at once, not after the 40 ms timer", () => {
  const { sock, peer } = established();
  // Before: the first small segment waited for the delayed-ACK timer.
  for (let k = 0; k < 3; k++) {
    const out = dataAt(sock, peer, 20 + k, k * 10, 10);
    assert.equal(out.ack, seqAdd(R1, 10 * (k + 1)));
  }
  assert.equal(sock.pingpong, false);
});

Deno.test("quick ACK: request/response turns the connection interactive (pingpong): ACKs ride on the replies; a reply that does not come ends it", () => {
  const { sock, peer } = established();
  dataAt(sock, peer, 20, 0, 10); // quick ACK
  // We answer within the delayed-ACK time of the request: interactive.
  sock.send(new TextEncoder().encode("reply"), 0, 5);
  const [reply] = recv(sock, peer, 21);
  assert.equal(reply!.payload, "reply");
  assert.equal(sock.pingpong, true);
  // The next request is not acknowledged alone: the ACK waits for the reply.
  send(sock, 30, { seq: seqAdd(R1, 10), ack: seqAdd(L1, 5), payload: "q".repeat(10) });
  assert.equal(recv(sock, peer, 30).length, 0, "no pure ACK in pingpong mode");
  sock.send(new TextEncoder().encode("again"), 0, 5);
  const [second] = recv(sock, peer, 31);
  assert.deepEqual([second!.payload, second!.ack], ["again", seqAdd(R1, 20)]);
  // A request with no reply: the delayed-ACK timer sends the ACK and ends pingpong.
  send(sock, 40, { seq: seqAdd(R1, 20), ack: seqAdd(L1, 10), payload: "q".repeat(10) });
  assert.equal(recv(sock, peer, 40).length, 0);
  const [late] = recv(sock, peer, 80);
  assert.equal(late!.ack, seqAdd(R1, 30));
  assert.equal(sock.pingpong, false);
  // So the next request is acknowledged at once again.
  assert.equal(dataAt(sock, peer, 90, 30, 10).ack, seqAdd(R1, 40));
});

Deno.test("quick ACK: used up, small segments wait for the timer again; after an idle gap longer than the RTO they are quick again", () => {
  const { sock, peer } = established({ rcvBufSize: 4096 });
  // rcv_wnd / (2 * MSS) = 4096 / 2920 -> 1 quick ACK (Linux tcp_incr_quickack).
  dataAt(sock, peer, 20, 0, 10);
  send(sock, 21, { seq: seqAdd(R1, 10), ack: L1, payload: "y".repeat(10) });
  assert.equal(recv(sock, peer, 21).length, 0, "delayed: the quick ACKs are used up");
  const [delayed] = recv(sock, peer, 61);
  assert.equal(delayed!.ack, seqAdd(R1, 20));
  // Idle for longer than the RTO (1 s initially): quick again.
  assert.equal(dataAt(sock, peer, 3000, 20, 10).ack, seqAdd(R1, 30));
});

Deno.test("TCP_QUICKACK: off enters pingpong mode (ACKs delayed), on leaves it and sends a due ACK at once", () => {
  const { sock, peer } = established();
  sock.setQuickAck(false);
  assert.equal(sock.pingpong, true);
  send(sock, 20, { seq: R1, ack: L1, payload: "x".repeat(10) });
  assert.equal(recv(sock, peer, 20).length, 0, "delayed in pingpong mode");
  sock.setQuickAck(true);
  assert.equal(sock.pingpong, false);
  const [ack] = recv(sock, peer, 21);
  assert.equal(ack!.ack, seqAdd(R1, 10));
});

Deno.test("quick ACK: an idle gap longer than the RTO ends pingpong mode, so the first segment after it is acknowledged at once", () => {
  const { sock, peer } = established();
  dataAt(sock, peer, 20, 0, 10);
  sock.send(new TextEncoder().encode("reply"), 0, 5);
  recv(sock, peer, 21);
  assert.equal(sock.pingpong, true);
  // 2 s later (the RTO is 1 s before any sample): quick, not interactive.
  assert.equal(dataAt(sock, peer, 2021, 10, 10).ack, seqAdd(R1, 20));
  assert.equal(sock.pingpong, false);
});

Deno.test("RFC 1122 §4.2.2.13: data for a socket the application closed resets the connection at once; a bare ACK does not", () => {
  const { sock, peer } = established();
  sock.close(20);
  const [fin] = recv(sock, peer, 20);
  assert.equal(fin!.flags, TCP_ACK | TCP_FIN);
  send(sock, 30, { seq: R1, ack: seqAdd(L1, 1) }); // our FIN acknowledged
  assert.equal(sock.state, "FIN-WAIT-2");
  send(sock, 31, { seq: R1, ack: seqAdd(L1, 1) });
  assert.equal(recv(sock, peer, 31).length, 0, "a bare ACK: nothing");
  send(sock, 40, { seq: R1, ack: seqAdd(L1, 1), payload: "more data" });
  const [rst] = recv(sock, peer, 40);
  assert.deepEqual([rst!.flags, rst!.seq], [TCP_RST, seqAdd(L1, 1)]);
  assert.equal(sock.state, "CLOSED");
  assert.equal(sock.stats.abortsOnData, 1);
  assert.equal(sock.readable, 0, "nothing taken");
});
