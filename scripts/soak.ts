/**
 * The soak: `serve --http` on a TAP in a namespace made for the run, under a
 * mixed load for DURATION seconds (default 1800): wrk keeping 10 connections
 * alive, ab opening short connections, curl downloading a 10 MB file again
 * and again, and a raw socket on the kernel's side sending junk frames (a
 * thousand a second: random bytes, truncated headers, bad checksums). Every
 * 10 s it samples the server's resident memory and, from its `--stats`
 * lines, flows and packets; at the end it waits for TIME-WAIT to pass and
 * checks the pool is back to empty. Prints a table and a verdict: memory flat
 * (the last third within 10 % of the first third after warm-up), every flow
 * gone at the end, the server still answering.
 *
 * Usage (root): deno run -A scripts/soak.ts [DURATION_S]
 *
 * @module
 */

import { CliProcess, Netns, randomBytes, uniqueTag } from "../tests/_support/netns.ts";

const duration = Number(Deno.args[0] ?? 1800);
const tag = uniqueTag();
const ns = await Netns.create(`sk${tag}`);
const tap = `msk${tag}`;
const www = await Deno.makeTempDir();
await Deno.writeFile(`${www}/big.bin`, randomBytes(10 << 20, 3));
await Deno.writeTextFile(`${www}/index.html`, "<h1>soak</h1>\n");
const serve = CliProcess.start(ns, [
  "serve",
  "--dev",
  `tap:${tap}`,
  "--ip",
  "10.0.0.2/24",
  "--host-ip",
  "10.0.0.1/24",
  "--port",
  "8080",
  "--http",
  www,
  "--stats",
]);
const children: Deno.ChildProcess[] = [];
const rssMb = () => {
  const m = /VmRSS:\s+(\d+)/.exec(Deno.readTextFileSync(`/proc/${serve.pid}/status`));
  return Number(m?.[1] ?? 0) / 1024;
};
const lastStat = () => {
  const line = [...serve.lines].reverse().find((l) => l.startsWith("[CPU 0]")) ?? "";
  const m = /RX: (\d+) pps .* flows: (\d+)/.exec(line);
  return { rxPps: Number(m?.[1] ?? 0), flows: Number(m?.[2] ?? -1) };
};
// Each loop's shell is marked with the run's tag, so that only ours are stopped.
const mark = `soak-${tag}`;
const loop = (cmd: string) =>
  ns.spawn(["sh", "-c", `while :; do ${cmd} >/dev/null 2>&1; done`, mark]);
const samples: { t: number; rss: number; flows: number; rxPps: number }[] = [];
let verdict = "FAIL";
try {
  await serve.waitFor(/^listening on /);
  const url = "http://10.0.0.2:8080";
  children.push(ns.spawn(["wrk", "-t1", "-c10", `-d${duration}s`, `${url}/index.html`]));
  children.push(loop(`ab -q -n 2000 -c 10 ${url}/index.html`));
  children.push(loop(`curl -s -o /dev/null ${url}/big.bin`));
  children.push(ns.spawn([
    "python3",
    "-c",
    `
import socket, os, random, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("${tap}", 0))
ours = None
end = time.time() + ${duration}
while time.time() < end:
  for _ in range(100):
    kind = random.random()
    f = bytearray(os.urandom(random.randint(34 if kind > 0.5 else 14, 1514)))
    f[0:6] = b"\\xff\\xff\\xff\\xff\\xff\\xff" if kind < 0.3 else f[0:6]
    if kind > 0.5:
      f[12:14] = b"\\x08\\x00"; f[14] = 0x45; f[23] = random.choice([1, 6, 17])
      f[30:34] = bytes([10, 0, 0, 2])
    try: s.send(bytes(f))
    except OSError: pass
  time.sleep(0.1)
`,
  ]));
  const start = performance.now();
  while (performance.now() - start < duration * 1000) {
    await new Promise((r) => setTimeout(r, 10_000));
    const st = lastStat();
    samples.push({ t: Math.round((performance.now() - start) / 1000), rss: rssMb(), ...st });
    const s = samples.at(-1)!;
    console.log(`${s.t} s: RSS ${s.rss.toFixed(1)} MB, flows ${s.flows}, RX ${s.rxPps} pps`);
  }
  for (const c of children) {
    try {
      c.kill("SIGKILL");
    } catch {
      // ended
    }
  }
  // The shells go; a curl or ab they started ends by itself within seconds.
  await ns.run(["pkill", "-f", `^sh -c while :; do .* ${mark}$`]);
  // TIME-WAIT (60 s) passes; the pool must come back to empty.
  await new Promise((r) => setTimeout(r, 75_000));
  const end = lastStat();
  const answer = await ns.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", `${url}/`]);
  const warm = samples.filter((s) => s.t >= 120);
  const third = Math.max(1, Math.floor(warm.length / 3));
  const avg = (xs: typeof samples) => xs.reduce((a, s) => a + s.rss, 0) / xs.length;
  const first = avg(warm.slice(0, third));
  const last = avg(warm.slice(-third));
  const flat = last <= first * 1.1;
  console.log(
    `RSS first third after warm-up ${first.toFixed(1)} MB, last third ${last.toFixed(1)} MB (${
      ((last / first - 1) * 100).toFixed(1)
    } %); flows after the load and TIME-WAIT: ${end.flows}; answer after: ${answer.text}`,
  );
  verdict = flat && end.flows === 0 && answer.text === "200" ? "PASS" : "FAIL";
  console.log(`soak of ${duration} s: ${verdict}`);
  await serve.stop();
  for (const l of serve.lines.filter((l) => /^(connections|responses|final):/.test(l))) {
    console.log(l);
  }
} finally {
  await serve.stop("SIGKILL");
  await ns.delete();
  await Deno.remove(www, { recursive: true });
}
if (verdict !== "PASS") Deno.exit(1);
