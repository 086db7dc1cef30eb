/**
 * A scripted peer for the TCP socket, in smoltcp's manner: segments written
 * like trace lines go in with explicit time, and what the socket emits comes
 * back as plain records. Sequence numbers start near the 2^32 wrap, so every
 * test that uses them crosses it.
 *
 * @module
 */
import assert from "node:assert/strict";
import { seqAdd } from "../../lib/wire/seq_number.ts";
import { TCP_ACK, TCP_SYN, TcpRepr } from "../../lib/wire/tcp.ts";
import {
  TCP_DEFAULTS,
  type TcpConfig,
  TcpSocket,
  type TcpSocketOwner,
  type TcpTransmit,
} from "../../lib/tcp/socket.ts";

export const LOCAL = 0x0a000001;
export const REMOTE = 0x0a000002;
export const LOCAL_ISS = 0xffff_fff0; // wraps after 16 bytes
export const REMOTE_ISS = 0xffff_ff00;

export interface Seg {
  seq: number;
  ack: number;
  flags: number;
  window: number;
  payload: string;
  mss: number;
  windowScale: number;
  sackPermitted: boolean;
  ts: boolean;
  tsVal: number;
  tsEcr: number;
  sack: number[];
}

export class Peer implements TcpSocketOwner, TcpTransmit {
  readonly out: Seg[] = [];
  readonly events: number[] = [];
  socketEvent(_s: TcpSocket, ev: number): void {
    this.events.push(ev);
  }
  send(_now: number, sock: TcpSocket, r: TcpRepr, off: number, len: number): boolean {
    const buf = new Uint8Array(len);
    sock.copyPayload(off, len, buf, 0);
    this.out.push({
      seq: r.seqNumber,
      ack: r.ackNumber,
      flags: r.flags,
      window: r.window,
      payload: new TextDecoder().decode(buf),
      mss: r.mss,
      windowScale: r.windowScale,
      sackPermitted: r.sackPermitted,
      ts: r.hasTimestamps,
      tsVal: r.tsVal,
      tsEcr: r.tsEcr,
      sack: [...r.sackBlocks.subarray(0, 2 * r.sackCount)],
    });
    return true;
  }
}

export function config(over: Partial<TcpConfig> = {}): TcpConfig {
  return { ...TCP_DEFAULTS, timestamps: false, ...over };
}

/** Sends a segment from the peer at time `at`. */
export function send(sock: TcpSocket, at: number, seg: Partial<Seg> & { seq: number }): void {
  const r = new TcpRepr();
  r.srcPort = 80;
  r.dstPort = 40000;
  r.seqNumber = seg.seq;
  r.ackNumber = seg.ack ?? 0;
  r.flags = seg.flags ?? TCP_ACK;
  r.window = seg.window ?? 65535;
  r.mss = seg.mss ?? 0;
  r.windowScale = seg.windowScale ?? -1;
  r.sackPermitted = seg.sackPermitted ?? false;
  r.hasTimestamps = seg.ts ?? false;
  r.tsVal = seg.tsVal ?? 0;
  r.tsEcr = seg.tsEcr ?? 0;
  const payload = new TextEncoder().encode(seg.payload ?? "");
  const bytes = new Uint8Array(64 + payload.length);
  bytes.set(payload, 64);
  r.payloadOffset = 64;
  r.payloadLength = payload.length;
  r.sackCount = (seg.sack?.length ?? 0) / 2;
  if (seg.sack) r.sackBlocks.set(seg.sack);
  sock.process(at, r, bytes);
}

/** Everything the socket sends at time `at`. */
export function recv(sock: TcpSocket, peer: Peer, at: number): Seg[] {
  if (at >= sock.pollAt()) sock.onTimer(at);
  while (sock.dispatch(at, peer));
  return peer.out.splice(0);
}

/** A socket in ESTABLISHED after an active open, and its peer. */
export function established(over: Partial<TcpConfig> = {}): { sock: TcpSocket; peer: Peer } {
  const peer = new Peer();
  const sock = new TcpSocket(0, peer, config(over));
  sock.connect(0, LOCAL, 40000, REMOTE, 80, LOCAL_ISS);
  recv(sock, peer, 0);
  send(sock, 10, {
    seq: REMOTE_ISS,
    ack: seqAdd(LOCAL_ISS, 1),
    flags: TCP_SYN | TCP_ACK,
    mss: 1460,
  });
  recv(sock, peer, 10);
  assert.equal(sock.state, "ESTABLISHED");
  return { sock, peer };
}

export const R1 = seqAdd(REMOTE_ISS, 1);
export const L1 = seqAdd(LOCAL_ISS, 1);
