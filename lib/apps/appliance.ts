/**
 * The appliance's commands on one context: `serve` (HTTP static files, echo,
 * discard), and the loop that prints statistics and shuts a context down
 * gracefully. `runner.ts` runs these in the main thread for one core, or in
 * one worker per core.
 *
 * @module
 */

import {
  discardHandler,
  echoHandler,
  runTcpServer,
  type ServerHandler,
  type ServerStats,
} from "./tcp_server.ts";
import { staticHandler, type StaticOptions } from "./http_static.ts";
import { type AccessEntry, accessLine, LogWriter } from "./logs.ts";
import { Driver } from "../api/driver.ts";
import { hostOf, type Stack, type StackOptions } from "./stack.ts";

/** What `serve` serves. */
export interface ServeOptions {
  /** TCP port (default 8080). */
  port: number;
  /** `http` (files of `dir`, or the built-in page), `echo` or `discard`. */
  mode: "http" | "echo" | "discard";
  /** Root directory for `http`; undefined serves the built-in page. */
  dir?: string;
  /** Listen backlog (default 4096). */
  backlog?: number;
  /** Most connections at once (default: the pool's size); full: the oldest idle goes, else 503. */
  maxConnections?: number;
  /** `http`: time to receive a request head, ms (default 60000). */
  headerTimeoutMs?: number;
  /** `http`: keep-alive idle time, ms (default 75000). */
  keepaliveTimeoutMs?: number;
  /** `http`: responses queued per connection before it is not read (default 32). */
  maxPipelined?: number;
  /** `http`: files open at once for streaming (default 1024). */
  maxOpenFiles?: number;
  /** `echo`, `discard`: idle time before a connection is closed, ms (default 0: none). */
  idleTimeoutMs?: number;
  /** After SIGINT or SIGTERM, how long open connections may finish (default 2000 ms). */
  drainMs?: number;
  /** `http`: list directories that have no index.html. */
  autoindex?: boolean;
  /** `http`: a Cache-Control value for files. */
  cacheControl?: string;
  /** `http`: an access log, a file appended to or `-` for standard output (default: none). */
  accessLog?: string;
  /** The access log's format: nginx's `combined` (default) or `json` lines. */
  logFormat?: "combined" | "json";
}

/** The built-in page, served by `serve` without `--http DIR`. */
export const BUILTIN_PAGE: Uint8Array<ArrayBuffer> = new TextEncoder().encode(
  `<!doctype html>
<html><head><meta charset="utf-8"><title>mtcp-deno</title></head>
<body><h1>mtcp-deno</h1>
<p>This page was served by a user-space TCP/IPv4 stack written in TypeScript, running in Deno.</p>
</body></html>
`,
);

/** What a command reports when it is done. */
export interface CommandSummary {
  /** One line per fact, for the final output. */
  lines: string[];
  /** False when the command failed at its job (bench: every request failed). Default true. */
  ok?: boolean;
}

/**
 * Runs `serve` on `stack` until `signal` aborts, then closes gracefully.
 * `onListening` gets the `listening on ...` line once the port is open.
 * Throws `Error` when the directory or port cannot be used.
 */
