/**
 * The core interop scenarios over AF_PACKET rings on one end of a veth pair,
 * the other end in a network namespace the test creates (and deletes): frames
 * from a veth carry partial checksums, which the ring reports instead of the
 * stack dropping them.
 */
import assert from "node:assert/strict";
import {
  assertEcho,
  curl,
  interopUnavailable,
  kernelHttpServer,
  ourServers,
  randomBytes,
  sha256,
  vethLink,
} from "../_support/netns.ts";

const unavailable = interopUnavailable("curl", "socat", "ping", "python3", "ethtool");

Deno.test({
  name: "over packet: on a veth, Linux pings us, curls 10 MB, echoes 1 MB, and we download 10 MB",
  ignore: unavailable !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const link = await vethLink();
    const body = randomBytes(10 << 20, 3);
    const servers = ourServers(link, (p) => p === "/big" ? body : undefined);
    const file = randomBytes(10 << 20, 4);
    const kernel = await kernelHttpServer(link, { big: file });
    try {
      assert.equal(link.ctx.iface.mac, link.device.hardwareMac, "the stack uses the veth's MAC");
      const ping = await link.ns.run(["ping", "-c", "3", "-i", "0.2", "-W", "2", link.ourIp]);
      assert.match(ping.text, /3 packets transmitted, 3 received/, ping.stderr);

      const r = await curl(link, "/big");
      assert.equal(r.code, 0, r.stderr);
      assert.equal(await sha256(r.stdout), await sha256(body));

      await assertEcho(link, randomBytes(1 << 20, 9));

      const got = await kernel.get("/big", { timeoutMs: 60_000 });
      assert.equal(got.status, 200);
      assert.equal(await sha256(got.body), await sha256(file));
      // Partial checksums were trusted, not dropped.
      assert.equal(link.ctx.iface.stats.drops.tcpBadChecksum, 0);
      assert.ok(link.device.rxChecksumTrusted > 1000, `${link.device.rxChecksumTrusted} trusted`);
      const c = link.device.counters();
      assert.equal(c.rxErrors + c.txErrors, 0);
    } finally {
      await servers.stop();
      await kernel.stop();
      await link.close();
    }
  },
});
