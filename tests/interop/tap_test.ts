/**
 * The Linux kernel against our stack over a real TAP device: the TAP's kernel
 * side lives in a network namespace the test creates (and deletes), with real
 * tools as peers: ping, curl, ab, socat, python's http.server.
 */
import assert from "node:assert/strict";
import * as M from "../../lib/mod.ts";
import {
  assertEcho,
  Capture,
  curl,
  interopUnavailable,
  kernelHttpServer,
  ourServers,
  randomBytes,
  sha256,
  stopChild,
  tapLink,
  tsharkFields,
  waitUntil,
} from "../_support/netns.ts";

const unavailable = interopUnavailable("curl", "ab", "socat", "ping", "python3");
if (unavailable !== undefined) console.warn(`interop tests ignored: ${unavailable}`);

const SIZES = [0, 1024, 65536, 10 << 20];
const bodies = new Map(SIZES.map((n, i) => [`/f${n}`, randomBytes(n, 100 + i)]));
const OPTIONS = [
  "tcp.options.mss_val",
  "tcp.options.wscale.shift",
  "tcp.options.sack_perm",
  "tcp.options.timestamp.tsval",
];

Deno.test({
  name: "Linux pings our stack, downloads 0 B to 10 MB with curl, runs ab and echoes 1 MB over TAP",
  ignore: unavailable !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const link = await tapLink();
    const servers = ourServers(link, (p) => bodies.get(p));
    try {
      const ping = await link.ns.run(["ping", "-c", "3", "-i", "0.2", "-W", "2", link.ourIp]);
      assert.equal(ping.code, 0, ping.text + ping.stderr);
      assert.match(ping.text, /3 packets transmitted, 3 received/);

      for (const [path, body] of bodies) {
        const r = await curl(link, path);
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

      await assertEcho(link, randomBytes(1 << 20, 7));
      const c = link.device.counters();
      assert.equal(c.rxErrors + c.txErrors, 0);
    } finally {
      await servers.stop();
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
    const file = randomBytes(10 << 20, 55);
    const kernel = await kernelHttpServer(link, {
      big: file,
      small: new TextEncoder().encode("hello\n"),
    });
    try {
      const big = await kernel.get("/big", { timeoutMs: 60_000 });
      assert.equal(big.status, 200);
      assert.equal(await sha256(big.body), await sha256(file));
      const t0 = performance.now();
      for (let i = 0; i < 1000; i++) {
        const r = await kernel.get("/small");
        assert.equal(r.status, 200, `request ${i}`);
        assert.equal(new TextDecoder().decode(r.body), "hello\n", `request ${i}`);
      }
      console.log(`1000 connections in ${(performance.now() - t0).toFixed(0)} ms`);
    } finally {
      await kernel.stop();
      await link.close();
    }
  },
});

Deno.test({
  name: "10 MB each way stays byte-identical with 5 % loss and reordering both ways on our side",
  ignore: unavailable !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const impair = { loss: 0.05, reorder: 0.05 };
    const link = await tapLink({ impair: { rx: impair, tx: impair, seed: 11 } });
    const echo = link.ns.spawn(["socat", "-t", "60", "TCP-LISTEN:7007,reuseaddr", "EXEC:cat"]);
    try {
      await waitUntil(link.ns, ["sh", "-c", "ss -ltn | grep -q :7007"]);
      const data = randomBytes(10 << 20, 77);
      const back = await M.tcpExchange(link.ctx, M.parseIpv4Address(link.kernelIp)!, 7007, data, {
        shutdownAfterSend: true,
        timeoutMs: 240_000,
      });
      assert.equal(back.length, data.length);
      assert.equal(await sha256(back), await sha256(data));
    } finally {
      await stopChild(echo);
      await link.close();
    }
  },
});

