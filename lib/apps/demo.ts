/**
 * `demo`, the README's main command: the appliance's main job on an embedded
 * default, with no set-up.
 *
 * - `tap` mode (root, /dev/net/tun, iproute2 and curl present; ping when there is one): a
 *   network namespace of its own with the kernel side of a TAP in it
 *   (10.0.0.1/24); `serve` on the TAP (10.0.0.2:8080, the built-in page and
 *   a 1 MiB file); the kernel's `ping` and `curl` as clients; it prints what
 *   they saw and removes the namespace (and the TAP).
 * - `memory` mode (anywhere): `serve` and `bench` on two contexts of an
 *   in-memory network in this process.
 *
 * `auto` picks `tap` when it can, and says which mode it used and why.
 *
 * @module
 */

import { mtcp_create_context, mtcp_destroy, mtcp_init, mtcp_strerror_init } from "../api/mtcp.ts";
import { MemoryNetwork } from "../phy/memory.ts";
import { BUILTIN_PAGE, type CommandSummary, runServe } from "./appliance.ts";
import { runBench } from "./bench.ts";
import { openStack, type Stack, type StackOptions } from "./stack.ts";
import { staticHandler } from "./http_static.ts";
import { runTcpServer } from "./tcp_server.ts";
import { parseIpv4Address } from "../wire/address.ts";
import { loadShim } from "../../ffi/shim.ts";

const decoder = new TextDecoder();

async function sh(cmd: string[]): Promise<{ ok: boolean; out: string }> {
  try {
    const r = await new Deno.Command(cmd[0]!, {
      args: cmd.slice(1),
      stdout: "piped",
      stderr: "piped",
    })
      .output();
    return { ok: r.success, out: decoder.decode(r.stdout) + decoder.decode(r.stderr) };
  } catch (err) {
    return { ok: false, out: (err as Error).message };
  }
}

/** Why `tap` mode cannot run here, or undefined when it can. */
export async function tapModeUnavailable(): Promise<string | undefined> {
  try {
    if (Deno.uid() !== 0) return "not root";
    Deno.statSync("/dev/net/tun");
  } catch {
    return "no /dev/net/tun";
  }
  for (const tool of ["ip", "curl"]) {
    if (!(await sh(["sh", "-c", `command -v ${tool}`])).ok) return `${tool} is missing`;
  }
  try {
    loadShim();
  } catch (err) {
    return (err as Error).message;
  }
  return undefined;
}

const FILE = new Uint8Array(1 << 20).map((_, i) => (i * 2654435761) >>> 24);

async function tapDemo(out: (line: string) => void): Promise<boolean> {
  const tag = `${Deno.pid % 100000}`;
  const ns = `mtcp-demo-${tag}`;
  const tap = `mtdemo${tag}`;
  if (!(await sh(["ip", "netns", "add", ns])).ok) {
    throw new Error(`Cannot create network namespace ${ns}`);
  }
  let stack: Stack | undefined;
  const abort = new AbortController();
  let server: Promise<unknown> | undefined;
  try {
    const options: StackOptions = {
      dev: `tap:${tap}`,
      ip: "10.0.0.2/24",
      cores: 1,
      configFiles: [],
    };
    if (mtcp_init({ num_cores: 1 }) !== 0) throw new Error(mtcp_strerror_init());
    stack = openStack(options, 0, { arp: [], routes: [] });
    const inNs = (cmd: string[]) => sh(["ip", "netns", "exec", ns, ...cmd]);
    for (
      const step of [
        ["ip", "link", "set", tap, "netns", ns],
        ["ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"],
        ["ip", "netns", "exec", ns, "ip", "addr", "add", "10.0.0.1/24", "dev", tap],
        ["ip", "netns", "exec", ns, "ip", "link", "set", tap, "up"],
      ]
    ) {
      const r = await sh(step);
      if (!r.ok) throw new Error(`${step.join(" ")}: ${r.out.trim()}`);
    }
    out(`demo mode: tap (a TAP into network namespace ${ns}; the kernel there is 10.0.0.1)`);
    const builtin = new Map([["/", BUILTIN_PAGE], ["/index.html", BUILTIN_PAGE], [
      "/1m.bin",
      FILE,
    ]]);
    server = runTcpServer(stack.ctx, 8080, staticHandler(undefined, { builtin }), {
      signal: abort.signal,
      onListening: (port) => out(`listening on 10.0.0.2:${port} (http, built-in) via tap:${tap}`),
    });
    // ping is not on every machine (curl and iproute2 are enough for the rest).
    const hasPing = (await sh(["sh", "-c", "command -v ping"])).ok;
    let ping = { ok: true, out: "" };
    if (hasPing) {
      out(`$ ping -c 3 10.0.0.2   (the kernel, inside ${ns})`);
      ping = await inNs(["ping", "-c", "3", "-i", "0.2", "-W", "2", "10.0.0.2"]);
      for (const line of ping.out.trim().split("\n")) out(`  ${line}`);
    } else {
      out("(no ping on this machine: the ping step is skipped)");
    }
    out(`$ curl http://10.0.0.2:8080/`);
    const page = await inNs(["curl", "-sS", "--max-time", "10", "http://10.0.0.2:8080/"]);
    for (const line of page.out.trim().split("\n")) out(`  ${line}`);
    out(`$ curl -o /dev/null http://10.0.0.2:8080/1m.bin`);
    const big = await inNs([
      "curl",
      "-sS",
      "--max-time",
      "20",
      "-o",
      "/dev/null",
      "-w",
      "%{http_code} %{size_download} bytes in %{time_total} s (%{speed_download} bytes/s)",
      "http://10.0.0.2:8080/1m.bin",
    ]);
    out(`  ${big.out.trim()}`);
    const ok = ping.ok && page.ok && page.out.includes("mtcp-deno") && big.ok &&
      big.out.startsWith("200 1048576 ");
    const s = stack.ctx.iface.stats;
    out(
      `stack: ${s.rx.frames} frames in, ${s.tx.frames} out; drops ${
        JSON.stringify(s.nonZeroDrops())
      }`,
    );
    out(ok ? "demo: ok" : "demo: FAILED");
    return ok;
  } finally {
    abort.abort();
    await server;
    await stack?.close();
    mtcp_destroy();
    await sh(["ip", "netns", "del", ns]);
  }
}

