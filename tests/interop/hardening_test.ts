/**
 * The appliance tried as an attacker would, from a network namespace against
 * `serve --http` on a TAP, with the kernel's tools: a spoofed SYN flood
 * (hping3) while curl keeps asking, slow clients (slowloris) next to quick
 * ones, a client that pipelines more than it reads, a full server, a TAP
 * deleted under a running server, and `bench` run twice in a row.
 * Namespaces are deleted at the end.
 */
import assert from "node:assert/strict";
import {
  cliNamespace,
  CliProcess,
  interopUnavailable,
  Netns,
  waitUntil,
} from "../_support/netns.ts";
import { parseExposition } from "../_support/prometheus.ts";

const unavailable = interopUnavailable("curl", "hping3", "python3");

const KERNEL = "10.0.0.1";
const OURS = "10.0.0.2";

function setup(): Promise<{ ns: Netns; tap: string; flags: string[] }> {
  return cliNamespace("mth");
}

/** One curl in `ns`: its HTTP status and its total time in ms ("000" when it failed). */
async function timedCurl(ns: Netns, url: string): Promise<{ code: string; ms: number }> {
  const r = await ns.run([
    "curl",
    "-s",
    "-o",
    "/dev/null",
    "--max-time",
    "3",
    "-w",
    "%{http_code} %{time_total}",
    url,
  ]);
  const [code, secs] = r.text.trim().split(" ");
  return { code: code ?? "000", ms: Number(secs ?? "0") * 1000 };
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

Deno.test({
  name:
    "a spoofed SYN flood (hping3 --flood --rand-source) does not keep curl out, and the flood's end needs no recovery",
  ignore: unavailable !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const { ns, flags } = await setup();
    const serve = CliProcess.start(ns, ["serve", ...flags, "--port", "8080", "--backlog", "128"]);
    try {
      await serve.waitFor(/^listening on /);
      const url = `http://${OURS}:8080/`;
      assert.equal((await timedCurl(ns, url)).code, "200");
      const flood = new Deno.Command("ip", {
        args: [
          "netns",
          "exec",
          ns.name,
          "timeout",
          "6",
          "hping3",
          "-q",
          "-S",
          "--flood",
          "--rand-source",
          "-p",
          "8080",
          OURS,
        ],
        stdout: "null",
        stderr: "null",
      }).spawn();
      await new Promise((r) => setTimeout(r, 500)); // the flood is under way
      const during: { code: string; ms: number }[] = [];
      const end = performance.now() + 4000;
      while (performance.now() < end) {
        during.push(await timedCurl(ns, url));
        await new Promise((r) => setTimeout(r, 100));
      }
      await flood.status;
      const after = await timedCurl(ns, url);
      const ok = during.filter((r) => r.code === "200").length;
      const times = during.map((r) => r.ms).sort((a, b) => a - b);
      console.log(
        `during the flood: ${ok} of ${during.length} served, p50 ${
          quantile(times, 0.5).toFixed(1)
        } ms, p99 ${quantile(times, 0.99).toFixed(1)} ms; right after: ${after.code} in ${
          after.ms.toFixed(1)
        } ms`,
      );
      assert.ok(ok >= Math.ceil(0.99 * during.length), `${ok} of ${during.length} served`);
      assert.equal(after.code, "200");
      assert.ok(after.ms < 1000, `right after the flood: ${after.ms} ms`);
      assert.equal((await serve.stop()).code, 0);
      const final = serve.lines.find((l) => l.startsWith("final:")) ?? "";
      const sent = /syncookiesSent=(\d+)/.exec(final);
      assert.ok(sent !== null && Number(sent[1]) > 1000, final);
    } finally {
      await serve.stop("SIGKILL");
      await ns.delete();
    }
  },
});

/** A python3 client script run in `ns`, its stdout. */
async function py(ns: Netns, script: string): Promise<string> {
  const r = await ns.run(["python3", "-c", script]);
  assert.equal(r.code, 0, r.stderr);
  return r.text;
}

