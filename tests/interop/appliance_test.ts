/**
 * The appliance's commands end to end against the Linux kernel: each test
 * runs `cli.ts` inside a network namespace it creates (the CLI makes its TAP
 * there, with `--host-ip` for the kernel side) and drives it with the
 * kernel's tools: curl and ab against `serve`, ab through `proxy` to python's
 * http.server, `bench` against nginx. Namespaces are deleted at the end.
 */
import assert from "node:assert/strict";
import {
  cliNamespace,
  CliProcess,
  interopUnavailable,
  Netns,
  randomBytes,
  run,
  sha256,
  stopChild,
  tsharkFields,
  waitUntil,
} from "../_support/netns.ts";

const unavailable = interopUnavailable("curl", "ab", "socat", "python3", "tshark");

const KERNEL = "10.0.0.1";
const OURS = "10.0.0.2";

/** A namespace and the common flags of a CLI whose TAP lives in it. */
function setup(): Promise<{ ns: Netns; tap: string; flags: string[] }> {
  return cliNamespace("mta");
}

async function curlIn(ns: Netns, ...args: string[]) {
  return await ns.run(["curl", "-sS", "--max-time", "20", ...args]);
}

Deno.test({
  name:
    "serve --http against curl and ab: files, every status code, traversal refused, pcap, stats, config, SIGTERM",
  ignore: unavailable !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const { ns, tap, flags } = await setup();
    const dir = await Deno.makeTempDir();
    const www = `${dir}/www`;
    await Deno.mkdir(`${www}/sub`, { recursive: true });
    await Deno.writeTextFile(`${www}/index.html`, "<h1>home</h1>\n");
    await Deno.writeTextFile(`${www}/sub/index.html`, "sub index\n");
    await Deno.writeTextFile(`${www}/style.css`, "body{}\n");
    const big = randomBytes(3 << 20, 21);
    await Deno.writeFile(`${www}/big.bin`, big);
    await Deno.writeTextFile(`${dir}/secret.txt`, "secret\n");
    await Deno.symlink(`${dir}/secret.txt`, `${www}/escape.txt`);
    await Deno.writeTextFile(
      `${dir}/mtcp.conf`,
      "# a real mtcp.conf\nmax_concurrency = 4096\nmax_num_buffers = 4096\ntcp_timewait = 0\n",
    );
    const cli = CliProcess.start(ns, [
      "serve",
      ...flags,
      "--port",
      "8080",
      "--http",
      www,
      "--stats",
      "--pcap",
      `${dir}/serve.pcap`,
      "--config",
      `${dir}/mtcp.conf`,
    ]);
    try {
      const listening = await cli.waitFor(/^listening on /);
      assert.equal(listening, `listening on ${OURS}:8080 (http ${www}) via tap:${tap}`);
      const url = `http://${OURS}:8080`;
      const status = async (...args: string[]) =>
        (await curlIn(ns, "-o", "/dev/null", "-w", "%{http_code}", ...args)).text;

      assert.equal((await curlIn(ns, `${url}/`)).text, "<h1>home</h1>\n");
      assert.equal((await curlIn(ns, `${url}/sub/`)).text, "sub index\n");
      const got = await curlIn(ns, `${url}/big.bin`);
      assert.equal(await sha256(got.stdout), await sha256(big));
      const css = await curlIn(ns, "-D", "-", "-o", "/dev/null", `${url}/style.css`);
      assert.match(css.text, /Content-Type: text\/css/);
      // Range: 206 with exactly the bytes asked for; past the end: 416.
      const part = await curlIn(ns, "-r", "1000-1999", `${url}/big.bin`);
      assert.deepEqual(part.stdout, big.subarray(1000, 2000));
      assert.equal(await status("-r", "1000-1999", `${url}/big.bin`), "206");
      assert.equal(await status("-r", `${4 << 20}-`, `${url}/big.bin`), "416");
      assert.equal(await status(`${url}/missing`), "404");
      // Traversal: .. and a symlink out of the root are refused.
      const dots = await curlIn(
        ns,
        "--path-as-is",
        "-w",
        "%{http_code}",
        `${url}/../../../etc/passwd`,
      );
      assert.match(dots.text, /404$/);
      assert.doesNotMatch(dots.text, /root:/);
      assert.equal(await status("--path-as-is", `${url}/sub/../../secret.txt`), "404");
      assert.equal(await status(`${url}/escape.txt`), "404");
      assert.equal(await status(`${url}/%2e%2e/secret.txt`), "404");
      assert.equal(await status("-X", "POST", `${url}/`), "405");
      assert.equal(await status(`${url}/${"a".repeat(9000)}`), "414");
      assert.equal(await status("-H", `X-Big: ${"b".repeat(20000)}`, `${url}/`), "431");
      const head = await curlIn(ns, "-I", `${url}/big.bin`);
      assert.match(head.text, new RegExp(`Content-Length: ${big.length}`));
      const raw = async (request: string) =>
        (await ns.run(
          ["socat", "-t", "2", "-", `TCP:${OURS}:8080`],
          new TextEncoder().encode(request),
        )).text;
      assert.match(await raw("GET / HTTP/1.1\r\n\r\n"), /^HTTP\/1\.1 400 /); // no Host
      assert.match(await raw("GET / HTTP/2.0\r\nHost: x\r\n\r\n"), /^HTTP\/1\.1 505 /);
      assert.match(await raw("garbage\r\n\r\n"), /^HTTP\/1\.1 400 /);
      // Pipelining: two requests in one write, two responses in order.
      const two = await raw(
        `GET /sub/ HTTP/1.1\r\nHost: x\r\n\r\nGET /style.css HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      );
      assert.match(two, /sub index\n[\s\S]*HTTP\/1\.1 200 OK[\s\S]*body\{\}/);

      const ab = await ns.run(["ab", "-q", "-n", "2000", "-c", "50", `${url}/index.html`]);
      assert.match(ab.text, /Complete requests:\s+2000/);
      assert.match(ab.text, /Failed requests:\s+0/);

      // --stats: one parsable line a second; with tcp_timewait = 0 from the
      // config file, the server's closed connections leave no TIME-WAIT.
      const stat =
        /^\[CPU 0\] RX: (\d+) pps \(([\d.]+) Gbps\) TX: (\d+) pps \(([\d.]+) Gbps\) flows: (\d+) new: (\d+)\/s retx: (\d+) drops: (\S+)(?: tcp: \S+)?$/;
      await cli.waitFor(/flows: 0 new: 0\/s/, 5000);
      const busy = cli.lines.filter((l) => stat.test(l)).map((l) => l.match(stat)!);
      assert.ok(busy.some((m) => Number(m[6]) > 100), "a line with new connections per second");

      const code = await cli.stop("SIGTERM");
      assert.equal(code.code, 0, cli.errors.join("\n"));
      assert.ok(
        cli.lines.some((l) => /^responses: .*200=\d+.*404=\d+/.test(l)),
        cli.lines.join("\n"),
      );
      assert.ok(cli.lines.some((l) => /^final: RX \d+ packets/.test(l)));
      // The TAP the CLI created is gone with it.
      assert.notEqual((await ns.run(["ip", "link", "show", tap])).code, 0);
      // The capture opens in tshark: TCP frames, no malformed packet.
      const frames = await tsharkFields(`${dir}/serve.pcap`, "tcp", ["frame.number"]);
      assert.ok(frames.length > 1000, `${frames.length} frames`);
      assert.deepEqual(
        await tsharkFields(`${dir}/serve.pcap`, "_ws.malformed", ["frame.number"]),
        [],
      );
    } finally {
      await cli.stop("SIGKILL");
      await ns.delete();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "serve --echo and --discard against socat",
  ignore: unavailable !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const { ns, flags } = await setup();
    const echo = CliProcess.start(ns, ["serve", ...flags, "--port", "7", "--echo"]);
    try {
      await echo.waitFor(/^listening on 10\.0\.0\.2:7 \(echo\)/);
      const data = randomBytes(1 << 20, 3);
      const r = await ns.run(["socat", "-t", "10", "-", `TCP:${OURS}:7`], data);
      assert.equal(await sha256(r.stdout), await sha256(data));
      assert.equal((await echo.stop()).code, 0);
      const discard = CliProcess.start(ns, ["serve", ...flags, "--port", "9", "--discard"]);
      await discard.waitFor(/^listening on 10\.0\.0\.2:9 \(discard\)/);
      const d = await ns.run(["socat", "-t", "2", "-", `TCP:${OURS}:9`], data);
      assert.equal(d.code, 0, d.stderr);
      assert.equal(d.stdout.length, 0);
      assert.equal((await discard.stop()).code, 0);
      assert.ok(
        discard.lines.some((l) => new RegExp(`bytes: ${data.length} in, 0 out`).test(l)),
        discard.lines.join("\n"),
      );
    } finally {
      await echo.stop("SIGKILL");
      await ns.delete();
    }
  },
});

Deno.test({
  name:
    "proxy in front of two python http.servers, leastconn with HTTP checks: ab through it, a killed upstream is taken out by its checks (event line) and routed around, none left means RST",
  ignore: unavailable !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const { ns, flags } = await setup();
    const dir = await Deno.makeTempDir();
    const body = randomBytes(20000, 9);
    await Deno.writeFile(`${dir}/data`, body);
    const cli = CliProcess.start(ns, [
      "proxy",
      ...flags,
      "--listen",
      "9000",
      "--upstream",
      `${KERNEL}:8001,${KERNEL}:8002`,
      "--balance",
      "leastconn",
      "--health-check",
      "http:/data",
      "--health-interval",
      "0.2",
      "--fall",
      "1",
      "--access-log",
      `${dir}/conn.log`,
    ]);
    const events = (re: RegExp) => cli.errors.filter((l) => re.test(l)).length;
    const eventually = async (what: string, ok: () => boolean) => {
      const deadline = Date.now() + 10_000;
      while (!ok()) {
        if (Date.now() > deadline) throw new Error(`${what}; stderr: ${cli.errors.join(" | ")}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const stamp = "^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z upstream 10\\.0\\.0\\.1:";
    const upstreams: Deno.ChildProcess[] = [];
    try {
      await cli.waitFor(
        /^listening on 10\.0\.0\.2:9000 \(proxy to 10\.0\.0\.1:8001,10\.0\.0\.1:8002, leastconn\)/,
      );
      // Nothing listens yet: the first checks take both out.
      await cli.waitFor(new RegExp(`${stamp}8001 down: check connect failed$`));
      await cli.waitFor(new RegExp(`${stamp}8002 down: check connect failed$`));
      for (const port of ["8001", "8002"]) {
        upstreams.push(
          ns.spawn(["python3", "-m", "http.server", port, "--bind", KERNEL, "--directory", dir]),
        );
        await waitUntil(ns, [
          "python3",
          "-c",
          `import socket; socket.create_connection(("${KERNEL}", ${port}), 1)`,
        ]);
      }
      // Each is back with its first passed check.
      await cli.waitFor(new RegExp(`${stamp}8001 up: check passed \\(200\\)$`));
      await cli.waitFor(new RegExp(`${stamp}8002 up: check passed \\(200\\)$`));
      const url = `http://${OURS}:9000/data`;
      const got = await curlIn(ns, url);
      assert.equal(await sha256(got.stdout), await sha256(body));
      const ab = await ns.run(["ab", "-q", "-n", "1000", "-c", "20", url]);
      assert.match(ab.text, /Complete requests:\s+1000/);
      assert.match(ab.text, /Failed requests:\s+0/);
      // One upstream dies: its checks take it out, the proxy skips it.
      await stopChild(upstreams[1]!);
      await eventually("8002 down again", () => events(new RegExp(`${stamp}8002 down: `)) === 2);
      const after = await ns.run(["ab", "-q", "-n", "500", "-c", "20", url]);
      assert.match(after.text, /Complete requests:\s+500/);
      assert.match(after.text, /Failed requests:\s+0/);
      // Both dead: the client is reset.
      await stopChild(upstreams[0]!);
      const t0 = Date.now();
      const none = await curlIn(ns, url);
      // Reset at once: curl says "recv failure" (56), or "couldn't connect" (7)
      // when the RST lands before it has looked at its connected socket.
      assert.ok([7, 56].includes(none.code), `curl exit ${none.code}: ${none.stderr}`);
      assert.ok(Date.now() - t0 < 2000, "a reset, not a timeout");
      assert.equal((await cli.stop()).code, 0);
      const summary = cli.lines.find((l) => l.startsWith("clients:"))!;
      assert.match(summary, /refused \(no upstream\) [1-9]/);
      const ups = cli.lines.find((l) => l.startsWith("upstreams:"))!;
      assert.match(
        ups,
        /^upstreams: 10\.0\.0\.1:8001 down connects \d+ failures \d+; 10\.0\.0\.1:8002 down /,
      );
      assert.match(ups, /; checks passed [1-9]\d* failed [1-9]/);
      // leastconn spread the first 1,001 clients over both (ab keeps 20 open at once); after
      // 8002 went, 8001 took the 500 more.
      const [a1, a2] = [...ups.matchAll(/connects (\d+)/g)].map((m) => Number(m[1]));
      assert.ok(a2! >= 200 && a1! > a2! && a1! + a2! >= 1501, ups);
      // The connection log: a line per client (curl, ab's 1500 or so, the refused curl).
      const conn = (await Deno.readTextFile(`${dir}/conn.log`)).trimEnd().split("\n");
      assert.equal(conn.length, Number(/^clients: (\d+)/.exec(summary)![1]));
      const line =
        /^10\.0\.0\.1:\d+ \[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d \+0000\] TCP (\d{3}) (\d+) (\d+) \d+\.\d{3} "([\d.:-]+)" (.+)$/;
      const parsed = conn.map((l) => line.exec(l) ?? assert.fail(`not a log line: ${l}`));
      const carried = parsed.filter((m) => m[1] === "200");
      assert.equal(carried.length, conn.length - 1);
      // Every answered request is a whole transfer (the first curl, ab's 1000 and 500); ab
      // may open a connection more than it needs and close it unused, logged as it ended.
      const whole = carried.filter((m) =>
        Number(m[2]) > 20000 && Number(m[3]) > 0 && m[5] === "closed"
      );
      assert.ok(whole.length >= 1501, `${whole.length} whole transfers`);
      assert.ok(
        carried.every((m) => whole.includes(m) || m[5] === "closed" || m[5] === "reset"),
        conn.join("\n"),
      );
      assert.ok(carried.every((m) => /^10\.0\.0\.1:800[12]$/.test(m[4]!)));
      assert.deepEqual(parsed.filter((m) => m[1] === "502").map((m) => m[5]), ["no upstream"]);
    } finally {
      for (const u of upstreams) await stopChild(u);
      await cli.stop("SIGKILL");
      await ns.delete();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "bench against nginx: its counts agree with nginx's access log",
  ignore: unavailable !== undefined || interopUnavailable("nginx") !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const { ns, flags } = await setup();
    const dir = await Deno.makeTempDir();
    await Deno.writeTextFile(`${dir}/index.html`, "hello from nginx\n");
    await Deno.writeTextFile(
      `${dir}/nginx.conf`,
      `daemon off; worker_processes 1; pid ${dir}/nginx.pid; error_log ${dir}/error.log;
events { worker_connections 1024; }
http { access_log ${dir}/access.log; client_body_temp_path ${dir}; proxy_temp_path ${dir};
  fastcgi_temp_path ${dir}; uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
  server { listen 8081; root ${dir}; } }
`,
    );
    const nginx = ns.spawn(["nginx", "-c", `${dir}/nginx.conf`, "-p", dir]);
    try {
      await waitUntil(ns, ["sh", "-c", "ss -ltn | grep -q :8081"]);
      for (const keepalive of [false, true]) {
        const before = (await Deno.readTextFile(`${dir}/access.log`).catch(() =>
          ""
        )).split("\n").filter(Boolean).length;
        const cli = CliProcess.start(ns, [
          "bench",
          `http://${KERNEL}:8081/index.html`,
          "-n",
          "600",
          "-c",
          "12",
          ...flags,
          ...(keepalive ? ["--keepalive"] : []),
        ]);
        const code = await cli.status();
        assert.equal(code.code, 0, cli.errors.join("\n") + cli.lines.join("\n"));
        const line = cli.lines.find((l) => l.startsWith("requests:"))!;
        assert.match(line, /^requests: 600 completed, 0 failed/);
        assert.ok(
          cli.lines.some((l) =>
            /^latency ms: p50 [\d.]+ p90 [\d.]+ p99 [\d.]+ max [\d.]+$/.test(l)
          ),
        );
        assert.ok(cli.lines.some((l) => /^rate: [\d.]+ req\/s, [\d.]+ Gbit\/s/.test(l)));
        const after = (await Deno.readTextFile(`${dir}/access.log`)).split("\n").filter(Boolean);
        assert.equal(after.length - before, 600, `nginx logged ${after.length - before}`);
        assert.ok(after.slice(before).every((l) => l.includes('"GET /index.html HTTP/1.1" 200')));
      }
    } finally {
      await stopChild(nginx);
      await run([
        "sh",
        "-c",
        `test -f ${dir}/nginx.pid && kill $(cat ${dir}/nginx.pid) 2>/dev/null; true`,
      ]);
      await ns.delete();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "serve --cores 2: two workers on two queues of one TAP share the connections of ab",
  ignore: unavailable !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const { ns, tap, flags } = await setup();
    const cli = CliProcess.start(ns, ["serve", ...flags, "--cores", "2", "--stats"]);
    try {
      const line = await cli.waitFor(/^listening on /);
      assert.equal(
        line,
        `listening on ${OURS}:8080 (http (built-in page)) via tap:${tap} on 2 cores`,
      );
      const queues = (await ns.must(["ls", `/sys/class/net/${tap}/queues`])).split("\n").filter(
        Boolean,
      );
      assert.deepEqual(queues.sort(), ["rx-0", "rx-1", "tx-0", "tx-1"]);
      const ab = await ns.run(["ab", "-q", "-n", "3000", "-c", "50", `http://${OURS}:8080/`]);
      assert.match(ab.text, /Complete requests:\s+3000/);
      assert.match(ab.text, /Failed requests:\s+0/);
      await cli.waitFor(/^\[ ALL \] RX: \d+ pps/);
      assert.equal((await cli.stop()).code, 0, cli.errors.join("\n"));
      for (const core of [0, 1]) {
        const m = cli.lines.map((l) =>
          new RegExp(`^\\[CPU ${core}\\] connections: (\\d+) accepted`).exec(l)
        )
          .find((x) => x !== null);
        assert.ok(m !== undefined && Number(m[1]) > 100, `core ${core}: ${cli.lines.join("\n")}`);
      }
      assert.notEqual((await ns.run(["ip", "link", "show", tap])).code, 0);
    } finally {
      await cli.stop("SIGKILL");
      await ns.delete();
    }
  },
});

Deno.test({
  name:
    "proxy carries 4 MB each way to a kernel echo: back-pressure holds, half-close reaches both ends",
  ignore: unavailable !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const { ns, flags } = await setup();
    const cli = CliProcess.start(ns, [
      "proxy",
      ...flags,
      "--listen",
      "9000",
      "--upstream",
      `${KERNEL}:8003`,
    ]);
    const echo = ns.spawn([
      "socat",
      "-t",
      "30",
      "TCP-LISTEN:8003,reuseaddr,fork",
      "EXEC:cat",
    ]);
    try {
      await cli.waitFor(/^listening on /);
      await waitUntil(ns, ["sh", "-c", "ss -ltn | grep -q :8003"]);
      const data = randomBytes(4 << 20, 13);
      // socat half-closes after its input; the echo ends only if that EOF
      // crosses the proxy, and socat exits only if the upstream's close does.
      const r = await ns.run(["socat", "-t", "30", "-", `TCP:${OURS}:9000`], data);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.length, data.length);
      assert.equal(await sha256(r.stdout), await sha256(data));
      assert.equal((await cli.stop()).code, 0);
    } finally {
      await stopChild(echo);
      await cli.stop("SIGKILL");
      await ns.delete();
    }
  },
});

Deno.test({
  name: "serve --impair: curl still gets 2 MB byte-identical through 5 % loss and reordering",
  ignore: unavailable !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const { ns, flags } = await setup();
    const dir = await Deno.makeTempDir();
    const body = randomBytes(2 << 20, 17);
    await Deno.writeFile(`${dir}/f`, body);
    const cli = CliProcess.start(ns, [
      "serve",
      ...flags,
      "--http",
      dir,
      "--impair",
      "loss=0.05,reorder=0.05,seed=3",
      "--stats",
    ]);
    try {
      await cli.waitFor(/^listening on /);
      const r = await curlIn(ns, "--max-time", "60", `http://${OURS}:8080/f`);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(await sha256(r.stdout), await sha256(body));
      await cli.waitFor(/retx: [1-9]/, 5000); // losses were repaired by retransmission
      assert.equal((await cli.stop()).code, 0);
    } finally {
      await cli.stop("SIGKILL");
      await ns.delete();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "demo in tap mode: a namespace, serve on a TAP, the kernel's ping and curl, all removed after",
  ignore: unavailable !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const cli = new URL("../../cli.ts", import.meta.url).pathname;
    const r = await run([Deno.execPath(), "run", "-A", cli, "demo"]);
    assert.equal(r.code, 0, r.text + r.stderr);
    assert.match(r.text, /^demo mode: tap /m);
    assert.match(r.text, /3 packets transmitted, 3 received/);
    assert.match(r.text, /This page was served by a user-space TCP\/IPv4 stack/);
    assert.match(r.text, /^ {2}200 1048576 bytes in /m);
    assert.match(r.text, /^demo: ok$/m);
    const ns = (await run(["ip", "netns", "list"])).text;
    assert.doesNotMatch(ns, /mtcp-demo-/);
  },
});
