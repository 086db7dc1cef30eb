/**
 * The appliance's commands for one core, the same in the main thread and in
 * a core's worker: `serve`, `proxy` and `bench` on a {@linkcode Stack}.
 *
 * @module
 */

import { type CommandSummary, runServe, type ServeOptions } from "./appliance.ts";
import { type BenchOptions, runBench } from "./bench.ts";
import { type ProxyOptions, runProxy } from "./proxy.ts";
import { reloadConfigFiles, type Stack, type StackOptions } from "./stack.ts";

/** A command for one core. */
export type CoreCommand =
  | { kind: "serve"; serve: ServeOptions }
  | { kind: "proxy"; proxy: ProxyOptions }
  | { kind: "bench"; bench: BenchOptions };

/**
 * Runs `command` on `stack` until `signal` aborts (or, for bench, until it is
 * done). `onListening` gets the `listening on` line; `live` bench's lines; a
 * `reload` event on `reload` (SIGHUP) makes serve drop its caches and reopen
 * its access log, without dropping a connection.
 */
export function runCore(
  stack: Stack,
  options: StackOptions,
  command: CoreCommand,
  signal: AbortSignal,
  onListening: (line: string) => void,
  live: (line: string) => void,
  reload: EventTarget = new EventTarget(),
): Promise<CommandSummary> {
  // SIGHUP also reads the config files again (each core applies them; core 0 says so).
  const onReload = () => {
    if (options.configFiles.length === 0) return;
    let line: string;
    try {
      line = reloadConfigFiles(stack, options.configFiles);
    } catch (err) {
      line = `config kept: ${(err as Error).message}`;
    }
    if (stack.ctx.cpu === 0) console.error(`${new Date().toISOString()} reload: ${line}`);
  };
  reload.addEventListener("reload", onReload);
  return runCommand(stack, options, command, signal, onListening, live, reload)
    .finally(() => reload.removeEventListener("reload", onReload));
}

function runCommand(
  stack: Stack,
  options: StackOptions,
  command: CoreCommand,
  signal: AbortSignal,
  onListening: (line: string) => void,
  live: (line: string) => void,
  reload: EventTarget,
): Promise<CommandSummary> {
  switch (command.kind) {
    case "serve":
      return runServe(stack, options, command.serve, signal, onListening, reload);
    case "proxy":
      return runProxy(stack, options, command.proxy, signal, onListening, reload);
    case "bench":
      return runBench(stack, command.bench, signal, live);
  }
}
