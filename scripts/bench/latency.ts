/**
 * Latency at a fixed offered load, side by side: ours (on a TAP and over
 * AF_XDP on a veth), nginx and `Deno.serve` (and ours' proxy, both ways,
 * against nginx's stream proxy), each loaded by
 * the same open-loop client (`mtcp_rate`, built with the shim: a request's
 * latency counts from the moment it was due, so a stall is charged for every
 * request it holds back) from the same namespace, at 25 %, 50 % and 75 % of
 * nginx's maximum rate measured in the same run.
 *
 * Cases: 64 B over keep-alive (50 connections), short connections (one
 * request each, the handshake counted) and 64 B through the proxy to nginx.
 * Every contender gets the same unmeasured warm-up (`wrk`, 3 s) before its
 * first level. Prints a markdown table and writes `latency.svg` (p99 by
 * level) unless `--no-write`.
 *
 * Usage (root): deno run -A scripts/bench/latency.ts [--seconds 10]
 *   [--cases keepalive,short,proxy] [--devices tap,xdp] [--no-write]
 *
 * @module
 */

import { parseArgs } from "node:util";
import type { CliProcess } from "../../tests/_support/netns.ts";
import { filesDir, Lab } from "./_lab.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "10" },
    cases: { type: "string", default: "keepalive,short,proxy" },
    devices: { type: "string", default: "tap,xdp" },
    "no-write": { type: "boolean" },
  },
  strict: true,
});
const SECONDS = Number(values.seconds);
const root = new URL("../..", import.meta.url).pathname;
const RATE_BIN = `${root}ffi/target/release/mtcp_rate`;
const LEVELS = [0.25, 0.5, 0.75];

/** What `mtcp_rate` prints. */
interface RateResult {
  offered: number;
  achieved: number;
  completed: number;
  failed: number;
  unfinished: number;
  p50_us: number;
  p90_us: number;
  p99_us: number;
  p999_us: number;
  max_us: number;
}

interface Row {
  kase: string;
  level: number;
  rate: number;
  contender: string;
  r: RateResult;
}
const rows: Row[] = [];

const WWW = await filesDir("latency");
const devices = new Set(values.devices!.split(","));
const lab = await Lab.create(WWW, {
  nginxStream: true,
  denoServeFile: `${WWW}/64b`,
  xdp: devices.has("xdp"),
});
// Short connections turn over ports fast: the client closes second (no
// TIME-WAIT here), and a wide range keeps reuse rare.
await lab.C.must(["sysctl", "-qw", "net.ipv4.ip_local_port_range=10000 65000"]);

async function closedLoopMax(url: string, short: boolean): Promise<number> {
  if (short) {
    await lab.C.run(["ab", "-q", "-n", "10000", "-c", "50", url]);
    const r = await lab.C.run(["ab", "-q", "-n", "20000", "-c", "50", url]);
    const m = /Requests per second:\s+([\d.]+)/.exec(r.text);
    if (m === null) throw new Error(`ab ${url}: ${r.text} ${r.stderr}`);
    return Number(m[1]);
  }
  const r = await lab.C.run(["wrk", "-t1", "-c50", "-d5s", url]);
  const m = /Requests\/sec:\s+([\d.]+)/.exec(r.text);
  if (m === null) throw new Error(`wrk ${url}: ${r.text} ${r.stderr}`);
  return Number(m[1]);
}

async function warm(url: string): Promise<void> {
  await lab.C.run(["wrk", "-t1", "-c50", "-d3s", url]);
}

async function openLoop(
  host: string,
  port: number,
  rate: number,
  short: boolean,
): Promise<RateResult> {
  const r = await lab.C.run([
    RATE_BIN,
    "--host",
    host,
    "--port",
    String(port),
    "--path",
    "/64b",
    "--rate",
    String(Math.round(rate)),
    "--seconds",
    String(SECONDS),
    "--warmup",
    "2",
    "--mode",
    short ? "close" : "keepalive",
    "--connections",
    "50",
  ]);
  if (r.code !== 0) throw new Error(`mtcp_rate ${host}:${port}: ${r.stderr}`);
  return JSON.parse(r.text) as RateResult;
}

interface Contender {
  name: string;
  host: string;
  port: number;
  /** Starts the server when it is ours (stopped after the case). */
  start?: () => CliProcess;
}

async function measure(kase: string, short: boolean, max: number, contenders: Contender[]) {
  for (const c of contenders) {
    const p = c.start?.();
    try {
      if (p !== undefined) await p.waitFor(/^listening on /);
      await warm(`http://${c.host}:${c.port}/64b`);
      for (const level of LEVELS) {
        const rate = max * level;
        const r = await openLoop(c.host, c.port, rate, short);
        rows.push({ kase, level, rate, contender: c.name, r });
        console.error(
          `${kase} | ${(level * 100).toFixed(0)} % | ${c.name}: ${JSON.stringify(r)}`,
        );
      }
    } finally {
      await p?.stop();
    }
  }
}

const KA = "keep-alive, 64 B";
const SHORT = "short connections";
const PROXY = "proxy to nginx, 64 B";
const maxes: Record<string, number> = {};
try {
  const serveArgs = ["serve", "--http", lab.www, "--port", "8080"];
  const nginx = { name: "nginx (1 worker, veth)", host: "10.0.1.2", port: 8081 };
  const deno = { name: "Deno.serve (veth)", host: "10.0.1.2", port: 8082 };
  const ours = oursOn("serve --http", serveArgs);
  const cases = new Set(values.cases!.split(","));
  if (cases.has("keepalive")) {
    maxes[KA] = await closedLoopMax("http://10.0.1.2:8081/64b", false);
    await measure(KA, false, maxes[KA]!, [...ours, nginx, deno]);
  }
  if (cases.has("short")) {
    maxes[SHORT] = await closedLoopMax("http://10.0.1.2:8081/64b", true);
    await measure(SHORT, true, maxes[SHORT]!, [...ours, nginx, deno]);
  }
  if (cases.has("proxy")) await proxyCase();
  console.error(`nginx maxima: ${JSON.stringify(maxes)}`);
} finally {
  await lab.close();
}

