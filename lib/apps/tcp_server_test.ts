import assert from "node:assert/strict";
import { mtcp_create_context, mtcp_destroy, mtcp_init } from "../api/mtcp.ts";
import { MemoryNetwork } from "../phy/memory.ts";
import { runTcpServer, type ServerHandler, TcpServer } from "./tcp_server.ts";
import { tcpExchange } from "./tcp_client.ts";

const enc = new TextEncoder();

Deno.test("a streamed source goes out through the send buffer, and one that throws ends its connection after what it gave", async () => {
  assert.equal(mtcp_init({ num_cores: 2 }), 0);
  try {
    const network = new MemoryNetwork({ clock: "system" }); // a hang would end in the timeout
    const server = mtcp_create_context(0, { network, address: "10.0.0.2/24" })!;
    const client = mtcp_create_context(1, { network, address: "10.0.0.1/24" })!;
    const closed: string[] = [];
    // "ok" streams 200 KB in 7-byte reads; "bad" gives 4 bytes, then fails.
    const handler: ServerHandler = {
      onData(c, data) {
        const which = new TextDecoder().decode(data);
        c.send(enc.encode(`${which}:`));
        let left = which === "ok" ? 200_000 : 4;
        c.stream({
          read(into) {
            if (left === 0 && which === "bad") throw new Error("the disk went away");
            const n = Math.min(7, into.length, left);
            into.fill(0x61, 0, n);
            left -= n;
            return n;
          },
          close() {
            closed.push(which);
          },
        });
        if (which === "ok") c.end();
      },
    };
    const abort = new AbortController();
    const serving = runTcpServer(server, 80, handler, { signal: abort.signal });
    const ok = await tcpExchange(client, server.iface.address, 80, enc.encode("ok"));
    assert.equal(ok.length, 3 + 200_000);
    assert.equal(new TextDecoder().decode(ok.subarray(0, 3)), "ok:");
    assert.ok(ok.subarray(3).every((b) => b === 0x61));
    // The failing source: the peer gets what came before, then the end (no hang).
    let timer: ReturnType<typeof setTimeout> | undefined;
    const bad = await Promise.race([
      tcpExchange(client, server.iface.address, 80, enc.encode("bad"), { timeoutMs: 5000 }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("the connection did not end")), 10_000);
      }),
    ]).finally(() => clearTimeout(timer));
    assert.equal(new TextDecoder().decode(bad), "bad:aaaa");
    assert.deepEqual(closed.sort(), ["bad", "ok"], "each source closed once");
    abort.abort();
    await serving;
  } finally {
    mtcp_destroy();
  }
});

Deno.test("TcpServer: full, the oldest idle connection makes room; with none idle a new one is refused with the handler's 503, never silence", async () => {
  const { createStack } = await import("../api/deno_net.ts");
  const { staticHandler } = await import("./http_static.ts");
  const network = new MemoryNetwork({ clock: "system" });
  await using server = createStack({ network, address: "10.0.0.2/24" });
  await using client = createStack({ network, address: "10.0.0.1/24" });
  const files = staticHandler(undefined, { builtin: new Map([["/", enc.encode("hi")]]) });
  const stop = new AbortController();
  const loop = new TcpServer(server.ctx, 80, files, { signal: stop.signal, maxConnections: 2 });
  const running = loop.run();
  const dec = new TextDecoder();
  const readSome = async (conn: Awaited<ReturnType<typeof client.connect>>) => {
    const buf = new Uint8Array(4096);
    const n = await conn.read(buf);
    return n === null ? null : dec.decode(buf.subarray(0, n));
  };
  const get = enc.encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  // Two kept-alive connections, idle after a request each.
  const a = await client.connect({ hostname: "10.0.0.2", port: 80 });
  await a.write(get);
  assert.match((await readSome(a))!, /^HTTP\/1\.1 200 OK/);
  const b = await client.connect({ hostname: "10.0.0.2", port: 80 });
  await b.write(get);
  assert.match((await readSome(b))!, /^HTTP\/1\.1 200 OK/);
  // A third: the oldest idle one (a) is closed to make room.
  const c = await client.connect({ hostname: "10.0.0.2", port: 80 });
  await c.write(get);
  assert.match((await readSome(c))!, /^HTTP\/1\.1 200 OK/);
  assert.equal(await readSome(a), null, "the oldest idle connection was closed");
  assert.equal(loop.stats.evicted, 1);
  // b and c busy (a head under way), so a fourth is refused with a 503.
  await b.write(enc.encode("GET / HT"));
  await c.write(enc.encode("GET / HT"));
  await new Promise((r) => setTimeout(r, 20));
  const d = await client.connect({ hostname: "10.0.0.2", port: 80 });
  const refused = await new Response(d.readable).text();
  assert.match(refused, /^HTTP\/1\.1 503 Service Unavailable\r\n[\s\S]*Connection: close\r\n/);
  assert.equal(loop.stats.refused, 1);
  for (const x of [a, b, c]) x.close();
  stop.abort();
  await running;
});

