/**
 * The benchmark lab the side-by-side scripts share: two namespaces of their
 * own, our CLI on a TAP and the kernel's servers on a veth, and small helpers
 * to read a process's CPU time and memory.
 *
 * Layout: namespace C holds the clients, the kernel's side of our TAP
 * (10.0.0.1; ours is 10.0.0.2, its gateway 10.0.0.1) and one end of a veth
 * (10.0.1.1); namespace S holds the other end (10.0.1.2) with nginx (one
 * worker, `:8081`, files from the lab's directory), optionally nginx's stream
 * proxy (`:9001` to `:8081`), a `Deno.serve` (`:8082`) and python's
 * http.server (`:8083`). C forwards between the two, so ours reaches S too.
 * With `xdp`, C also holds a veth pair of its own for ours over AF_XDP: the
 * kernel's end 10.0.2.1, ours 10.0.2.2 on the stack (its gateway 10.0.2.1).
 * {@linkcode Lab.close} stops everything and deletes both namespaces.
 *
 * @module
 */

import { CliProcess, Netns, run, uniqueTag, waitUntil } from "../../tests/_support/netns.ts";

/** What the lab runs in S besides nginx. */
export interface LabOptions {
  /** Directives added to nginx's `http` block. */
  nginxHttp?: string;
  /** nginx's stream proxy on `:9001` to its own `:8081`. */
  nginxStream?: boolean;
  /** A `Deno.serve` on `:8082` answering every request with this file's bytes. */
  denoServeFile?: string;
  /** python3 -m http.server on `:8083`, serving the lab's directory. */
  python?: boolean;
  /** A second link for ours, a veth in C driven over AF_XDP (`oursXdp`). */
  xdp?: boolean;
}

/** Two namespaces, a veth between them, and the kernel's servers in S. */
export class Lab {
  readonly C: Netns;
  readonly S: Netns;
  /** Our TAP's name (the CLI creates it on each start). */
  readonly tap: string;
  /** Our end of the AF_XDP veth (with the `xdp` option). */
  readonly xdp: string;
  /** The directory served by nginx and python (deleted on close). */
  readonly www: string;
  /** nginx's master and worker. */
  nginxPids: number[] = [];
  /** The `Deno.serve` process, when asked for. */
  denoPid = 0;
  /** python's http.server, when asked for. */
  pythonPid = 0;
  readonly #children: Deno.ChildProcess[] = [];

  private constructor(C: Netns, S: Netns, tag: string, www: string) {
    this.C = C;
    this.S = S;
    this.tap = `mtl${tag}`;
    this.xdp = `xo${tag}`;
    this.www = www;
  }

  /** Builds the lab; `www` is the files' directory (made if absent). */
  static async create(www: string, options: LabOptions = {}): Promise<Lab> {
    await Deno.mkdir(www, { recursive: true });
    const tag = uniqueTag();
    const lab = new Lab(await Netns.create(`lc${tag}`), await Netns.create(`ls${tag}`), tag, www);
    try {
      await lab.#link(tag);
      if (options.xdp) await lab.#xdpLink(tag);
      await lab.#servers(options);
    } catch (e) {
      await lab.close();
      throw e;
    }
    return lab;
  }

