/**
 * The command line of the appliance:
 *
 * - `serve`: HTTP static files (`--http DIR`, or a built-in page), `--echo`
 *   or `--discard`, on the user-space stack.
 * - `proxy`: a TCP proxy with load balancing, both sides on the stack.
 * - `bench`: an HTTP load generator on the stack, like mTCP's epwget.
 * - `demo`: the main job on an embedded default (see {@linkcode demo}).
 * - `ping`: two in-memory hosts, ARP, then ping.
 *
 * Errors: a usage mistake prints one line and the usage, exit 2; any other
 * failure (privileges, an address in use, a missing directory) prints one
 * line, exit 1. Never a stack trace.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { checkStackOptions, parseImpair, type StackOptions, UsageError } from "./lib/apps/stack.ts";
import type { ServeOptions } from "./lib/apps/appliance.ts";
import { type BenchOptions, parseBenchUrl } from "./lib/apps/bench.ts";
import {
  type ProxyOptions,
  readUpstreamFile,
  resolveUpstreams,
  type Upstream,
} from "./lib/apps/proxy.ts";
import { type HealthCheckOptions, parseHealthCheck } from "./lib/apps/health_check.ts";
import { runStackCommand } from "./lib/apps/runner.ts";
import { pingDemo } from "./lib/apps/ping.ts";
import { demo } from "./lib/apps/demo.ts";
import { commandHelp, versionLine } from "./lib/apps/help.ts";

/**
 * How the user runs us: the single-file CLI (`deno task compile`) passes its
 * own name in `MTCP_ARGV0`; otherwise it is `deno run -A cli.ts`.
 */
function programName(): string {
  const variable = "MTCP_ARGV0";
  const granted = Deno.permissions.querySync({ name: "env", variable }).state === "granted";
  return (granted ? Deno.env.get(variable) : undefined) || "deno run -A cli.ts";
}

const USAGE = `Usage: ${programName()} <command> [options]

Commands:
  serve    Serve HTTP files, echo or discard on the user-space stack
  proxy    A TCP proxy with load balancing on the user-space stack
  bench    An HTTP load generator on the user-space stack
  demo     The main job on an embedded default: serve on a TAP in a fresh
           network namespace with the kernel's curl and ping as clients
           (root), else serve and bench on an in-memory network
  ping     Two hosts on an in-memory Ethernet: ARP, then ping
  help     Show this help (\`<command> --help\`: a command's flags)
  version  Show the version (also --version)

Every command takes -h or --help for its flags, their defaults and an example.`;

const STACK_FLAGS = {
  dev: { type: "string" },
  ip: { type: "string" },
  gateway: { type: "string" },
  mac: { type: "string" },
  "host-ip": { type: "string" },
  cores: { type: "string" },
  config: { type: "string", multiple: true },
  pcap: { type: "string" },
  stats: { type: "boolean" },
  "stats-format": { type: "string" },
  impair: { type: "string" },
  "busy-poll": { type: "boolean" },
  tso: { type: "boolean" },
  "no-offload": { type: "boolean" },
  "ring-slots": { type: "string" },
  metrics: { type: "string" },
} as const;

// Flags every listening command has: the backlog and the connection limit.
const LIMIT_FLAGS = {
  backlog: { type: "string" },
  "max-connections": { type: "string" },
  "idle-timeout": { type: "string" },
  "drain-timeout": { type: "string" },
} as const;

function optional(value: string | undefined, name: string, min: number, max: number) {
  return value === undefined ? undefined : number(value, name, min, min, max);
}

function defined<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function limits(
  v: { backlog?: string | undefined; "max-connections"?: string | undefined },
): { backlog?: number; maxConnections?: number } {
  return {
    ...defined("backlog", optional(v.backlog, "backlog", 0, 1 << 20)),
    ...defined("maxConnections", optional(v["max-connections"], "max-connections", 1, 10_000_000)),
  };
}

function number(
  value: string | undefined,
  name: string,
  fallback: number,
  min = 0,
  max = Infinity,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < min || n > max) {
    throw new UsageError(`Invalid --${name}: ${value} (expected a number from ${min} to ${max})`);
  }
  return n;
}

