/**
 * Short connections through the whole stack in one process: `serve --http`
 * (the built-in page) on one context and `bench` without keep-alive on
 * another, over the in-memory network on the system clock. Each request is a
 * new connection (handshake, request, response, close both ways), so this is
 * the per-connection path the side-by-side suite's `ab` figure measures,
 * without a device or a kernel in the way: what is left is our JavaScript.
 *
 * Prints connections per second and CPU microseconds per connection for the
 * process (both stacks and both applications, one thread). Run it under
 * `--cpu-prof` to see where a connection's time goes.
 *
 * Run: `deno run -A scripts/bench/short_conns.ts [TOTAL] [CONCURRENCY] [ROUNDS]`
 * (defaults 20000, 50, 3). It measures; it asserts nothing.
 *
 * @module
 */

import { mtcp_destroy } from "../../mod.ts";
import { BUILTIN_PAGE } from "../../lib/apps/appliance.ts";
import { serveInMemory } from "../../lib/apps/demo.ts";
import { runBench } from "../../lib/apps/bench.ts";
import { parseIpv4Address } from "../../lib/wire/address.ts";

const total = Number(Deno.args[0] ?? 20000);
const concurrency = Number(Deno.args[1] ?? 50);
const rounds = Number(Deno.args[2] ?? 3);

/** User plus system CPU time of this process, in microseconds (/proc/self/stat). */
function cpuMicros(): number {
  const fields = Deno.readTextFileSync("/proc/self/stat").split(") ")[1]!.split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks * 10_000; // USER_HZ is 100 on Linux
}

const abort = new AbortController();
// The CLI's defaults (a pool of 10,000, TIME-WAIT 60 s), as serve runs them.
const { client, serving } = serveInMemory({}, abort.signal, () => {});
console.log(
  `short connections in one process: ${total} requests, ${concurrency} at a time, ` +
    `${BUILTIN_PAGE.length}-byte page, ${rounds} rounds`,
);
try {
  for (let round = 0; round < rounds; round++) {
    const cpu0 = cpuMicros();
    const t0 = performance.now();
    const result = await runBench(
      client,
      {
        addr: parseIpv4Address("10.0.0.2")!,
        port: 8080,
        path: "/",
        total,
        concurrency,
        keepalive: false,
        durationMs: Infinity,
        progress: false,
      },
      abort.signal,
      () => {},
    );
    const seconds = (performance.now() - t0) / 1000;
    const cpu = cpuMicros() - cpu0;
    if (!result.lines[0]!.startsWith(`requests: ${total} completed, 0 failed`)) {
      throw new Error(`bench failed: ${result.lines.join("; ")}`);
    }
    console.log(
      `round ${round + 1}: ${Math.round(total / seconds)} connections/s, ` +
        `${(cpu / total).toFixed(1)} us of CPU per connection (both ends)`,
    );
  }
} finally {
  abort.abort();
  await serving;
  mtcp_destroy();
}
