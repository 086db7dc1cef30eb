/**
 * Runs an appliance command (`serve`, `proxy`, `bench`) on one core in this
 * thread, or on N cores with one worker each ({@linkcode runStackCommand}):
 * signals stop it gracefully, `--stats` prints a line per core and in total
 * each second, and the final statistics close the run. The messages between
 * this thread and a core's worker are typed here once and checked on
 * arrival ({@linkcode parseToWorker}, {@linkcode parseFromWorker}).
 *
 * @module
 */

import type { CommandSummary } from "./appliance.ts";
import { serveMetrics } from "./metrics.ts";
import { type CoreCommand, runCore } from "./commands.ts";
import {
  formatStats,
  loadConfigFiles,
  openStack,
  sampleStats,
  type Stack,
  type StackOptions,
  type StatsSample,
  sumStats,
} from "./stack.ts";

/**
 * From the main thread to a core's worker.
 *
 * @example
 * ```ts
 * import type { ToWorker } from "./runner.ts";
 * const stop: ToWorker = { type: "stop" };
 * console.log(stop.type); // stop
 * ```
 */
export type ToWorker =
  | { type: "start"; core: number; options: StackOptions; command: CoreCommand }
  | { type: "reload" }
  | { type: "stop" };

/**
 * From a core's worker to the main thread.
 *
 * @example
 * ```ts
 * import type { FromWorker } from "./runner.ts";
 * const m: FromWorker = { type: "live", core: 0, line: "1 s: 10 req/s" };
 * console.log(m.line); // 1 s: 10 req/s
 * ```
 */
export type FromWorker =
  | { type: "listening"; core: number; line: string }
  | { type: "live"; core: number; line: string }
  | { type: "stats"; core: number; sample: StatsSample }
  | { type: "done"; core: number; summary: CommandSummary; sample: StatsSample }
  | { type: "error"; core: number; message: string };

type Fields = Record<string, unknown>;

function isObject(v: unknown): v is Fields {
  return typeof v === "object" && v !== null;
}

function isCore(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 0 && v < 64;
}

function isSample(v: unknown): v is StatsSample {
  return isObject(v) && isCore(v.core) && typeof v.rxPackets === "number" &&
    typeof v.txPackets === "number" && isObject(v.drops);
}

/**
 * `data` as a {@linkcode ToWorker} message, or undefined when it is not one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseToWorker } from "./runner.ts";
 * assert.deepEqual(parseToWorker({ type: "stop" }), { type: "stop" });
 * assert.equal(parseToWorker({ type: "start", core: "0" }), undefined);
 * ```
 */
export function parseToWorker(data: unknown): ToWorker | undefined {
  if (!isObject(data)) return undefined;
  if (data.type === "stop") return { type: "stop" };
  if (data.type === "reload") return { type: "reload" };
  if (data.type !== "start" || !isCore(data.core)) return undefined;
  const o = data.options;
  const c = data.command;
  if (!isObject(o) || typeof o.dev !== "string" || typeof o.ip !== "string") return undefined;
  if (!isObject(c) || (c.kind !== "serve" && c.kind !== "proxy" && c.kind !== "bench")) {
    return undefined;
  }
  return data as ToWorker;
}

/**
 * `data` as a {@linkcode FromWorker} message, or undefined when it is not one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseFromWorker } from "./runner.ts";
 * assert.equal(parseFromWorker({ type: "error", core: 1, message: "x" })?.type, "error");
 * assert.equal(parseFromWorker({ type: "done", core: 1 }), undefined);
 * ```
 */
export function parseFromWorker(data: unknown): FromWorker | undefined {
  if (!isObject(data) || !isCore(data.core)) return undefined;
  switch (data.type) {
    case "listening":
    case "live":
      return typeof data.line === "string" ? data as FromWorker : undefined;
    case "stats":
      return isSample(data.sample) ? data as FromWorker : undefined;
    case "done": {
      const s = data.summary;
      const ok = isObject(s) && Array.isArray(s.lines) && isSample(data.sample);
      return ok ? data as FromWorker : undefined;
    }
    case "error":
      return typeof data.message === "string" ? data as FromWorker : undefined;
  }
  return undefined;
}

/**
 * The final line of a run: packets, bytes, connections, retransmissions and
 * drops by reason.
 *
 * @example
 * ```ts
 * import { totalsLine } from "./runner.ts";
 * const zero = { core: 0, rxPackets: 0, rxBytes: 0, txPackets: 0, txBytes: 0, flows: 0, opened: 0, retransmits: 0, drops: {}, tcp: {} };
 * console.log(totalsLine(zero)); // final: RX 0 packets (0 bytes) TX 0 packets (0 bytes) connections 0 retransmits 0 drops - tcp -
 * ```
 */
