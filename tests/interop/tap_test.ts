/**
 * The Linux kernel against our stack over a real TAP device: the TAP's kernel
 * side lives in a network namespace the test creates (and deletes), with real
 * tools as peers: ping, curl, ab, socat, python's http.server.
 */
import assert from "node:assert/strict";
import * as M from "../../mod.ts";
import {
  interopUnavailable,
  type Link,
  randomBytes,
  sha256,
  tapLink,
  waitUntil,
} from "../_support/netns.ts";

const unavailable = interopUnavailable("curl", "ab", "socat", "ping", "python3");
if (unavailable !== undefined) console.warn(`interop tests ignored: ${unavailable}`);

const SIZES = [0, 1024, 65536, 10 << 20];
const bodies = new Map(SIZES.map((n, i) => [`/f${n}`, randomBytes(n, 100 + i)]));

/** Runs an HTTP responder and an echo server on the link until the test ends. */
async function withServers(link: Link, fn: () => Promise<void>): Promise<void> {
  const stop = new AbortController();
  const http = M.runTcpServer(link.ctx, 80, M.httpHandler((p) => bodies.get(p)), {
    signal: stop.signal,
  });
  const echo = M.runTcpServer(link.ctx, 7, M.echoHandler(), { signal: stop.signal });
  try {
    await fn();
  } finally {
    stop.abort();
    await Promise.all([http, echo]);
  }
}

Deno.test({
  name: "Linux pings our stack, downloads 0 B to 10 MB with curl, runs ab and echoes 1 MB over TAP",
  ignore: unavailable !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const link = await tapLink();
    try {
      await withServers(link, async () => {
        const ping = await link.ns.run(["ping", "-c", "3", "-i", "0.2", "-W", "2", link.ourIp]);
        assert.equal(ping.code, 0, ping.text + ping.stderr);
        assert.match(ping.text, /3 packets transmitted, 3 received/);

        for (const [path, body] of bodies) {
          const r = await link.ns.run([
            "curl",
            "-sS",
            "--fail",
            "--max-time",
            "60",
            `http://${link.ourIp}${path}`,
          ]);
          assert.equal(r.code, 0, `curl ${path}: ${r.stderr}`);
          assert.equal(r.stdout.length, body.length, path);
          assert.equal(await sha256(r.stdout), await sha256(body), path);
        }

        const ab = await link.ns.run([
          "ab",
          "-q",
          "-n",
          "2000",
          "-c",
          "50",
          `http://${link.ourIp}/f1024`,
        ]);
        assert.equal(ab.code, 0, ab.stderr);
        assert.match(ab.text, /Complete requests:\s+2000/);
        assert.match(ab.text, /Failed requests:\s+0/);
        console.log(ab.text.match(/Requests per second:.*/)?.[0]);

        const data = randomBytes(1 << 20, 7);
        const echo = await link.ns.run(["socat", "-t", "10", "-", `TCP:${link.ourIp}:7`], data);
        assert.equal(echo.code, 0, echo.stderr);
        assert.equal(echo.stdout.length, data.length);
        assert.equal(await sha256(echo.stdout), await sha256(data));
      });
      const c = link.device.counters();
      assert.equal(c.rxErrors + c.txErrors, 0);
    } finally {
      await link.close();
    }
  },
});

Deno.test({
  name: "our stack downloads 10 MB from a kernel HTTP server and makes 1000 short connections",
  ignore: unavailable !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const link = await tapLink();
    const dir = await Deno.makeTempDir();
    const file = randomBytes(10 << 20, 55);
    await Deno.writeFile(`${dir}/big`, file);
    await Deno.writeTextFile(`${dir}/small`, "hello\n");
    const server = link.ns.spawn([
      "python3",
      "-m",
      "http.server",
      "8000",
      "--bind",
      link.kernelIp,
      "--directory",
      dir,
    ]);
    try {
      await waitUntil(
        link.ns,
        ["python3", "-c", `import socket; socket.create_connection(("${link.kernelIp}", 8000), 1)`],
      );
      const kernel = M.parseIpv4Address(link.kernelIp)!;
      const big = await M.httpGet(link.ctx, kernel, 8000, "/big", { timeoutMs: 60_000 });
      assert.equal(big.status, 200);
      assert.equal(await sha256(big.body), await sha256(file));
      const t0 = performance.now();
      for (let i = 0; i < 1000; i++) {
        const r = await M.httpGet(link.ctx, kernel, 8000, "/small");
        assert.equal(r.status, 200, `request ${i}`);
        assert.equal(new TextDecoder().decode(r.body), "hello\n", `request ${i}`);
      }
      console.log(`1000 connections in ${(performance.now() - t0).toFixed(0)} ms`);
    } finally {
      server.kill();
      await server.output();
      await link.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
