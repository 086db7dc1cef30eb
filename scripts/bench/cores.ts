/**
 * Scaling from one core to two: `serve` with `--cores 1` and `--cores 2`
 * (one worker and one queue of a multi-queue TAP each) under the kernel's
 * wrk and ab in a namespace made for the run and deleted after it. Rounds
 * alternate the two, and the median and spread of each are printed with the
 * ratio. On a two-core machine the clients share the cores with the server,
 * so this shows what a second worker buys on this machine, not a server
 * with cores to itself.
 *
 * Usage (root): deno run -A scripts/bench/cores.ts [--rounds 3] [--seconds 5]
 *
 * @module
 */

import { parseArgs } from "node:util";
import { CliProcess, Netns, uniqueTag } from "../../tests/_support/netns.ts";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    seconds: { type: "string", default: "5" },
  },
  strict: true,
});
const ROUNDS = Number(values.rounds);
const SECONDS = values.seconds!;

const results: Record<string, number[]> = {};
const note = (key: string, v: number) => {
  (results[key] ??= []).push(v);
  console.error(`${key}: ${v.toFixed(0)}`);
};

const tag = uniqueTag();
const ns = await Netns.create(`co${tag}`);
const tap = `mtc${tag}`;
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const cores of [1, 2]) {
      const cli = CliProcess.start(ns, [
        "serve",
        "--dev",
        `tap:${tap}`,
        "--ip",
        "10.0.0.2/24",
        "--host-ip",
        "10.0.0.1/24",
        "--port",
        "8080",
        "--cores",
        String(cores),
      ]);
      try {
        await cli.waitFor(/^listening on /);
        const wrk = await ns.run([
          "wrk",
          "-t2",
          "-c100",
          `-d${SECONDS}s`,
          "http://10.0.0.2:8080/",
        ]);
        const rps = /Requests\/sec:\s+([\d.]+)/.exec(wrk.text);
        if (rps === null) throw new Error(`wrk: ${wrk.text} ${wrk.stderr}`);
        note(`keep-alive (wrk -t2 -c100), --cores ${cores}`, Number(rps[1]));
        const ab = await ns.run(["ab", "-q", "-n", "20000", "-c", "50", "http://10.0.0.2:8080/"]);
        const cps = /Requests per second:\s+([\d.]+)/.exec(ab.text);
        if (cps === null) throw new Error(`ab: ${ab.text} ${ab.stderr}`);
        note(`short connections (ab -n 20000 -c 50), --cores ${cores}`, Number(cps[1]));
      } finally {
        await cli.stop();
      }
    }
  }
} finally {
  await ns.delete();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log("| figure | --cores 1 (median, spread) | --cores 2 (median, spread) | 2 / 1 |");
console.log("|---|---|---|---|");
for (const figure of ["keep-alive (wrk -t2 -c100)", "short connections (ab -n 20000 -c 50)"]) {
  const one = results[`${figure}, --cores 1`] ?? [];
  const two = results[`${figure}, --cores 2`] ?? [];
  const cell = (xs: number[]) =>
    `${median(xs).toFixed(0)} (${Math.min(...xs).toFixed(0)} to ${Math.max(...xs).toFixed(0)})`;
  console.log(
    `| ${figure} | ${cell(one)} | ${cell(two)} | ${(median(two) / median(one)).toFixed(2)} |`,
  );
}
