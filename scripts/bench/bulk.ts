/**
 * Bulk transfer as an operator gets it: one 200 MB file fetched with curl
 * from `serve --http` with its defaults (TAP offloads on), with
 * `--no-offload`, with a 4 MiB send buffer, and from the kernel's nginx and
 * python's http.server over a veth, in the same run (see `_lab.ts` for the
 * layout). Each contender is fetched `--runs` times; the median and the
 * range are printed as a markdown table in MB/s (10^6 bytes a second).
 *
 * Usage (root): deno run -A scripts/bench/bulk.ts [--runs 3] [--mb 200]
 *
 * @module
 */

import { parseArgs } from "node:util";
import { must } from "../../tests/_support/netns.ts";
import { Lab, median } from "./_lab.ts";

const { values } = parseArgs({
  options: { runs: { type: "string", default: "3" }, mb: { type: "string", default: "200" } },
  strict: true,
});
const RUNS = Number(values.runs);
const MB = Number(values.mb);
const lab = await Lab.create(`/dev/shm/mtcp-bulk-${Deno.pid}`, { python: true });

async function fetchMBps(url: string): Promise<number> {
  const r = await lab.C.run(
    ["curl", "-sS", "-o", "/dev/null", "-w", "%{speed_download} %{size_download}", url],
  );
  const [speed, size] = r.text.split(" ").map(Number);
  if (r.code !== 0 || size !== MB * 1e6) throw new Error(`curl ${url}: ${r.text} ${r.stderr}`);
  return speed! / 1e6;
}

const rows: [string, number[]][] = [];
try {
  await must(["sh", "-c", `head -c ${MB * 1e6} /dev/zero > ${lab.www}/big`]);
  await Deno.writeTextFile(`${lab.www}/sndbuf.conf`, "sndbuf = 4194304\nmax_num_buffers = 16\n");
  const ours: [string, string[]][] = [
    ["ours, serve --http (defaults: TAP offloads on)", []],
    ["ours, serve --http --no-offload", ["--no-offload"]],
    ["ours, serve --http, sndbuf 4 MiB (--config)", ["--config", `${lab.www}/sndbuf.conf`]],
  ];
  for (const [name, flags] of ours) {
    const p = lab.ours(["serve", "--http", lab.www, "--port", "8080", ...flags]);
    await p.waitFor(/^listening on /);
    const speeds: number[] = [];
    for (let i = 0; i < RUNS; i++) speeds.push(await fetchMBps("http://10.0.0.2:8080/big"));
    rows.push([name, speeds]);
    await p.stop();
  }
  for (
    const [name, url] of [
      ["nginx (1 worker, sendfile, veth)", "http://10.0.1.2:8081/big"],
      ["python3 -m http.server (veth)", "http://10.0.1.2:8083/big"],
    ] as const
  ) {
    const speeds: number[] = [];
    for (let i = 0; i < RUNS; i++) speeds.push(await fetchMBps(url));
    rows.push([name, speeds]);
  }
} finally {
  await lab.close();
}
const base = median(rows[0]![1]);
console.log(`| ${MB} MB with curl, ${RUNS} runs | median MB/s | range | of ours' default |`);
console.log("| --- | --- | --- | --- |");
for (const [name, s] of rows) {
  const m = median(s);
  console.log(
    `| ${name} | ${m.toFixed(0)} | ${Math.min(...s).toFixed(0)} to ${Math.max(...s).toFixed(0)} | ${
      (m / base).toFixed(2)
    } |`,
  );
}