/** Ours running `args`, once per device asked for (`--devices`). */
function oursOn(what: string, args: string[]): Contender[] {
  const out: Contender[] = [];
  if (devices.has("tap")) {
    out.push({
      name: `ours (${what}, TAP)`,
      host: "10.0.0.2",
      port: 8080,
      start: () => lab.ours(args),
    });
  }
  if (devices.has("xdp")) {
    out.push({
      name: `ours (${what}, XDP on veth)`,
      host: "10.0.2.2",
      port: 8080,
      start: () => lab.oursXdp(args),
    });
  }
  return out;
}

async function proxyCase(): Promise<void> {
  maxes[PROXY] = await closedLoopMax("http://10.0.1.2:9001/64b", false);
  await measure(PROXY, false, maxes[PROXY]!, [
    ...oursOn("proxy", ["proxy", "--listen", "8080", "--upstream", "10.0.1.2:8081"]),
    { name: "nginx stream (1 worker, veth)", host: "10.0.1.2", port: 9001 },
  ]);
}

const ms = (us: number) => (us / 1000).toFixed(2);
const lines = [
  `| case (nginx's maximum) | load | contender | p50 ms | p99 ms | p99.9 ms | max ms | achieved/offered | failed |`,
  `| --- | --- | --- | --- | --- | --- | --- | --- | --- |`,
];
for (const x of rows) {
  lines.push(
    `| ${x.kase} (${maxes[x.kase]!.toFixed(0)}/s) | ${(x.level * 100).toFixed(0)} % = ${
      x.rate.toFixed(0)
    }/s | ${x.contender} | ${ms(x.r.p50_us)} | ${ms(x.r.p99_us)} | ${ms(x.r.p999_us)} | ${
      ms(x.r.max_us)
    } | ${(x.r.achieved / x.rate).toFixed(2)} | ${x.r.failed + x.r.unfinished} |`,
  );
}
console.log(lines.join("\n"));
if (!values["no-write"]) await Deno.writeTextFile(`${root}latency.svg`, chart(rows));

/** Grouped bars: p99 (ms, log scale) per case and level, one bar per contender. */
function chart(rs: Row[]): string {
  const kases = [...new Set(rs.map((r) => r.kase))];
  const legend: [string, string][] = [
    ["ours, TAP", "#1f77b4"],
    ["ours, AF_XDP", "#9467bd"],
    ["nginx", "#ff7f0e"],
    ["Deno.serve", "#2ca02c"],
  ];
  const colour = (n: string) =>
    n.startsWith("ours")
      ? (n.includes("XDP") ? legend[1]![1] : legend[0]![1])
      : n.startsWith("nginx")
      ? legend[2]![1]
      : legend[3]![1];
  const W = 900, H = 320, top = 40, bottom = 260, left = 60;
  const logMin = -1, logMax = 3; // 0.1 ms to 1000 ms
  const y = (msv: number) =>
    bottom -
    (Math.min(Math.max(Math.log10(Math.max(msv, 0.1)), logMin), logMax) - logMin) /
      (logMax - logMin) * (bottom - top);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
    `<text x="${
      W / 2
    }" y="18" text-anchor="middle" font-size="13">p99 latency at a fixed offered load (ms, log scale; lower is better)</text>`,
  ];
  for (let d = logMin; d <= logMax; d++) {
    out.push(
      `<line x1="${left}" x2="${W - 10}" y1="${y(10 ** d)}" y2="${
        y(10 ** d)
      }" stroke="#ddd"/><text x="${left - 5}" y="${y(10 ** d) + 4}" text-anchor="end">${
        10 ** d
      }</text>`,
    );
  }
  const groupW = (W - left - 10) / (kases.length * LEVELS.length);
  kases.forEach((k, ki) => {
    const names = [...new Set(rs.filter((r) => r.kase === k).map((r) => r.contender))];
    LEVELS.forEach((lv, li) => {
      const gx = left + (ki * LEVELS.length + li) * groupW;
      const barW = (groupW - 10) / names.length;
      names.forEach((n, ni) => {
        const r = rs.find((x) => x.kase === k && x.level === lv && x.contender === n);
        if (r === undefined) return;
        const v = r.r.p99_us / 1000;
        out.push(
          `<rect x="${gx + 5 + ni * barW}" y="${y(v)}" width="${barW - 1}" height="${
            bottom - y(v)
          }" fill="${colour(n)}"><title>${n}: ${v.toFixed(2)} ms</title></rect>`,
        );
      });
      out.push(
        `<text x="${gx + groupW / 2}" y="${bottom + 14}" text-anchor="middle">${lv * 100} %</text>`,
      );
    });
    out.push(
      `<text x="${left + (ki + 0.5) * LEVELS.length * groupW}" y="${
        bottom + 30
      }" text-anchor="middle">${k}</text>`,
    );
  });
  legend.forEach(([n, c], i) => {
    out.push(
      `<rect x="${left + i * 110}" y="${H - 18}" width="10" height="10" fill="${c}"/><text x="${
        left + 14 + i * 110
      }" y="${H - 9}">${n}</text>`,
    );
  });
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}
