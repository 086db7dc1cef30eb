/**
 * The Rust shim itself: its exports against the TypeScript symbol table,
 * netmap's structure layouts against netmap's published header, the one-line
 * errors (missing capability, no such interface, netmap absent), TAP
 * multi-queue and the virtio header (checksum offload and TSO super-frames),
 * busy polling, the spin on the JavaScript thread, and a device that vanishes
 * under a running context.
 */
import assert from "node:assert/strict";
import * as M from "../../lib/mod.ts";
import { tunHint } from "../../ffi/shim.ts";
import {
  curl,
  interopUnavailable,
  kernelHttpServer,
  ourServers,
  randomBytes,
  run,
  sha256,
  tapLink,
  uniqueTag,
  vethLink,
} from "../_support/netns.ts";

let shimMissing: string | undefined;
try {
  M.loadShim();
} catch (err) {
  shimMissing = (err as Error).message;
}
const unavailable = interopUnavailable("curl", "python3");

Deno.test({
  name: "the shim exports exactly the symbols of ffi/shim.ts",
  ignore: shimMissing !== undefined,
  async fn() {
    const { path } = M.loadShim();
    const nm = await run(["nm", "-D", "--defined-only", path]);
    assert.equal(nm.code, 0, nm.stderr);
    const exported = nm.text.split("\n").map((l) => l.trim().split(/\s+/)[2]).filter((s) =>
      s?.startsWith("mtcp_shim_")
    ).sort();
    assert.deepEqual(exported, Object.keys(M.SHIM_SYMBOLS).sort());
  },
});

Deno.test({
  name: "netmap structures and ioctls are laid out as netmap's header (API 14) says",
  ignore: shimMissing !== undefined,
  fn() {
    // From sys/net/netmap.h and netmap_legacy.h, x86_64.
    const expected = [
      60, // sizeof(struct nmreq)
      16,
      20,
      24,
      28,
      36,
      40,
      48,
      52, // nr_version .. nr_flags
      24,
      28,
      56, // netmap_if: ni_tx_rings, ni_rx_rings, ring_ofs
      8,
      20,
      24,
      28,
      40,
      128,
      256, // netmap_ring: num_slots, head, cur, tail, ts, sem, slot
      16, // sizeof(struct netmap_slot)
      0xc03c6992, // NIOCREGIF = _IOWR('i', 146, struct nmreq)
      0x6995, // NIOCRXSYNC = _IO('i', 149)
    ];
    assert.deepEqual(M.netmapLayout(), expected);
  },
});

