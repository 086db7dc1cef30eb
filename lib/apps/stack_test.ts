import assert from "node:assert/strict";
import {
  formatStats,
  loadConfigFiles,
  openStack,
  parseImpair,
  reloadConfigFiles,
  sampleStats,
  type StackOptions,
} from "./stack.ts";
import { mtcp_destroy } from "../api/mtcp.ts";
import { parseIpv4Address } from "../wire/address.ts";
import { IP_PROTO_TCP } from "../wire/ipv4.ts";
import type { MemoryNetwork } from "../phy/memory.ts";

Deno.test("arp.conf gives static neighbours and route.conf on-link prefixes; mtcp.conf values apply", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/arp.conf`,
      "# static\nARP_ENTRY 1\n10.0.0.9/32 02:aa:bb:cc:dd:ee\n",
    );
    await Deno.writeTextFile(`${dir}/route.conf`, "ROUTES 1\n10.1.0.0/16 tap0\n");
    await Deno.writeTextFile(`${dir}/mtcp.conf`, "max_concurrency = 77\ntcp_timewait = 0\n");
    const o: StackOptions = {
      dev: "memory",
      ip: "10.0.0.2/24",
      cores: 1,
      configFiles: [`${dir}/arp.conf`, `${dir}/route.conf`, `${dir}/mtcp.conf`],
    };
    const extra = loadConfigFiles(o.configFiles, 1);
    const stack = openStack(o, 0, extra);
    try {
      const e = stack.ctx.iface.arp.get(parseIpv4Address("10.0.0.9")!)!;
      assert.equal(e.state, "STATIC");
      assert.equal(e.mac, 0x02aabbccddee);
      assert.equal(stack.ctx.config.max_concurrency, 77);
      assert.equal(stack.ctx.config.tcp_timewait, 0);
      // 10.1.2.3 is on the link (ARP is asked), 10.2.0.1 has no route (no gateway).
      const now = stack.network.clock.now();
      assert.notEqual(
        stack.ctx.iface.beginIpv4(now, parseIpv4Address("10.1.2.3")!, IP_PROTO_TCP, 20),
        undefined,
      );
      assert.equal(
        stack.ctx.iface.beginIpv4(now, parseIpv4Address("10.2.0.1")!, IP_PROTO_TCP, 20),
        undefined,
      );
      assert.equal(stack.ctx.iface.stats.drops.ipNoRoute, 1);
    } finally {
      await stack.close();
      mtcp_destroy();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("frames lost before they reached the stack (its device's queue full) are a drop reason of their own", async () => {
  const o: StackOptions = { dev: "memory", ip: "10.0.0.2/24", cores: 1, configFiles: [] };
  const stack = openStack(o, 0, loadConfigFiles([], 1));
  try {
    assert.equal(sampleStats(stack.ctx, 0).drops.deviceRxDropped, undefined, "none yet");
    // A second port floods the stack's receive queue (1024 frames) while the
    // stack does not poll.
    const network = stack.network as MemoryNetwork;
    const peer = network.attach({ name: "peer", queueFrames: 4096 });
    let sent = 0;
    for (let i = 0; i < 1100; i++) {
      const slot = peer.txAcquire(0, 60);
      if (slot === undefined) break;
      slot.bytes.fill(0xff, slot.offset, slot.offset + 6); // broadcast
      slot.bytes.fill(0, slot.offset + 6, slot.offset + 60);
      peer.txCommit(0, 60);
      sent++;
    }
    const dropped = sampleStats(stack.ctx, 0).drops.deviceRxDropped;
    assert.ok(sent > 1024, `sent ${sent}`);
    assert.equal(dropped, sent - 1024);
    peer.close();
  } finally {
    await stack.close();
    mtcp_destroy();
  }
});

Deno.test("parseImpair() reads every key and rejects what is not a probability", () => {
  const f = parseImpair("loss=0.1,reorder=0.2,duplicate=0.01,corrupt=0.001,delay=5,seed=9");
  assert.deepEqual(f.rx, { loss: 0.1, reorder: 0.2, duplicate: 0.01, corrupt: 0.001, delayMs: 5 });
  assert.deepEqual(f.tx, f.rx);
  assert.equal(f.seed, 9);
  assert.throws(() => parseImpair("loss=1.5"), /probability/);
  assert.throws(() => parseImpair("jitter=3"), /unknown key jitter/);
  assert.throws(() => parseImpair("loss"), /expected key=number/);
});

Deno.test("formatStats: the text line, and a JSON object a line with rates and counts since the last", () => {
  const zero = {
    core: 0,
    rxPackets: 0,
    rxBytes: 0,
    txPackets: 0,
    txBytes: 0,
    flows: 0,
    opened: 0,
    retransmits: 0,
    drops: { ipBadChecksum: 1 },
    tcp: {},
  };
  const cur = {
    ...zero,
    rxPackets: 2000,
    rxBytes: 250_000_000,
    txPackets: 1000,
    txBytes: 125_000,
    flows: 7,
    opened: 20,
    retransmits: 3,
    drops: { ipBadChecksum: 5, ethNotForUs: 2 },
    tcp: { syncookiesSent: 9 },
  };
  assert.equal(
    formatStats(zero, cur, 2),
    "[CPU 0] RX: 1000 pps (1.000 Gbps) TX: 500 pps (0.001 Gbps) flows: 7 new: 10/s retx: 3 " +
      "drops: ipBadChecksum=4,ethNotForUs=2 tcp: syncookiesSent=9",
  );
  const j = JSON.parse(formatStats(zero, { ...cur, core: -1 }, 2, "json"));
  assert.match(j.time, /^\d{4}-\d\d-\d\dT/);
  delete j.time;
  assert.deepEqual(j, {
    core: "all",
    rx_pps: 1000,
    rx_bps: 1_000_000_000,
    tx_pps: 500,
    tx_bps: 500_000,
    flows: 7,
    new_per_s: 10,
    retransmits: 3,
    drops: { ipBadChecksum: 4, ethNotForUs: 2 },
    tcp: { syncookiesSent: 9 },
  });
});

Deno.test("reloadConfigFiles adds arp.conf's new static neighbours to a running stack; a broken file changes nothing", async () => {
  const dir = await Deno.makeTempDir();
  const arp = `${dir}/arp.conf`;
  try {
    await Deno.writeTextFile(arp, "ARP_ENTRY 1\n10.0.0.9/32 02:aa:bb:cc:dd:ee\n");
    const o: StackOptions = { dev: "memory", ip: "10.0.0.2/24", cores: 1, configFiles: [arp] };
    const stack = openStack(o, 0, loadConfigFiles(o.configFiles, 1));
    try {
      const ten = parseIpv4Address("10.0.0.10")!;
      assert.equal(stack.ctx.iface.arp.get(ten), undefined);
      await Deno.writeTextFile(
        arp,
        "ARP_ENTRY 2\n10.0.0.9/32 02:aa:bb:cc:dd:ee\n10.0.0.10/32 02:00:00:00:00:0a\n",
      );
      assert.equal(
        reloadConfigFiles(stack, o.configFiles),
        "config re-read: 2 static neighbours (route.conf and mtcp.conf apply at start)",
      );
      assert.equal(stack.ctx.iface.arp.get(ten)?.mac, 0x02000000000a);
      assert.equal(stack.ctx.iface.arp.get(ten)?.state, "STATIC");
      await Deno.writeTextFile(arp, "ARP_ENTRY 2\n10.0.0.11/32 02:00:00:00:00:0b\n");
      assert.throws(
        () => reloadConfigFiles(stack, o.configFiles),
        /arp\.conf:1: ARP_ENTRY says 2 entries, the file has 1/,
      );
      assert.equal(stack.ctx.iface.arp.get(parseIpv4Address("10.0.0.11")!), undefined);
    } finally {
      await stack.close();
      mtcp_destroy();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
