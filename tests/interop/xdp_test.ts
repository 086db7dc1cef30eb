/**
 * The core interop scenarios over AF_XDP (`xdp:IFNAME`) on one end of a veth
 * pair, the other end in a network namespace the test creates (and deletes):
 * the shim loads its XDP program and XSKMAP with raw bpf() calls, in generic
 * mode, and the program leaves with the ring.
 */
import assert from "node:assert/strict";
import * as M from "../../lib/mod.ts";
import {
  assertEcho,
  curl,
  interopUnavailable,
  kernelHttpServer,
  ourServers,
  randomBytes,
  run,
  sha256,
  vethLink,
} from "../_support/netns.ts";

const unavailable = interopUnavailable("curl", "socat", "ping", "python3", "ethtool");

Deno.test({
  name: "over xdp: on a veth, Linux pings us, curls 10 MB, echoes 1 MB, and we download 10 MB",
  ignore: unavailable !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const link = await vethLink({ backend: "xdp" });
    const ours = link.device.name.slice("xdp:".length);
    const body = randomBytes(10 << 20, 5);
    const servers = ourServers(link, (p) => p === "/big" ? body : undefined);
    const file = randomBytes(10 << 20, 6);
    const kernel = await kernelHttpServer(link, { big: file });
    let stopped = false;
    try {
      assert.equal(link.device.ring.backend, "xdp");
      assert.equal(link.ctx.iface.mac, link.device.hardwareMac, "the stack uses the veth's MAC");
      const shown = await run(["ip", "link", "show", ours]);
      assert.match(shown.text, /xdpgeneric/, "our program is attached in generic mode");
      assert.match(shown.text, /mtcp_xsk/);

      const ping = await link.ns.run(["ping", "-c", "3", "-i", "0.2", "-W", "2", link.ourIp]);
      assert.match(ping.text, /3 packets transmitted, 3 received/, ping.stderr);

      const r = await curl(link, "/big");
      assert.equal(r.code, 0, r.stderr);
      assert.equal(await sha256(r.stdout), await sha256(body));

      await assertEcho(link, randomBytes(1 << 20, 10));

      const got = await kernel.get("/big", { timeoutMs: 60_000 });
      assert.equal(got.status, 200);
      assert.equal(await sha256(got.body), await sha256(file));
      assert.equal(link.ctx.iface.stats.drops.tcpBadChecksum, 0);
      const c = link.device.counters();
      assert.equal(c.rxErrors + c.txErrors, 0);
      // The queue is ours alone while the ring is open.
      assert.throws(
        () => M.RingDevice.open(link.device.name),
        /^Error: xdp:\S+: cannot bind the AF_XDP socket: Device or resource busy$/,
      );
      await servers.stop();
      await kernel.stop();
      stopped = true;
      // Closing the ring detaches the program; the veth stays until the link goes.
      await link.device.closeAsync();
      const after = await run(["ip", "link", "show", ours]);
      assert.equal(after.code, 0, after.stderr);
      assert.doesNotMatch(after.text, /mtcp_xsk|xdpgeneric/);
      // And it can be opened again at once (the kernel frees the queue in the background).
      const again = M.RingDevice.open(link.device.name);
      await again.closeAsync();
    } finally {
      if (!stopped) {
        await servers.stop();
        await kernel.stop();
      }
      await link.close();
    }
  },
});
