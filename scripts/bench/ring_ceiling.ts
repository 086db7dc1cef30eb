/**
 * The ring ceiling against the stack, per backend (TAP; AF_PACKET and AF_XDP
 * on a veth pair), each inside a namespace made for the run and deleted after
 * it.
 *
 * 1. Ceiling: ring_blaster.ts (inside the namespace, on an AF_PACKET ring on
 *    the kernel side of the link) keeps 128 frames of 60 bytes in flight; a
 *    trivial reflector written on the ring ABI (a burst in, MACs swapped,
 *    the burst out) sends each back. Frames per second that came back.
 * 2. The stack: the same blaster sends ICMP echo requests to our context,
 *    which answers through Ethernet, ARP, IPv4 and ICMP. Frames per second.
 * 3. TCP: the kernel's curl downloads 50 MB from our HTTP responder; frames
 *    per second (both directions) and Gbit/s of payload.
 *
 * Usage: deno run -A scripts/bench/ring_ceiling.ts [--seconds 3]
 *
 * @module
 */

import { parseArgs } from "node:util";
import { setImmediate } from "node:timers";
import * as M from "../../lib/mod.ts";
import { type Link, tapLink, vethLink } from "../../tests/_support/netns.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "3" },
    "device-reflector": { type: "string" },
  },
  strict: true,
});

if (values["device-reflector"] !== undefined) {
  // Child mode: a reflector on the RingDevice API (the path the stack uses:
  // receive() lends frames to a sink, txAcquire/txCommit build replies, flush
  // sends the burst). It runs under --trace-gc; the parent reads what the
  // young generation collected after the MARK line.
  const dev = M.RingDevice.open(values["device-reflector"]);
  const sink = {
    frames: 0,
    receiveFrame(_now: number, bytes: Uint8Array, offset: number, length: number): void {
      const slot = dev.txAcquire(0, length);
      if (slot === undefined) return;
      // Receive and transmit slots share the ring's one mapping: one view.
      if (slot.bytes !== bytes) throw new Error("ring memory is not one view");
      const b = bytes, to = slot.offset;
      b.copyWithin(to + 6, offset, offset + 6);
      b.copyWithin(to, offset + 6, offset + 12);
      b.copyWithin(to + 12, offset + 12, offset + length);
      dev.txCommit(0, length);
      this.frames++;
    },
  };
  const run = (ms: number) => {
    const end = performance.now() + ms;
    while (performance.now() < end) {
      dev.receive(0, sink, 256);
      dev.flush(0);
    }
  };
  run(1000);
  console.log("MARK");
  const before = sink.frames;
  run(Number(values.seconds) * 1000 - 1500);
  console.log(`WORK ${sink.frames - before}`);
  dev.close();
  Deno.exit(0);
}
const seconds = values.seconds!;
const blaster = new URL("./ring_blaster.ts", import.meta.url).pathname;

function fmtMac(m: number): string {
  const out: string[] = [];
  for (let i = 0; i < 6; i++, m = Math.floor(m / 256)) {
    out.unshift((m % 256).toString(16).padStart(2, "0"));
  }
  return out.join(":");
}

interface Blast {
  out: Promise<Deno.CommandOutput>;
  isDone: () => boolean;
}

function blast(link: Link, args: string[]): Blast {
  const child = link.ns.spawn([
    Deno.execPath(),
    "run",
    "-A",
    blaster,
    "--dev",
    `packet:${link.kernelIf}`,
    "--seconds",
    seconds,
    ...args,
  ]);
  let done = false;
  const out = child.output().finally(() => done = true);
  return { out, isDone: () => done };
}

function pps(o: Deno.CommandOutput): number {
  if (!o.success) throw new Error(`ring_blaster: ${new TextDecoder().decode(o.stderr)}`);
  return JSON.parse(new TextDecoder().decode(o.stdout)).pps;
}

async function reflect(link: Link): Promise<number> {
  const r = link.device.ring;
  const { out, isDone } = blast(link, ["--mode", "raw"]);
  const mem = r.mem;
  const rx = r.rxDesc;
  const tx = r.txDesc;
  let idle = 0;
  while (!isDone()) {
    const n = r.rx(256);
    if (n <= 0) {
      if (++idle % 256 === 0) await new Promise((res) => setImmediate(res));
      continue;
    }
    let used = 0;
    let avail = r.txAvail;
    for (let i = 0; i < n; i++) {
      if (used === avail) {
        r.tx(used);
        used = 0;
        avail = r.txAvail;
        if (avail === 0) break;
      }
      const from = rx[i * 4]!;
      const len = rx[i * 4 + 1]!;
      const to = tx[used * 4]!;
      mem.copyWithin(to + 6, from, from + 6); // dst -> src
      mem.copyWithin(to, from + 6, from + 12); // src -> dst
      mem.copyWithin(to + 12, from + 12, from + len);
      tx[used * 4 + 1] = len;
      used++;
    }
    r.tx(used);
  }
  return pps(await out);
}