export function totalsLine(s: StatsSample): string {
  const list = (r: Record<string, number>) =>
    Object.entries(r).map(([k, v]) => `${k}=${v}`).join(",") || "-";
  return `final: RX ${s.rxPackets} packets (${s.rxBytes} bytes) TX ${s.txPackets} packets (${s.txBytes} bytes) ` +
    `connections ${s.opened} retransmits ${s.retransmits} drops ${list(s.drops)} tcp ${
      list(s.tcp ?? {})
    }`;
}

// SIGINT and SIGTERM stop the run; SIGHUP reloads it (one event line on
// stderr, with the time), as nginx operators expect.
function onSignals(abort: AbortController, reload: () => void): () => void {
  const stop = () => abort.abort();
  const hup = () => {
    console.error(`${new Date().toISOString()} reload: caches dropped, logs reopened (SIGHUP)`);
    reload();
  };
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, stop);
  Deno.addSignalListener("SIGHUP", hup);
  return () => {
    for (const s of signals) Deno.removeSignalListener(s, stop);
    Deno.removeSignalListener("SIGHUP", hup);
  };
}

/** Where a run's lines go. */
export type LineSink = (line: string) => void;

/** How often a run looks whether its device went away (ms). */
const DEVICE_CHECK_MS = 200;

/**
 * Calls `onGone` once the stack's ring device is gone (deleted, or its
 * descriptor dead); returns the function that stops watching.
 */
export function watchDevice(stack: Stack, onGone: () => void): () => void {
  const device = stack.device;
  if (device === undefined) return () => {};
  const timer = setInterval(() => {
    if (!device.gone) return;
    clearInterval(timer);
    onGone();
  }, DEVICE_CHECK_MS);
  return () => clearInterval(timer);
}

/** The one line a vanished device is reported with. */
export function deviceGoneMessage(dev: string): string {
  return `${dev}: the device is gone (deleted, or its queue closed); stopping`;
}

/** One core in this thread. */
async function runInProcess(
  o: StackOptions,
  command: CoreCommand,
  stats: boolean,
  out: LineSink,
): Promise<boolean> {
  const extra = loadConfigFiles(o.configFiles, o.cores);
  const stack = openStack(o, 0, extra);
  if (o.dev === "memory") {
    console.error(
      "note: --dev memory is an in-process network: nothing outside this process reaches it",
    );
  }
  const abort = new AbortController();
  const reload = new EventTarget();
  const unlisten = onSignals(abort, () => reload.dispatchEvent(new Event("reload")));
  let gone = false;
  const unwatch = watchDevice(stack, () => {
    // Reported at once, then the run stops and exits non-zero.
    console.error(`error: ${deviceGoneMessage(o.dev)}`);
    gone = true;
    abort.abort();
  });
  const metrics = o.metrics === undefined
    ? undefined
    : serveMetrics(o.metrics, () => [sampleStats(stack.ctx, 0, stack.appStats)]);
  let prev = sampleStats(stack.ctx, 0, stack.appStats);
  let prevAt = performance.now();
  const timer = stats
    ? setInterval(() => {
      const cur = sampleStats(stack.ctx, 0, stack.appStats);
      const now = performance.now();
      out(formatStats(prev, cur, (now - prevAt) / 1000, o.statsFormat));
      prev = cur;
      prevAt = now;
    }, 1000)
    : undefined;
  try {
    const summary = await runCore(stack, o, command, abort.signal, out, out, reload);
    for (const line of summary.lines) out(line);
    out(totalsLine(sampleStats(stack.ctx, 0, stack.appStats)));
    return (summary.ok ?? true) && !gone;
  } finally {
    if (timer !== undefined) clearInterval(timer);
    unwatch();
    unlisten();
    await metrics?.shutdown();
    await stack.close();
  }
}

/**
 * N cores, one worker each: this thread starts them, prints what they say,
 * aggregates their statistics and stops them on a signal.
 */
class CoreWorkers {
  readonly #o: StackOptions;
  readonly #out: LineSink;
  readonly #abort = new AbortController();
  readonly #workers: Worker[] = [];
  readonly #latest = new Map<number, StatsSample>();
  readonly #previous = new Map<number, StatsSample>();
  readonly #done = new Map<number, { summary: CommandSummary; sample: StatsSample }>();
  #failure: string | undefined;
  #listening = 0;
  #finish: () => void = () => {};
  readonly #finished = new Promise<void>((r) => this.#finish = r);
  #lastAt = performance.now();

