/**
 * The frame fuzzer: mutated frames fed into a live server context over the
 * in-memory network while real transfers run through it. The frames come
 * from two seeds: the kernel's own frames in tests/fixtures (ARP, ICMP,
 * fragments, TCP with options), mutated (bytes set, bits flipped, truncated,
 * extended, addressed to us or not), and crafted TCP segments (spoofed onto
 * the live connection, floods of SYNs, ACKs and RSTs from forged hosts to the
 * listener, garbage options). The invariants: nothing throws, every frame
 * the server receives ends in exactly one counter (delivered or a drop
 * reason), the transfers arrive byte-identical, and once every timer has run
 * out the server holds no connection and no buffer.
 *
 * Used by tests/fuzz_frames_test.ts (a bounded run) and
 * scripts/fuzz_frames.ts (10 million frames).
 *
 * @module
 */

import * as M from "../../lib/mod.ts";
import { allFixtureFrames, prng } from "./fixtures.ts";
import { makePair, transfer } from "./mtcp_pair.ts";

/** What a fuzz run did. */
export interface FuzzReport {
  /** Frames injected. */
  injected: number;
  /** Bytes moved each way by the transfers, and the transfers run. */
  moved: number;
  transfers: number;
  /** The server interface's received frames, delivered, and dropped (by receive reasons). */
  received: number;
  delivered: number;
  dropped: number;
  /** Received frames neither delivered nor counted as dropped (the invariant says 0). */
  unaccounted: number;
  /** Connections and buffers the server still held once every timer ran out. */
  connectionsLeft: number;
  buffersLeft: number;
  /** The server's non-zero drop counters. */
  drops: Record<string, number>;
  /** Wall time, ms. */
  ms: number;
}