type StackValues = {
  dev?: string;
  ip?: string;
  gateway?: string;
  mac?: string;
  "host-ip"?: string;
  cores?: string;
  config?: string[];
  pcap?: string;
  stats?: boolean;
  "stats-format"?: string;
  impair?: string;
  "busy-poll"?: boolean;
  tso?: boolean;
  "no-offload"?: boolean;
  "ring-slots"?: string;
  metrics?: string;
};

function statsFormat(value: string): "text" | "json" {
  if (value === "text" || value === "json") return value;
  throw new UsageError(`Invalid --stats-format: ${value} (text or json)`);
}

// --stats, or a --stats-format that implies it.
function wantStats(v: StackValues): boolean {
  return (v.stats ?? false) || v["stats-format"] !== undefined;
}

function stackOptions(v: StackValues): StackOptions {
  const dev = v.dev ?? "tap:mtcp0";
  if (v.tso && v["no-offload"]) {
    throw new UsageError(`--tso and --no-offload contradict each other`);
  }
  if (v.tso && !dev.startsWith("tap:")) throw new UsageError(`--tso needs a tap: device`);
  const o: StackOptions = {
    dev,
    ip: v.ip ?? "10.0.0.2/24",
    cores: number(v.cores, "cores", 1, 1, 64),
    configFiles: v.config ?? [],
    ...(v.gateway !== undefined ? { gateway: v.gateway } : {}),
    ...(v.mac !== undefined ? { mac: v.mac } : {}),
    ...(v["host-ip"] !== undefined ? { hostIp: v["host-ip"] } : {}),
    ...(v.pcap !== undefined ? { pcap: v.pcap } : {}),
    ...(v.impair !== undefined ? { impair: parseImpair(v.impair) } : {}),
    ...(v["busy-poll"] ? { busyPoll: true } : {}),
    ...(v["no-offload"] ? { offload: false } : {}),
    ...(v["ring-slots"] !== undefined
      ? { ringSlots: number(v["ring-slots"], "ring-slots", 0, 8, 4096) }
      : {}),
    ...(v.metrics !== undefined ? { metrics: v.metrics } : {}),
    ...(v["stats-format"] !== undefined ? { statsFormat: statsFormat(v["stats-format"]) } : {}),
  };
  checkStackOptions(o);
  return o;
}

async function serveCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      ...STACK_FLAGS,
      port: { type: "string" },
      http: { type: "string" },
      echo: { type: "boolean" },
      discard: { type: "boolean" },
      ...LIMIT_FLAGS,
      "header-timeout": { type: "string" },
      "keepalive-timeout": { type: "string" },
      "max-pipelined": { type: "string" },
      "max-open-files": { type: "string" },
      autoindex: { type: "boolean" },
      "cache-control": { type: "string" },
      "access-log": { type: "string" },
      "log-format": { type: "string" },
    },
  });
  const modes = [values.http !== undefined, values.echo === true, values.discard === true].filter(
    Boolean,
  );
  if (modes.length > 1) throw new UsageError("Choose one of --http DIR, --echo, --discard");
  const ms = (v: string | undefined, name: string) =>
    v === undefined ? undefined : number(v, name, 0, 0, 86_400) * 1000;
  const serve: ServeOptions = {
    port: number(values.port, "port", 8080, 1, 65535),
    mode: values.echo ? "echo" : values.discard ? "discard" : "http",
    ...(values.http !== undefined ? { dir: values.http } : {}),
    ...limits(values),
    ...defined("headerTimeoutMs", ms(values["header-timeout"], "header-timeout")),
    ...defined("keepaliveTimeoutMs", ms(values["keepalive-timeout"], "keepalive-timeout")),
    ...defined("idleTimeoutMs", ms(values["idle-timeout"], "idle-timeout")),
    ...defined("drainMs", ms(values["drain-timeout"], "drain-timeout")),
    ...defined("maxPipelined", optional(values["max-pipelined"], "max-pipelined", 1, 100_000)),
    ...defined("maxOpenFiles", optional(values["max-open-files"], "max-open-files", 1, 1 << 20)),
    ...(values.autoindex ? { autoindex: true } : {}),
    ...defined("cacheControl", values["cache-control"]),
    ...defined("accessLog", values["access-log"]),
    logFormat: logFormat(values["log-format"]) ?? "combined",
  };
  if (serve.dir !== undefined) {
    // A missing directory is one line before any device is opened.
    let info: Deno.FileInfo;
    try {
      info = Deno.statSync(serve.dir);
    } catch {
      throw new Error(`Cannot serve ${serve.dir}: no such directory`);
    }
    if (!info.isDirectory) throw new Error(`Cannot serve ${serve.dir}: not a directory`);
  }
  return await runStackCommand(
    stackOptions(values),
    { kind: "serve", serve },
    wantStats(values),
  );
}

