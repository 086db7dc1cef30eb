/**
 * The side-by-side benchmark suite: our stack against what a user would
 * otherwise run, in the same run, on this machine. It builds its own
 * network namespaces, runs every figure for each contender in turn for
 * several rounds (median and spread), tears everything down, and writes the
 * results between the suite markers of BENCHMARKS.md plus benchmarks.svg.
 *
 * Layout: namespace C holds the clients (the kernel's wrk, ab, curl), the
 * kernel side of our TAP (10.0.0.1; we are 10.0.0.2) and one end of a veth
 * (10.0.1.1); namespace S holds the other end (10.0.1.2) with nginx (one
 * worker), a `Deno.serve` server, nginx's stream proxy and socat. C forwards
 * between the two, so our proxy reaches nginx through it. C also holds a
 * second veth with both ends (the kernel's 10.0.2.1; ours, no address): the
 * keep-alive and short-connection figures are measured again with our
 * `serve` over AF_XDP there (`xdp:`), beside the same round's kernel-side
 * samples.
 *
 * Each `ab` measurement follows an unmeasured `ab -n 20000` against the
 * same contender (our server is started afresh each round and compiles its
 * connection paths as they run).
 *
 * Usage (root): deno run -A scripts/bench/suite.ts [--rounds 3] [--seconds 5] [--no-write]
 *
 * @module
 */

import { parseArgs } from "node:util";
import { CliProcess, must, Netns, stopChild, waitUntil } from "../../tests/_support/netns.ts";
import { Lab, median, pidsOf, processTicks } from "./_lab.ts";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    seconds: { type: "string", default: "5" },
    "no-write": { type: "boolean" },
  },
  strict: true,
});
const ROUNDS = Number(values.rounds);
const SECONDS = values.seconds!;
const root = new URL("../..", import.meta.url).pathname;
const WWW = `/dev/shm/mtcp-bench-${Deno.pid}`;

interface Sample {
  value: number;
  extra?: Record<string, number>;
}
const results = new Map<string, Map<string, Sample[]>>(); // figure -> contender -> samples

function record(figure: string, contender: string, s: Sample): void {
  let f = results.get(figure);
  if (f === undefined) results.set(figure, f = new Map());
  let c = f.get(contender);
  if (c === undefined) f.set(contender, c = []);
  c.push(s);
  console.error(`${figure} | ${contender}: ${s.value.toFixed(2)} ${JSON.stringify(s.extra ?? {})}`);
}

/** Busy CPU ticks of the whole machine (user, nice, system, irq, softirq, steal). */
async function machineTicks(): Promise<number> {
  const line = (await Deno.readTextFile("/proc/stat")).split("\n")[0]!.trim().split(/\s+/).slice(1)
    .map(Number);
  const [user, nice, system, _idle, _iowait, irq, softirq, steal] = line;
  return user! + nice! + system! + irq! + softirq! + (steal ?? 0);
}

function latencyMs(text: string, pct: string): number {
  const m = new RegExp(`^\\s+${pct}%\\s+([\\d.]+)(us|ms|s)`, "m").exec(text);
  if (m === null) return NaN;
  const v = Number(m[1]);
  return m[2] === "us" ? v / 1000 : m[2] === "s" ? v * 1000 : v;
}

async function wrk(c: Netns, url: string, serverPids: number[], figure: string, contender: string) {
  const t0 = await processTicks(serverPids);
  const r = await c.run(["wrk", "-t1", "-c50", `-d${SECONDS}s`, "--latency", url]);
  const t1 = await processTicks(serverPids);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(r.text);
  const total = /(\d+) requests in/.exec(r.text);
  const errors = /Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)/.exec(r.text);
  if (rps === null || total === null) throw new Error(`wrk ${contender}: ${r.text} ${r.stderr}`);
  record(figure, contender, {
    value: Number(rps[1]),
    extra: {
      p50ms: latencyMs(r.text, "50"),
      p99ms: latencyMs(r.text, "99"),
      usPerRequest: ((t1 - t0) * 10_000) / Number(total[1]),
      ...(errors !== null ? { errorsSeen: 1 } : {}),
    },
  });
}

