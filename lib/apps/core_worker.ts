/**
 * One core of the appliance in a worker: the main thread (cli.ts) sends
 * `start` with the options and the command; the worker opens its context
 * (one TAP queue), runs the command, posts its `listening` line, a stats
 * sample every second, and `done` with its summary after a `stop`.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { loadConfigFiles, openStack, sampleStats, type StackOptions } from "./stack.ts";
import { type CoreCommand, runCore } from "./commands.ts";

const abort = new AbortController();

self.onmessage = async (e: MessageEvent) => {
  const m = e.data as
    | { type: "start"; core: number; options: StackOptions; command: CoreCommand }
    | { type: "stop" };
  if (m.type === "stop") {
    abort.abort();
    return;
  }
  const { core, options, command } = m;
  let stack;
  try {
    const extra = loadConfigFiles(options.configFiles, options.cores);
    stack = openStack(options, core, extra);
  } catch (err) {
    self.postMessage({ type: "error", core, message: (err as Error).message });
    return;
  }
  const timer = setInterval(() => {
    self.postMessage({ type: "stats", core, sample: sampleStats(stack.ctx, core) });
  }, 1000);
  try {
    const listening = (line: string) => self.postMessage({ type: "listening", core, line });
    const live = (line: string) => self.postMessage({ type: "live", core, line });
    const summary = await runCore(stack, options, command, abort.signal, listening, live);
    self.postMessage({ type: "done", core, summary, sample: sampleStats(stack.ctx, core) });
  } catch (err) {
    self.postMessage({ type: "error", core, message: (err as Error).message });
  } finally {
    clearInterval(timer);
    await stack.close();
  }
};
