/**
 * RFC 9293 §3.10 state by state, segment by segment: for every synchronized
 * state the same hostile and stray segments (a matrix), then each state's own
 * transitions. Written from the RFC's event processing (§3.10.7) and RFC 5961;
 * sequence numbers start near the 2^32 wrap (tests/_support/segments.ts).
 */
import assert from "node:assert/strict";
import { seqAdd } from "../wire/seq_number.ts";
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, TcpRepr } from "../wire/tcp.ts";
import { TCP_EV_CLOSED, type TcpConfig, TcpSocket } from "./socket.ts";
import { isSynchronized, TCP_STATES, type TcpState } from "./state.ts";
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

const enc = new TextEncoder();

/** What the socket sent, as `[seq, ack, flags]` triples. */
function trace(segs: Seg[]): [number, number, number][] {
  return segs.map((s) => [s.seq, s.ack, s.flags]);
}

interface At {
  sock: TcpSocket;
  peer: Peer;
  /** SND.NXT and RCV.NXT now. */
  sndNxt: number;
  rcvNxt: number;
  /** The time to go on from. */
  t: number;
}

/** A socket driven into `state` through the usual path, at time 100. */
function reach(state: TcpState, over: Partial<TcpConfig> = {}): At {
  const { sock, peer } = established(over);
  const at = (t: number): At => ({ sock, peer, sndNxt: sock.sndNxt, rcvNxt: sock.rcvNxt, t });
  const finOf = () => recv(sock, peer, 30);
  switch (state) {
    case "ESTABLISHED":
      return at(100);
    case "CLOSE-WAIT":
      send(sock, 30, { seq: R1, ack: L1, flags: TCP_FIN | TCP_ACK });
      recv(sock, peer, 30);
      break;
    case "LAST-ACK":
      send(sock, 30, { seq: R1, ack: L1, flags: TCP_FIN | TCP_ACK });
      recv(sock, peer, 30);
      sock.close(40);
      recv(sock, peer, 40);
      break;
    case "FIN-WAIT-1":
      sock.shutdownWrite();
      finOf();
      break;
    case "FIN-WAIT-2":
      sock.shutdownWrite();
      finOf();
      send(sock, 40, { seq: R1, ack: seqAdd(L1, 1) });
      break;
    case "CLOSING":
      sock.shutdownWrite();
      finOf();
      send(sock, 40, { seq: R1, ack: L1, flags: TCP_FIN | TCP_ACK });
      recv(sock, peer, 40);
      break;
    case "TIME-WAIT":
      sock.shutdownWrite();
      finOf();
      send(sock, 40, { seq: R1, ack: seqAdd(L1, 1), flags: TCP_FIN | TCP_ACK });
      recv(sock, peer, 40);
      break;
    default:
      throw new Error(`no path to ${state}`);
  }
  assert.equal(sock.state, state);
  return at(100);
}

const SYNCHRONIZED = TCP_STATES.filter(isSynchronized);

// --- The matrix: the same stray segments in every synchronized state -----------------

