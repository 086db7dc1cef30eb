import assert from "node:assert/strict";
import { createStack } from "../api/deno_net.ts";
import { MemoryNetwork } from "../phy/memory.ts";
import { parseIpv4Address } from "../wire/address.ts";
import { readUpstreamFile, resolveUpstreams, TcpProxy, UpstreamPool } from "./proxy.ts";
import type { SessionEntry } from "./logs.ts";
import { echoHandler, runTcpServer } from "./tcp_server.ts";
import { httpHandler } from "./http_static.ts";

const enc = new TextEncoder();

Deno.test("UpstreamPool: round robin, hash by client, down for fail_timeout, -1 when all are down", () => {
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
  assert.equal(hash.pick(0, 0x0a000001, 1000), a, "back when fail_timeout has passed");
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
  const sessions: SessionEntry[] = [];
  const proxy = new TcpProxy(front.ctx, 8080, pool, {
    highWaterBytes: 4096,
    onSession: (e) => sessions.push(e),
  });
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
  // The connection log: one entry per client, its bytes both ways.
  assert.equal(sessions.length, 2);
  for (const e of sessions) {
    assert.match(e.client, /^10\.0\.0\.1:\d+$/);
    assert.equal(e.upstream, "10.0.0.3:7");
    assert.equal(e.status, 200);
    assert.equal(e.bytesSent, payload.length);
    assert.equal(e.bytesReceived, payload.length);
    assert.equal(e.end, "closed");
    assert.ok(e.durationMs >= 0);
  }
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

Deno.test("UpstreamPool: max_fails within fail_timeout take an upstream out; it comes back when the time is over, each change told", () => {
  const ups = [{ addr: 1, port: 1 }, { addr: 2, port: 2 }];
  const events: string[] = [];
  const pool = new UpstreamPool(ups, "rr", {
    maxFails: 3,
    failTimeoutMs: 1000,
    onChange: (u, up, why) => events.push(`${u.port} ${up ? "up" : "down"} ${why}`),
  });
  pool.markDown(0, 0, "refused");
  pool.markDown(0, 1500, "refused"); // the first no longer counts
  pool.markDown(0, 1600, "refused");
  assert.ok(pool.isUp(0, 1700), "two failures within 1 s: still up");
  pool.markDown(0, 1700, "refused");
  assert.ok(!pool.isUp(0, 1700));
  assert.deepEqual([0, 1, 2].map(() => pool.pick(0, 0, 2000)), [1, 1, 1]);
  assert.deepEqual(events, ["1 down refused"]);
  assert.equal(pool.states[0]!.failures, 4);
  assert.equal(pool.states[0]!.up, false);
  assert.notEqual(pool.pick(0, 0, 2700), -1);
  assert.deepEqual(events, ["1 down refused", "1 up fail_timeout over"]);
  assert.equal(pool.states[0]!.up, true);
});

Deno.test("UpstreamPool: leastconn picks the fewest active connections, round robin among equals", () => {
  const ups = [{ addr: 1, port: 1 }, { addr: 2, port: 2 }, { addr: 3, port: 3 }];
  const pool = new UpstreamPool(ups, "leastconn");
  const picks: number[] = [];
  for (let i = 0; i < 6; i++) {
    const k = pool.pick(0, 0, 0);
    picks.push(k);
    pool.active(k, 1);
  }
  assert.deepEqual(picks.toSorted(), [0, 0, 1, 1, 2, 2]);
  pool.active(2, -2);
  assert.equal(pool.pick(0, 0, 0), 2);
  assert.deepEqual(pool.states.map((s) => s.active), [2, 2, 0]);
  assert.notEqual(pool.pick(1, 0, 0, 2), 2, "a retry passes over the upstream that just failed");
  assert.equal(
    new UpstreamPool(ups.slice(0, 1), "leastconn").pick(1, 0, 0, 0),
    0,
    "unless it is the only one",
  );
});

Deno.test("UpstreamPool: fall failed checks in a row take an upstream out, rise passes bring it back at once", () => {
  const ups = [{ addr: 1, port: 1 }, { addr: 2, port: 2 }];
  const events: string[] = [];
  const pool = new UpstreamPool(ups, "rr", {
    rise: 2,
    fall: 2,
    onChange: (u, up, why) => events.push(`${u.port} ${up ? "up" : "down"} ${why}`),
  });
  pool.checked(0, false, 0, "timed out");
  pool.checked(0, true, 0, "ok"); // the streak is broken
  pool.checked(0, false, 0, "timed out");
  assert.ok(pool.isUp(0, 0));
  pool.checked(0, false, 0, "timed out");
  assert.ok(!pool.isUp(0, 0));
  assert.ok(!pool.isUp(0, 1e9), "a check-down upstream stays down whatever the time");
  pool.checked(0, true, 0, "ok");
  assert.ok(!pool.isUp(0, 0));
  pool.markDown(0, 0, "refused"); // also passively down for 10 s
  pool.checked(0, true, 0, "ok");
  assert.ok(pool.isUp(0, 0), "two passes bring it back before fail_timeout");
  assert.deepEqual(events, ["1 down timed out", "1 up ok"]);
});

Deno.test("TcpProxy: active checks take out an upstream nobody answers and one that fails the HTTP check, before any client is sent there", async () => {
  const network = new MemoryNetwork({ clock: "system" });
  await using backend = createStack({ network, address: "10.0.0.3/24" });
  await using front = createStack({ network, address: "10.0.0.2/24" });
  await using client = createStack({ network, address: "10.0.0.1/24" });
  const stop = new AbortController();
  const body = enc.encode("ok\n");
  const web = runTcpServer(
    backend.ctx,
    80,
    httpHandler((p) => p === "/health" ? body : undefined),
    {
      signal: stop.signal,
    },
  );
  const echo = runTcpServer(backend.ctx, 7, echoHandler(), { signal: stop.signal });
  const b = parseIpv4Address("10.0.0.3")!;
  const events: string[] = [];
  // 9: nobody listens; 7: an echo server, which answers no HTTP; 80: passes.
  const pool = new UpstreamPool(
    [{ addr: b, port: 9 }, { addr: b, port: 7 }, { addr: b, port: 80 }],
    "rr",
    {
      fall: 1,
      onChange: (u, up, why) => events.push(`${u.port} ${up ? "up" : "down"}: ${why}`),
    },
  );
  const proxy = new TcpProxy(front.ctx, 8080, pool, {
    healthCheck: { kind: "http", path: "/health", intervalMs: 50, timeoutMs: 500 },
  });
  const running = proxy.run(stop.signal);
  const deadline = Date.now() + 5000;
  while (events.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(events.toSorted(), [
    "7 down: check got no HTTP status line",
    "9 down: check connect failed",
  ]);
  for (let i = 0; i < 3; i++) {
    const conn = await client.connect({ hostname: "10.0.0.2", port: 8080 });
    await conn.write(enc.encode("GET /health HTTP/1.0\r\n\r\n"));
    const text = await new Response(conn.readable).text();
    assert.match(text, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nok\n$/);
  }
  // Checks keep running: some passed (port 80) and some failed.
  while (proxy.checks.passed < 3 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 10));
  }
  stop.abort();
  await running;
  await Promise.all([web, echo]);
  assert.equal(proxy.stats.upstreamFailures, 0, "no client was sent to a down upstream");
  assert.equal(proxy.stats.forwarded, 3);
  assert.deepEqual(pool.states.map((s) => s.connects), [0, 0, 3]);
  assert.deepEqual(
    pool.states.map((s) => s.active),
    [0, 0, 0],
    "every upstream connection counted out",
  );
  assert.ok(proxy.checks.passed >= 3 && proxy.checks.failed >= 2, JSON.stringify(proxy.checks));
});

Deno.test("TcpProxy: after the signal, open pairs get drainMs to finish, then are closed and logged as shutdown", async () => {
  const network = new MemoryNetwork({ clock: "system" });
  await using backend = createStack({ network, address: "10.0.0.3/24" });
  await using front = createStack({ network, address: "10.0.0.2/24" });
  await using client = createStack({ network, address: "10.0.0.1/24" });
  const stopEcho = new AbortController();
  const echo = runTcpServer(backend.ctx, 7, echoHandler(), { signal: stopEcho.signal });
  const pool = new UpstreamPool([{ addr: parseIpv4Address("10.0.0.3")!, port: 7 }], "rr");
  const sessions: SessionEntry[] = [];
  const proxy = new TcpProxy(front.ctx, 8080, pool, {
    drainMs: 300,
    onSession: (e) => sessions.push(e),
  });
  const stop = new AbortController();
  const running = proxy.run(stop.signal);
  const conn = await client.connect({ hostname: "10.0.0.2", port: 8080 });
  await conn.write(enc.encode("hi"));
  assert.equal(await conn.read(new Uint8Array(2)), 2);
  const t0 = performance.now();
  stop.abort();
  await running;
  const took = performance.now() - t0;
  assert.ok(took >= 250 && took < 2000, `drained in ${took} ms`);
  assert.deepEqual(sessions.map((e) => [e.status, e.bytesSent, e.bytesReceived, e.end]), [[
    200,
    2,
    2,
    "shutdown",
  ]]);
  conn.close();
  stopEcho.abort();
  await echo;
});

Deno.test("UpstreamPool.replace keeps the state of upstreams in both lists; readUpstreamFile names the line at fault", async () => {
  const a = { addr: 1, port: 1 }, b = { addr: 2, port: 2 }, c = { addr: 3, port: 3 };
  const pool = new UpstreamPool([a, b], "rr", { failTimeoutMs: 1000 });
  pool.markDown(1, 0, "refused");
  pool.connecting(1);
  const held = pool.at(0);
  held.state.active++;
  pool.replace([{ addr: 2, port: 2 }, c]);
  assert.equal(String(pool), "0.0.0.2:2,0.0.0.3:3");
  assert.equal(pool.indexOf(a), -1, "a is gone");
  assert.deepEqual(pool.states.map((s) => [s.connects, s.failures, s.up]), [[1, 1, false], [
    0,
    0,
    true,
  ]]);
  assert.equal(pool.pick(0, 0, 500), 1, "b is still down");
  held.state.active--; // a pair to a removed upstream ends: nothing in the pool moves
  assert.deepEqual(pool.states.map((s) => s.active), [0, 0]);
  const file = await Deno.makeTempFile();
  try {
    await Deno.writeTextFile(file, "# upstreams\n10.0.0.3:80  # web\n\n10.0.0.4:80,10.0.0.5:81\n");
    assert.deepEqual((await readUpstreamFile(file)).map((u) => u.port), [80, 80, 81]);
    await Deno.writeTextFile(file, "10.0.0.3:80\nweb:80\n10.0.0.3\n");
    const noDns = () => Promise.reject(Object.assign(new Error("x"), { code: "ENOTFOUND" }));
    await assert.rejects(
      readUpstreamFile(file, noDns),
      new RegExp(`^Error: ${file}:2: cannot resolve web: ENOTFOUND$`),
    );
    const ups = await readUpstreamFile(file, () => Promise.resolve(0x0a000009)).catch((e) =>
      e.message
    );
    assert.equal(ups, `${file}:3: not HOST:PORT: 10.0.0.3`);
    await Deno.writeTextFile(file, "# none\n");
    await assert.rejects(readUpstreamFile(file), /no upstream/);
    // A name resolved by the system's resolver (/etc/hosts here).
    assert.deepEqual(await resolveUpstreams("localhost:8001"), [{ addr: 0x7f000001, port: 8001 }]);
    await assert.rejects(resolveUpstreams("10.0.0.300:80"), /not an IPv4 address: 10\.0\.0\.300/);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("TcpProxy.replaceUpstreams: an open pair goes on, the next client goes to the new list", async () => {
  const network = new MemoryNetwork({ clock: "system" });
  await using backend = createStack({ network, address: "10.0.0.3/24" });
  await using front = createStack({ network, address: "10.0.0.2/24" });
  await using client = createStack({ network, address: "10.0.0.1/24" });
  const stop = new AbortController();
  const b = parseIpv4Address("10.0.0.3")!;
  const echo7 = runTcpServer(backend.ctx, 7, echoHandler(), { signal: stop.signal });
  const echo8 = runTcpServer(backend.ctx, 8, echoHandler(), { signal: stop.signal });
  const sessions: SessionEntry[] = [];
  const pool = new UpstreamPool([{ addr: b, port: 7 }], "rr");
  const proxy = new TcpProxy(front.ctx, 8080, pool, { onSession: (e) => sessions.push(e) });
  const running = proxy.run(stop.signal);
  const first = await client.connect({ hostname: "10.0.0.2", port: 8080 });
  await first.write(enc.encode("a"));
  assert.equal(await first.read(new Uint8Array(1)), 1);
  proxy.replaceUpstreams([{ addr: b, port: 8 }]);
  const second = await client.connect({ hostname: "10.0.0.2", port: 8080 });
  await second.write(enc.encode("b"));
  assert.equal(await second.read(new Uint8Array(1)), 1);
  await first.write(enc.encode("c")); // the old pair still carries bytes
  assert.equal(await first.read(new Uint8Array(1)), 1);
  first.close();
  second.close();
  while (sessions.length < 2) await new Promise((r) => setTimeout(r, 5));
  stop.abort();
  await running;
  await Promise.all([echo7, echo8]);
  assert.deepEqual(sessions.map((e) => [e.upstream, e.bytesSent]).toSorted(), [
    ["10.0.0.3:7", 2],
    ["10.0.0.3:8", 1],
  ]);
  assert.deepEqual(pool.states.map((s) => [s.connects, s.active]), [[1, 0]]);
});