  constructor(o: StackOptions, out: LineSink) {
    this.#o = o;
    this.#out = out;
  }

  async run(command: CoreCommand, stats: boolean): Promise<boolean> {
    const unlisten = onSignals(this.#abort, () => {
      for (const w of this.#workers) w.postMessage({ type: "reload" } satisfies ToWorker);
    });
    for (let core = 0; core < this.#o.cores; core++) this.#start(core, command);
    this.#abort.signal.addEventListener("abort", () => {
      for (const w of this.#workers) w.postMessage({ type: "stop" } satisfies ToWorker);
    });
    const timer = stats ? setInterval(() => this.#printStats(), 1000) : undefined;
    const metrics = this.#o.metrics === undefined
      ? undefined
      : serveMetrics(this.#o.metrics, () => [...this.#latest.values()]);
    await this.#finished;
    if (timer !== undefined) clearInterval(timer);
    unlisten();
    await metrics?.shutdown();
    for (const w of this.#workers) w.terminate();
    if (this.#failure !== undefined) throw new Error(this.#failure);
    return this.#summarise();
  }

  #start(core: number, command: CoreCommand): void {
    const w = new Worker(new URL("./core_worker.ts", import.meta.url), { type: "module" });
    w.onmessage = (e: MessageEvent<unknown>) => {
      const m = parseFromWorker(e.data);
      if (m === undefined) this.#fail(`core ${core}: a malformed message from its worker`);
      else this.#onMessage(m);
    };
    w.onerror = (e) => {
      e.preventDefault();
      this.#fail(e.message);
    };
    w.postMessage({ type: "start", core, options: this.#o, command } satisfies ToWorker);
    this.#workers.push(w);
  }

  #onMessage(m: FromWorker): void {
    switch (m.type) {
      case "listening":
        if (++this.#listening === this.#o.cores) this.#out(`${m.line} on ${this.#o.cores} cores`);
        break;
      case "live":
        this.#out(`[CPU ${m.core}] ${m.line}`);
        break;
      case "stats":
        this.#latest.set(m.core, m.sample);
        break;
      case "done":
        this.#done.set(m.core, { summary: m.summary, sample: m.sample });
        this.#check();
        break;
      case "error":
        this.#fail(m.message);
        break;
    }
  }

  #fail(message: string): void {
    this.#failure ??= message;
    this.#abort.abort();
    this.#check();
  }

  #check(): void {
    if (this.#done.size + (this.#failure !== undefined ? this.#o.cores : 0) >= this.#o.cores) {
      this.#finish();
    }
  }

  #printStats(): void {
    const now = performance.now();
    const seconds = (now - this.#lastAt) / 1000;
    this.#lastAt = now;
    const cur: StatsSample[] = [];
    const prev: StatsSample[] = [];
    for (let core = 0; core < this.#o.cores; core++) {
      const s = this.#latest.get(core);
      if (s === undefined) continue;
      const p = this.#previous.get(core) ?? s;
      this.#out(formatStats(p, s, seconds, this.#o.statsFormat));
      cur.push(s);
      prev.push(p);
      this.#previous.set(core, s);
    }
    if (cur.length > 1) {
      this.#out(formatStats(sumStats(prev), sumStats(cur), seconds, this.#o.statsFormat));
    }
  }

  #summarise(): boolean {
    const samples: StatsSample[] = [];
    let ok = true;
    for (let core = 0; core < this.#o.cores; core++) {
      const d = this.#done.get(core)!;
      for (const line of d.summary.lines) this.#out(`[CPU ${core}] ${line}`);
      samples.push(d.sample);
      ok &&= d.summary.ok ?? true;
    }
    this.#out(totalsLine(sumStats(samples)));
    return ok;
  }
}

/**
 * Runs `command` with the stack options `o`: on one core in this thread, or
 * on `o.cores` workers. Returns the exit code (0, or 1 when the command
 * failed at its job); throws `Error` with one line when it cannot start.
 */
export async function runStackCommand(
  o: StackOptions,
  command: CoreCommand,
  stats: boolean,
  out: LineSink = (line) => console.log(line),
): Promise<number> {
  if (o.cores === 1) return (await runInProcess(o, command, stats, out)) ? 0 : 1;
  // Check the config files here, so that a mistake is one line before any worker starts.
  loadConfigFiles(o.configFiles, o.cores);
  return (await new CoreWorkers(o, out).run(command, stats)) ? 0 : 1;
}