Deno.test({
  name:
    "opening fails with one clear line: netmap absent, no such interface (packet, xdp), bad spec",
  ignore: shimMissing !== undefined,
  fn() {
    let netmapPresent = true;
    try {
      Deno.statSync("/dev/netmap");
    } catch {
      netmapPresent = false;
    }
    if (!netmapPresent) {
      assert.throws(
        () => M.RingDevice.open("netmap:lo"),
        /^Error: netmap:lo: \/dev\/netmap is absent: the netmap kernel module is not loaded/,
      );
    }
    assert.throws(
      () => M.RingDevice.open("packet:nosuch0"),
      /^Error: packet:nosuch0: no such interface$/,
    );
    assert.throws(
      () => M.RingDevice.open("xdp:nosuch0"),
      /^Error: xdp:nosuch0: no such interface$/,
    );
    assert.throws(() => M.RingDevice.open("tap:"), /invalid interface name/);
    assert.throws(() => M.RingDevice.open("eth0"), /unknown device \(expected tap:NAME/);
    for (const spec of ["netmap:lo", "packet:nosuch0", "xdp:nosuch0", "tap:", "eth0"]) {
      try {
        M.RingDevice.open(spec);
      } catch (err) {
        assert.ok(!(err as Error).message.includes("\n"), spec);
      }
    }
  },
});

Deno.test({
  name: "without CAP_NET_ADMIN or CAP_NET_RAW the error names the capability and the way out",
  ignore: shimMissing !== undefined || Deno.uid() !== 0 ||
    interopUnavailable("setpriv") !== undefined,
  async fn() {
    const script = `
      import { RingDevice } from "${new URL("../../lib/mod.ts", import.meta.url).href}";
      for (const spec of ["tap:mtnocap0", "packet:lo", "xdp:lo"]) {
        try { RingDevice.open(spec); console.log("opened " + spec); }
        catch (e) { console.log(e.message); }
      }`;
    const r = await run([
      "setpriv",
      "--bounding-set=-net_admin,-net_raw",
      "--inh-caps=-net_admin,-net_raw",
      "--",
      Deno.execPath(),
      "eval",
      script,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const [tap, packet, xdp] = r.text.trim().split("\n");
    assert.match(
      tap!,
      (Deno.statSync("/dev/net/tun").mode! & 0o006) === 0o006
        ? /^tap:mtnocap0: .*permission denied: CAP_NET_ADMIN is needed \(run as root, or inside `unshare -rn`\)$/
        : /^tap:mtnocap0: .*permission denied: CAP_NET_ADMIN is needed \(run as root: \/dev\/net\/tun is mode 0\d{3} here, so `unshare -rn` is not enough unless root runs `chmod 0666 \/dev\/net\/tun`\)$/,
    );
    assert.match(
      packet!,
      /^packet:lo: .*permission denied: CAP_NET_RAW is needed \(run as root, or inside `unshare -rn`\)$/,
    );
    assert.match(
      xdp!,
      // Which step fails first depends on the kernel: loading, the socket, attaching.
      /^xdp:lo: .*permission denied: CAP_NET_(ADMIN \(with CAP_BPF\)|RAW) is needed \(run as root, or inside `unshare -rn`\)$/,
    );
  },
});

Deno.test({
  name: "a multi-queue TAP gives one queue per open; a single-queue TAP refuses a second open",
  ignore: unavailable !== undefined,
  async fn() {
    const name = `mtq${uniqueTag()}`;
    const q0 = M.RingDevice.open(`tap:${name}`, { multiQueue: true });
    const q1 = M.RingDevice.open(`tap:${name}`, { multiQueue: true });
    try {
      assert.ok(q0.created);
      assert.ok(!q1.created);
      const queues = [...Deno.readDirSync(`/sys/class/net/${name}/queues`)].map((e) => e.name)
        .sort();
      assert.deepEqual(queues, ["rx-0", "rx-1", "tx-0", "tx-1"]);
      assert.throws(() => M.RingDevice.open(`tap:${name}`), /busy|not a TAP with these flags/);
    } finally {
      await q0.closeAsync();
      await q1.closeAsync();
    }
    // A TAP the shim created is gone with its last queue.
    assert.equal((await run(["ip", "link", "show", name])).code, 1);
  },
});

for (const ring of [{ vnetHdr: true }, { tso: true }, { busyPoll: true }]) {
  Deno.test({
    name: `over TAP with ${
      JSON.stringify(ring)
    }: curl and our download of 10 MB are byte-identical`,
    ignore: unavailable !== undefined,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      const link = await tapLink({ ring });
      const body = randomBytes(10 << 20, 31);
      const servers = ourServers(link, () => body);
      const kernel = await kernelHttpServer(link, { big: body });
      try {
        const r = await curl(link, "/big");
        assert.equal(r.code, 0, r.stderr);
        assert.equal(await sha256(r.stdout), await sha256(body));
        const got = await kernel.get("/big", { timeoutMs: 60_000 });
        assert.equal(await sha256(got.body), await sha256(body));
        assert.equal(link.ctx.iface.stats.drops.tcpBadChecksum, 0);
        if (ring.busyPoll) {
          assert.equal(link.device.busyPoll, true);
        } else {
          // The kernel offloaded checksums to us (partial), and we trusted them.
          assert.ok(link.device.vnetHdr);
          assert.ok(link.device.rxChecksumTrusted > 100, `${link.device.rxChecksumTrusted}`);
        }
        if (ring.tso) {
          // Super-frames: far fewer frames than 1448-byte segments would need.
          assert.ok(
            link.device.stats.rxFrames < (10 << 20) / 1448,
            `${link.device.stats.rxFrames}`,
          );
          // And on send: our TCP hands the kernel super-segments to cut (TSO).
          assert.ok(
            link.device.stats.txFrames < (10 << 20) / 1448 / 4,
            `${link.device.stats.txFrames}`,
          );
          assert.ok(link.ctx.iface.tsoMaxBytes > 60000);
        }
      } finally {
        await servers.stop();
        await kernel.stop();
        await link.close();
      }
    },
  });
}

const deletable = [
  ["TAP", () => tapLink()],
  ["veth", () => vethLink()],
  ["veth under AF_XDP", () => vethLink({ backend: "xdp" })],
] as const;
for (const [what, make] of deletable) {
  Deno.test({
    name: `a ${what} deleted under a running context is counted, not fatal`,
    ignore: unavailable !== undefined || interopUnavailable("ethtool") !== undefined,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      const link = await make();
      const servers = ourServers(link, () => new Uint8Array(10));
      try {
        const r = await curl(link, "/x");
        assert.equal(r.code, 0, r.stderr);
        await link.ns.must(["ip", "link", "del", link.kernelIf]);
        // The context keeps running and sending into the void.
        const fd = M.mtcp_socket(link.ctx, M.AF_INET, M.SOCK_STREAM, 0);
        M.mtcp_setsock_nonblock(link.ctx, fd);
        M.mtcp_connect(link.ctx, fd, {
          family: M.AF_INET,
          addr: M.parseIpv4Address(link.kernelIp)!,
          port: 80,
        });
        const t0 = Date.now();
        while (!link.device.gone && Date.now() - t0 < 3000) {
          await new Promise((r) => setTimeout(r, 50));
        }
        assert.ok(link.device.gone, "the device is reported gone");
        const c = link.device.counters();
        assert.ok(c.rxErrors + c.txErrors > 0, JSON.stringify(c));
        assert.ok(link.device.ring.lastErrno > 0);
        assert.equal(link.ctx.destroyed, false);
      } finally {
        await servers.stop();
        await link.close();
      }
    },
  });
}

Deno.test({
  name:
    "with the virtio header, a frame sent with a partial checksum and NEEDS_CSUM is completed by the kernel",
  ignore: unavailable !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const link = await tapLink({ ring: { vnetHdr: true } });
    try {
      const r = link.device.ring;
      const ourMac = link.ctx.iface.mac;
      const macText = (await link.ns.must(["cat", `/sys/class/net/${link.kernelIf}/address`]))
        .trim();
      const kernelMac = parseInt(macText.replaceAll(":", ""), 16);
      // No ARP round: the kernel knows our MAC, so its RST comes straight back.
      await link.ns.must([
        "ip",
        "neigh",
        "replace",
        link.ourIp,
        "lladdr",
        M.formatMac(ourMac),
        "dev",
        link.kernelIf,
      ]);
      const src = M.parseIpv4Address(link.ourIp)!;
      const dst = M.parseIpv4Address(link.kernelIp)!;
      const send = (port: number, offload: boolean) => {
        r.tx(0);
        const off = r.txDesc[0]!;
        const b = r.mem;
        let at = off + M.writeEthernetHeader(b, off, kernelMac, ourMac, M.ETHERTYPE_IPV4);
        const ip = M.ipv4Repr();
        Object.assign(ip, { src, dst, protocol: M.IP_PROTO_TCP, ttl: 64, payloadLength: 20 });
        at += M.emitIpv4(ip, b, at);
        const syn = new M.TcpRepr();
        Object.assign(syn, {
          srcPort: 40000 + port,
          dstPort: port,
          seqNumber: 1,
          flags: M.TCP_SYN,
          window: 1024,
        });
        M.emitTcp(syn, b, at, src, dst, 0);
        // What an offloading sender leaves in the field: the pseudo-header sum.
        const partial = M.checksumFold(M.pseudoHeaderSum(src, dst, M.IP_PROTO_TCP, 20));
        b[at + 16] = partial >> 8;
        b[at + 17] = partial & 0xff;
        r.txDesc[1] = at + 20 - off;
        r.txDesc[2] = offload ? M.DESC_CSUM_PARTIAL : 0;
        r.txDesc[3] = offload ? (at - off) | (16 << 16) : 0;
        assert.equal(r.tx(1), 1);
      };
      const resetFrom = async (port: number): Promise<boolean> => {
        const end = Date.now() + 1500;
        while (Date.now() < end) {
          const n = r.rx(64);
          for (let i = 0; i < n; i++) {
            const o = r.rxDesc[i * 4]!;
            const b = r.mem;
            if (
              b[o + 12] === 8 && b[o + 23] === M.IP_PROTO_TCP &&
              ((b[o + 34]! << 8) | b[o + 35]!) === port
            ) {
              if ((b[o + 47]! & M.TCP_RST) !== 0) return true;
            }
          }
          if (n === 0) await r.wait(50);
        }
        return false;
      };
      send(9, false);
      assert.equal(await resetFrom(9), false, "a partial checksum without the flag is dropped");
      send(13, true);
      assert.equal(
        await resetFrom(13),
        true,
        "with NEEDS_CSUM the kernel takes the frame and resets",
      );
    } finally {
      await link.close();
    }
  },
});

