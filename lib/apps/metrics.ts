/**
 * The Prometheus text exposition (format 0.0.4) of a run's counters, served
 * by `--metrics ADDR:PORT` on the kernel's own network (the management plane
 * apart from the data plane, as appliances do): per core, frames and bytes
 * each way, connections open and opened, retransmissions, drops by reason,
 * and what the listeners refused or answered with a SYN cookie. Names follow
 * Prometheus' conventions (`mtcp_` prefix, base units, `_total` counters);
 * totals are the sum over `core`.
 *
 * @module
 */

import type { StatsSample, UpstreamSample } from "./stack.ts";

interface Family {
  name: string;
  type: "counter" | "gauge";
  help: string;
  values: (s: StatsSample) => [Record<string, string>, number][];
}

const one = (v: (s: StatsSample) => number) => (s: StatsSample) =>
  [[{}, v(s)]] as [Record<string, string>, number][];

const FAMILIES: Family[] = [
  {
    name: "mtcp_rx_frames_total",
    type: "counter",
    help: "Frames received.",
    values: one((s) => s.rxPackets),
  },
  {
    name: "mtcp_rx_bytes_total",
    type: "counter",
    help: "Bytes received.",
    values: one((s) => s.rxBytes),
  },
  {
    name: "mtcp_tx_frames_total",
    type: "counter",
    help: "Frames sent.",
    values: one((s) => s.txPackets),
  },
  {
    name: "mtcp_tx_bytes_total",
    type: "counter",
    help: "Bytes sent.",
    values: one((s) => s.txBytes),
  },
  {
    name: "mtcp_connections",
    type: "gauge",
    help: "Connections in the pool (TIME-WAIT included).",
    values: one((s) => s.flows),
  },
  {
    name: "mtcp_flows",
    type: "gauge",
    help: "Connections by RFC 9293 state (TIME-WAIT records included).",
    values: (s) => Object.entries(s.states ?? {}).map(([state, v]) => [{ state }, v]),
  },
  {
    name: "mtcp_buffers_in_use",
    type: "gauge",
    help: "Send and receive buffers out of the pools (mtcp.conf max_num_buffers bounds them).",
    values: one((s) => s.buffers ?? 0),
  },
  {
    name: "mtcp_connections_opened_total",
    type: "counter",
    help: "Connections opened, accepted and connected.",
    values: one((s) => s.opened),
  },
  {
    name: "mtcp_retransmits_total",
    type: "counter",
    help: "Segments retransmitted.",
    values: one((s) => s.retransmits),
  },
  {
    name: "mtcp_drops_total",
    type: "counter",
    help: "Frames dropped, by reason.",
    values: (s) => Object.entries(s.drops).map(([reason, v]) => [{ reason }, v]),
  },
  {
    name: "mtcp_tcp_events_total",
    type: "counter",
    help: "Listener refusals, SYN cookies, resets and timeouts, by event.",
    values: (s) =>
      Object.entries(s.tcp ?? {}).filter(([k]) => k !== "stuckConnections").map((
        [event, v],
      ) => [{ event }, v]),
  },
  {
    name: "mtcp_stuck_connections",
    type: "gauge",
    help: "Connections with data and nothing armed to move it (an engine fault).",
    values: one((s) => s.tcp?.stuckConnections ?? 0),
  },
  {
    name: "mtcp_http_responses_total",
    type: "counter",
    help: "HTTP responses sent by serve, by status.",
    values: (s) => Object.entries(s.app?.responses ?? {}).map(([status, v]) => [{ status }, v]),
  },
  ...upstreamFamilies(),
];

function upstreamFamilies(): Family[] {
  const per = (pick: (u: UpstreamSample) => number) => (s: StatsSample) =>
    (s.app?.upstreams ?? []).map((u) => [{ upstream: u.upstream }, pick(u)]) as [
      Record<string, string>,
      number,
    ][];
  return [
    {
      name: "mtcp_upstream_up",
      type: "gauge",
      help: "Whether the proxy's upstream takes clients (1) or is down (0).",
      values: per((u) => u.up),
    },
    {
      name: "mtcp_upstream_connections",
      type: "gauge",
      help: "The proxy's connections to the upstream now.",
      values: per((u) => u.active),
    },
    {
      name: "mtcp_upstream_connects_total",
      type: "counter",
      help: "Connects to the upstream started.",
      values: per((u) => u.connects),
    },
    {
      name: "mtcp_upstream_failures_total",
      type: "counter",
      help: "Connects to the upstream that failed or timed out.",
      values: per((u) => u.failures),
    },
  ];
}