Deno.test({
  name:
    "tshark on the kernel side: valid checksums, no ACK of unseen data, no RST, options negotiated",
  ignore: unavailable !== undefined || interopUnavailable("tcpdump", "tshark") !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const link = await tapLink();
    const servers = ourServers(link, (p) => bodies.get(p));
    const kernel = await kernelHttpServer(link, { f: randomBytes(1 << 20, 5) });
    const dir = await Deno.makeTempDir();
    const capture = await Capture.start(link.ns, link.kernelIf, `${dir}/kernel.pcap`);
    try {
      const r = await curl(link, "/f65536");
      assert.equal(r.code, 0, r.stderr);
      const data = randomBytes(256 << 10, 8);
      const e = await link.ns.run(["socat", "-t", "10", "-", `TCP:${link.ourIp}:7`], data);
      assert.equal(e.stdout.length, data.length);
      assert.equal((await kernel.get("/f")).body.length, 1 << 20);
      await capture.stop();
      const f = capture.file;
      const all = await tsharkFields(f, "tcp", ["frame.number"]);
      assert.ok(all.length > 100, `${all.length} TCP frames captured`);
      const bad = "ip.checksum.status == 0 || tcp.checksum.status == 0";
      const badFrames = await tsharkFields(f, bad, ["frame.number"]);
      if (badFrames.length > 0) await Deno.copyFile(f, `/tmp/bad-${Deno.pid}.pcap`);
      assert.deepEqual(badFrames, []);
      assert.deepEqual(
        await tsharkFields(f, "tcp.analysis.ack_lost_segment", ["frame.number"]),
        [],
      );
      assert.deepEqual(await tsharkFields(f, "tcp.flags.reset == 1", ["frame.number"]), []);
      // Every option the Linux peer offers, we negotiate: in our SYN-ACKs and our SYN.
      const kernelSyn = await tsharkFields(
        f,
        `tcp.flags.syn == 1 && tcp.flags.ack == 0 && ip.src == ${link.kernelIp}`,
        OPTIONS,
      );
      assert.ok(kernelSyn.length >= 2);
      for (const line of kernelSyn) {
        assert.equal(line.split("\t").filter((x) => x !== "").length, 4, line);
      }
      const ours = await tsharkFields(f, `tcp.flags.syn == 1 && ip.src == ${link.ourIp}`, OPTIONS);
      assert.ok(ours.length >= 3, `${ours.length} SYNs of ours`);
      for (const line of ours) {
        const [mss, ws, sack, ts] = line.split("\t");
        assert.equal(mss, "1460", line);
        assert.ok(ws !== "" && sack !== "" && ts !== "", line);
      }
    } finally {
      await servers.stop();
      await kernel.stop();
      await link.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "serveHttp over TAP: curl POSTs a chunked 2 MB body and gets it back streamed, keep-alive reused",
  ignore: unavailable !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const link = await tapLink();
    const stack = new M.NetStack(link.ctx, link.ctx.network, undefined);
    const http = M.serveHttp(stack, { port: 8080 }, (req) => {
      if (req.method === "POST") {
        // Stream the request body back as it arrives (chunked both ways).
        return new Response(req.body);
      }
      return new Response(`you asked for ${new URL(req.url).pathname}\n`);
    });
    const dir = await Deno.makeTempDir();
    try {
      const data = randomBytes(2 << 20, 41);
      await Deno.writeFile(`${dir}/up`, data);
      const r = await link.ns.run([
        "curl",
        "-sS",
        "--max-time",
        "60",
        "-H",
        "Transfer-Encoding: chunked",
        "--data-binary",
        `@${dir}/up`,
        `http://${link.ourIp}:8080/echo`,
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(await sha256(r.stdout), await sha256(data));
      const two = await link.ns.run([
        "curl",
        "-sS",
        "-v",
        `http://${link.ourIp}:8080/a`,
        `http://${link.ourIp}:8080/b`,
      ]);
      assert.equal(two.text, "you asked for /a\nyou asked for /b\n");
      assert.match(two.stderr, /Re-using existing connection/);
    } finally {
      await http.shutdown();
      await link.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