Deno.test({
  name:
    "slow clients are closed at the header timeout (408) while others are served; a full server answers 503, never silence",
  ignore: unavailable !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const { ns, flags } = await setup();
    const serve = CliProcess.start(ns, [
      "serve",
      ...flags,
      "--port",
      "8080",
      "--header-timeout",
      "2",
      "--max-connections",
      "40",
    ]);
    try {
      await serve.waitFor(/^listening on /);
      const url = `http://${OURS}:8080/`;
      // 40 slowloris connections, a header byte every 0.5 s; meanwhile the
      // server is full of busy connections: a new one is refused with 503.
      const slow = py(
        ns,
        `
import socket, time
conns = [socket.create_connection(("${OURS}", 8080)) for _ in range(40)]
for c in conns: c.sendall(b"GET / HTTP/1.1\\r\\nX-A: ")
start = time.time()
closed, answers = 0, []
while time.time() - start < 6 and closed < len(conns):
  for c in conns:
    if c.fileno() < 0: continue
    try:
      c.setblocking(False)
      data = c.recv(4096)
      if data == b"" or data:
        answers.append(data.split(b"\\r\\n")[0].decode()); closed += 1; c.close(); continue
    except BlockingIOError:
      pass
    try: c.sendall(b"a")
    except OSError: closed += 1; c.close()
  time.sleep(0.5)
print(closed, round(time.time() - start, 1), "|".join(sorted(set(answers))).replace(" ", "_"))
`,
      );
      await new Promise((r) => setTimeout(r, 700));
      const full = await ns.run(["curl", "-s", "-i", "--max-time", "3", url]);
      const quickAfter = slow.then(() => timedCurl(ns, url));
      const [closed, took, answers] = (await slow).trim().split(" ", 3);
      console.log(`slow clients: ${closed} closed after ${took} s with ${answers}`);
      assert.equal(closed, "40");
      assert.ok(Number(took) >= 1.5 && Number(took) < 4, `closed after ${took} s`);
      assert.match(answers!, /HTTP\/1\.1_408_Request_Timeout/);
      assert.match(full.text, /^HTTP\/1\.1 503 Service Unavailable/, full.text + full.stderr);
      assert.equal((await quickAfter).code, "200", "served once the slow ones are gone");
      assert.equal((await serve.stop()).code, 0);
      assert.ok(serve.lines.some((l) => /header timeouts 40\b/.test(l)), serve.lines.join("\n"));
      assert.ok(serve.lines.some((l) => /\b1 refused \(full\)/.test(l)), serve.lines.join("\n"));
    } finally {
      await serve.stop("SIGKILL");
      await ns.delete();
    }
  },
});

