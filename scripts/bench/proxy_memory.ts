/**
 * What an idle pair costs the proxy, in process and exactly: three contexts on
 * the memory network (clients, the proxy, an echo server behind it), N
 * clients that each send 64 bytes, read them back and stay open, and the V8
 * heap after full collections, by constructor (two heap snapshots, before and
 * after). The same again with the clients connected straight to the echo
 * server: the difference is the proxy's part, its two connections and its own
 * state. With `--retainers`, the heap numbers and plain objects of the second
 * snapshot by the field that holds them (a shared object, like a socket's
 * config, once per holder: look at the small per-connection ones).
 *
 * Usage: deno run -A --v8-flags=--expose-gc scripts/bench/proxy_memory.ts
 *   [--pairs 4000] [--retainers]
 *
 * @module
 */

import { parseArgs } from "node:util";
import * as v8 from "node:v8";
import * as M from "../../lib/mod.ts";
import { TcpProxy, UpstreamPool } from "../../lib/apps/proxy.ts";
import { echoHandler, runTcpServer } from "../../lib/apps/tcp_server.ts";

const { values } = parseArgs({
  options: { pairs: { type: "string", default: "4000" }, retainers: { type: "boolean" } },
  strict: true,
});
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  console.error("error: run with --v8-flags=--expose-gc");
  Deno.exit(2);
}
const N = Number(values.pairs);
const DIR = await Deno.makeTempDir({ prefix: "mtcp-proxy-memory-" });

interface Heap {
  used: number;
  byName: Map<string, number>;
  file: string;
}

async function settle(): Promise<void> {
  await new Promise((r) => setTimeout(r, 300));
  for (let i = 0; i < 3; i++) gc!();
}

function snapshot(tag: string): Heap {
  const used = Deno.memoryUsage().heapUsed; // before the snapshot's own parsing
  const file = v8.writeHeapSnapshot(`${DIR}/${tag}.heapsnapshot`);
  const snap = JSON.parse(Deno.readTextFileSync(file));
  const f = snap.snapshot.meta.node_fields as string[];
  const types = snap.snapshot.meta.node_types[0] as string[];
  const nodes = snap.nodes as number[], strings = snap.strings as string[];
  const w = f.length, ti = f.indexOf("type"), ni = f.indexOf("name"), si = f.indexOf("self_size");
  const byName = new Map<string, number>();
  for (let i = 0; i < nodes.length; i += w) {
    const key = `${types[nodes[i + ti]!]}:${strings[nodes[i + ni]!]!.slice(0, 50)}`;
    byName.set(key, (byName.get(key) ?? 0) + nodes[i + si]!);
  }
  return { used, byName, file };
}

// Heap numbers and plain objects of a snapshot by the field that holds them
// (an object held from several fields counts in each: a shared one, like a
// socket's config, shows once per holder).
function retainers(file: string): [string, number][] {
  const snap = JSON.parse(Deno.readTextFileSync(file));
  const nf = snap.snapshot.meta.node_fields as string[];
  const ef = snap.snapshot.meta.edge_fields as string[];
  const types = snap.snapshot.meta.node_types[0] as string[];
  const etypes = snap.snapshot.meta.edge_types[0] as string[];
  const nodes = snap.nodes as number[], edges = snap.edges as number[];
  const strings = snap.strings as string[];
  const W = nf.length, EW = ef.length;
  const ti = nf.indexOf("type"), ni = nf.indexOf("name"), ci = nf.indexOf("edge_count");
  const si = nf.indexOf("self_size");
  const eti = ef.indexOf("type"), eni = ef.indexOf("name_or_index"), eto = ef.indexOf("to_node");
  const out = new Map<string, number>();
  let e = 0;
  for (let i = 0; i < nodes.length; i += W) {
    const holder = strings[nodes[i + ni]!]!.slice(0, 30);
    for (let k = 0; k < nodes[i + ci]!; k++, e += EW) {
      const to = edges[e + eto]!;
      const type = types[nodes[to + ti]!]!, name = strings[nodes[to + ni]!]!;
      if (type !== "number" && !(type === "object" && name === "Object")) continue;
      const et = etypes[edges[e + eti]!]!;
      if (et === "element" || et === "hidden" || et === "weak") continue;
      const field = strings[edges[e + eni]!]!;
      if (field === "__proto__") continue;
      const key = `${type === "number" ? "heap number" : "Object"} in ${holder}.${field}`;
      out.set(key, (out.get(key) ?? 0) + nodes[to + si]!);
    }
  }
  return [...out].sort((a, b) => b[1] - a[1]);
}