/** Runs transfers of `transferBytes` each way until `frames` mutated frames went in. */
export async function runFuzz(
  frames: number,
  seed: number,
  transferBytes = 2 << 20,
): Promise<FuzzReport> {
  const started = performance.now();
  const pair = makePair({ seed });
  const { server, client, network } = pair;
  try {
    const rand = prng(seed);
    const int = (n: number) => Math.floor(rand() * n);
    const fixtures = allFixtureFrames();
    const frame = new Uint8Array(2048);
    const repr = new M.TcpRepr();
    const serverIp = server.iface.address;
    const clientIp = client.iface.address;
    let injected = 0;

    const mutated = (): number => {
      const f = fixtures[int(fixtures.length)]!;
      frame.set(f);
      let length = f.length;
      if (rand() < 0.6) {
        M.writeEthernetHeader(frame, 0, server.iface.mac, 0x02_00_00_00_00_99, M.get16(frame, 12));
      }
      if (rand() < 0.5 && length >= 34) {
        // Addressed to us, the header checksum made right.
        new DataView(frame.buffer).setUint32(30, serverIp);
        frame[24] = 0;
        frame[25] = 0;
        const hl = (frame[14]! & 0xf) * 4;
        if (hl >= 20 && 14 + hl <= length) {
          const c = M.checksumFinish(M.checksumAdd(0, frame, 14, hl));
          frame[24] = c >>> 8;
          frame[25] = c & 0xff;
        }
      }
      for (let k = 1 + int(4); k > 0; k--) {
        const what = int(4);
        if (what === 0) frame[int(length)] = int(256);
        else if (what === 1) frame[int(length)]! ^= 1 << int(8);
        else if (what === 2) length = int(length + 1);
        else {
          const more = Math.min(frame.length, length + int(200));
          for (let i = length; i < more; i++) frame[i] = int(256);
          length = more;
        }
      }
      return length;
    };

    const victim = () => {
      for (const c of server.connections()) {
        if (c.remoteAddr === clientIp && M.isSynchronized(c.state)) return c;
      }
      return undefined;
    };

    const crafted = (): number => {
      repr.clearOptions();
      let src = (serverIp & 0xffffff00) | (3 + int(200));
      const v = victim();
      if (v !== undefined && rand() < 0.4) {
        // Spoofed onto the live connection, never acceptable.
        src = clientIp;
        repr.srcPort = v.remotePort;
        repr.dstPort = v.localPort;
        repr.seqNumber = (v.rcvNxt + (1 << 21) + int(1 << 20)) >>> 0;
        repr.ackNumber = rand() < 0.5 ? v.sndUna : (int(1 << 30) * 4) >>> 0;
        repr.flags = [M.TCP_ACK, M.TCP_ACK | M.TCP_PSH, M.TCP_SYN, M.TCP_FIN | M.TCP_ACK][int(4)]!;
      } else {
        repr.srcPort = 1024 + int(60000);
        repr.dstPort = rand() < 0.7 ? 5001 + int(4) : 1 + int(65535);
        repr.seqNumber = (int(1 << 30) * 4 + int(4)) >>> 0;
        repr.ackNumber = (int(1 << 30) * 4) >>> 0;
        repr.flags = rand() < 0.5 ? M.TCP_SYN : int(64);
      }
      repr.window = int(0x10000);
      if (rand() < 0.5) repr.mss = int(0x10000);
      if (rand() < 0.3) repr.windowScale = int(20);
      repr.sackPermitted = rand() < 0.3;
      if (rand() < 0.5) {
        repr.hasTimestamps = true;
        repr.tsVal = (int(1 << 30) * 4) >>> 0;
        repr.tsEcr = (int(1 << 30) * 4) >>> 0;
      }
      const payload = rand() < 0.3 ? int(1200) : 0;
      const at = 34;
      const hl = M.tcpHeaderLen(repr);
      for (let i = 0; i < payload; i++) frame[at + hl + i] = int(256);
      M.emitTcp(repr, frame, at, src, serverIp, payload);
      if (rand() < 0.1) frame[at + int(hl)] = int(256); // a bad checksum or option
      M.writeIpv4Header(frame, 14, 20, src, serverIp, M.IP_PROTO_TCP, hl + payload, 64, 0, 0x4000);
      M.writeEthernetHeader(frame, 0, server.iface.mac, 0x02_00_00_00_00_99, M.ETHERTYPE_IPV4);
      return at + hl + payload;
    };

    let active = true;
    let next = 0;
    network.add({
      poll(now: number): boolean {
        if (!active || now < next) return false;
        next = now + 0.1;
        for (let k = 0; k < 10 && injected < frames; k++) {
          const length = rand() < 0.5 ? mutated() : crafted();
          server.iface.receiveFrame(now, frame, 0, length, 0);
          injected++;
        }
        return true;
      },
      pollAt: () => (active && injected < frames ? next : Infinity),
    });

    let moved = 0;
    let transfers = 0;
    while (injected < frames) {
      const r = await transfer(pair, transferBytes, transferBytes, 5001 + (transfers % 4));
      if (r.up !== transferBytes || r.down !== transferBytes) {
        throw new Error(`transfer ${transfers} moved ${r.up} and ${r.down} bytes`);
      }
      if (r.upHashes[0] !== r.upHashes[1] || r.downHashes[0] !== r.downHashes[1]) {
        throw new Error(`transfer ${transfers} arrived altered`);
      }
      moved += transferBytes;
      transfers++;
    }
    active = false;
    network.runFor(400_000); // every timer runs out
    const st = server.iface.stats;
    return {
      injected,
      moved,
      transfers,
      received: st.rx.frames,
      delivered: st.rx.delivered,
      dropped: st.rxDrops,
      unaccounted: st.unaccounted,
      connectionsLeft: server.connectionsInUse,
      buffersLeft: server.buffersInUse,
      drops: st.nonZeroDrops() as Record<string, number>,
      ms: performance.now() - started,
    };
  } finally {
    M.mtcp_destroy();
  }
}