async function ab(
  c: Netns,
  url: string,
  serverPids: number[],
  contender: string,
  figure = "Short connections (ab -n 20000 -c 50)",
) {
  // An unmeasured warm-up first, for every contender alike: our server
  // starts fresh each round, and its accept and close paths reach their
  // steady cost only after some 25,000 connections (27 us of CPU per
  // connection in the first 20,000 after 5,000, 20 us two runs later).
  const warm = await c.run(["ab", "-q", "-n", "20000", "-c", "50", url]);
  if (warm.code !== 0) throw new Error(`ab warm-up ${contender}: ${warm.text} ${warm.stderr}`);
  const m0 = await machineTicks();
  const t0 = await processTicks(serverPids);
  const r = await c.run(["ab", "-q", "-n", "20000", "-c", "50", url]);
  const t1 = await processTicks(serverPids);
  const m1 = await machineTicks();
  const rps = /Requests per second:\s+([\d.]+)/.exec(r.text);
  const failed = /Failed requests:\s+(\d+)/.exec(r.text);
  if (rps === null) throw new Error(`ab ${contender}: ${r.text} ${r.stderr}`);
  const cpuSeconds = (m1 - m0) / 100;
  record(figure, contender, {
    value: Number(rps[1]),
    extra: {
      connsPerMachineCpuSecond: 20000 / cpuSeconds,
      usPerRequest: ((t1 - t0) * 10_000) / 20000,
      failed: Number(failed?.[1] ?? 0),
    },
  });
}

async function bulk(c: Netns, url: string, contender: string) {
  const r = await c.run([
    "curl",
    "-sS",
    "-o",
    "/dev/null",
    "-w",
    "%{speed_download} %{size_download}",
    url,
  ]);
  const [speed, size] = r.text.split(" ").map(Number);
  if (r.code !== 0 || size !== 1 << 30) throw new Error(`curl ${contender}: ${r.text} ${r.stderr}`);
  record("Bulk, one flow of 1 GiB (curl)", contender, { value: (speed! * 8) / 1e9 });
}

// --- set-up -----------------------------------------------------------------------

