/**
 * Two builds of the CLI side by side, alternating in the same lab (see
 * `_lab.ts`): `serve --http` keep-alive (64 B) or `proxy` to nginx, each
 * started afresh, 3 s of wrk unmeasured, then 5 s measured (wrk -t1 -c50),
 * two rounds. For telling a code change from a machine's mood: check the
 * other commit out in a worktree first (`git worktree add /tmp/base REV`,
 * with `ffi/target` linked or built).
 *
 * Usage (root): deno run -A scripts/bench/compare_commits.ts serve|proxy CLI_A CLI_B
 *
 * @module
 */

import { filesDir, Lab } from "./_lab.ts";

const [mode, ...clis] = Deno.args;
if ((mode !== "serve" && mode !== "proxy") || clis.length < 2) {
  console.error("usage: compare_commits.ts serve|proxy CLI_A CLI_B");
  Deno.exit(2);
}
const WWW = await filesDir("compare");
const lab = await Lab.create(WWW, { nginxStream: true });
const rate = (text: string) => Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1] ?? NaN);
try {
  for (let round = 0; round < 2; round++) {
    for (const cli of clis) {
      const args = mode === "proxy"
        ? ["proxy", "--listen", "8080", "--upstream", "10.0.1.2:8081"]
        : ["serve", "--http", WWW, "--port", "8080"];
      const p = lab.ours(args, cli);
      try {
        await p.waitFor(/^listening on /);
        await lab.C.run(["wrk", "-t1", "-c50", "-d3s", "http://10.0.0.2:8080/64b"]);
        const r = await lab.C.run(["wrk", "-t1", "-c50", "-d5s", "http://10.0.0.2:8080/64b"]);
        console.log(`round ${round + 1} | ${cli} | ${rate(r.text).toFixed(0)} requests/s`);
      } finally {
        await p.stop();
      }
    }
  }
  const url = mode === "proxy" ? "http://10.0.1.2:9001/64b" : "http://10.0.1.2:8081/64b";
  const r = await lab.C.run(["wrk", "-t1", "-c50", "-d5s", url]);
  console.log(`nginx${mode === "proxy" ? " stream" : ""} | ${rate(r.text).toFixed(0)} requests/s`);
} finally {
  await lab.close();
}
