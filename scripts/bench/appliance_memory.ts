/**
 * What an idle kept-alive connection costs the appliance: `serve --http` and
 * `proxy` (to nginx) in the lab (see `_lab.ts`), N kernel-side clients that
 * each send one request, read the answer and then hold the connection open,
 * and the server's own gauges from `--metrics` (resident memory and V8 heap)
 * before and after. The clients come from several addresses of the TAP's
 * kernel side, so N can pass the 64 K ports of one address.
 *
 * Usage (root): deno run -A scripts/bench/appliance_memory.ts [N ...]
 * (default 10000 100000). Prints a markdown table. The proxy is measured up
 * to 25,000: its upstream connections come from one address and Linux's
 * ephemeral range (32768-60999).
 *
 * @module
 */

import { filesDir, Lab } from "./_lab.ts";

const COUNTS = Deno.args.length > 0 ? Deno.args.map(Number) : [10_000, 100_000];
const ADDRS = 4; // client addresses 10.0.0.11 .. 10.0.0.14
const PER_CLIENT = 15_000;
const WWW = await filesDir("mem");

// Opens N connections round-robin over the addresses, one request each,
// prints "ready", then holds them until its stdin closes.
const CLIENT = `
import resource, socket, sys
n, port = int(sys.argv[1]), int(sys.argv[2])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
req = b"GET /64b HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n"
held = []
for i in range(n):
    s = socket.socket()
    s.bind(("10.0.0.%d" % (11 + i % ${ADDRS}), 0))
    s.connect(("10.0.0.2", port))
    s.sendall(req)
    got = b""
    while not got.endswith(b"a" * 64):
        chunk = s.recv(4096)
        if not chunk:
            sys.exit("closed by the server after %d" % i)
        got += chunk
    held.append(s)
print("ready", flush=True)
sys.stdin.read()
`;

interface Gauges {
  rss: number;
  heap: number;
  buffers: number;
}

async function gauges(lab: Lab): Promise<Gauges> {
  const r = await lab.C.run(["curl", "-sS", "--fail", "http://127.0.0.1:9190/metrics"]);
  const v = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(r.text)?.[1]);
  const buffers = Number(/^mtcp_buffers_in_use\{[^}]*\} (\S+)$/m.exec(r.text)?.[1]);
  return {
    rss: v("process_resident_memory_bytes"),
    heap: v("deno_heap_used_bytes"),
    buffers,
  };
}

async function measure(lab: Lab, args: string[], n: number): Promise<[Gauges, Gauges]> {
  await Deno.writeTextFile(`${WWW}/mem.conf`, `max_concurrency = ${2 * n + 1000}\n`);
  const p = lab.ours([
    ...args,
    "--max-connections",
    String(n + 1000),
    "--metrics",
    "127.0.0.1:9190",
    "--config",
    `${WWW}/mem.conf`,
  ]);
  try {
    await p.waitFor(/^listening on /);
    for (let a = 0; a < ADDRS; a++) {
      await lab.C.must(["ip", "addr", "add", `10.0.0.${11 + a}/24`, "dev", lab.tap]);
    }
    // The same warm-up for both: some requests through every path first.
    await lab.C.run(["wrk", "-t1", "-c50", "-d3s", "http://10.0.0.2:8080/64b"]);
    await new Promise((r) => setTimeout(r, 2000));
    const before = await gauges(lab);
    // A process may hold 20,000 descriptors here (the hard limit): several clients.
    const clients: Deno.ChildProcess[] = [];
    for (let left = n; left > 0; left -= PER_CLIENT) {
      clients.push(
        new Deno.Command("ip", {
          args: [
            "netns",
            "exec",
            lab.C.name,
            "python3",
            "-c",
            CLIENT,
            String(Math.min(left, PER_CLIENT)),
            "8080",
          ],
          stdin: "piped",
          stdout: "piped",
          stderr: "piped",
        }).spawn(),
      );
    }
    for (const client of clients) {
      const errors = new Response(client.stderr).text();
      const reader = client.stdout.getReader();
      const { value } = await reader.read();
      reader.releaseLock();
      const line = new TextDecoder().decode(value ?? new Uint8Array());
      if (!line.startsWith("ready")) throw new Error(`client: ${line} ${await errors}`);
    }
    await new Promise((r) => setTimeout(r, 3000)); // idle: timers settle, a GC or two
    const after = await gauges(lab);
    for (const client of clients) {
      await client.stdin.close();
      await client.status;
    }
    return [before, after];
  } finally {
    await p.stop();
  }
}

const lab = await Lab.create(WWW, {});
const rows: string[] = [];
try {
  await lab.C.must(["sysctl", "-qw", "net.ipv4.ip_local_port_range=1024 65000"]);
  for (const n of COUNTS) {
    for (
      const [name, args] of [
        ["serve --http", ["serve", "--http", WWW, "--port", "8080", "--keepalive-timeout", "600"]],
        ["proxy to nginx", ["proxy", "--listen", "8080", "--upstream", "10.0.1.2:8081"]],
      ] as const
    ) {
      // Our proxy reaches nginx from one address: 28,232 ephemeral ports.
      if (args[0] === "proxy" && n > 25_000) continue;
      const [b, a] = await measure(lab, [...args], n);
      const per = (x: number, y: number) => ((y - x) / n).toFixed(0);
      rows.push(
        `| ${name} | ${n} | ${(b.rss / 2 ** 20).toFixed(1)} → ${(a.rss / 2 ** 20).toFixed(1)} | ${
          per(b.rss, a.rss)
        } | ${(b.heap / 2 ** 20).toFixed(1)} → ${(a.heap / 2 ** 20).toFixed(1)} | ${
          per(b.heap, a.heap)
        } | ${a.buffers} |`,
      );
      console.error(rows.at(-1));
    }
  }
} finally {
  await lab.close();
}
console.log(
  "| server | idle kept-alive clients | RSS MiB before → after | RSS bytes per client | heap MiB before → after | heap bytes per client | buffers held |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- |");
console.log(rows.join("\n"));
