/**
 * Interop test support: network namespaces the test creates and deletes,
 * commands run inside them, and one of our contexts on a TAP (or one end of a
 * veth pair) whose kernel side lives in the namespace. Traffic stays inside
 * namespaces and devices the test made.
 *
 * @module
 */

import * as M from "../../lib/mod.ts";
import { loadShim } from "../../ffi/shim.ts";

const decoder = new TextDecoder();

/** Output of a finished command. */
export interface Ran {
  code: number;
  stdout: Uint8Array;
  stderr: string;
  text: string;
}

/** Runs a command to completion, feeding `stdin` when given. */
export async function run(cmd: string[], stdin?: Uint8Array): Promise<Ran> {
  const child = new Deno.Command(cmd[0]!, {
    args: cmd.slice(1),
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const w = child.stdin.getWriter();
    // Write while the output is read: a large input would otherwise deadlock.
    void w.write(stdin).then(() => w.close()).catch(() => {});
  }
  const out = await child.output();
  return {
    code: out.code,
    stdout: out.stdout,
    stderr: decoder.decode(out.stderr),
    text: decoder.decode(out.stdout),
  };
}

/** Runs a command and throws with its stderr when it fails. */
export async function must(cmd: string[]): Promise<string> {
  const r = await run(cmd);
  if (r.code !== 0) throw new Error(`${cmd.join(" ")}: exit ${r.code}: ${r.stderr.trim()}`);
  return r.text;
}

function has(cmd: string): boolean {
  return new Deno.Command("sh", {
    args: ["-c", `command -v ${cmd}`],
    stdout: "null",
    stderr: "null",
  })
    .outputSync().success;
}

/**
 * Why interop tests cannot run here (`undefined` when they can): they need
 * root, /dev/net/tun, iproute2, the shim, and the tools named.
 */
export function interopUnavailable(...tools: string[]): string | undefined {
  if (Deno.uid() !== 0) return "not root";
  try {
    Deno.statSync("/dev/net/tun");
  } catch {
    return "no /dev/net/tun";
  }
  for (const t of ["ip", ...tools]) if (!has(t)) return `${t} is missing`;
  try {
    loadShim();
  } catch (err) {
    return (err as Error).message;
  }
  return undefined;
}

let counter = 0;

/** A short unique tag for names (interface names hold 15 characters). */
export function uniqueTag(): string {
  counter++;
  return `${(Deno.pid % 10000).toString(36)}${
    Math.floor(Math.random() * 1296).toString(36)
  }${counter}`;
}

/** A network namespace of the test's own. */
export class Netns {
  readonly name: string;
  private constructor(name: string) {
    this.name = name;
  }
  /** Creates `mtcp-<tag>` with loopback up. */
  static async create(tag: string): Promise<Netns> {
    const ns = new Netns(`mtcp-${tag}`);
    await must(["ip", "netns", "add", ns.name]);
    await ns.must(["ip", "link", "set", "lo", "up"]);
    return ns;
  }
  /** Runs `cmd` inside the namespace. */
  run(cmd: string[], stdin?: Uint8Array): Promise<Ran> {
    return run(["ip", "netns", "exec", this.name, ...cmd], stdin);
  }
  /** Runs `cmd` inside and throws when it fails. */
  must(cmd: string[]): Promise<string> {
    return must(["ip", "netns", "exec", this.name, ...cmd]);
  }
  /** Starts `cmd` inside, in the background. */
  spawn(cmd: string[]): Deno.ChildProcess {
    // Output goes nowhere: a pipe nobody reads fills (64 KiB) and then
    // blocks the server mid-test (python's http.server logs every request).
    return new Deno.Command("ip", {
      args: ["netns", "exec", this.name, ...cmd],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
  }
  /** Deletes the namespace (and every interface in it). */
  async delete(): Promise<void> {
    await run(["ip", "netns", "del", this.name]);
  }
}

/**
 * A namespace of its own for a CLI run on a TAP named `PREFIX` + a unique
 * tag: the kernel's side is 10.0.0.1/24, ours 10.0.0.2/24; `flags` are the
 * CLI's flags for that.
 */
export async function cliNamespace(
  prefix: string,
): Promise<{ ns: Netns; tap: string; flags: string[] }> {
  const tag = uniqueTag();
  const ns = await Netns.create(tag);
  const tap = `${prefix}${tag}`;
  return {
    ns,
    tap,
    flags: ["--dev", `tap:${tap}`, "--ip", "10.0.0.2/24", "--host-ip", "10.0.0.1/24"],
  };
}

/** Waits until `cmd` inside `ns` succeeds, for a server to come up. */
export async function waitUntil(ns: Netns, cmd: string[], timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if ((await ns.run(cmd)).code === 0) return;
    if (Date.now() > end) throw new Error(`timed out waiting for: ${cmd.join(" ")}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Our side of a link into a namespace. */
export interface Link {
  ns: Netns;
  ctx: M.MtcpContext;
  device: M.RingDevice;
  /** The kernel's address in the namespace. */
  kernelIp: string;
  /** Our address. */
  ourIp: string;
  /** The kernel-side interface name (in the namespace). */
  kernelIf: string;
  /** Destroys the context, closes the device and deletes the namespace (and veth). */
  close(): Promise<void>;
}

/** Options of {@linkcode tapLink} and {@linkcode vethLink}. */
export interface LinkOptions {
  /** mtcp.conf values. */
  config?: Record<string, unknown>;
  /** Ring options. */
  ring?: M.RingDeviceOptions;
  /** Impair our device both ways. */
  impair?: M.FaultInjectorOptions;
  /** Capture our side. */
  pcap?: M.PcapSink;
  /** vethLink: our end's ring, AF_PACKET (default) or AF_XDP. */
  backend?: "packet" | "xdp";
}

const SUBNET = "10.77.0";

function context(network: M.DeviceNetwork, options: LinkOptions): M.MtcpContext {
  const rc = M.mtcp_init({
    num_cores: 1,
    max_concurrency: 4096,
    max_num_buffers: 4096,
    ...options.config,
  });
  if (rc !== 0) throw new Error(`mtcp_init: ${M.mtcp_strerror_init()}`);
  const ctx = M.mtcp_create_context(0, {
    network,
    address: `${SUBNET}.2/24`,
    ...(options.impair !== undefined ? { impair: options.impair } : {}),
    ...(options.pcap !== undefined ? { pcap: options.pcap } : {}),
  });
  if (ctx === null) throw new Error(`mtcp_create_context: ${M.mtcp_strerror_init()}`);
  return ctx;
}

/**
 * A namespace with a device of ours linked into it: `setup` makes the device
 * and the kernel side (10.77.0.1/24) and says how to undo what it made
 * besides the namespace; on any failure everything is undone.
 */
async function buildLink(
  options: LinkOptions,
  setup: (ns: Netns, tag: string, cleanup: (() => Promise<unknown>)[]) => Promise<{
    device: M.RingDevice;
    kernelIf: string;
  }>,
): Promise<Link> {
  const ns = await Netns.create(uniqueTag());
  const tag = ns.name.slice("mtcp-".length);
  const cleanup: (() => Promise<unknown>)[] = [];
  const undo = async () => {
    for (const f of cleanup.reverse()) await f();
    await ns.delete();
  };
  try {
    const { device, kernelIf } = await setup(ns, tag, cleanup);
    const ctx = context(new M.DeviceNetwork(device), options);
    return {
      ns,
      ctx,
      device,
      kernelIp: `${SUBNET}.1`,
      ourIp: `${SUBNET}.2`,
      kernelIf,
      close: async () => {
        M.mtcp_destroy();
        await undo();
      },
    };
  } catch (err) {
    await undo();
    throw err;
  }
}

/**
 * A TAP of ours whose kernel side is moved into a new namespace with address
 * 10.77.0.1/24; our context is 10.77.0.2.
 */
export function tapLink(options: LinkOptions = {}): Promise<Link> {
  return buildLink(options, async (ns, tag, cleanup) => {
    const name = `mtt${tag}`;
    const device = M.RingDevice.open(`tap:${name}`, options.ring);
    cleanup.push(() => device.closeAsync());
    await must(["ip", "link", "set", name, "netns", ns.name]);
    await ns.must(["ip", "addr", "add", `${SUBNET}.1/24`, "dev", name]);
    await ns.must(["ip", "link", "set", name, "up"]);
    return { device, kernelIf: name };
  });
}

/**
 * A veth pair: one end (ours, AF_PACKET or with `backend: "xdp"` AF_XDP)
 * stays in this namespace with no address, the other goes into a new
 * namespace as 10.77.0.1/24. Offloads that would hand us super-frames are
 * turned off on both ends; for AF_XDP, which reports no checksum state, the
 * kernel's side also computes its TCP checksums itself (`tx off`).
 */
export function vethLink(options: LinkOptions = {}): Promise<Link> {
  return buildLink(options, async (ns, tag, cleanup) => {
    const ours = `mtv${tag}`;
    const theirs = `mtw${tag}`;
    cleanup.push(() => run(["ip", "link", "del", ours]));
    await must(["ip", "link", "add", ours, "type", "veth", "peer", "name", theirs]);
    await must(["ip", "link", "set", theirs, "netns", ns.name]);
    // Ours carries no address: the host's kernel must neither answer nor forward here.
    await run(["sysctl", "-qw", `net.ipv6.conf.${ours}.disable_ipv6=1`]);
    await run(["sysctl", "-qw", `net.ipv4.conf.${ours}.forwarding=0`]);
    await must(["ip", "link", "set", ours, "up"]);
    await ns.must(["ip", "addr", "add", `${SUBNET}.1/24`, "dev", theirs]);
    await ns.must(["ip", "link", "set", theirs, "up"]);
    await ns.run(["ethtool", "-K", theirs, "tso", "off", "gso", "off", "gro", "off"]);
    await run(["ethtool", "-K", ours, "tso", "off", "gso", "off", "gro", "off"]);
    const backend = options.backend ?? "packet";
    if (backend === "xdp") await ns.must(["ethtool", "-K", theirs, "tx", "off"]);
    const device = M.RingDevice.open(`${backend}:${ours}`, options.ring);
    cleanup.push(() => device.closeAsync());
    return { device, kernelIf: theirs };
  });
}

/** SHA-256 of bytes, as hex. */
export async function sha256(data: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>));
  return [...d].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** `n` pseudo-random bytes from `seed` (xorshift32). */
export function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = s & 0xff;
  }
  return out;
}

/** A packet capture running in a namespace, until stopped. */
export class Capture {
  readonly file: string;
  readonly #child: Deno.ChildProcess;
  private constructor(file: string, child: Deno.ChildProcess) {
    this.file = file;
    this.#child = child;
  }
  /** Starts tcpdump on `ifname` inside `ns`, writing `file`; resolves once it listens. */
  static async start(ns: Netns, ifname: string, file: string): Promise<Capture> {
    const child = new Deno.Command("ip", {
      args: ["netns", "exec", ns.name, "tcpdump", "-i", ifname, "-s", "0", "-U", "-w", file],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const reader = child.stderr.getReader();
    let seen = "";
    const deadline = Date.now() + 5000;
    while (!seen.includes("listening on")) {
      const { value, done } = await reader.read();
      if (done || Date.now() > deadline) throw new Error(`tcpdump did not start: ${seen}`);
      seen += decoder.decode(value);
    }
    // Keep draining stderr: a closed pipe would kill tcpdump at its next message.
    void (async () => {
      try {
        while (!(await reader.read()).done);
      } catch {
        // the process ended
      }
    })();
    return new Capture(file, child);
  }
  /** Stops the capture and waits for the file to be complete. */
  async stop(): Promise<void> {
    await new Promise((r) => setTimeout(r, 200)); // the last frames reach the file
    try {
      this.#child.kill("SIGINT");
    } catch {
      // it had ended already: the file is what it wrote
    }
    await this.#child.status;
  }
}

/** tshark's output over a capture: one line per matching frame, the fields asked. */
export async function tsharkFields(
  file: string,
  filter: string,
  fields: string[],
): Promise<string[]> {
  const r = await run([
    "tshark",
    "-n",
    "-r",
    file,
    "-o",
    "ip.check_checksum:TRUE",
    "-o",
    "tcp.check_checksum:TRUE",
    "-Y",
    filter,
    "-T",
    "fields",
    ...fields.flatMap((f) => ["-e", f]),
  ]);
  if (r.code !== 0) throw new Error(`tshark: ${r.stderr}`);
  return r.text.split("\n").filter((l) => l.length > 0);
}

/** Ends a background command (if it has not ended by itself) and waits for it. */
export async function stopChild(child: Deno.ChildProcess): Promise<void> {
  try {
    child.kill();
  } catch {
    // it had ended already
  }
  await child.status;
}

/** A kernel HTTP server (python3's http.server) inside a link's namespace. */
export interface KernelHttp {
  /** Its port on the link's kernel address. */
  port: number;
  /** GETs `path` from it with our context. */
  get(path: string, options?: M.ExchangeOptions): Promise<M.HttpResponse>;
  /** Stops it and removes its files. */
  stop(): Promise<void>;
}

/** Serves `files` (name to bytes) from the kernel side on port 8000; resolves once it accepts. */
export async function kernelHttpServer(
  link: Link,
  files: Record<string, Uint8Array>,
): Promise<KernelHttp> {
  const dir = await Deno.makeTempDir();
  for (const [name, data] of Object.entries(files)) await Deno.writeFile(`${dir}/${name}`, data);
  const port = 8000;
  const child = link.ns.spawn([
    "python3",
    "-m",
    "http.server",
    String(port),
    "--bind",
    link.kernelIp,
    "--directory",
    dir,
  ]);
  const stop = async () => {
    await stopChild(child);
    await Deno.remove(dir, { recursive: true });
  };
  try {
    await waitUntil(link.ns, [
      "python3",
      "-c",
      `import socket; socket.create_connection(("${link.kernelIp}", ${port}), 1)`,
    ]);
  } catch (err) {
    await stop();
    throw err;
  }
  const addr = M.parseIpv4Address(link.kernelIp)!;
  return { port, get: (path, options) => M.httpGet(link.ctx, addr, port, path, options), stop };
}

/**
 * Sends `data` through our echo server (port 7) with the kernel's socat and
 * checks it comes back whole. socat waits up to 30 s after its input ends;
 * a shortfall fails with the numbers that say where the bytes stopped.
 */
export async function assertEcho(link: Link, data: Uint8Array): Promise<void> {
  const t0 = performance.now();
  const e = await link.ns.run(["socat", "-t", "30", "-", `TCP:${link.ourIp}:7`], data);
  const ms = Math.round(performance.now() - t0);
  const why = () =>
    `echo of ${data.length} bytes: ${e.stdout.length} back in ${ms} ms, socat exit ${e.code} ` +
    `${e.stderr.trim()}; context ${JSON.stringify(link.ctx.stats)}; drops ${
      JSON.stringify(link.ctx.iface.stats.nonZeroDrops())
    }; device ${JSON.stringify(link.device.counters())}`;
  if (e.stdout.length !== data.length) throw new Error(why());
  if (await sha256(e.stdout) !== await sha256(data)) throw new Error(`corrupted: ${why()}`);
}

/** Our HTTP responder on port 80 and echo server on port 7, until `stop()`. */
export function ourServers(
  link: Link,
  lookup: M.BodyLookup,
): { stop(): Promise<void> } {
  const abort = new AbortController();
  const servers = [
    M.runTcpServer(link.ctx, 80, M.httpHandler(lookup), { signal: abort.signal }),
    M.runTcpServer(link.ctx, 7, M.echoHandler(), { signal: abort.signal }),
  ];
  return {
    stop: async () => {
      abort.abort();
      await Promise.all(servers);
    },
  };
}

/** `curl` of `path` on our HTTP responder, from inside the namespace. */
export function curl(link: Link, path: string): Promise<Ran> {
  return link.ns.run(["curl", "-sS", "--fail", "--max-time", "60", `http://${link.ourIp}${path}`]);
}

/** The CLI running inside a namespace, its output collected line by line. */
export class CliProcess {
  /** Every stdout line so far. */
  readonly lines: string[] = [];
  /** Every stderr line so far. */
  readonly errors: string[] = [];
  readonly #child: Deno.ChildProcess;
  readonly #done: Promise<Deno.CommandStatus>;
  #waiters: { re: RegExp; resolve: (line: string) => void }[] = [];

  private constructor(child: Deno.ChildProcess) {
    this.#child = child;
    const pump = async (stream: ReadableStream<Uint8Array>, into: string[]) => {
      let rest = "";
      for await (const chunk of stream) {
        rest += decoder.decode(chunk, { stream: true });
        const parts = rest.split("\n");
        rest = parts.pop()!;
        for (const line of parts) {
          into.push(line);
          this.#waiters = this.#waiters.filter((w) =>
            !(w.re.test(line) && (w.resolve(line), true))
          );
        }
      }
      if (rest !== "") into.push(rest);
    };
    const out = pump(child.stdout, this.lines);
    const err = pump(child.stderr, this.errors);
    this.#done = Promise.all([out, err]).then(() => child.status);
  }

  /** Starts `deno run -A cli.ts ARGS` inside `ns`. */
  static start(ns: Netns, args: string[]): CliProcess {
    const cli = new URL("../../cli.ts", import.meta.url).pathname;
    return CliProcess.exec(ns, [Deno.execPath(), "run", "-A", cli, ...args]);
  }

  /** Starts the command line `argv` inside `ns`, with `env` added. */
  static exec(ns: Netns, argv: string[], env: Record<string, string> = {}): CliProcess {
    const child = new Deno.Command("ip", {
      args: ["netns", "exec", ns.name, ...argv],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1", ...env },
    }).spawn();
    return new CliProcess(child);
  }

  /**
   * Resolves with the first line (past or future, stdout or stderr) matching
   * `re`; rejects after `timeoutMs`.
   */
  waitFor(re: RegExp, timeoutMs = 15_000): Promise<string> {
    const seen = this.lines.find((l) => re.test(l)) ?? this.errors.find((l) => re.test(l));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new Error(
            `timed out waiting for ${re}; stdout: ${this.lines.join(" | ")}; stderr: ${
              this.errors.join(" | ")
            }`,
          ),
        );
      }, timeoutMs);
      this.#waiters.push({
        re,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
    });
  }

  /** Sends `signal` and waits for the exit status. */
  async stop(signal: Deno.Signal = "SIGTERM"): Promise<Deno.CommandStatus> {
    try {
      this.#child.kill(signal);
    } catch {
      // it had ended already
    }
    return await this.#done;
  }

  /** Waits for the process to end by itself. */
  status(): Promise<Deno.CommandStatus> {
    return this.#done;
  }

  /** The process id (`ip netns exec` execs the command: its pid is the CLI's). */
  get pid(): number {
    return this.#child.pid;
  }
}