function labels(core: number, extra: Record<string, string>): string {
  const all = { core: String(core), ...extra };
  return Object.entries(all).map(([k, v]) =>
    `${k}="${v.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n")}"`
  ).join(",");
}

/**
 * The exposition of `samples` (one per core).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exposition } from "./metrics.ts";
 * const s = { core: 0, rxPackets: 5, rxBytes: 300, txPackets: 4, txBytes: 200, flows: 1, opened: 1, retransmits: 0, drops: { ipBadChecksum: 2 }, tcp: {} };
 * const text = exposition([s]);
 * assert.match(text, /^# HELP mtcp_rx_frames_total Frames received\.\n# TYPE mtcp_rx_frames_total counter\nmtcp_rx_frames_total\{core="0"\} 5\n/);
 * assert.match(text, /\nmtcp_drops_total\{core="0",reason="ipBadChecksum"\} 2\n/);
 * ```
 */
export function exposition(samples: StatsSample[]): string {
  let out = "";
  for (const f of FAMILIES) {
    out += `# HELP ${f.name} ${f.help}\n# TYPE ${f.name} ${f.type}\n`;
    for (const s of samples) {
      for (const [extra, v] of f.values(s)) out += `${f.name}{${labels(s.core, extra)}} ${v}\n`;
    }
  }
  return out;
}

/**
 * The process' own gauges, under the names Prometheus' client libraries use:
 * resident memory and CPU time from `/proc/self` (0 where there is none), and
 * the heap of this thread's isolate (a worker's, with `--cores`, is its own).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { processExposition } from "./metrics.ts";
 * assert.match(processExposition(), /\nprocess_resident_memory_bytes \d+\n/);
 * assert.match(processExposition(), /\ndeno_heap_used_bytes \d+\n/);
 * ```
 */
export function processExposition(): string {
  const m = Deno.memoryUsage();
  let cpu = 0;
  try {
    const f = Deno.readTextFileSync("/proc/self/stat").split(") ")[1]!.split(" ");
    cpu = (Number(f[11]) + Number(f[12])) / 100; // clock ticks, USER_HZ = 100
  } catch {
    // not Linux
  }
  const gauges: [string, string, string, number][] = [
    ["process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", m.rss],
    ["process_cpu_seconds_total", "counter", "User and system CPU time, seconds.", cpu],
    ["deno_heap_used_bytes", "gauge", "V8 heap in use (this isolate).", m.heapUsed],
    ["deno_heap_total_bytes", "gauge", "V8 heap reserved (this isolate).", m.heapTotal],
    [
      "deno_external_memory_bytes",
      "gauge",
      "Memory outside the heap held by JavaScript objects.",
      m.external,
    ],
  ];
  return gauges.map(([name, type, help, v]) =>
    `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${v}\n`
  ).join("");
}

/**
 * Serves `/metrics` at `addr` (`HOST:PORT`, the kernel's network) from
 * `samples()`; returns the server, to be shut down at the end of the run.
 * Throws `Error` with one line when the address cannot be used.
 */
export function serveMetrics(addr: string, samples: () => StatsSample[]): Deno.HttpServer {
  const m = /^([\d.]+|localhost|\[[0-9a-f:]+\]):(\d+)$/i.exec(addr);
  if (m === null) throw new Error(`Invalid --metrics: ${addr} (HOST:PORT)`);
  try {
    return Deno.serve({ hostname: m[1]!, port: Number(m[2]), onListen() {} }, (req) => {
      if (new URL(req.url).pathname !== "/metrics") {
        return new Response("not found\n", { status: 404 });
      }
      return new Response(exposition(samples()) + processExposition(), {
        headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
      });
    });
  } catch (err) {
    throw new Error(`Cannot serve metrics at ${addr}: ${(err as Error).message}`);
  }
}
