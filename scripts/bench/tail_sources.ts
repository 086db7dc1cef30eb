/**
 * Where a tail at a fixed load comes from: one load (64 B, `mtcp_rate` at
 * `--rate`, 50 kept-alive connections or, with `--mode close`, a connection
 * per request) against ours on the lab's TAP, once
 * per build given, and against nginx, with the server's CPU share and, for
 * ours, V8's scavenges and their time (`--trace-gc`). With `--spinner`, a
 * process that only reads the clock in a loop, pinned to the second core,
 * runs beside nginx under the same load and counts the gaps it sees (the
 * stalls that no code of its own causes: preemption by the client, the
 * kernel's work and the hypervisor).
 *
 * Usage (root): deno run -A scripts/bench/tail_sources.ts [--rate 26000]
 *   [--seconds 6] [--runs 2] [--mode keepalive|close] [--cli A/cli.ts,B/cli.ts] [--spinner]
 *
 * @module
 */

import { parseArgs } from "node:util";
import { CliProcess } from "../../tests/_support/netns.ts";
import { filesDir, Lab, pidsOf, processTicks } from "./_lab.ts";

const { values } = parseArgs({
  options: {
    rate: { type: "string", default: "26000" },
    seconds: { type: "string", default: "6" },
    runs: { type: "string", default: "2" },
    cli: { type: "string" },
    spinner: { type: "boolean" },
    mode: { type: "string", default: "keepalive" },
  },
  strict: true,
});
if (values.mode !== "keepalive" && values.mode !== "close") {
  console.error(`error: --mode is keepalive or close, not ${values.mode}`);
  Deno.exit(2);
}
const root = new URL("../..", import.meta.url).pathname;
const SECONDS = Number(values.seconds);
const clis = values.cli?.split(",") ?? [`${root}cli.ts`];

const SPINNER = `
const end = performance.now() + ${SECONDS * 1000};
let last = performance.now(), over1 = 0, max = 0;
for (let t = last; t < end; t = performance.now()) {
  const g = t - last;
  last = t;
  if (g > 1) over1++;
  if (g > max) max = g;
}
console.log(JSON.stringify({ over1, max }));
`;

interface Row {
  who: string;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  cpu: number;
  gc: string;
}
const rows: Row[] = [];

const WWW = await filesDir("tail");
const lab = await Lab.create(WWW, {});
// A connection a request turns ports over fast: the client closes second
// (no TIME-WAIT on its side), and a wide range keeps reuse rare.
await lab.C.must(["sysctl", "-qw", "net.ipv4.ip_local_port_range=10000 65000"]);

let spinnerText = "";

async function load(
  host: string,
  port: number,
  pids: number[],
  who: string,
  gc?: CliProcess,
  spinner = false,
) {
  await lab.C.run(["wrk", "-t1", "-c50", "-d3s", `http://${host}:${port}/64b`]);
  for (let i = 0; i < Number(values.runs); i++) {
    const gcFrom = gc?.lines.length ?? 0;
    const t0 = await processTicks(pids);
    const spin = spinner && i === 0
      ? new Deno.Command("taskset", {
        args: ["-c", "1", Deno.execPath(), "eval", SPINNER],
        stdout: "piped",
      }).spawn()
      : undefined;
    const r = await lab.C.run([
      `${root}ffi/target/release/mtcp_rate`,
      ...["--host", host, "--port", String(port), "--path", "/64b", "--rate", values.rate!],
      ...["--seconds", String(SECONDS), "--warmup", "1", "--mode", values.mode!],
      ...["--connections", "50"],
    ]);
    const cpu = (await processTicks(pids)) - t0;
    if (r.code !== 0) throw new Error(`mtcp_rate: ${r.stderr}`);
    if (spin !== undefined) {
      const s = JSON.parse(new TextDecoder().decode((await spin.output()).stdout));
      spinnerText = `A clock-reading loop pinned to core 1 beside ${who}'s first run: ${
        (s.over1 / SECONDS).toFixed(1)
      } gaps over 1 ms a second, the longest ${s.max.toFixed(2)} ms.`;
    }
    const j = JSON.parse(r.text);
    let gcText = "-";
    if (gc !== undefined) {
      const ms = gc.lines.slice(gcFrom).map((l) => /Scavenge.*?, ([\d.]+) \/ [\d.]+ ms/.exec(l))
        .filter((m) => m !== null).map((m) => Number(m![1]));
      gcText = `${(ms.length / SECONDS).toFixed(0)}/s, ${
        (ms.reduce((a, b) => a + b, 0) / SECONDS).toFixed(1)
      } ms/s`;
    }
    const ms = (us: number) => us / 1000;
    rows.push({
      who,
      p50: ms(j.p50_us),
      p90: ms(j.p90_us),
      p99: ms(j.p99_us),
      p999: ms(j.p999_us),
      max: ms(j.max_us),
      // Ticks are 1/100 s; the run lasts SECONDS + its 1 s warm-up.
      cpu: cpu / (SECONDS + 1),
      gc: gcText,
    });
    console.error(JSON.stringify(rows.at(-1)));
  }
}

try {
  for (const [i, cli] of clis.entries()) {
    const p = CliProcess.exec(lab.C, [
      Deno.execPath(),
      "run",
      "-A",
      "--v8-flags=--trace-gc",
      cli,
      ...["serve", "--http", WWW, "--port", "8080", "--dev", `tap:${lab.tap}`],
      ...["--ip", "10.0.0.2/24", "--host-ip", "10.0.0.1/24"],
    ]);
    try {
      await p.waitFor(/^listening on /);
      const pids = await pidsOf(`${cli} serve --http ${WWW}`);
      await load("10.0.0.2", 8080, pids, clis.length > 1 ? `ours ${i + 1} (TAP)` : "ours (TAP)", p);
    } finally {
      await p.stop();
    }
  }
  await load("10.0.1.2", 8081, lab.nginxPids, "nginx (veth)", undefined, values.spinner);
} finally {
  await lab.close();
}

const f = (x: number) => x.toFixed(2);
console.log(`${values.mode}, 64 B, ${values.rate}/s offered, ${SECONDS} s a run`);
console.log("");
console.log("| server | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | CPU % | scavenges |");
console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
for (const r of rows) {
  console.log(
    `| ${r.who} | ${f(r.p50)} | ${f(r.p90)} | ${f(r.p99)} | ${f(r.p999)} | ${f(r.max)} | ${
      r.cpu.toFixed(0)
    } | ${r.gc} |`,
  );
}
if (spinnerText) console.log(`\n${spinnerText}`);
for (const cli of clis) console.error(`cli: ${cli}`);