for (const state of SYNCHRONIZED) {
  Deno.test(`${state}: a RST at RCV.NXT ends the connection (RFC 9293 §3.10.7.4, second check)`, () => {
    const a = reach(state);
    send(a.sock, a.t, { seq: a.rcvNxt, flags: TCP_RST });
    assert.equal(a.sock.state, "CLOSED");
    assert.deepEqual(recv(a.sock, a.peer, a.t), [], "no answer to a RST");
  });

  Deno.test(`${state}: a RST elsewhere in the window draws a challenge ACK and changes nothing (RFC 5961 §3.2)`, () => {
    const a = reach(state);
    send(a.sock, a.t, { seq: seqAdd(a.rcvNxt, 10), flags: TCP_RST });
    assert.equal(a.sock.state, state);
    assert.deepEqual(trace(recv(a.sock, a.peer, a.t)), [[a.sndNxt, a.rcvNxt, TCP_ACK]]);
  });

  Deno.test(`${state}: a RST outside the window is dropped without a word`, () => {
    const a = reach(state);
    send(a.sock, a.t, { seq: seqAdd(a.rcvNxt, 10_000_000), flags: TCP_RST });
    send(a.sock, a.t, { seq: seqAdd(a.rcvNxt, -10), flags: TCP_RST });
    assert.equal(a.sock.state, state);
    assert.deepEqual(recv(a.sock, a.peer, a.t), []);
  });

  Deno.test(`${state}: a SYN draws a challenge ACK and changes nothing (RFC 5961 §4.2)`, () => {
    const a = reach(state);
    send(a.sock, a.t, { seq: seqAdd(a.rcvNxt, 5), flags: TCP_SYN });
    assert.equal(a.sock.state, state);
    assert.deepEqual(trace(recv(a.sock, a.peer, a.t)), [[a.sndNxt, a.rcvNxt, TCP_ACK]]);
  });

  Deno.test(`${state}: data beyond the window is answered with <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> and dropped`, () => {
    const a = reach(state);
    send(a.sock, a.t, { seq: seqAdd(a.rcvNxt, 10_000_000), ack: a.sndNxt, payload: "far" });
    assert.equal(a.sock.state, state);
    assert.deepEqual(trace(recv(a.sock, a.peer, a.t)), [[a.sndNxt, a.rcvNxt, TCP_ACK]]);
    assert.equal(a.sock.rcvNxt, a.rcvNxt);
  });

  Deno.test(`${state}: an old duplicate (all before RCV.NXT) is acknowledged, not taken again`, () => {
    const a = reach(state);
    send(a.sock, a.t, { seq: seqAdd(a.rcvNxt, -100), ack: a.sndNxt, payload: "x".repeat(50) });
    assert.equal(a.sock.state, state);
    assert.deepEqual(trace(recv(a.sock, a.peer, a.t)), [[a.sndNxt, a.rcvNxt, TCP_ACK]]);
    assert.equal(a.sock.rcvNxt, a.rcvNxt);
  });

  Deno.test(`${state}: a segment without ACK (nor SYN or RST) is dropped without a word (§3.10.7.4, fifth check)`, () => {
    const a = reach(state);
    send(a.sock, a.t, { seq: a.rcvNxt, flags: 0, payload: "no ack" });
    assert.equal(a.sock.state, state);
    assert.deepEqual(recv(a.sock, a.peer, a.t), []);
    assert.equal(a.sock.rcvNxt, a.rcvNxt);
  });

  if (state !== "TIME-WAIT") {
    Deno.test(`${state}: an ACK of data never sent draws an ACK and is dropped (RFC 5961 §5.2)`, () => {
      const a = reach(state);
      send(a.sock, a.t, { seq: a.rcvNxt, ack: seqAdd(a.sndNxt, 1000) });
      assert.equal(a.sock.state, state);
      assert.deepEqual(trace(recv(a.sock, a.peer, a.t)), [[a.sndNxt, a.rcvNxt, TCP_ACK]]);
    });
  }
}

// --- SYN-SENT ---------------------------------------------------------------------------

function synSent(over: Partial<TcpConfig> = {}): { sock: TcpSocket; peer: Peer } {
  const peer = new Peer();
  const sock = new TcpSocket(0, peer, config(over));
  sock.connect(0, LOCAL, 40000, REMOTE, 80, LOCAL_ISS);
  assert.deepEqual(trace(recv(sock, peer, 0)), [[LOCAL_ISS, 0, TCP_SYN]]);
  return { sock, peer };
}

Deno.test("SYN-SENT: a SYN-ACK acknowledging the wrong number gets <SEQ=SEG.ACK><CTL=RST> and the socket waits on", () => {
  const { sock, peer } = synSent();
  send(sock, 5, { seq: REMOTE_ISS, ack: seqAdd(LOCAL_ISS, 7), flags: TCP_SYN | TCP_ACK });
  assert.deepEqual(trace(recv(sock, peer, 5)), [[seqAdd(LOCAL_ISS, 7), 0, TCP_RST]]);
  assert.equal(sock.state, "SYN-SENT");
});

Deno.test("SYN-SENT: a RST with an acceptable ACK means refused; one without an ACK is ignored", () => {
  const { sock, peer } = synSent();
  send(sock, 5, { seq: 0, flags: TCP_RST });
  assert.equal(sock.state, "SYN-SENT", "no ACK: not ours to believe");
  send(sock, 6, { seq: 0, ack: L1, flags: TCP_RST | TCP_ACK });
  assert.equal(sock.state, "CLOSED");
  assert.equal(sock.error, "refused");
  assert.ok(peer.events.some((e) => (e & TCP_EV_CLOSED) !== 0));
});