async function upstreamList(
  text: string | undefined,
  path: string | undefined,
): Promise<Upstream[]> {
  if (path === undefined) {
    try {
      return await resolveUpstreams(text!);
    } catch (err) {
      throw new UsageError(
        `Invalid --upstream: ${(err as Error).message} (HOST:PORT[,HOST:PORT...])`,
      );
    }
  }
  try {
    return await readUpstreamFile(path);
  } catch (err) {
    const why = err instanceof Deno.errors.NotFound
      ? `${path}: no such file`
      : (err as Error).message;
    throw new UsageError(`Invalid --upstream-file: ${why}`);
  }
}

function logFormat(value: string | undefined): "combined" | "json" | undefined {
  if (value === undefined || value === "combined" || value === "json") return value;
  throw new UsageError(`Invalid --log-format: ${value} (combined or json)`);
}

function healthCheck(
  v: {
    "health-check"?: string | undefined;
    "health-interval"?: string | undefined;
    "health-timeout"?: string | undefined;
  },
): HealthCheckOptions | undefined {
  const text = v["health-check"];
  if (text === undefined) {
    if (v["health-interval"] !== undefined || v["health-timeout"] !== undefined) {
      throw new UsageError("--health-interval and --health-timeout need --health-check");
    }
    return undefined;
  }
  const check = parseHealthCheck(text);
  if (check === undefined) {
    throw new UsageError(`Invalid --health-check: ${text} (tcp or http:/PATH)`);
  }
  const secs = (value: string | undefined, name: string) =>
    value === undefined ? undefined : number(value, name, 0, 0.01, 3600) * 1000;
  return {
    ...check,
    ...defined("intervalMs", secs(v["health-interval"], "health-interval")),
    ...defined("timeoutMs", secs(v["health-timeout"], "health-timeout")),
  };
}

async function proxyCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      ...STACK_FLAGS,
      listen: { type: "string" },
      upstream: { type: "string" },
      "upstream-file": { type: "string" },
      balance: { type: "string" },
      ...LIMIT_FLAGS,
      "connect-timeout": { type: "string" },
      "access-log": { type: "string" },
      "log-format": { type: "string" },
      "max-fails": { type: "string" },
      "fail-timeout": { type: "string" },
      "health-check": { type: "string" },
      "health-interval": { type: "string" },
      "health-timeout": { type: "string" },
      rise: { type: "string" },
      fall: { type: "string" },
    },
  });
  const file = values["upstream-file"];
  if ((values.upstream === undefined) === (file === undefined)) {
    throw new UsageError(
      "proxy needs one of --upstream HOST:PORT[,HOST:PORT...] and --upstream-file FILE",
    );
  }
  const balance = values.balance ?? "rr";
  if (balance !== "rr" && balance !== "hash" && balance !== "leastconn") {
    throw new UsageError(`Invalid --balance: ${balance} (rr, hash or leastconn)`);
  }
  const upstreams = await upstreamList(values.upstream, file);
  const ms = (v: string | undefined, name: string) =>
    v === undefined ? undefined : number(v, name, 0, 0, 86_400) * 1000;
  const proxy: ProxyOptions = {
    port: number(values.listen, "listen", 8080, 1, 65535),
    upstreams,
    ...defined("upstreamFile", file),
    balance,
    ...limits(values),
    ...defined("connectTimeoutMs", ms(values["connect-timeout"], "connect-timeout")),
    ...defined("idleTimeoutMs", ms(values["idle-timeout"], "idle-timeout")),
    ...defined("drainMs", ms(values["drain-timeout"], "drain-timeout")),
    ...defined("maxFails", optional(values["max-fails"], "max-fails", 1, 1000)),
    ...defined("failTimeoutMs", ms(values["fail-timeout"], "fail-timeout")),
    ...defined("rise", optional(values.rise, "rise", 1, 1000)),
    ...defined("fall", optional(values.fall, "fall", 1, 1000)),
    ...defined("healthCheck", healthCheck(values)),
    ...defined("accessLog", values["access-log"]),
    ...defined("logFormat", logFormat(values["log-format"])),
  };
  return await runStackCommand(
    stackOptions(values),
    { kind: "proxy", proxy },
    wantStats(values),
  );
}

