/**
 * What a peer sends cannot crash a context or leak from it. A hostile host
 * feeds the server context tens of thousands of crafted TCP segments while a
 * real connection moves data through it:
 *
 * - segments spoofing the real connection's 4-tuple with every flag
 *   combination, sequence numbers outside the receive window or
 *   acknowledgment numbers outside what RFC 5961 accepts, and options of
 *   every kind (the connection must not notice: its bytes arrive intact);
 * - SYNs, ACKs, RSTs, FINs and data from many forged sources to the
 *   listening port and to closed ports (SYN-RECEIVED entries, resets to
 *   hosts that never answer ARP);
 * - headers with garbage options, bad data offsets and bad checksums.
 *
 * Nothing may throw; afterwards, once every timer has run out, the server
 * holds no connection, no buffer and no frame waiting on ARP, and the
 * interface has counted what it dropped.
 */
import assert from "node:assert/strict";
import * as M from "../lib/mod.ts";
import { prng } from "./_support/fixtures.ts";
import { describe, makePair, transfer } from "./_support/mtcp_pair.ts";

const FLAGS = [M.TCP_SYN, M.TCP_ACK, M.TCP_RST, M.TCP_FIN, M.TCP_PSH, 0x20 /* URG */];

Deno.test("a hostile host's segments neither throw nor disturb a transfer, and every pool comes back", async () => {
  const pair = makePair({ seed: 3 });
  const { server, client, network } = pair;
  try {
    const rand = prng(11);
    const int = (n: number) => Math.floor(rand() * n);
    const u32 = () => (int(0x10000) * 0x10000 + int(0x10000)) >>> 0;
    const frame = new Uint8Array(2048);
    const repr = new M.TcpRepr();
    const serverIp = server.iface.address;
    const clientIp = client.iface.address;
    let injected = 0;
    let spoofed = 0;

    // The real connection as the server sees it, once it exists.
    const victim = () => {
      for (const c of server.connections()) if (c.remoteAddr === clientIp) return c;
      return undefined;
    };

    const inject = (now: number) => {
      repr.clearOptions();
      let src: number;
      const v = victim();
      const kind = int(10);
      if (kind < 4 && v !== undefined && M.isSynchronized(v.state)) {
        // Spoofed onto the real connection, never acceptable: no ACK bit,
        // or the sequence number outside the receive window, or the ACK
        // outside [SND.UNA - MAX.SND.WND, SND.NXT] (RFC 5961 §5).
        src = clientIp;
        repr.srcPort = v.remotePort;
        repr.dstPort = v.localPort;
        const how = rand();
        if (how < 0.2) {
          // In the window with a good ACK value, but no ACK bit (RFC 9293
          // §3.10.7.4: dropped), so data and FIN must not be taken.
          repr.seqNumber = (v.rcvNxt + int(4096)) >>> 0;
          repr.ackNumber = v.sndUna;
          repr.flags = [0, M.TCP_PSH, M.TCP_FIN, 0x20][int(4)]!;
          spoofed++;
        } else if (how < 0.6) {
          const span = 1 << 20;
          repr.seqNumber = rand() < 0.5
            ? (v.rcvNxt + (1 << 21) + int(span)) >>> 0 // beyond any window here
            : (v.rcvNxt - 1500 - int(span)) >>> 0; // old, and ends before RCV.NXT
          repr.ackNumber = rand() < 0.5 ? v.sndUna : u32();
        } else {
          repr.seqNumber = (v.rcvNxt + int(1 << 16)) >>> 0;
          repr.ackNumber = (v.sndNxt + (1 << 22) + int(1 << 20)) >>> 0; // acknowledges the future
        }
        if (how >= 0.2) {
          // No exact RST (it would be a valid reset).
          repr.flags = FLAGS[int(FLAGS.length)]! | (rand() < 0.8 ? M.TCP_ACK : 0);
          if ((repr.flags & M.TCP_RST) !== 0 && repr.seqNumber === v.rcvNxt) {
            repr.flags = M.TCP_ACK;
          }
          spoofed++;
        }
      } else {
        // From a forged host to the listener or to a closed port.
        src = (serverIp & 0xffffff00) | (3 + int(200));
        repr.srcPort = 1024 + int(60000);
        // The listening port, from the start: the real connection gets in
        // through the flood (SYN cookies), else any port.
        repr.dstPort = rand() < 0.7 ? 5001 : 1 + int(65535);
        repr.seqNumber = u32();
        repr.ackNumber = u32();
        let f = 0;
        for (const bit of FLAGS) if (rand() < 0.3) f |= bit;
        repr.flags = rand() < 0.4 ? M.TCP_SYN : f;
      }
      repr.window = int(0x10000);
      repr.urgentPointer = rand() < 0.1 ? int(0x10000) : 0;
      if (rand() < 0.5) repr.mss = int(0x10000);
      if (rand() < 0.3) repr.windowScale = int(20);
      repr.sackPermitted = rand() < 0.3;
      if (rand() < 0.5) {
        repr.hasTimestamps = true;
        repr.tsVal = u32();
        repr.tsEcr = u32();
      }
      if (rand() < 0.3) {
        repr.sackCount = 1 + int(3);
        for (let k = 0; k < 2 * repr.sackCount; k++) repr.sackBlocks[k] = u32();
      }
      const payload = rand() < 0.5 ? int(1400) : 0;
      const at = 14 + 20;
      let hl = M.tcpHeaderLen(repr);
      if (hl + payload > 1480) repr.sackCount = 0;
      hl = M.tcpHeaderLen(repr);
      for (let i = 0; i < payload; i++) frame[at + hl + i] = int(256);
      M.emitTcp(repr, frame, at, src, serverIp, payload);
      const damage = int(20);
      if (damage === 0) {
        // Garbage options under a recomputed checksum.
        for (let i = at + 20; i < at + hl; i++) frame[i] = int(256);
        frame[at + 16] = 0;
        frame[at + 17] = 0;
        const sum = M.checksumAdd(
          M.pseudoHeaderSum(src, serverIp, M.IP_PROTO_TCP, hl + payload),
          frame,
          at,
          hl + payload,
        );
        const c = M.checksumFinish(sum);
        frame[at + 16] = c >>> 8;
        frame[at + 17] = c & 0xff;
      } else if (damage === 1) {
        frame[at + 12] = int(256); // any data offset, the checksum now wrong too
      } else if (damage === 2) {
        const i = at + int(hl);
        frame[i] = frame[i]! ^ (1 + int(255)); // a bad checksum
      }
      M.writeIpv4Header(frame, 14, 20, src, serverIp, M.IP_PROTO_TCP, hl + payload, 64, 0, 0x4000);
      M.writeEthernetHeader(frame, 0, server.iface.mac, 0x02_00_00_00_00_99, M.ETHERTYPE_IPV4);
      const length = at + hl + payload - (damage === 3 ? int(hl + payload) : 0); // truncated
      server.iface.receiveFrame(now, frame, 0, length, 0);
      injected++;
    };

    let active = true;
    let next = 0;
    network.add({
      poll(now: number): boolean {
        if (!active || now < next) return false;
        next = now + 0.1;
        for (let k = 0; k < 10; k++) inject(now);
        return true;
      },
      pollAt: () => (active ? next : Infinity),
    });

    const r = await transfer(pair, 4 << 20, 4 << 20);
    active = false;
    assert.equal(r.up, 4 << 20, describe(pair));
    assert.equal(r.down, 4 << 20, describe(pair));
    assert.ok(injected > 5000, `only ${injected} segments injected`);
    assert.ok(spoofed > 1000, `only ${spoofed} spoofed onto the connection`);
    assert.ok(r.serverStats.dropped > spoofed / 2, "the spoofed segments were dropped");
    assert.ok(r.serverStats.challengeAcks > 0, "out-of-range ACKs drew challenge ACKs");
    assert.ok(server.stats.syncookiesSent > 0, "the SYN flood met the full SYN queue: cookies");
    assert.ok(server.stats.syncookiesFailed > 0, "forged ACKs to the listener were refused");
    console.log(
      `${injected} segments injected, ${spoofed} spoofed onto the connection; server: ${
        JSON.stringify(r.serverStats)
      }; server context ${JSON.stringify(server.stats)}`,
    );

    // Every timer runs out: SYN-RECEIVED retries, TIME-WAIT (60 s), ARP.
    network.runFor(400_000);
    const left = [...server.connections()].map((c) => `${c.state} ${M.formatIpv4(c.remoteAddr)}`);
    assert.deepEqual(left, [], `connections left: ${left.join(", ")}`);
    assert.equal(server.connectionsInUse, 0);
    assert.equal(server.buffersInUse, 0);
    assert.equal(server.iface.arp.pool.inUse, 0);
    const drops = server.iface.stats.nonZeroDrops();
    assert.ok(Object.keys(drops).length > 0, "garbage was counted as drops");
    // Every frame the server received ended in exactly one counter.
    const st = server.iface.stats;
    assert.equal(
      st.unaccounted,
      0,
      `${st.rx.frames} frames, ${st.rx.delivered} delivered, ${st.rxDrops} dropped`,
    );
    assert.ok(st.drops.tcpUnacceptable > 0, "segments the connection refused are counted");
    assert.ok(
      st.drops.tcpListenIgnored > 0,
      "RSTs and flagless segments to the listener are counted",
    );
  } finally {
    M.mtcp_destroy();
  }
});
