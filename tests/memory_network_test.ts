import assert from "node:assert/strict";
import { attachHost } from "../lib/api/host.ts";
import { ping } from "../lib/apps/ping.ts";
import { MemoryNetwork } from "../lib/phy/memory.ts";
import { PcapMemorySink } from "../lib/phy/pcap_writer.ts";
import { VirtualClock } from "../lib/phy/clock.ts";
import { parseIpv4Address } from "../lib/wire/address.ts";
import { parsePcap } from "../lib/wire/pcap.ts";

const B = parseIpv4Address("10.0.0.2")!;

Deno.test("two in-memory hosts resolve each other by ARP and exchange echoes; RTT is twice the latency", async () => {
  const net = new MemoryNetwork({ latencyMs: 3 });
  const a = attachHost(net, { name: "a", address: "10.0.0.1/24" });
  const b = attachHost(net, { name: "b", address: "10.0.0.2/24" });
  const result = await ping(net, a, B, { count: 5, intervalMs: 100 });
  assert.equal(result.received, 5);
  // The first includes resolution; the rest are exactly two one-way latencies.
  assert.deepEqual(result.replies.slice(1).map((r) => r.rttMs), [6, 6, 6, 6]);
  assert.ok(result.replies[0]!.rttMs >= 6);
  assert.equal(a.iface.arp.get(B)!.mac, b.iface.mac);
  assert.equal(b.iface.arp.get(a.iface.address)!.mac, a.iface.mac);
  assert.equal(b.iface.stats.echoReplies, 5);
  assert.equal(a.iface.stats.totalDrops + b.iface.stats.totalDrops, 0);
});

Deno.test("fault injector delay and jitter add to the round trip, in both directions", async () => {
  const net = new MemoryNetwork();
  const a = attachHost(net, {
    name: "a",
    address: "10.0.0.1/24",
    impair: { tx: { delayMs: 10 }, rx: { delayMs: 4 } },
  });
  attachHost(net, { name: "b", address: "10.0.0.2/24" });
  const r = await ping(net, a, B, { count: 3, intervalMs: 100 });
  assert.deepEqual(r.replies.slice(1).map((x) => x.rttMs), [14, 14]);
});

Deno.test("a rate limit serialises frames: 100 KB of echoes at 1 Mbit/s take about 0.8 s", async () => {
  const net = new MemoryNetwork();
  const a = attachHost(net, {
    name: "a",
    address: "10.0.0.1/24",
    impair: { tx: { rateBitsPerSec: 1_000_000 } },
  });
  attachHost(net, { name: "b", address: "10.0.0.2/24" });
  await ping(net, a, B, { count: 1 }); // resolve first
  const start = net.clock.now();
  const r = await ping(net, a, B, { count: 100, intervalMs: 0, size: 958 });
  assert.equal(r.received, 100);
  const last = Math.max(...r.replies.map((x) => x.rttMs));
  // 100 frames of 1000 bytes = 800 000 bits at 1 Mbit/s.
  assert.ok(Math.abs(last - 800) < 1, `last reply after ${last} ms`);
  assert.ok(net.clock.now() - start >= 800);
});

async function lossyRun(seed: number) {
  const net = new MemoryNetwork({ latencyMs: 1 });
  const impair = {
    rx: { loss: 0.2, reorder: 0.1, duplicate: 0.05, corrupt: 0.05 },
    tx: { loss: 0.2, reorder: 0.1, duplicate: 0.05, corrupt: 0.05, jitterMs: 2 },
    seed,
  };
  const sink = new PcapMemorySink();
  const a = attachHost(net, { name: "a", address: "10.0.0.1/24", impair, pcap: sink });
  const b = attachHost(net, {
    name: "b",
    address: "10.0.0.2/24",
    impair: { ...impair, seed: seed + 100 },
  });
  const started = performance.now();
  const result = await ping(net, a, B, { count: 1000, intervalMs: 1000, size: 100, waitMs: 5000 });
  const wallMs = performance.now() - started;
  return {
    result,
    pcap: sink.bytes(),
    a,
    b,
    wallMs,
    simulatedMs: net.clock.now() - 1_700_000_000_000,
  };
}

