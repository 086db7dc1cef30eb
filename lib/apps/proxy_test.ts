import assert from "node:assert/strict";
import { createStack } from "../api/deno_net.ts";
import { MemoryNetwork } from "../phy/memory.ts";
import { parseIpv4Address } from "../wire/address.ts";
import { TcpProxy, UpstreamPool } from "./proxy.ts";
import { echoHandler, runTcpServer } from "./tcp_server.ts";

const enc = new TextEncoder();

Deno.test("UpstreamPool: round robin, hash by client, down for downMs, -1 when all are down", () => {
  const ups = [{ addr: 1, port: 1 }, { addr: 2, port: 2 }, { addr: 3, port: 3 }];
  const rr = new UpstreamPool(ups, "rr", 1000);
  assert.deepEqual([0, 1, 2, 3].map(() => rr.pick(0, 9, 0)), [0, 1, 2, 0]);
  // A second try for the same client moves on from the first pick.
  const first = rr.pick(0, 9, 0);
  assert.equal(rr.pick(1, 9, 0), (first + 2) % 3);
  const hash = new UpstreamPool(ups, "hash", 1000);
  const a = hash.pick(0, 0x0a000001, 0);
  assert.equal(hash.pick(0, 0x0a000001, 0), a, "one client, one upstream");
  for (let k = 0; k < 3; k++) hash.markDown(k, 0);
  assert.equal(hash.pick(0, 0x0a000001, 500), -1);
  assert.equal(hash.pick(0, 0x0a000001, 1000), a, "back when downMs has passed");
  assert.equal(String(rr), "0.0.0.1:1,0.0.0.2:2,0.0.0.3:3");
});

Deno.test("TcpProxy: a refusing upstream is skipped, bytes pass both ways, the client's end reaches the upstream", async () => {
  const network = new MemoryNetwork({ clock: "system" });
  await using backend = createStack({ network, address: "10.0.0.3/24" });
  await using front = createStack({ network, address: "10.0.0.2/24" });
  await using client = createStack({ network, address: "10.0.0.1/24" });
  const stop = new AbortController();
  const echo = runTcpServer(backend.ctx, 7, echoHandler(), { signal: stop.signal });
  const b = parseIpv4Address("10.0.0.3")!;
  // Port 9 refuses (nobody listens): the proxy marks it down and uses port 7.
  const pool = new UpstreamPool([{ addr: b, port: 9 }, { addr: b, port: 7 }], "rr", 10_000);
  const proxy = new TcpProxy(front.ctx, 8080, pool, { highWaterBytes: 4096 });
  let listening = false;
  const running = proxy.run(stop.signal, () => listening = true);
  assert.equal(listening, true);
  const payload = new Uint8Array(300_000).map((_, i) => i * 7);
  for (let round = 0; round < 2; round++) {
    const conn = await client.connect({ hostname: "10.0.0.2", port: 8080 });
    const reading = new Response(conn.readable).arrayBuffer();
    const w = conn.writable.getWriter();
    await w.write(payload);
    await w.close(); // half-close: the upstream sees the end, echoes the rest, closes
    const back = new Uint8Array(await reading);
    assert.equal(back.length, payload.length);
    assert.deepEqual(back, payload);
  }
  stop.abort();
  await running;
  await echo;
  assert.equal(proxy.stats.clients, 2);
  assert.equal(proxy.stats.forwarded, 2);
  assert.equal(proxy.stats.refused, 0);
  assert.equal(proxy.stats.upstreamFailures, 1, "port 9 failed once, then stayed down");
  assert.equal(proxy.stats.bytes, 4 * payload.length);
});

Deno.test("TcpProxy: with no upstream answering, the client is reset and counted as refused", async () => {
  const network = new MemoryNetwork({ clock: "system" });
  await using front = createStack({ network, address: "10.0.0.2/24" });
  await using client = createStack({ network, address: "10.0.0.1/24" });
  await using _nobody = createStack({ network, address: "10.0.0.3/24" });
  const stop = new AbortController();
  const pool = new UpstreamPool([{ addr: parseIpv4Address("10.0.0.3")!, port: 9 }], "rr", 10_000);
  const proxy = new TcpProxy(front.ctx, 8080, pool);
  const running = proxy.run(stop.signal);
  const conn = await client.connect({ hostname: "10.0.0.2", port: 8080 });
  await assert.rejects(
    (async () => {
      const buf = new Uint8Array(1);
      await conn.write(enc.encode("x"));
      while ((await conn.read(buf)) !== null);
      throw new Error("the connection ended without a reset");
    })(),
    (e: Error) => /reset/.test(e.message),
  );
  conn.close();
  stop.abort();
  await running;
  assert.equal(proxy.stats.refused, 1);
});

Deno.test("TcpProxy: a port in use is one line in errno words", async () => {
  const network = new MemoryNetwork({ clock: "system" });
  await using front = createStack({ network, address: "10.0.0.2/24" });
  await using _taken = front.listen({ port: 8080 });
  const pool = new UpstreamPool([{ addr: 1, port: 1 }], "rr", 10_000);
  await assert.rejects(
    new TcpProxy(front.ctx, 8080, pool).run(new AbortController().signal),
    (e: Error) => e.message === "EADDRINUSE: address in use (10.0.0.2:8080)",
  );
});