Deno.test("SYN-SENT: a RST whose ACK is not acceptable is dropped", () => {
  const { sock } = synSent();
  send(sock, 5, { seq: 0, ack: seqAdd(LOCAL_ISS, 99), flags: TCP_RST | TCP_ACK });
  assert.equal(sock.state, "SYN-SENT");
});

Deno.test("SYN-SENT: a bare SYN is a simultaneous open: SYN-RECEIVED, and a SYN-ACK goes out (RFC 9293 figure 8)", () => {
  const { sock, peer } = synSent();
  send(sock, 5, { seq: REMOTE_ISS, flags: TCP_SYN, mss: 1460 });
  assert.equal(sock.state, "SYN-RECEIVED");
  assert.deepEqual(trace(recv(sock, peer, 5)), [[LOCAL_ISS, R1, TCP_SYN | TCP_ACK]]);
  send(sock, 6, { seq: R1, ack: L1 });
  assert.equal(sock.state, "ESTABLISHED");
});

Deno.test("SYN-SENT: a segment with neither SYN nor RST is dropped", () => {
  const { sock, peer } = synSent();
  send(sock, 5, { seq: REMOTE_ISS, ack: L1, payload: "early" });
  assert.equal(sock.state, "SYN-SENT");
  assert.deepEqual(recv(sock, peer, 5), []);
});

Deno.test("SYN-SENT: the SYN is sent again after 1 s, then after 2 s more (RFC 6298 §5.5 backoff)", () => {
  const { sock, peer } = synSent();
  assert.deepEqual(recv(sock, peer, 999), []);
  assert.deepEqual(trace(recv(sock, peer, 1000)), [[LOCAL_ISS, 0, TCP_SYN]]);
  assert.deepEqual(recv(sock, peer, 2999), []);
  assert.deepEqual(trace(recv(sock, peer, 3000)), [[LOCAL_ISS, 0, TCP_SYN]]);
});

Deno.test("SYN-SENT: after tcp_syn_retries retransmissions the connect times out", () => {
  const { sock, peer } = synSent({ synRetries: 2 });
  for (const t of [1000, 3000]) assert.equal(recv(sock, peer, t).length, 1);
  recv(sock, peer, 7000);
  assert.equal(sock.state, "CLOSED");
  assert.equal(sock.error, "timeout");
});

Deno.test("SYN-SENT: data with the SYN-ACK is taken and acknowledged", () => {
  const { sock, peer } = synSent();
  send(sock, 5, {
    seq: REMOTE_ISS,
    ack: L1,
    flags: TCP_SYN | TCP_ACK,
    mss: 1460,
    payload: "hi",
  });
  assert.equal(sock.state, "ESTABLISHED");
  assert.equal(sock.readable, 2);
  assert.deepEqual(trace(recv(sock, peer, 5)), [[L1, seqAdd(R1, 2), TCP_ACK]]);
});

// --- SYN-RECEIVED -------------------------------------------------------------------------

function synReceived(over: Partial<TcpConfig> = {}): { sock: TcpSocket; peer: Peer } {
  const peer = new Peer();
  const sock = new TcpSocket(0, peer, config(over));
  const syn = new TcpRepr();
  Object.assign(syn, {
    srcPort: 80,
    dstPort: 40000,
    seqNumber: REMOTE_ISS,
    flags: TCP_SYN,
    window: 65535,
    mss: 1460,
  });
  sock.acceptSyn(0, LOCAL, REMOTE, syn, LOCAL_ISS);
  assert.deepEqual(trace(recv(sock, peer, 0)), [[LOCAL_ISS, R1, TCP_SYN | TCP_ACK]]);
  assert.equal(sock.state, "SYN-RECEIVED");
  return { sock, peer };
}

Deno.test("SYN-RECEIVED: the handshake's ACK establishes the connection", () => {
  const { sock } = synReceived();
  send(sock, 5, { seq: R1, ack: L1 });
  assert.equal(sock.state, "ESTABLISHED");
});