await Deno.mkdir(WWW, { recursive: true });
await Deno.writeFile(`${WWW}/64b`, new Uint8Array(64).fill(0x61));
await Deno.writeTextFile(`${WWW}/bulk.conf`, "sndbuf = 4194304\nmax_num_buffers = 16\n");
await must(["sh", "-c", `head -c 1073741824 /dev/zero > ${WWW}/big`]);
// The lab: C with the clients and our TAP, S with nginx (and its stream
// proxy) and Deno.serve behind a veth (see _lab.ts); socat is added here.
const lab = await Lab.create(WWW, { nginxStream: true, denoServeFile: `${WWW}/64b`, xdp: true });
const C = lab.C, S = lab.S;
const children: Deno.ChildProcess[] = [];
let ours: CliProcess | undefined;
const cli = (args: string[]) => lab.ours(args);
// Ours again over AF_XDP, on the lab's veth in C (10.0.2.2).
const cliXdp = (args: string[]) => lab.oursXdp(args);
const KEEPALIVE = "HTTP keep-alive, 64 B (wrk -t1 -c50)";
const SHORT = "Short connections (ab -n 20000 -c 50)";
/** The last sample of `contender` in `figure`, recorded again under `into`. */
function reuse(figure: string, contender: string, into: string): void {
  const s = results.get(figure)?.get(contender);
  if (s !== undefined && s.length > 0) record(into, contender, s[s.length - 1]!);
}
try {
  children.push(S.spawn(["socat", "TCP-LISTEN:9002,fork,reuseaddr", "TCP:127.0.0.1:8081"]));
  await waitUntil(S, ["sh", "-c", "ss -ltn | grep -q :9002"]);
  const nginxPids = await pidsOf("nginx: worker process");
  const denoPids = [lab.denoPid];

  for (let round = 0; round < ROUNDS; round++) {
    console.error(`--- round ${round + 1} of ${ROUNDS}`);
    // HTTP keep-alive, 64 B.
    ours = cli(["serve", "--http", WWW, "--port", "8080"]);
    await ours.waitFor(/^listening on /);
    const oursPid = (await pidsOf(`cli.ts serve --http ${WWW}`))[0]!;
    await wrk(
      C,
      "http://10.0.0.2:8080/64b",
      [oursPid],
      "HTTP keep-alive, 64 B (wrk -t1 -c50)",
      "ours (serve --http, TAP)",
    );
    await wrk(
      C,
      "http://10.0.1.2:8081/64b",
      nginxPids,
      "HTTP keep-alive, 64 B (wrk -t1 -c50)",
      "nginx (1 worker, veth)",
    );
    await wrk(
      C,
      "http://10.0.1.2:8082/64b",
      denoPids,
      "HTTP keep-alive, 64 B (wrk -t1 -c50)",
      "Deno.serve (veth)",
    );
    // Short connections.
    await ab(C, "http://10.0.0.2:8080/64b", [oursPid], "ours (serve --http, TAP)");
    await ab(C, "http://10.0.1.2:8081/64b", nginxPids, "nginx (1 worker, veth)");
    await ours.stop();
    // The same two figures with ours over AF_XDP; the kernel-side contenders'
    // samples of this round are shown beside it.
    ours = cliXdp(["serve", "--http", WWW, "--port", "8080"]);
    await ours.waitFor(/^listening on /);
    const xdpPid = (await pidsOf(`cli.ts serve --http ${WWW}`))[0]!;
    const ka = `${KEEPALIVE}, ours over AF_XDP`;
    await wrk(C, "http://10.0.2.2:8080/64b", [xdpPid], ka, "ours (serve --http, XDP on veth)");
    reuse(KEEPALIVE, "nginx (1 worker, veth)", ka);
    reuse(KEEPALIVE, "Deno.serve (veth)", ka);
    const short = `${SHORT}, ours over AF_XDP`;
    await ab(C, "http://10.0.2.2:8080/64b", [xdpPid], "ours (serve --http, XDP on veth)", short);
    reuse(SHORT, "nginx (1 worker, veth)", short);
    await ours.stop();
    // Bulk: ours with TSO on the TAP and a 4 MiB send buffer, as one would run it.
    ours = cli(["serve", "--http", WWW, "--port", "8080", "--tso", "--config", `${WWW}/bulk.conf`]);
    await ours.waitFor(/^listening on /);
    await bulk(C, "http://10.0.0.2:8080/big", "ours (serve --http --tso, TAP)");
    await bulk(C, "http://10.0.1.2:8081/big", "nginx (1 worker, veth, TSO/GRO on)");
    await ours.stop();
    // Proxy: wrk through each to nginx.
    ours = cli(["proxy", "--listen", "8080", "--upstream", "10.0.1.2:8081"]);
    await ours.waitFor(/^listening on /);
    const proxyPid = (await pidsOf("cli.ts proxy --listen 8080"))[0]!;
    await wrk(
      C,
      "http://10.0.0.2:8080/64b",
      [proxyPid],
      "Proxy to nginx, 64 B (wrk -t1 -c50)",
      "ours (proxy, TAP)",
    );
    await wrk(
      C,
      "http://10.0.1.2:9001/64b",
      nginxPids,
      "Proxy to nginx, 64 B (wrk -t1 -c50)",
      "nginx stream proxy (veth)",
    );
    await wrk(
      C,
      "http://10.0.1.2:9002/64b",
      [],
      "Proxy to nginx, 64 B (wrk -t1 -c50)",
      "socat (veth)",
    );
    await ours.stop();
    ours = undefined;
  }
} finally {
  await ours?.stop("SIGKILL");
  for (const c of children) await stopChild(c);
  await lab.close();
}

