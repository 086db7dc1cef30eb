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

import { mtcp_create_context, mtcp_destroy, mtcp_init, mtcp_strerror_init } from "../../mod.ts";
import { MemoryNetwork } from "../../lib/phy/memory.ts";
import { BUILTIN_PAGE, runServe } from "../../lib/apps/appliance.ts";
import { runBench } from "../../lib/apps/bench.ts";
import type { Stack, StackOptions } from "../../lib/apps/stack.ts";
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

if (
  mtcp_init({
    num_cores: 2,
    max_concurrency: 4 * concurrency + 64,
    max_num_buffers: 4 * concurrency + 64,
    tcp_timewait: 0,
  }) !== 0
) {
  throw new Error(mtcp_strerror_init());
}
const network = new MemoryNetwork({ clock: "system" });
const server = mtcp_create_context(0, { network, address: "10.0.0.2/24" })!;
const client = mtcp_create_context(1, { network, address: "10.0.0.1/24" })!;
const stack = (ctx: typeof server): Stack => ({
  ctx,
  network,
  device: undefined,
  where: "memory",
  close: () => Promise.resolve(),
});
const abort = new AbortController();
const options: StackOptions = { dev: "memory", ip: "10.0.0.2/24", cores: 1, configFiles: [] };
const serving = runServe(
  stack(server),
  options,
  { port: 8080, mode: "http" },
  abort.signal,
  () => {},
);
console.log(
  `short connections in one process: ${total} requests, ${concurrency} at a time, ` +
    `${BUILTIN_PAGE.length}-byte page, ${rounds} rounds`,
);
try {
  for (let round = 0; round < rounds; round++) {
    const cpu0 = cpuMicros();
    const t0 = performance.now();
    const result = await runBench(
      stack(client),
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