Deno.test({
  name:
    "a spin on the JavaScript thread ends when its time is up, or as soon as the kernel sends a frame",
  ignore: unavailable !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const link = await tapLink();
    try {
      const r = link.device.ring;
      // The kernel sends frames of its own after link-up (IPv6 neighbour
      // discovery, router solicitations): fewer without IPv6, and a spin
      // they end is tried again.
      await link.ns.run(["sysctl", "-qw", `net.ipv6.conf.${link.kernelIf}.disable_ipv6=1`]);
      const drain = () => {
        for (let n = r.rx(64); n > 0; n = r.rx(64)) {
          // whatever the kernel sent on its own
        }
      };
      let timedOut = false;
      let t0 = 0;
      for (let tries = 0; tries < 50 && !timedOut; tries++) {
        drain();
        t0 = performance.now();
        timedOut = r.spin(3000) === 0;
      }
      assert.ok(timedOut, "a spin with nothing to read ran out of time");
      assert.ok(performance.now() - t0 >= 2.9, "spun for its whole time");
      // The kernel resolves our address first: its ARP request is a frame.
      const ping = link.ns.spawn(["ping", "-c", "1", "-W", "1", link.ourIp]);
      t0 = performance.now();
      assert.equal(r.spin(3_000_000), 1);
      assert.ok(performance.now() - t0 < 2900, "it ended on the frame, not the time");
      assert.ok(r.rx(64) > 0, "and the frame is there to receive");
      await ping.status;
    } finally {
      await link.close();
    }
  },
});

Deno.test("a TAP refused for want of privilege: the hint follows /dev/net/tun's mode", () => {
  const msg =
    "tap:t0: TUNSETIFF: permission denied: CAP_NET_ADMIN is needed (run as root, or inside `unshare -rn`)";
  assert.equal(tunHint(msg, 0o20666), msg, "open to all: unshare -rn works");
  assert.equal(
    tunHint(msg, 0o20600),
    "tap:t0: TUNSETIFF: permission denied: CAP_NET_ADMIN is needed (run as root: /dev/net/tun is mode 0600 here, " +
      "so `unshare -rn` is not enough unless root runs `chmod 0666 /dev/net/tun`)",
  );
  assert.equal(
    tunHint(msg, null),
    "tap:t0: TUNSETIFF: permission denied: CAP_NET_ADMIN is needed (run as root)",
  );
  assert.equal(tunHint("tap:t0: no such device", 0o20600), "tap:t0: no such device");
});