async function measure(viaProxy: boolean): Promise<{ perPair: number; rows: [string, number][] }> {
  M.mtcp_init({
    num_cores: 3,
    seed: 1,
    max_concurrency: 2 * N + 500,
    max_num_buffers: 1024,
    tcp_delayed_ack_ms: 0,
  });
  const network = new M.MemoryNetwork();
  const client = M.mtcp_create_context(0, { network, address: "10.0.0.1/24" })!;
  const front = M.mtcp_create_context(1, { network, address: "10.0.0.2/24" })!;
  const back = M.mtcp_create_context(2, { network, address: "10.0.0.3/24" })!;
  const stop = new AbortController();
  const echo = runTcpServer(back, 7, echoHandler(), { signal: stop.signal });
  const pool = new UpstreamPool([{ addr: back.iface.address, port: 7 }], "rr", 10_000);
  const proxy = new TcpProxy(front, 8080, pool, { maxConnections: 2 * N });
  const running = proxy.run(stop.signal);
  const target = viaProxy
    ? { family: M.AF_INET, addr: front.iface.address, port: 8080 }
    : { family: M.AF_INET, addr: back.iface.address, port: 7 };
  const data = new Uint8Array(64).fill(97);
  const into = new Uint8Array(4096);
  // Opens `n` connections, sends 64 bytes on each and waits for them back.
  const open = async (n: number) => {
    const ep = M.mtcp_epoll_create(client, 64);
    const events: M.MtcpEpollEvent[] = [];
    const got = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const fd = M.mtcp_socket(client, M.AF_INET, M.SOCK_STREAM, 0);
      M.mtcp_setsock_nonblock(client, fd);
      M.mtcp_connect(client, fd, target);
      M.mtcp_epoll_ctl(client, ep, M.MTCP_EPOLL_CTL_ADD, fd, { events: M.MTCP_EPOLLOUT, data: fd });
      got.set(fd, -1);
    }
    let left = n;
    while (left > 0) {
      const k = await M.mtcp_epoll_wait(client, ep, events, 64, 1000);
      for (let i = 0; i < k; i++) {
        const fd = events[i]!.data;
        if (got.get(fd) === -1) {
          if (M.mtcp_write(client, fd, data, 64) !== 64) throw new Error("short write");
          got.set(fd, 0);
          M.mtcp_epoll_ctl(client, ep, M.MTCP_EPOLL_CTL_MOD, fd, {
            events: M.MTCP_EPOLLIN,
            data: fd,
          });
          continue;
        }
        for (
          let r = M.mtcp_read(client, fd, into, 4096);
          r > 0;
          r = M.mtcp_read(client, fd, into, 4096)
        ) {
          got.set(fd, got.get(fd)! + r);
        }
        if (got.get(fd) === 64) {
          left--;
          M.mtcp_epoll_ctl(client, ep, M.MTCP_EPOLL_CTL_DEL, fd, undefined);
        }
      }
    }
    M.mtcp_close(client, ep);
  };
  // A few pairs first (code and pools warm), then N in groups of 50.
  for (let i = 0; i < 4; i++) await open(50);
  await settle();
  const before = snapshot(`${viaProxy}-before`);
  for (let i = 0; i < N; i += 50) await open(Math.min(50, N - i));
  await settle();
  const after = snapshot(`${viaProxy}-after`);
  const rows = [...after.byName]
    .map(([k, v]) => [k, (v - (before.byName.get(k) ?? 0)) / N] as [string, number])
    .filter(([, v]) => Math.abs(v) >= 8)
    .sort((a, b) => b[1] - a[1]);
  if (viaProxy && values.retainers) {
    console.log("\nHeld by field, per pair (second snapshot):");
    for (const [k, v] of retainers(after.file).slice(0, 25)) {
      console.log(`${(v / N).toFixed(1).padStart(9)}  ${k}`);
    }
  }
  stop.abort();
  await running;
  await echo;
  M.mtcp_destroy();
  return { perPair: (after.used - before.used) / N, rows };
}

try {
  const direct = await measure(false);
  const proxied = await measure(true);
  console.log(`\n${N} idle pairs, heap bytes per pair after full collections:`);
  console.log(`  clients straight to the echo server: ${direct.perPair.toFixed(0)}`);
  console.log(`  through the proxy:                   ${proxied.perPair.toFixed(0)}`);
  console.log(
    `  the proxy's part:                    ${(proxied.perPair - direct.perPair).toFixed(0)}`,
  );
  console.log("\nThrough the proxy, by constructor (bytes per pair, all three contexts):");
  for (const [k, v] of proxied.rows.slice(0, 16)) console.log(`${v.toFixed(1).padStart(9)}  ${k}`);
} finally {
  await Deno.remove(DIR, { recursive: true });
}