Deno.test("SYN-RECEIVED: data riding on the handshake's ACK is taken", () => {
  const { sock, peer } = synReceived();
  send(sock, 5, { seq: R1, ack: L1, payload: "GET /" });
  assert.equal(sock.state, "ESTABLISHED");
  assert.equal(sock.readable, 5);
  recv(sock, peer, 5);
});

Deno.test("SYN-RECEIVED: a FIN with the handshake's ACK goes to CLOSE-WAIT", () => {
  const { sock, peer } = synReceived();
  send(sock, 5, { seq: R1, ack: L1, flags: TCP_FIN | TCP_ACK });
  assert.equal(sock.state, "CLOSE-WAIT");
  assert.deepEqual(trace(recv(sock, peer, 5)), [[L1, seqAdd(R1, 1), TCP_ACK]]);
});

Deno.test("SYN-RECEIVED: an ACK of the wrong number gets <SEQ=SEG.ACK><CTL=RST>", () => {
  const { sock, peer } = synReceived();
  send(sock, 5, { seq: R1, ack: seqAdd(LOCAL_ISS, 50) });
  assert.equal(sock.state, "SYN-RECEIVED");
  assert.deepEqual(trace(recv(sock, peer, 5)), [[seqAdd(LOCAL_ISS, 50), 0, TCP_RST]]);
});

Deno.test("SYN-RECEIVED: a RST at RCV.NXT ends the half-open connection", () => {
  const { sock } = synReceived();
  send(sock, 5, { seq: R1, flags: TCP_RST });
  assert.equal(sock.state, "CLOSED");
});

Deno.test("SYN-RECEIVED: a retransmitted SYN gets the SYN-ACK again", () => {
  const { sock, peer } = synReceived();
  send(sock, 5, { seq: REMOTE_ISS, flags: TCP_SYN, mss: 1460 });
  assert.deepEqual(trace(recv(sock, peer, 5)), [[LOCAL_ISS, R1, TCP_SYN | TCP_ACK]]);
  assert.equal(sock.state, "SYN-RECEIVED");
});

Deno.test("SYN-RECEIVED: with no ACK the SYN-ACK is sent again at the RTO (1 s)", () => {
  const { sock, peer } = synReceived();
  assert.deepEqual(recv(sock, peer, 999), []);
  assert.deepEqual(trace(recv(sock, peer, 1000)), [[LOCAL_ISS, R1, TCP_SYN | TCP_ACK]]);
});

// --- ESTABLISHED --------------------------------------------------------------------------

Deno.test("ESTABLISHED: the peer's FIN is acknowledged at once and the connection goes to CLOSE-WAIT; reads see the end", () => {
  const a = reach("ESTABLISHED");
  send(a.sock, a.t, { seq: R1, ack: L1, flags: TCP_FIN | TCP_ACK, payload: "bye" });
  assert.equal(a.sock.state, "CLOSE-WAIT");
  assert.deepEqual(trace(recv(a.sock, a.peer, a.t)), [[L1, seqAdd(R1, 4), TCP_ACK]]);
  assert.equal(a.sock.readable, 3);
  assert.ok(a.sock.readClosed);
});

Deno.test("ESTABLISHED: a FIN beyond a hole waits for the hole to fill", () => {
  const a = reach("ESTABLISHED");
  send(a.sock, a.t, { seq: seqAdd(R1, 5), ack: L1, flags: TCP_FIN | TCP_ACK });
  assert.equal(a.sock.state, "ESTABLISHED", "the FIN is out of order");
  send(a.sock, a.t + 1, { seq: R1, ack: L1, payload: "12345" });
  assert.equal(a.sock.state, "CLOSE-WAIT");
  assert.equal(a.sock.rcvNxt, seqAdd(R1, 6));
});

Deno.test("ESTABLISHED: close sends a FIN after the queued data and enters FIN-WAIT-1", () => {
  const a = reach("ESTABLISHED");
  a.sock.send(enc.encode("last"), 0, 4);
  a.sock.close(a.t);
  assert.equal(a.sock.state, "FIN-WAIT-1");
  const out = recv(a.sock, a.peer, a.t);
  const fin = out.at(-1)!;
  assert.ok((fin.flags & TCP_FIN) !== 0);
  assert.equal(seqAdd(fin.seq, fin.payload.length), seqAdd(L1, 4), "the FIN follows the data");
});