Deno.test({
  name:
    "a client pipelining 3000 GETs of a large file cannot raise the server's open files past the bound; other clients get 200",
  ignore: unavailable !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const { ns, flags } = await setup();
    const dir = await Deno.makeTempDir();
    await Deno.writeFile(`${dir}/big.bin`, new Uint8Array(1 << 20));
    await Deno.writeFile(`${dir}/other.bin`, new Uint8Array(1 << 20));
    const serve = CliProcess.start(ns, [
      "serve",
      ...flags,
      "--port",
      "8080",
      "--http",
      dir,
      "--max-open-files",
      "16",
    ]);
    try {
      await serve.waitFor(/^listening on /);
      const pid = serve.pid;
      const fds = () => [...Deno.readDirSync(`/proc/${pid}/fd`)].length;
      const base = fds();
      // The greedy client sends all its requests and reads slowly.
      const greedy = py(
        ns,
        `
import socket, time
c = socket.create_connection(("${OURS}", 8080))
c.sendall(b"GET /big.bin HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n" * 3000)
got = 0
c.settimeout(5)
start = time.time()
while time.time() - start < 3:
  try:
    d = c.recv(65536)
  except socket.timeout:
    break
  if not d: break
  got += len(d)
  time.sleep(0.01)
print(got)
`,
      );
      let most = 0;
      const others: string[] = [];
      for (let i = 0; i < 10; i++) {
        await new Promise((r) => setTimeout(r, 200));
        most = Math.max(most, fds());
        others.push((await timedCurl(ns, `http://${OURS}:8080/other.bin`)).code);
      }
      const got = Number((await greedy).trim());
      console.log(
        `greedy client read ${got} bytes; server descriptors ${base} at start, at most ${most}`,
      );
      assert.ok(got > 1 << 20, "the greedy client was served too");
      assert.ok(most - base <= 16 + 8, `descriptors grew by ${most - base}`);
      assert.deepEqual(new Set(others), new Set(["200"]));
    } finally {
      await serve.stop("SIGKILL");
      await ns.delete();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "a TAP deleted under a running serve is reported at once on stderr, and serve exits 1",
  ignore: unavailable !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const { ns, tap, flags } = await setup();
    const serve = CliProcess.start(ns, ["serve", ...flags, "--port", "8080"]);
    try {
      await serve.waitFor(/^listening on /);
      const start = performance.now();
      const del = await ns.run(["ip", "link", "del", tap]);
      assert.equal(del.code, 0, del.stderr);
      const status = await Promise.race([
        serve.status(),
        new Promise<undefined>((r) => setTimeout(() => r(undefined), 10_000)),
      ]);
      const took = performance.now() - start;
      assert.ok(status !== undefined, "serve did not stop");
      assert.equal(status.code, 1);
      assert.ok(took < 5000, `stopped after ${took.toFixed(0)} ms`);
      const gone = serve.errors.filter((l) => /device is gone/.test(l));
      assert.equal(gone.length, 1, serve.errors.join("\n"));
      assert.match(gone[0]!, new RegExp(`^error: tap:${tap}: the device is gone`));
    } finally {
      await serve.stop("SIGKILL");
      await ns.delete();
    }
  },
});

