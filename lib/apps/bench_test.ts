import assert from "node:assert/strict";
import { createStack } from "../api/deno_net.ts";
import { MemoryNetwork } from "../phy/memory.ts";
import { parseIpv4Address } from "../wire/address.ts";
import { type BenchOptions, LoadGenerator, parseBenchUrl, quantile } from "./bench.ts";
import { httpHandler } from "./http_static.ts";
import { runTcpServer } from "./tcp_server.ts";

function options(path: string, o: Partial<BenchOptions> = {}): BenchOptions {
  return {
    addr: parseIpv4Address("10.0.0.2")!,
    port: 80,
    path,
    total: 40,
    concurrency: 4,
    keepalive: true,
    durationMs: Infinity,
    progress: false,
    ...o,
  };
}

Deno.test("LoadGenerator: every request counted, with and without keep-alive; a 404 is a failure by status", async () => {
  const network = new MemoryNetwork({ clock: "system" });
  await using server = createStack({ network, address: "10.0.0.2/24" });
  await using client = createStack({ network, address: "10.0.0.1/24" });
  const stop = new AbortController();
  const body = new Uint8Array(1000);
  const files = httpHandler((p) => p === "/f" ? body : undefined);
  const serving = runTcpServer(server.ctx, 80, files, { signal: stop.signal });
  const lines: string[] = [];
  for (const keepalive of [true, false]) {
    const gen = new LoadGenerator(client.ctx, options("/f", { keepalive }));
    const st = await gen.run(new AbortController().signal, (l) => lines.push(l));
    assert.equal(st.completed, 40);
    assert.equal(st.failed, 0);
    assert.equal(st.latencies.length, 40);
    assert.ok(st.bytes > 40 * 1000);
  }
  const missing = await new LoadGenerator(client.ctx, options("/nope", { total: 5 }))
    .run(new AbortController().signal, () => {});
  assert.equal(missing.completed, 0);
  assert.deepEqual([...missing.errors], [["status 404", 5]]);
  stop.abort();
  await serving;
  assert.equal(files.stats.responses.get(200), 80);
  // Without keep-alive each request had a connection of its own.
  assert.ok(server.ctx.stats.passiveOpens >= 40 + 1);
});

Deno.test("LoadGenerator: a refused connect is an error by errno, and the run ends", async () => {
  const network = new MemoryNetwork({ clock: "system" });
  await using _server = createStack({ network, address: "10.0.0.2/24" });
  await using client = createStack({ network, address: "10.0.0.1/24" });
  const st = await new LoadGenerator(client.ctx, options("/", { total: 3, concurrency: 1 }))
    .run(new AbortController().signal, () => {});
  assert.equal(st.completed, 0);
  assert.equal(st.failed, 3);
  assert.deepEqual([...st.errors.keys()], ["connect ECONNREFUSED"]);
});

Deno.test("bench helpers: URLs and quantiles", () => {
  assert.deepEqual(parseBenchUrl("http://10.0.0.1:8080/x?y"), {
    addr: parseIpv4Address("10.0.0.1")!,
    port: 8080,
    path: "/x?y",
  });
  assert.equal(parseBenchUrl("https://10.0.0.1/"), undefined);
  assert.equal(parseBenchUrl("http://10.0.0.1:70000/"), undefined);
  const sorted = Float64Array.from([1, 2, 3, 4]);
  assert.equal(quantile(sorted, 0.5), 3);
  assert.equal(quantile(sorted, 0.99), 4);
  assert.ok(Number.isNaN(quantile(new Float64Array(0), 0.5)));
});