Deno.test("ESTABLISHED: abort sends <SEQ=SND.NXT><CTL=RST> and closes", () => {
  const a = reach("ESTABLISHED");
  a.sock.abort(a.t);
  const [rst] = recv(a.sock, a.peer, a.t);
  assert.equal(a.sock.state, "CLOSED");
  assert.equal(rst!.seq, L1);
  assert.ok((rst!.flags & TCP_RST) !== 0);
});

Deno.test("ESTABLISHED: an ACK below SND.UNA (old) is ignored, the window is not rolled back", () => {
  const a = reach("ESTABLISHED");
  a.sock.send(enc.encode("abcdef"), 0, 6);
  recv(a.sock, a.peer, a.t);
  send(a.sock, a.t + 1, { seq: R1, ack: seqAdd(L1, 6), window: 1000 });
  send(a.sock, a.t + 2, { seq: R1, ack: L1, window: 10 });
  assert.equal(a.sock.sendQueued, 0);
  assert.equal(a.sock.sndUna, seqAdd(L1, 6));
});

// --- FIN-WAIT-1, FIN-WAIT-2, CLOSING, TIME-WAIT --------------------------------------------

Deno.test("FIN-WAIT-1: the ACK of our FIN leads to FIN-WAIT-2", () => {
  const a = reach("FIN-WAIT-1");
  send(a.sock, a.t, { seq: R1, ack: seqAdd(L1, 1) });
  assert.equal(a.sock.state, "FIN-WAIT-2");
});

Deno.test("FIN-WAIT-1: a FIN that does not acknowledge ours leads to CLOSING, acknowledged", () => {
  const a = reach("FIN-WAIT-1");
  send(a.sock, a.t, { seq: R1, ack: L1, flags: TCP_FIN | TCP_ACK });
  assert.equal(a.sock.state, "CLOSING");
  assert.deepEqual(trace(recv(a.sock, a.peer, a.t)), [[seqAdd(L1, 1), seqAdd(R1, 1), TCP_ACK]]);
});

Deno.test("FIN-WAIT-1: a FIN that acknowledges ours goes straight to TIME-WAIT", () => {
  const a = reach("FIN-WAIT-1");
  send(a.sock, a.t, { seq: R1, ack: seqAdd(L1, 1), flags: TCP_FIN | TCP_ACK });
  assert.equal(a.sock.state, "TIME-WAIT");
});

Deno.test("FIN-WAIT-1: our FIN is sent again at the RTO while unacknowledged", () => {
  const a = reach("FIN-WAIT-1");
  const again = recv(a.sock, a.peer, 30 + 1000);
  assert.equal(again.length, 1);
  assert.ok((again[0]!.flags & TCP_FIN) !== 0);
  assert.equal(again[0]!.seq, L1);
});

Deno.test("FIN-WAIT-1: after shutdown(SHUT_WR) data from the peer is still taken", () => {
  const a = reach("FIN-WAIT-1");
  send(a.sock, a.t, { seq: R1, ack: L1, payload: "more" });
  assert.equal(a.sock.readable, 4);
  assert.equal(a.sock.state, "FIN-WAIT-1");
});

Deno.test("FIN-WAIT-2: the peer's FIN leads to TIME-WAIT, acknowledged", () => {
  const a = reach("FIN-WAIT-2");
  send(a.sock, a.t, { seq: R1, ack: seqAdd(L1, 1), flags: TCP_FIN | TCP_ACK });
  assert.equal(a.sock.state, "TIME-WAIT");
  assert.deepEqual(trace(recv(a.sock, a.peer, a.t)), [[seqAdd(L1, 1), seqAdd(R1, 1), TCP_ACK]]);
});

Deno.test("FIN-WAIT-2: data is still taken (a half-closed connection)", () => {
  const a = reach("FIN-WAIT-2");
  send(a.sock, a.t, { seq: R1, ack: seqAdd(L1, 1), payload: "tail" });
  assert.equal(a.sock.readable, 4);
  assert.equal(a.sock.state, "FIN-WAIT-2");
});