Deno.test({
  name:
    "bench run twice in a row against the kernel's HTTP server: the second run's SYNs do not wait on the first run's ports (RFC 6056)",
  ignore: unavailable !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const { ns, flags } = await setup();
    const dir = await Deno.makeTempDir();
    await Deno.writeTextFile(`${dir}/index.html`, "hi\n");
    // Bound to every address: the TAP (and 10.0.0.1) appears only when bench starts.
    const server = ns.spawn([
      "python3",
      "-m",
      "http.server",
      "8000",
      "--bind",
      "0.0.0.0",
      "--directory",
      dir,
    ]);
    try {
      await waitUntil(ns, ["sh", "-c", "ss -ltn | grep -q :8000"], 10_000);
      const runs: string[] = [];
      for (let i = 0; i < 2; i++) {
        const bench = CliProcess.start(ns, [
          "bench",
          `http://${KERNEL}:8000/`,
          "-n",
          "300",
          "-c",
          "4", // python's http.server listens with a backlog of 5
          ...flags,
        ]);
        const status = await bench.status();
        assert.equal(status.code, 0, [...bench.lines, ...bench.errors].join("\n"));
        runs.push(bench.lines.find((l) => l.startsWith("latency ms:")) ?? "");
        assert.ok(
          bench.lines.some((l) => /^requests: 300 completed, 0 failed/.test(l)),
          bench.lines.join("\n"),
        );
      }
      console.log(`first: ${runs[0]}; second: ${runs[1]}`);
      const max = Number(/max ([\d.]+)/.exec(runs[1]!)?.[1]);
      assert.ok(max < 900, `the second run waited ${max} ms for a request`);
    } finally {
      try {
        server.kill("SIGKILL");
      } catch {
        // ended
      }
      await ns.delete();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "serve --access-log: one line per response in nginx's combined format, and as JSON",
  ignore: unavailable !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const { ns, flags } = await setup();
    const dir = await Deno.makeTempDir();
    try {
      for (const format of ["combined", "json"]) {
        const file = `${dir}/access-${format}.log`;
        const serve = CliProcess.start(ns, [
          "serve",
          ...flags,
          "--port",
          "8080",
          "--access-log",
          file,
          "--log-format",
          format,
        ]);
        await serve.waitFor(/^listening on /);
        await ns.run(["curl", "-s", "-o", "/dev/null", "-A", "probe/1", `http://${OURS}:8080/`]);
        await ns.run(["curl", "-s", "-o", "/dev/null", `http://${OURS}:8080/nope`]);
        assert.equal((await serve.stop()).code, 0);
        const lines = (await Deno.readTextFile(file)).trim().split("\n");
        assert.equal(lines.length, 2, lines.join("\n"));
        if (format === "combined") {
          assert.match(
            lines[0]!,
            /^10\.0\.0\.1 - - \[\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET \/ HTTP\/1\.1" 200 \d+ "-" "probe\/1"$/,
          );
          assert.match(lines[1]!, /"GET \/nope HTTP\/1\.1" 404 14 /);
        } else {
          const [a, b] = lines.map((l) => JSON.parse(l));
          assert.deepEqual([a.remote, a.status, a.user_agent, b.status], [
            "10.0.0.1",
            200,
            "probe/1",
            404,
          ]);
        }
      }
    } finally {
      await ns.delete();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "SIGHUP reloads serve: the access log is reopened after a rotation, an open connection goes on, nothing stops",
  ignore: unavailable !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const { ns, flags } = await setup();
    const dir = await Deno.makeTempDir();
    const file = `${dir}/access.log`;
    const arp = `${dir}/arp.conf`;
    await Deno.writeTextFile(arp, "ARP_ENTRY 1\n10.0.0.9/32 02:00:00:00:00:09\n");
    const serve = CliProcess.start(ns, [
      "serve",
      ...flags,
      "--port",
      "8080",
      "--access-log",
      file,
      "--config",
      arp,
    ]);
    try {
      await serve.waitFor(/^listening on /);
      // A kept-alive client: one request, the HUP, then a second on the same connection.
      const client = py(
        ns,
        `
import socket, time
c = socket.create_connection(("${OURS}", 8080))
req = b"GET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n"
c.sendall(req); first = c.recv(65536)
time.sleep(1.5)
c.sendall(req); second = c.recv(65536)
print(first.split(b"\\r\\n")[0].decode().replace(" ", "_"), second.split(b"\\r\\n")[0].decode().replace(" ", "_"))
`,
      );
      await new Promise((r) => setTimeout(r, 500));
      await Deno.rename(file, `${file}.1`); // a rotation
      await Deno.writeTextFile(
        arp,
        "ARP_ENTRY 2\n10.0.0.9/32 02:00:00:00:00:09\n10.0.0.8/32 02:00:00:00:00:08\n",
      );
      Deno.kill(serve.pid, "SIGHUP");
      const [first, second] = (await client).trim().split(" ");
      assert.equal(first, "HTTP/1.1_200_OK");
      assert.equal(second, "HTTP/1.1_200_OK", "the connection outlived the reload");
      await ns.run(["curl", "-s", "-o", "/dev/null", `http://${OURS}:8080/`]);
      assert.ok(serve.errors.some((l) => / reload: /.test(l)), serve.errors.join("\n"));
      await serve.waitFor(/ reload: config re-read: 2 static neighbours /);
      assert.equal((await serve.stop()).code, 0, "still running until SIGTERM");
      const before = (await Deno.readTextFile(`${file}.1`)).trim().split("\n");
      const after = (await Deno.readTextFile(file)).trim().split("\n");
      assert.equal(before.length, 1, "the first request, in the rotated file");
      assert.equal(after.length, 2, "the two after the reload, in the new file");
    } finally {
      await serve.stop("SIGKILL");
      await ns.delete();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "serve --metrics: /metrics parses as Prometheus' text format, and its counters move with traffic",
  ignore: unavailable !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const { ns, flags } = await setup();
    const serve = CliProcess.start(ns, [
      "serve",
      ...flags,
      "--port",
      "8080",
      "--metrics",
      "127.0.0.1:9109",
    ]);
    try {
      await serve.waitFor(/^listening on /);
      await waitUntil(ns, ["sh", "-c", "ss -ltn | grep -q :9109"]);
      const scrape = async () => {
        const r = await ns.run(["curl", "-sS", "--fail", "http://127.0.0.1:9109/metrics"]);
        assert.equal(r.code, 0, r.stderr);
        return parseExposition(r.text);
      };
      const value = (p: ReturnType<typeof parseExposition>, name: string) =>
        p.samples.filter((s) => s.name === name).reduce((a, s) => a + s.value, 0);
      const before = await scrape();
      assert.equal(before.types.get("mtcp_rx_frames_total"), "counter");
      assert.equal(before.types.get("mtcp_connections"), "gauge");
      for (let i = 0; i < 20; i++) {
        await ns.run(["curl", "-s", "-o", "/dev/null", `http://${OURS}:8080/`]);
      }
      await new Promise((r) => setTimeout(r, 1200)); // a second's sample
      const after = await scrape();
      assert.ok(
        value(after, "mtcp_rx_frames_total") >= value(before, "mtcp_rx_frames_total") + 20 * 4,
      );
      assert.ok(
        value(after, "mtcp_connections_opened_total") >=
          value(before, "mtcp_connections_opened_total") + 20,
      );
      assert.ok(
        after.samples.filter((s) => s.name.startsWith("mtcp_")).every((s) => s.labels.core === "0"),
      );
      assert.equal(after.types.get("mtcp_flows"), "gauge");
      assert.equal(after.types.get("mtcp_buffers_in_use"), "gauge");
      assert.ok(value(after, "process_resident_memory_bytes") > 10e6);
      assert.ok(value(after, "deno_heap_used_bytes") > 1e6);
      assert.ok(value(after, "process_cpu_seconds_total") > 0);
      assert.equal(after.types.get("mtcp_http_responses_total"), "counter");
      const ok = after.samples.find((s) =>
        s.name === "mtcp_http_responses_total" && s.labels.status === "200"
      );
      assert.ok(ok !== undefined && ok.value >= 20, JSON.stringify(ok));
      assert.equal((await serve.stop()).code, 0);
    } finally {
      await serve.stop("SIGKILL");
      await ns.delete();
    }
  },
});

Deno.test({
  name:
    "SIGHUP reloads proxy: a changed upstream file is applied to new clients while an open pair goes on; a broken file keeps the list",
  ignore: unavailable !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const { ns, flags } = await setup();
    const dir = await Deno.makeTempDir();
    const list = `${dir}/upstreams`;
    await Deno.writeTextFile(list, `# the first list\n${KERNEL}:8004\n`);
    // Two kernel upstreams: each says its port, then echoes.
    const upstreams = ns.spawn([
      "python3",
      "-c",
      `
import socket, threading
def serve(port):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("${KERNEL}", port)); s.listen(16)
    while True:
        c, _ = s.accept()
        def run(c=c):
            c.sendall(b"%d\\n" % port)
            while (d := c.recv(4096)): c.sendall(d)
            c.close()
        threading.Thread(target=run, daemon=True).start()
threading.Thread(target=serve, args=(8005,), daemon=True).start()
serve(8004)
`,
    ]);
    const proxy = CliProcess.start(ns, [
      "proxy",
      ...flags,
      "--listen",
      "9000",
      "--upstream-file",
      list,
      "--metrics",
      "127.0.0.1:9110",
    ]);
    try {
      await proxy.waitFor(/^listening on 10\.0\.0\.2:9000 \(proxy to 10\.0\.0\.1:8004, rr\)/);
      await waitUntil(ns, ["sh", "-c", "ss -ltn | grep -q :8005"]);
      // One client holds its pair across the reload; the signal file tells it when.
      const client = py(
        ns,
        `
import socket, os, time
def banner(c):
    b = b""
    while not b.endswith(b"\\n"): b += c.recv(1)
    return b.decode().strip()
a = socket.create_connection(("${OURS}", 9000)); first = banner(a)
while not os.path.exists("${dir}/reloaded"): time.sleep(0.05)
b = socket.create_connection(("${OURS}", 9000)); second = banner(b)
a.sendall(b"still"); echoed = a.recv(5).decode()
print(first, second, echoed)
`,
      );
      await new Promise((r) => setTimeout(r, 500));
      await Deno.writeTextFile(list, `${KERNEL}:8005\n`);
      Deno.kill(proxy.pid, "SIGHUP");
      await proxy.waitFor(/ reload: upstreams 10\.0\.0\.1:8005 \(were 10\.0\.0\.1:8004\)$/);
      await Deno.writeTextFile(`${dir}/reloaded`, "");
      assert.deepEqual((await client).trim().split(" "), ["8004", "8005", "still"]);
      // A file that does not parse: the list stays, and the line says why.
      await Deno.writeTextFile(list, "10.0.0.1\n");
      Deno.kill(proxy.pid, "SIGHUP");
      await proxy.waitFor(/ reload: upstreams kept: .*upstreams:1: not HOST:PORT: 10\.0\.0\.1$/);
      const again = await py(
        ns,
        `import socket\nc = socket.create_connection(("${OURS}", 9000)); print(c.recv(16).decode().strip())`,
      );
      assert.equal(again.trim(), "8005");
      // The metrics follow the list: only 8005 now, up, two clients taken (both gone).
      await new Promise((r) => setTimeout(r, 1200)); // a second's sample
      const m = await ns.run(["curl", "-sS", "--fail", "http://127.0.0.1:9110/metrics"]);
      const ups = parseExposition(m.text).samples.filter((s) =>
        s.name.startsWith("mtcp_upstream_")
      );
      assert.deepEqual(
        ups.map((s) => `${s.name} ${s.labels.upstream} ${s.value}`).toSorted(),
        [
          "mtcp_upstream_connections 10.0.0.1:8005 0",
          "mtcp_upstream_connects_total 10.0.0.1:8005 2",
          "mtcp_upstream_failures_total 10.0.0.1:8005 0",
          "mtcp_upstream_up 10.0.0.1:8005 1",
        ],
      );
      assert.equal((await proxy.stop()).code, 0, "still running until SIGTERM");
      assert.match(
        proxy.lines.find((l) => l.startsWith("clients:"))!,
        /^clients: 3, forwarded 3, /,
      );
    } finally {
      await proxy.stop("SIGKILL");
      try {
        upstreams.kill();
      } catch {
        // it had ended
      }
      await upstreams.status;
      await ns.delete();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "data sent after the server closed draws a RST at once (RFC 1122 4.2.2.13), seen by the kernel's socket as EPIPE",
  ignore: unavailable !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const { ns, flags } = await setup();
    const serve = CliProcess.start(ns, [
      "serve",
      ...flags,
      "--echo",
      "--port",
      "7",
      "--idle-timeout",
      "1",
    ]);
    try {
      await serve.waitFor(/^listening on /);
      // The echo server closes after 1 s idle; the client then writes anyway.
      const out = await py(
        ns,
        `
import errno, socket, time
c = socket.create_connection(("${OURS}", 7))
c.sendall(b"hi"); assert c.recv(2) == b"hi"
assert c.recv(1) == b""  # the server's FIN, after its idle timeout
t0 = time.time()
c.sendall(b"late")
# A RST in CLOSE_WAIT sets the socket's error to EPIPE (Linux's tcp_reset).
while time.time() - t0 < 3:
    e = c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    if e: break
    time.sleep(0.005)
print("%s %.3f" % (errno.errorcode.get(e, "none"), time.time() - t0))
`,
      );
      const m = /^EPIPE (\d+\.\d+)$/.exec(out.trim());
      assert.ok(m !== null, out);
      assert.ok(Number(m[1]) < 0.5, `the RST came after ${m[1]} s`);
      assert.equal((await serve.stop()).code, 0);
    } finally {
      await serve.stop("SIGKILL");
      await ns.delete();
    }
  },
});