// --- report -----------------------------------------------------------------------

const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const lines: string[] = [];
const bars: { label: string; ratio: number }[] = [];
for (const [figure, contenders] of results) {
  lines.push(`### ${figure}`, "");
  const first = [...contenders.values()][0]!;
  const oursMedian = median(first.map((s) => s.value));
  const extraKeys = Object.keys(first[0]!.extra ?? {}).filter((k) =>
    k !== "errorsSeen" && k !== "failed"
  );
  const extraHead = extraKeys.map((k) => ` ${k} (median) |`).join("");
  lines.push(
    `| contender | median | spread (min to max) | ours / this |${extraHead}`,
    `|---|---|---|---|${extraKeys.map(() => "---|").join("")}`,
  );
  for (const [name, samples] of contenders) {
    const v = samples.map((s) => s.value);
    const m = median(v);
    const ratio = oursMedian / m;
    if (name !== [...contenders.keys()][0]) {
      bars.push({ label: `${figure.split(" (")[0]}: ours / ${name.split(" (")[0]}`, ratio });
    }
    const extraCells = extraKeys.map((k) =>
      ` ${fmt(median(samples.map((s) => s.extra?.[k] ?? NaN)))} |`
    ).join("");
    lines.push(
      `| ${name} | ${fmt(m)} | ${fmt(Math.min(...v))} to ${fmt(Math.max(...v))} | ${
        ratio.toFixed(2)
      } |${extraCells}`,
    );
  }
  lines.push("");
}
const report = lines.join("\n");
console.log(report);

const rowH = 28;
const width = 760;
const height = 40 + bars.length * rowH;
const maxRatio = Math.max(1.5, ...bars.map((b) => b.ratio));
const x = (r: number) => 330 + (r / maxRatio) * 400;
let svg =
  `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">
<text x="10" y="20" font-weight="bold">ours / theirs (median of ${ROUNDS} rounds; 1.0 = equal)</text>
<line x1="${x(1)}" y1="28" x2="${x(1)}" y2="${height - 4}" stroke="#888" stroke-dasharray="4"/>
`;
bars.forEach((b, i) => {
  const y = 32 + i * rowH;
  svg += `<text x="10" y="${y + 15}">${b.label.replace(/&/g, "&amp;").replace(/</g, "&lt;")}</text>
<rect x="330" y="${y + 4}" width="${x(b.ratio) - 330}" height="16" fill="${
    b.ratio >= 1 ? "#3a7" : "#c64"
  }"/>
<text x="${x(b.ratio) + 4}" y="${y + 16}">${b.ratio.toFixed(2)}</text>
`;
});
svg += "</svg>\n";

if (!values["no-write"]) {
  await Deno.writeTextFile(`${root}benchmarks.svg`, svg);
  const path = `${root}BENCHMARKS.md`;
  const md = await Deno.readTextFile(path);
  const start = "<!-- suite:start -->";
  const end = "<!-- suite:end -->";
  const body =
    `${start}\n\nRun on ${
      new Date().toISOString().slice(0, 10)
    }, ${ROUNDS} rounds, ${SECONDS} s per wrk run ` +
    `(\`sudo npx --yes deno@2.9.5 run -A scripts/bench/suite.ts\`).\n\n![ours / theirs](benchmarks.svg)\n\n${report}\n${end}`;
  const i = md.indexOf(start);
  const j = md.indexOf(end);
  const next = i >= 0 && j > i
    ? md.slice(0, i) + body + md.slice(j + end.length)
    : `${md.trimEnd()}\n\n## Side by side with the kernel\n\n${body}\n`;
  await Deno.writeTextFile(path, next);
  console.error("wrote BENCHMARKS.md and benchmarks.svg");
}