Deno.test("FIN-WAIT-2: an orphan (closed by the application) ends after tcp_fin_timeout", () => {
  const a = reach("ESTABLISHED", { finWait2TimeoutMs: 5000 });
  a.sock.close(a.t);
  recv(a.sock, a.peer, a.t);
  send(a.sock, a.t + 1, { seq: R1, ack: seqAdd(L1, 1) });
  assert.equal(a.sock.state, "FIN-WAIT-2");
  recv(a.sock, a.peer, a.t + 4000);
  assert.equal(a.sock.state, "FIN-WAIT-2");
  recv(a.sock, a.peer, a.t + 5002);
  assert.equal(a.sock.state, "CLOSED");
});

Deno.test("CLOSING: the ACK of our FIN leads to TIME-WAIT", () => {
  const a = reach("CLOSING");
  send(a.sock, a.t, { seq: seqAdd(R1, 1), ack: seqAdd(L1, 1) });
  assert.equal(a.sock.state, "TIME-WAIT");
});

Deno.test("TIME-WAIT: a retransmitted FIN is acknowledged and 2 MSL starts again", () => {
  const a = reach("TIME-WAIT", { timeWaitMs: 60_000 });
  send(a.sock, 30_000, { seq: R1, ack: seqAdd(L1, 1), flags: TCP_FIN | TCP_ACK });
  assert.deepEqual(trace(recv(a.sock, a.peer, 30_000)), [[a.sndNxt, a.rcvNxt, TCP_ACK]]);
  recv(a.sock, a.peer, 60_100);
  assert.equal(a.sock.state, "TIME-WAIT", "restarted at 30 s");
  recv(a.sock, a.peer, 90_001);
  assert.equal(a.sock.state, "CLOSED");
});

Deno.test("TIME-WAIT: after 2 MSL the connection is CLOSED", () => {
  const a = reach("TIME-WAIT", { timeWaitMs: 60_000 });
  recv(a.sock, a.peer, 40 + 59_000);
  assert.equal(a.sock.state, "TIME-WAIT");
  recv(a.sock, a.peer, 40 + 60_001);
  assert.equal(a.sock.state, "CLOSED");
});

// --- CLOSE-WAIT and LAST-ACK ----------------------------------------------------------------

Deno.test("CLOSE-WAIT: we may still send; close then sends our FIN and enters LAST-ACK", () => {
  const a = reach("CLOSE-WAIT");
  a.sock.send(enc.encode("reply"), 0, 5);
  a.sock.close(a.t);
  assert.equal(a.sock.state, "LAST-ACK");
  const out = recv(a.sock, a.peer, a.t);
  assert.equal(out.map((s) => s.payload).join(""), "reply");
  assert.ok((out.at(-1)!.flags & TCP_FIN) !== 0);
});

Deno.test("CLOSE-WAIT: text after the peer's FIN is not taken (RFC 9293 §3.10.7.4, seventh step)", () => {
  const a = reach("CLOSE-WAIT");
  const readable = a.sock.readable;
  send(a.sock, a.t, { seq: a.rcvNxt, ack: a.sndNxt, payload: "late" });
  assert.equal(a.sock.readable, readable);
  assert.equal(a.sock.rcvNxt, a.rcvNxt);
});

Deno.test("LAST-ACK: the ACK of our FIN closes the connection", () => {
  const a = reach("LAST-ACK");
  send(a.sock, a.t, { seq: seqAdd(R1, 1), ack: seqAdd(L1, 1) });
  assert.equal(a.sock.state, "CLOSED");
});

Deno.test("LAST-ACK: our FIN is sent again at the RTO while unacknowledged", () => {
  const a = reach("LAST-ACK");
  const again = recv(a.sock, a.peer, 40 + 1000);
  assert.equal(again.length, 1);
  assert.ok((again[0]!.flags & TCP_FIN) !== 0);
});

Deno.test("LAST-ACK: a retransmitted FIN from the peer is acknowledged again", () => {
  const a = reach("LAST-ACK");
  send(a.sock, a.t, { seq: R1, ack: L1, flags: TCP_FIN | TCP_ACK });
  const out = recv(a.sock, a.peer, a.t);
  assert.ok(out.some((s) => s.ack === seqAdd(R1, 1) && (s.flags & TCP_ACK) !== 0));
  assert.equal(a.sock.state, "LAST-ACK");
});