Deno.test("a 1000-second lossy run is a discrete-event simulation that repeats exactly from its seed", async () => {
  const first = await lossyRun(7);
  const again = await lossyRun(7);
  const other = await lossyRun(8);
  // 20 % loss on each of four crossings: about 0.8^4 = 41 % of requests answered.
  assert.ok(
    first.result.received > 300 && first.result.received < 520,
    `${first.result.received} replies`,
  );
  assert.ok(first.result.replies.some((r) => r.duplicate), "duplication shows as DUP replies");
  assert.ok(first.simulatedMs >= 999_000, "the virtual clock ran the whole schedule");
  assert.deepEqual(again.pcap, first.pcap, "same seed, same frames, same times");
  assert.deepEqual(again.result.replies, first.result.replies);
  assert.notDeepEqual(other.pcap, first.pcap, "another seed, another run");
  const fa = first.a.faults!;
  assert.ok(fa.rxStats.lost > 0 && fa.txStats.lost > 0);
  assert.ok(fa.rxStats.reordered > 0 && fa.txStats.duplicated > 0);
  // Corruption past the Ethernet header is caught by a checksum and counted.
  const drops = first.a.iface.stats.drops;
  const b = first.b.iface.stats.drops;
  const caught = drops.ipBadChecksum + drops.icmpBadChecksum + b.ipBadChecksum + b.icmpBadChecksum +
    drops.ipBadVersion + b.ipBadVersion + drops.ipBadHeaderLength + b.ipBadHeaderLength +
    drops.ipNotForUs + b.ipNotForUs + drops.ipTruncated + b.ipTruncated + drops.ipBadTotalLength +
    b.ipBadTotalLength +
    drops.ipBadSource + b.ipBadSource + drops.arpUnsupported + b.arpUnsupported +
    drops.arpBadSender +
    b.arpBadSender + drops.ipUnknownProtocol + b.ipUnknownProtocol + drops.arpBadOperation +
    b.arpBadOperation +
    drops.ipBadFragment + b.ipBadFragment + drops.ipBadOptions + b.ipBadOptions +
    drops.arpConflict +
    b.arpConflict + drops.udpNoSocket + b.udpNoSocket + drops.icmpUnsupported + b.icmpUnsupported;
  const corrupted = fa.rxStats.corrupted + first.b.faults!.rxStats.corrupted;
  assert.ok(
    caught > 0 && caught <= corrupted + fa.txStats.corrupted + first.b.faults!.txStats.corrupted,
  );
  assert.equal(
    parsePcap(first.pcap)!.records.length,
    first.a.iface.stats.rx.frames + first.a.iface.stats.tx.frames,
  );
});

Deno.test("total loss answers nothing, and the run ends instead of hanging", async () => {
  const net = new MemoryNetwork();
  const a = attachHost(net, { name: "a", address: "10.0.0.1/24", impair: { tx: { loss: 1 } } });
  attachHost(net, { name: "b", address: "10.0.0.2/24" });
  const r = await ping(net, a, B, { count: 3 });
  assert.equal(r.received, 0);
  assert.equal(a.faults!.txStats.lost, a.faults!.txStats.frames);
});

Deno.test("the learning switch sends unicast only to its owner; a third host sees only broadcasts", async () => {
  const net = new MemoryNetwork();
  const a = attachHost(net, { name: "a", address: "10.0.0.1/24" });
  attachHost(net, { name: "b", address: "10.0.0.2/24" });
  const c = attachHost(net, { name: "c", address: "10.0.0.3/24" });
  await ping(net, a, B, { count: 20, intervalMs: 10 });
  // c joined after a and b announced themselves: it hears a's one broadcast
  // request, and none of the 40 unicast echoes.
  assert.equal(c.iface.stats.rx.ipv4, 0);
  assert.equal(c.iface.stats.rx.arp, 1);
  assert.equal(c.iface.stats.rx.frames, 1);
  assert.ok(net.flooded >= 1);
});

Deno.test("hosts on two subnets reach each other through a gateway's address", async () => {
  const net = new MemoryNetwork();
  // Without a router on the segment the gateway is just a MAC: point it at b.
  const a = attachHost(net, { name: "a", address: "10.0.1.1/24", gateway: "10.0.1.254" });
  const b = attachHost(net, { name: "b", address: "10.0.2.1/24", gateway: "10.0.2.254" });
  a.iface.arp.addStatic(parseIpv4Address("10.0.1.254")!, b.iface.mac);
  b.iface.arp.addStatic(parseIpv4Address("10.0.2.254")!, a.iface.mac);
  const r = await ping(net, a, parseIpv4Address("10.0.2.1")!, { count: 2, intervalMs: 10 });
  assert.equal(r.received, 2);
});

Deno.test("the system clock mode runs in real time", async () => {
  const net = new MemoryNetwork({ clock: "system", latencyMs: 5 });
  assert.ok(!(net.clock instanceof VirtualClock));
  const a = attachHost(net, { name: "a", address: "10.0.0.1/24" });
  attachHost(net, { name: "b", address: "10.0.0.2/24" });
  const t0 = performance.now();
  const r = await ping(net, a, B, { count: 3, intervalMs: 30 });
  assert.equal(r.received, 3);
  assert.ok(r.min >= 10, `rtt ${r.min} ms with 5 ms each way`);
  assert.ok(performance.now() - t0 >= 60, "three requests 30 ms apart took real time");
});

Deno.test("runUntil() refuses a system clock with a clear TypeError", () => {
  const net = new MemoryNetwork({ clock: "system" });
  assert.throws(() => net.runUntil(() => true), TypeError);
});