/**
 * `serve --http` (the built-in page, port 8080) on 10.0.0.2 and a client
 * stack on 10.0.0.1, two contexts of an in-memory network on the system
 * clock in this process, after `mtcp_init(config)`; throws when the config is
 * refused. Stop serving with `signal`, then call `mtcp_destroy()`.
 */
export function serveInMemory(
  config: Record<string, unknown>,
  signal: AbortSignal,
  out: (line: string) => void,
): { client: Stack; serving: Promise<CommandSummary> } {
  if (mtcp_init({ num_cores: 2, ...config }) !== 0) throw new Error(mtcp_strerror_init());
  const network = new MemoryNetwork({ clock: "system" });
  const stack = (core: number, address: string): Stack => ({
    ctx: mtcp_create_context(core, { network, address })!,
    network,
    device: undefined,
    where: "memory",
    close: () => Promise.resolve(),
  });
  const options: StackOptions = { dev: "memory", ip: "10.0.0.2/24", cores: 1, configFiles: [] };
  const server = stack(0, options.ip);
  const client = stack(1, "10.0.0.1/24");
  return { client, serving: runServe(server, options, { port: 8080, mode: "http" }, signal, out) };
}

async function memoryDemo(out: (line: string) => void, why: string): Promise<boolean> {
  out(`demo mode: memory (${why}): serve and bench on an in-memory network in this process`);
  const abort = new AbortController();
  const { client, serving } = serveInMemory(
    { max_concurrency: 256, max_num_buffers: 512 },
    abort.signal,
    (line) => out(line),
  );
  try {
    out(`$ bench http://10.0.0.2:8080/ -n 2000 -c 20 --keepalive   (from 10.0.0.1)`);
    const result = await runBench(
      client,
      {
        addr: parseIpv4Address("10.0.0.2")!,
        port: 8080,
        path: "/",
        total: 2000,
        concurrency: 20,
        keepalive: true,
        durationMs: Infinity,
        progress: false,
      },
      abort.signal,
      (line) => out(`  ${line}`),
    );
    for (const line of result.lines) out(`  ${line}`);
    const ok = result.ok !== false &&
      result.lines[0]!.startsWith("requests: 2000 completed, 0 failed");
    out(ok ? "demo: ok" : "demo: FAILED");
    return ok;
  } finally {
    abort.abort();
    await serving;
    mtcp_destroy();
  }
}

/** Runs the demo in `mode`; `out` gets every line. Returns true on success. */
export async function demo(
  mode: "auto" | "tap" | "memory",
  out: (line: string) => void,
): Promise<boolean> {
  if (mode === "memory") return await memoryDemo(out, "asked for");
  const why = await tapModeUnavailable();
  if (why === undefined) return await tapDemo(out);
  if (mode === "tap") throw new Error(`Cannot run the tap demo: ${why}`);
  return await memoryDemo(out, `tap mode unavailable: ${why}`);
}