Deno.test("TcpServer: a connection whose timer runs out is handled by onTimeout (a slow head gets 408) while others are served", async () => {
  const { createStack } = await import("../api/deno_net.ts");
  const { staticHandler } = await import("./http_static.ts");
  const network = new MemoryNetwork({ clock: "system" });
  await using server = createStack({ network, address: "10.0.0.2/24" });
  await using client = createStack({ network, address: "10.0.0.1/24" });
  const files = staticHandler(undefined, {
    builtin: new Map([["/", enc.encode("hi")]]),
    headerTimeoutMs: 300,
  });
  const stop = new AbortController();
  const loop = new TcpServer(server.ctx, 80, files, { signal: stop.signal });
  const running = loop.run();
  const slow = await client.connect({ hostname: "10.0.0.2", port: 80 });
  await slow.write(enc.encode("GET / HTTP/1.1\r\nHo"));
  const start = performance.now();
  const answer = new Response(slow.readable).text();
  // Another client is served meanwhile.
  const quick = await client.connect({ hostname: "10.0.0.2", port: 80 });
  await quick.write(enc.encode("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  assert.match(await new Response(quick.readable).text(), /^HTTP\/1\.1 200 OK/);
  assert.match(await answer, /^HTTP\/1\.1 408 Request Timeout\r\n/);
  const took = performance.now() - start;
  assert.ok(took >= 250 && took < 2000, `closed after ${took.toFixed(0)} ms`);
  assert.equal(files.stats.headerTimeouts, 1);
  assert.equal(loop.stats.timedOut, 1);
  stop.abort();
  await running;
});

Deno.test("an application loop whose epoll_wait always has events still lets the event loop's timers run", async () => {
  assert.equal(mtcp_init({ num_cores: 2 }), 0);
  try {
    const M = await import("../api/mtcp.ts");
    const C = await import("../api/constants.ts");
    const network = new MemoryNetwork({ clock: "system" });
    const server = mtcp_create_context(0, { network, address: "10.0.0.2/24" })!;
    const client = mtcp_create_context(1, { network, address: "10.0.0.1/24" })!;
    const lfd = M.mtcp_socket(server, C.AF_INET, C.SOCK_STREAM, 0);
    M.mtcp_bind(server, lfd, { family: C.AF_INET, addr: 0, port: 80 });
    M.mtcp_listen(server, lfd, 4);
    const fd = M.mtcp_socket(client, C.AF_INET, C.SOCK_STREAM, 0);
    M.mtcp_setsock_nonblock(client, fd);
    M.mtcp_connect(client, fd, { family: C.AF_INET, addr: server.iface.address, port: 80 });
    const ep = M.mtcp_epoll_create(client, 4);
    // Level-triggered EPOLLOUT on a connected socket: ready every time.
    M.mtcp_epoll_ctl(client, ep, C.MTCP_EPOLL_CTL_ADD, fd, { events: C.MTCP_EPOLLOUT, data: fd });
    const events: import("../api/constants.ts").MtcpEpollEvent[] = [];
    await M.mtcp_epoll_wait(client, ep, events, 4, 1000); // connected
    let fired = 0;
    const timer = setInterval(() => fired++, 10);
    const end = performance.now() + 200;
    let rounds = 0;
    while (performance.now() < end) {
      assert.equal(await M.mtcp_epoll_wait(client, ep, events, 4, -1), 1);
      rounds++;
    }
    clearInterval(timer);
    assert.ok(rounds > 100, `${rounds} rounds`);
    assert.ok(fired >= 5, `the 10 ms timer fired ${fired} times in 200 ms of busy loop`);
  } finally {
    mtcp_destroy();
  }
});