  async #link(tag: string): Promise<void> {
    const { C, S } = this;
    await C.must(
      ["ip", "link", "add", `vc${tag}`, "type", "veth", "peer", "name", `vs${tag}`],
    );
    await C.must(["ip", "link", "set", `vs${tag}`, "netns", S.name]);
    await C.must(["ip", "addr", "add", "10.0.1.1/24", "dev", `vc${tag}`]);
    await C.must(["ip", "link", "set", `vc${tag}`, "up"]);
    await C.must(["sysctl", "-qw", "net.ipv4.ip_forward=1"]);
    await S.must(["ip", "addr", "add", "10.0.1.2/24", "dev", `vs${tag}`]);
    await S.must(["ip", "link", "set", `vs${tag}`, "up"]);
    await S.must(["ip", "route", "add", "default", "via", "10.0.1.1"]);
  }

  // A veth with both ends in C: the kernel's end addressed, ours left bare for
  // AF_XDP. No segmentation offloads (ours takes and sends plain frames), and
  // the kernel's end computes its own checksums (AF_XDP reports no checksum
  // state).
  async #xdpLink(tag: string): Promise<void> {
    const { C } = this;
    await C.must(["ip", "link", "add", `xk${tag}`, "type", "veth", "peer", "name", this.xdp]);
    await C.must(["sysctl", "-qw", `net.ipv6.conf.${this.xdp}.disable_ipv6=1`]);
    await C.must(["ip", "addr", "add", "10.0.2.1/24", "dev", `xk${tag}`]);
    for (const dev of [`xk${tag}`, this.xdp]) {
      await C.must(["ip", "link", "set", dev, "up"]);
      await C.run(["ethtool", "-K", dev, "tso", "off", "gso", "off", "gro", "off"]);
    }
    await C.must(["ethtool", "-K", `xk${tag}`, "tx", "off"]);
  }

  async #servers(o: LabOptions): Promise<void> {
    const w = this.www;
    const stream = o.nginxStream
      ? `stream { server { listen 9001; proxy_pass 127.0.0.1:8081; } }\n`
      : "";
    await Deno.writeTextFile(
      `${w}/nginx.conf`,
      `${o.nginxStream ? "load_module /usr/lib/nginx/modules/ngx_stream_module.so;\n" : ""}` +
        `daemon off; worker_processes 1; worker_rlimit_nofile 300000; pid ${w}/nginx.pid;
error_log ${w}/error.log;
events { worker_connections 262144; }
http { access_log off; sendfile on; tcp_nopush on; keepalive_requests 1000000;
  client_body_temp_path ${w}; proxy_temp_path ${w}; fastcgi_temp_path ${w};
  uwsgi_temp_path ${w}; scgi_temp_path ${w}; ${o.nginxHttp ?? ""}
  server { listen 8081 reuseport; root ${w}; } }
${stream}`,
    );
    this.#children.push(this.S.spawn(["nginx", "-c", `${w}/nginx.conf`, "-p", w]));
    const ports = [8081, ...(o.nginxStream ? [9001] : [])];
    if (o.denoServeFile !== undefined) {
      const deno = this.S.spawn([
        Deno.execPath(),
        "eval",
        `const b = await Deno.readFile(${JSON.stringify(o.denoServeFile)});
         Deno.serve({ hostname: "10.0.1.2", port: 8082, onListen() {} }, () => new Response(b));`,
      ]);
      this.#children.push(deno);
      this.denoPid = deno.pid;
      ports.push(8082);
    }
    if (o.python) {
      const py = this.S.spawn(
        ["python3", "-m", "http.server", "-b", "10.0.1.2", "-d", w, "8083"],
      );
      this.#children.push(py);
      this.pythonPid = py.pid;
      ports.push(8083);
    }
    for (const port of ports) {
      await waitUntil(this.S, ["sh", "-c", `ss -ltn | grep -q :${port}`], 15_000);
    }
    this.nginxPids = await pidsOf(`nginx -c ${w}/nginx.conf|nginx: worker`);
  }

  /**
   * Starts `deno run -A cli.ts ARGS` in C on the lab's TAP as 10.0.0.2;
   * `cli` names another build's cli.ts (a worktree of another commit).
   */
  ours(args: string[], cli?: string): CliProcess {
    const all = [
      ...args,
      "--dev",
      `tap:${this.tap}`,
      "--ip",
      "10.0.0.2/24",
      "--host-ip",
      "10.0.0.1/24",
      "--gateway",
      "10.0.0.1",
    ];
    return cli === undefined
      ? CliProcess.start(this.C, all)
      : CliProcess.exec(this.C, [Deno.execPath(), "run", "-A", cli, ...all]);
  }

  /**
   * Starts `deno run -A cli.ts ARGS` in C over AF_XDP on the lab's veth as
   * 10.0.2.2 (the lab must be made with `xdp`).
   */
  oursXdp(args: string[]): CliProcess {
    return CliProcess.start(this.C, [
      ...args,
      "--dev",
      `xdp:${this.xdp}`,
      "--ip",
      "10.0.2.2/24",
      "--gateway",
      "10.0.2.1",
    ]);
  }

  /** Stops the servers and deletes both namespaces and the directory. */
  async close(): Promise<void> {
    for (const c of this.#children) {
      try {
        c.kill("SIGKILL");
      } catch {
        // ended
      }
    }
    const pid = `${this.www}/nginx.pid`;
    await run(["sh", "-c", `test -f ${pid} && kill $(cat ${pid}); true`]);
    await this.C.delete();
    await this.S.delete();
    await Deno.remove(this.www, { recursive: true }).catch(() => {});
  }
}

/**
 * A fresh directory for a script's files, `/dev/shm/mtcp-NAME-PID`, with
 * `64b` (64 bytes of "a") in it: pass it to {@linkcode Lab.create}, whose
 * `close` deletes it.
 */
export async function filesDir(name: string): Promise<string> {
  const dir = `/dev/shm/mtcp-${name}-${Deno.pid}`;
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeFile(`${dir}/64b`, new Uint8Array(64).fill(0x61));
  return dir;
}

/** Pids whose command line matches `pattern` (pgrep -f). */
export async function pidsOf(pattern: string): Promise<number[]> {
  const r = await run(["pgrep", "-f", pattern]);
  return r.text.split("\n").filter(Boolean).map(Number);
}

/** Resident set of processes, in KiB (0 for one that is gone). */
export function rssKb(pids: number[]): number {
  let kb = 0;
  for (const pid of pids) {
    try {
      const m = /VmRSS:\s+(\d+)/.exec(Deno.readTextFileSync(`/proc/${pid}/status`));
      kb += Number(m?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return kb;
}

/** CPU ticks (user + system, 1/100 s) of processes. */
export async function processTicks(pids: number[]): Promise<number> {
  let t = 0;
  for (const pid of pids) {
    try {
      const f = (await Deno.readTextFile(`/proc/${pid}/stat`)).split(") ")[1]!.split(" ");
      t += Number(f[11]) + Number(f[12]);
    } catch {
      // gone
    }
  }
  return t;
}

/** The `q` quantile (0 to 1) of sorted numbers, NaN when there are none. */
export function quantile(sorted: number[], q: number): number {
  return sorted.length === 0
    ? NaN
    : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** The median of numbers (NaN when there are none). */
export function median(values: number[]): number {
  return quantile([...values].sort((a, b) => a - b), 0.5);
}
