/**
 * The Linux kernel's memory per idle established TCP connection, measured
 * the way tcp_stack.ts measures ours: open N connections (both ends on this
 * machine, a client and a server namespace over a veth made for the run),
 * let them go idle, and divide the growth of the kernel's slab memory
 * (/proc/meminfo Slab: sockets, inodes, files, dentries, epoll items) and of
 * its TCP buffer pages (/proc/net/sockstat "mem") by the 2N endpoints.
 *
 * Usage (root): deno run -A scripts/bench/kernel_socket_memory.ts [N]  (default 10000)
 *
 * @module
 */

import { must, Netns, run, uniqueTag, waitUntil } from "../../tests/_support/netns.ts";

const N = Number(Deno.args[0] ?? 10000);

async function slabKiB(): Promise<number> {
  const m = /^Slab:\s+(\d+) kB/m.exec(await Deno.readTextFile("/proc/meminfo"));
  return Number(m![1]);
}

async function tcpMemPages(ns: Netns): Promise<number> {
  const r = await ns.run(["cat", "/proc/net/sockstat"]);
  const m = /^TCP: .* mem (\d+)/m.exec(r.text);
  return Number(m?.[1] ?? 0);
}

const SERVER = `
import resource, socket, sys, time
hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]; resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.0.9.2", 7000)); s.listen(4096)
conns = []
print("ready", flush=True)
while len(conns) < ${N}:
    c, _ = s.accept(); conns.append(c)
print("accepted", len(conns), flush=True)
sys.stdin.read()
`;
const CLIENT = `
import resource, socket, sys
hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]; resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
conns = []
for i in range(${N}):
    c = socket.socket(); c.connect(("10.0.9.2", 7000)); conns.append(c)
print("connected", len(conns), flush=True)
sys.stdin.read()
`;

const tag = uniqueTag();
const a = await Netns.create(`ka${tag}`);
const b = await Netns.create(`kb${tag}`);
const procs: Deno.ChildProcess[] = [];
try {
  await must([
    "ip",
    "link",
    "add",
    `ka${tag}`,
    "netns",
    a.name,
    "type",
    "veth",
    "peer",
    "name",
    `kb${tag}`,
    "netns",
    b.name,
  ]);
  await a.must(["ip", "addr", "add", "10.0.9.1/24", "dev", `ka${tag}`]);
  await a.must(["ip", "link", "set", `ka${tag}`, "up"]);
  await b.must(["ip", "addr", "add", "10.0.9.2/24", "dev", `kb${tag}`]);
  await b.must(["ip", "link", "set", `kb${tag}`, "up"]);
  await a.must(["sysctl", "-qw", "net.ipv4.ip_local_port_range=1024 65000"]);
  const start = (ns: Netns, code: string) => {
    const p = new Deno.Command("ip", {
      args: ["netns", "exec", ns.name, "python3", "-c", code],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    procs.push(p);
    return p;
  };
  const line = async (p: Deno.ChildProcess, re: RegExp) => {
    const reader = p.stdout.getReader();
    let text = "";
    while (!re.test(text)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`ended before ${re}: ${text}`);
      text += new TextDecoder().decode(value);
    }
    reader.releaseLock();
  };
  await run(["sync"]);
  await Deno.writeTextFile("/proc/sys/vm/drop_caches", "2").catch(() => {});
  const slab0 = await slabKiB();
  const pagesA0 = await tcpMemPages(a);
  const pagesB0 = await tcpMemPages(b);
  const server = start(b, SERVER);
  await line(server, /ready/);
  await waitUntil(b, ["sh", "-c", "ss -ltn | grep -q :7000"]);
  const client = start(a, CLIENT);
  await Promise.all([line(client, /connected/), line(server, /accepted/)]);
  await new Promise((r) => setTimeout(r, 1000)); // idle
  const slab1 = await slabKiB();
  const pages = (await tcpMemPages(a)) - pagesA0 + (await tcpMemPages(b)) - pagesB0;
  const endpoints = 2 * N;
  const perEndpoint = ((slab1 - slab0) * 1024 + pages * 4096) / endpoints;
  console.log(
    `kernel: ${N} idle connections (${endpoints} endpoints): slab +${slab1 - slab0} KiB, ` +
      `TCP buffer pages +${pages} => ${perEndpoint.toFixed(0)} bytes per endpoint`,
  );
} finally {
  for (const p of procs) {
    try {
      p.stdin.close();
      p.kill();
    } catch {
      // ended
    }
    await p.status;
  }
  await a.delete();
  await b.delete();
}