export async function runServe(
  stack: Stack,
  options: StackOptions,
  serve: ServeOptions,
  signal: AbortSignal,
  onListening: (line: string) => void,
  reload: EventTarget = new EventTarget(),
): Promise<CommandSummary> {
  const builtin = new Map([["/", BUILTIN_PAGE], ["/index.html", BUILTIN_PAGE]]);
  let log = serve.mode === "http" && serve.accessLog !== undefined
    ? LogWriter.open(serve.accessLog)
    : undefined;
  const format = serve.logFormat ?? "combined";
  const files = serve.mode === "http"
    ? staticHandler(serve.dir, {
      ...staticOptions(serve, builtin),
      ...(log !== undefined
        ? { onAccess: (e: AccessEntry) => log?.write(accessLine(e, format, Date.now())) }
        : {}),
    })
    : undefined;
  const handler = files ??
    withIdleTimeout(serve.mode === "echo" ? echoHandler() : discardHandler(), serve.idleTimeoutMs);
  const what = serve.mode === "http" ? `http ${serve.dir ?? "(built-in page)"}` : serve.mode;
  // SIGHUP: files are looked up again and the access log is reopened (after
  // a rotation), while every connection goes on.
  const onReload = () => {
    files?.dropCaches();
    if (log !== undefined && serve.accessLog !== undefined) {
      log.close();
      log = LogWriter.open(serve.accessLog);
    }
  };
  reload.addEventListener("reload", onReload);
  if (files !== undefined) {
    stack.appStats = () => ({ responses: Object.fromEntries(files.stats.responses) });
  }
  const stats: ServerStats = await runTcpServer(stack.ctx, serve.port, handler, {
    signal,
    wantPeer: log !== undefined,
    ...(serve.drainMs !== undefined ? { graceMs: serve.drainMs } : {}),
    ...(serve.backlog !== undefined ? { backlog: serve.backlog } : {}),
    // Below the pool by a margin by default, so that when it fills, the
    // oldest idle connection gives way (nginx's way) before SYNs meet a
    // full pool (TIME-WAIT pairs take slots too, and are recycled).
    maxConnections: serve.maxConnections ??
      Math.max(1, stack.ctx.config.max_concurrency - 64),
    onListening: (port) =>
      onListening(`listening on ${hostOf(options.ip)}:${port} (${what}) via ${stack.where}`),
  });
  reload.removeEventListener("reload", onReload);
  log?.close();
  await settle(stack);
  const lines = [
    `connections: ${stats.accepted} accepted, ${stats.closed} closed, ${stats.refused} refused (full), ` +
    `${stats.evicted} idle closed for room, ${stats.timedOut} timed out; bytes: ${stats.bytesIn} in, ${stats.bytesOut} out`,
  ];
  if (files !== undefined) {
    const f = files.stats;
    const byStatus = [...f.responses].sort(([a], [b]) => a - b)
      .map(([k, v]) => `${k}=${v}`).join(" ");
    lines.push(
      `responses: ${
        byStatus || "none"
      }; cache hits: ${f.cacheHits}; limits: header timeouts ${f.headerTimeouts}, ` +
        `keep-alive timeouts ${f.keepaliveTimeouts}, pipelining pauses ${f.pipelinePauses}, file limit ${f.fileLimit}`,
    );
  }
  return { lines };
}

function staticOptions(serve: ServeOptions, builtin: Map<string, Uint8Array>): StaticOptions {
  return {
    builtin,
    ...(serve.headerTimeoutMs !== undefined ? { headerTimeoutMs: serve.headerTimeoutMs } : {}),
    ...(serve.keepaliveTimeoutMs !== undefined
      ? { keepaliveTimeoutMs: serve.keepaliveTimeoutMs }
      : {}),
    ...(serve.maxPipelined !== undefined ? { maxPipelined: serve.maxPipelined } : {}),
    ...(serve.maxOpenFiles !== undefined ? { maxOpenFiles: serve.maxOpenFiles } : {}),
    ...(serve.autoindex ? { autoindex: true } : {}),
    ...(serve.cacheControl !== undefined ? { cacheControl: serve.cacheControl } : {}),
  };
}

/**
 * `handler` with an idle timer: a connection that sends nothing for `ms` is
 * closed (no timer when `ms` is 0 or undefined).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { withIdleTimeout } from "./appliance.ts";
 * import { echoHandler, ServerConnection } from "./tcp_server.ts";
 * const h = withIdleTimeout(echoHandler(), 5000);
 * const c = new ServerConnection(3, () => 1000);
 * h.onOpen?.(c);
 * assert.equal(c.deadline, 6000);
 * ```
 */
export function withIdleTimeout(handler: ServerHandler, ms: number | undefined): ServerHandler {
  if (ms === undefined || ms <= 0) return handler;
  return {
    onOpen: (c) => {
      handler.onOpen?.(c);
      c.idle = true;
      c.armTimeout(ms);
    },
    onData: (c, data) => {
      handler.onData(c, data);
      c.armTimeout(ms);
    },
    ...(handler.onEnd !== undefined ? { onEnd: (c) => handler.onEnd!(c) } : {}),
  };
}

/**
 * Lets the context finish closing (FINs sent and acknowledged) for up to
 * `ms`, so a graceful stop leaves no half-open peer behind.
 */
export async function settle(stack: Stack, ms = 1000): Promise<void> {
  const ctx = stack.ctx;
  if (ctx.destroyed) return;
  const busy = () => {
    for (const s of ctx.connections()) {
      if (s.state !== "TIME-WAIT" && s.state !== "CLOSED") return true;
    }
    return false;
  };
  if (!busy()) return;
  await Driver.of(ctx.network).wait(() => !busy(), ms);
}
