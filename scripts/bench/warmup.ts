/**
 * A fresh server's first seconds: `serve --http` is started anew (a cold
 * JIT), and from its `listening on` line `wrk -t1 -c50` runs for one second
 * at a time, 15 times back to back, against the 64 B file; the warmed rate is
 * the median of seconds 11 to 15. nginx (no JIT) is run the same way as a
 * reference. Three fresh starts of ours (see `_lab.ts` for the layout).
 *
 * Usage (root): deno run -A scripts/bench/warmup.ts [--starts 3]
 *
 * @module
 */

import { parseArgs } from "node:util";
import { filesDir, Lab, median } from "./_lab.ts";

const { values } = parseArgs({
  options: { starts: { type: "string", default: "3" } },
  strict: true,
});
const WWW = await filesDir("warmup");

async function seconds(lab: Lab, url: string): Promise<number[]> {
  const rates: number[] = [];
  for (let s = 0; s < 15; s++) {
    const r = await lab.C.run(["wrk", "-t1", "-c50", "-d1s", url]);
    rates.push(Number(/Requests\/sec:\s+([\d.]+)/.exec(r.text)?.[1] ?? 0));
  }
  return rates;
}

const lab = await Lab.create(WWW, {});
const rows: [string, number[]][] = [];
try {
  for (let i = 0; i < Number(values.starts); i++) {
    const p = lab.ours(["serve", "--http", WWW, "--port", "8080"]);
    try {
      await p.waitFor(/^listening on /);
      rows.push([
        `ours (serve --http, TAP), start ${i + 1}`,
        await seconds(lab, "http://10.0.0.2:8080/64b"),
      ]);
    } finally {
      await p.stop();
    }
  }
  rows.push(["nginx (1 worker, veth)", await seconds(lab, "http://10.0.1.2:8081/64b")]);
} finally {
  await lab.close();
}
const k = (x: number) => (x / 1000).toFixed(1);
console.log(
  "| server | s1 | s2 | s3 | s4 | s5 | s6-10 (median) | warmed: s11-15 (median) | first 5 s at ≥ 80 % from |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (const [name, r] of rows) {
  const warmed = median(r.slice(10));
  const first = r.findIndex((x) => x >= 0.8 * warmed);
  console.log(
    `| ${name} | ${
      r.slice(0, 5).map((x) => `${k(x)}k (${(x / warmed * 100).toFixed(0)} %)`).join(" | ")
    } | ${k(median(r.slice(5, 10)))}k | ${k(warmed)}k | ${
      first < 0 ? "never" : `second ${first + 1}`
    } |`,
  );
}