/** Bytes the young generation collected per frame reflected through the RingDevice API. */
async function deviceAllocation(link: Link, ours: string): Promise<number> {
  const { out } = blast(link, ["--mode", "raw"]);
  const child = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--v8-flags=--trace-gc",
      new URL(import.meta.url).pathname,
      "--device-reflector",
      ours,
      "--seconds",
      seconds,
    ],
    stdout: "piped",
  }).output();
  await out;
  let after = false;
  let freedMb = 0;
  let frames = 0;
  for (const line of new TextDecoder().decode(child.stdout).split("\n")) {
    if (line.includes("MARK")) after = true;
    const m = /Scavenge ([\d.]+) \(([\d.]+)\) -> ([\d.]+)/.exec(line);
    if (m && after) freedMb += Number(m[1]) - Number(m[3]);
    const w = /WORK (\d+)/.exec(line);
    if (w) frames = Number(w[1]);
  }
  if (frames === 0) throw new Error("device reflector moved no frames");
  console.error(`RingDevice reflector: ${frames} frames, ${freedMb.toFixed(2)} MB scavenged`);
  return (freedMb * 1e6) / frames;
}

async function stackEcho(link: Link): Promise<number> {
  const { out, isDone } = blast(link, [
    "--mode",
    "icmp",
    "--dst-mac",
    fmtMac(link.ctx.iface.mac),
    "--dst-ip",
    link.ourIp,
    "--src-ip",
    link.kernelIp,
  ]);
  await M.Driver.of(link.ctx.network).wait(isDone, -1);
  return pps(await out);
}

async function tcpBulk(link: Link): Promise<{ fps: number; gbps: number }> {
  const body = new Uint8Array(50 << 20);
  const stop = new AbortController();
  const http = M.runTcpServer(link.ctx, 80, M.httpHandler(() => body), { signal: stop.signal });
  const before = { ...link.device.stats };
  const t0 = performance.now();
  const r = await link.ns.run(["curl", "-sS", "-o", "/dev/null", `http://${link.ourIp}/x`]);
  const s = (performance.now() - t0) / 1000;
  stop.abort();
  await http;
  if (r.code !== 0) throw new Error(`curl: ${r.stderr}`);
  const frames = link.device.stats.rxFrames - before.rxFrames + link.device.stats.txFrames -
    before.txFrames;
  return { fps: frames / s, gbps: (body.length * 8) / s / 1e9 };
}

const rows: string[] = [];
const allocation: string[] = [];
const backends = [
  ["tap", () => tapLink()],
  ["packet (veth)", () => vethLink()],
  ["xdp (veth)", () => vethLink({ backend: "xdp" })],
] as const;
for (const [name, make] of backends) {
  const link = await make();
  try {
    await link.ns.run(["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"]);
    const ceiling = await reflect(link);
    const stack = await stackEcho(link);
    const tcp = await tcpBulk(link);
    if (name === "packet (veth)") {
      // The veth end outlives our ring, so a child process can open it too.
      const bytes = await deviceAllocation(link, link.device.name);
      allocation.push(`${name}: ${bytes.toFixed(2)} bytes allocated per frame through RingDevice`);
    }
    rows.push(
      `| ${name} | ${(ceiling / 1000).toFixed(0)}k | ${(stack / 1000).toFixed(0)}k | ${
        (stack / ceiling).toFixed(2)
      } | ${(tcp.fps / 1000).toFixed(0)}k | ${tcp.gbps.toFixed(2)} |`,
    );
    console.error(`${name}: reflector ${ceiling.toFixed(0)}/s, stack ${stack.toFixed(0)}/s`);
  } finally {
    await link.close();
  }
}
console.log(
  "| backend | reflector frames/s (ring ABI) | stack ICMP echo frames/s | stack / ceiling | TCP bulk frames/s | TCP bulk Gbit/s |",
);
console.log("|---|---|---|---|---|---|");
for (const r of rows) console.log(r);
for (const a of allocation) console.log(`\n${a}`);