async function benchCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: {
      ...STACK_FLAGS,
      n: { type: "string", short: "n" },
      c: { type: "string", short: "c" },
      keepalive: { type: "boolean" },
      duration: { type: "string" },
    },
  });
  if (positionals.length !== 1) throw new UsageError("bench needs one URL, like http://10.0.0.1/");
  const url = parseBenchUrl(positionals[0]!);
  if (url === undefined) {
    throw new UsageError(`Invalid URL: ${positionals[0]} (http://IPv4[:PORT]/PATH)`);
  }
  const o = stackOptions(values);
  const total = number(values.n, "n", values.duration !== undefined ? Infinity : 1000, 1);
  const concurrency = number(values.c, "c", 1, 1, 100_000);
  const bench: BenchOptions = {
    ...url,
    total: total / o.cores,
    concurrency: Math.max(1, Math.round(concurrency / o.cores)),
    keepalive: values.keepalive ?? false,
    durationMs: values.duration === undefined
      ? Infinity
      : number(values.duration, "duration", 10, 0.1) * 1000,
    progress: Deno.stdout.isTerminal() && o.cores === 1,
  };
  return await runStackCommand(o, { kind: "bench", bench }, wantStats(values));
}

async function pingCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      count: { type: "string" },
      interval: { type: "string" },
      size: { type: "string" },
      latency: { type: "string" },
      loss: { type: "string" },
      seed: { type: "string" },
      clock: { type: "string" },
      pcap: { type: "string" },
      trace: { type: "boolean" },
    },
  });
  const clock = values.clock ?? "system";
  if (clock !== "system" && clock !== "virtual") {
    throw new UsageError(`Invalid --clock: ${clock} (system or virtual)`);
  }
  await pingDemo({
    count: number(values.count, "count", 4, 1, 1_000_000),
    intervalMs: number(values.interval, "interval", 200, 0),
    size: number(values.size, "size", 56, 0, 65507),
    latencyMs: number(values.latency, "latency", 0, 0),
    loss: number(values.loss, "loss", 0, 0, 1),
    seed: number(values.seed, "seed", 1, 0, 2 ** 32 - 1),
    clock,
    ...(values.pcap !== undefined ? { pcap: values.pcap } : {}),
    ...(values.trace ? { trace: true } : {}),
  }, (line) => console.log(line));
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== undefined && (rest.includes("--help") || rest.includes("-h"))) {
    const help = commandHelp(command, programName());
    if (help !== undefined) {
      console.log(help);
      return 0;
    }
  }
  try {
    switch (command) {
      case "serve":
        return await serveCommand(rest);
      case "proxy":
        return await proxyCommand(rest);
      case "bench":
        return await benchCommand(rest);
      case "demo": {
        const { values } = parseArgs({
          args: rest,
          strict: true,
          allowPositionals: false,
          options: { mode: { type: "string" } },
        });
        const mode = values.mode ?? "auto";
        if (mode !== "auto" && mode !== "tap" && mode !== "memory") {
          throw new UsageError(`Invalid --mode: ${mode} (auto, tap or memory)`);
        }
        return (await demo(mode, (line: string) => console.log(line))) ? 0 : 1;
      }
      case "ping":
        await pingCommand(rest);
        return 0;
      case "help":
      case "--help":
      case "-h":
        console.log(rest[0] !== undefined ? commandHelp(rest[0], programName()) ?? USAGE : USAGE);
        return 0;
      case "version":
      case "--version":
      case "-V":
        console.log(versionLine());
        return 0;
      case undefined:
        throw new UsageError("No command given");
      default:
        throw new UsageError(`Unknown command: ${command}`);
    }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // node:util parseArgs reports unknown or malformed flags with these codes.
    const code = (err as { code?: string }).code;
    if (
      err instanceof UsageError ||
      (code !== undefined && code.startsWith("ERR_PARSE_ARGS"))
    ) {
      console.error(`error: ${message}`);
      console.error(USAGE);
      return 2;
    }
    console.error(`error: ${message.split("\n")[0]}`);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
