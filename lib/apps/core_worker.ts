/**
 * One core of the appliance in a worker: the main thread
 * ({@linkcode runStackCommand}) sends `start` with the options and the
 * command; the worker opens its context (one TAP queue), runs the command,
 * posts its `listening` line, a stats sample every second, and `done` with
 * its summary after a `stop`. Messages are the typed, checked ones of
 * `runner.ts`.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { loadConfigFiles, openStack, sampleStats, type Stack } from "./stack.ts";
import { runCore } from "./commands.ts";
import { deviceGoneMessage, type FromWorker, parseToWorker, watchDevice } from "./runner.ts";

const abort = new AbortController();
const reload = new EventTarget();

function post(m: FromWorker): void {
  self.postMessage(m);
}

self.onmessage = async (e: MessageEvent<unknown>) => {
  const m = parseToWorker(e.data);
  if (m === undefined) {
    post({ type: "error", core: 0, message: "a malformed message from the main thread" });
    return;
  }
  if (m.type === "stop") {
    abort.abort();
    return;
  }
  if (m.type === "reload") {
    reload.dispatchEvent(new Event("reload"));
    return;
  }
  const { core, options, command } = m;
  let stack: Stack;
  try {
    const extra = loadConfigFiles(options.configFiles, options.cores);
    stack = openStack(options, core, extra);
  } catch (err) {
    post({ type: "error", core, message: (err as Error).message });
    return;
  }
  const timer = setInterval(() => {
    post({ type: "stats", core, sample: sampleStats(stack.ctx, core, stack.appStats) });
  }, 1000);
  const unwatch = watchDevice(stack, () => {
    post({ type: "error", core, message: deviceGoneMessage(options.dev) });
    abort.abort();
  });
  try {
    const listening = (line: string) => post({ type: "listening", core, line });
    const live = (line: string) => post({ type: "live", core, line });
    const summary = await runCore(stack, options, command, abort.signal, listening, live, reload);
    post({ type: "done", core, summary, sample: sampleStats(stack.ctx, core, stack.appStats) });
  } catch (err) {
    post({ type: "error", core, message: (err as Error).message });
  } finally {
    clearInterval(timer);
    unwatch();
    await stack.close();
  }
};
