/**
 * The hardening probes side by side: the same attacks, from the same client
 * namespace, for the same time, against `serve` on a TAP and against Linux +
 * nginx (one worker, the namespace's default sysctls) on a veth.
 *
 * - SYN flood: `hping3 -S --flood --rand-source` at the port for 10 s while
 *   curl asks every 100 ms; requests served, p50/p99/max time, and how long
 *   after the flood the next request takes.
 * - Slowloris: 500 connections each sending a header byte every second for
 *   12 s, both servers with a 5 s header timeout; how many the server closes
 *   and when, and curl meanwhile.
 * - Memory: the server's resident set (nginx: master and worker) before,
 *   during the flood, and after.
 *
 * Usage (root): deno run -A scripts/bench/attack.ts. Prints a markdown
 * table; the namespaces are its own and are deleted at the end.
 *
 * @module
 */

import { Lab, quantile, rssKb } from "./_lab.ts";

const WWW = `/dev/shm/mtcp-attack-${Deno.pid}`;
await Deno.mkdir(WWW, { recursive: true });
await Deno.writeTextFile(`${WWW}/index.html`, "<h1>hello</h1>\n");
const lab = await Lab.create(WWW, { nginxHttp: "client_header_timeout 5s;" });
const C = lab.C, S = lab.S;

async function curl(url: string): Promise<{ ok: boolean; ms: number }> {
  const r = await C.run([
    "curl",
    "-s",
    "-o",
    "/dev/null",
    "--max-time",
    "5",
    "-w",
    "%{http_code} %{time_total}",
    url,
  ]);
  const [code, secs] = r.text.trim().split(" ");
  return { ok: code === "200", ms: Number(secs ?? 0) * 1000 };
}

interface FloodResult {
  served: number;
  asked: number;
  p50: number;
  p99: number;
  max: number;
  afterMs: number;
  rssBefore: number;
  rssDuring: number;
  rssAfter: number;
}

async function flood(ip: string, port: number, url: string, pids: number[]): Promise<FloodResult> {
  const rssBefore = rssKb(pids);
  const hping = C.spawn([
    "timeout",
    "10",
    "hping3",
    "-q",
    "-S",
    "--flood",
    "--rand-source",
    "-p",
    String(port),
    ip,
  ]);
  await new Promise((r) => setTimeout(r, 300));
  let rssDuring = 0;
  const { served, asked, times } = await probe(url, 100, () => {
    rssDuring = Math.max(rssDuring, rssKb(pids));
  });
  await hping.status;
  const after = await curl(url);
  return {
    served,
    asked,
    p50: quantile(times, 0.5),
    p99: quantile(times, 0.99),
    max: times.at(-1) ?? NaN,
    afterMs: after.ok ? after.ms : NaN,
    rssBefore,
    rssDuring,
    rssAfter: rssKb(pids),
  };
}

/**
 * curl at `url` every `everyMs` for 9 s, `each` after every request: how
 * many were asked and served, and the served ones' times, sorted (ms).
 */
async function probe(
  url: string,
  everyMs: number,
  each: () => void = () => {},
): Promise<{ served: number; asked: number; times: number[] }> {
  const times: number[] = [];
  let served = 0;
  let asked = 0;
  const end = performance.now() + 9000;
  while (performance.now() < end) {
    const r = await curl(url);
    asked++;
    if (r.ok) {
      served++;
      times.push(r.ms);
    }
    each();
    await new Promise((res) => setTimeout(res, everyMs));
  }
  return { served, asked, times: times.sort((a, b) => a - b) };
}

interface LorisResult {
  closed: number;
  medianCloseS: number;
  served: number;
  asked: number;
  p99: number;
}

async function slowloris(ip: string, port: number, url: string): Promise<LorisResult> {
  const script = `
import asyncio, time
async def one(start, closes):
  try:
    r, w = await asyncio.open_connection("${ip}", ${port})
    w.write(b"GET / HTTP/1.1\\r\\nX-Slow: ")
    await w.drain()
    while time.time() - start < 12:
      await asyncio.sleep(1)
      try:
        data = await asyncio.wait_for(r.read(1024), 0.01)
        if data == b"" or data:
          closes.append(time.time() - start); return
      except asyncio.TimeoutError:
        pass
      w.write(b"a")
      await w.drain()
  except Exception:
    closes.append(time.time() - start)
async def main():
  start, closes = time.time(), []
  await asyncio.gather(*[one(start, closes) for _ in range(500)])
  closes.sort()
  print(len(closes), round(closes[len(closes)//2], 1) if closes else -1)
asyncio.run(main())
`;
  const loris = C.run(["python3", "-c", script]);
  await new Promise((r) => setTimeout(r, 1500));
  const { served, asked, times } = await probe(url, 200);
  const [closed, median] = (await loris).text.trim().split(" ");
  return {
    closed: Number(closed),
    medianCloseS: Number(median),
    served,
    asked,
    p99: quantile(times, 0.99),
  };
}

const rows: string[] = [];
try {
  const ours = lab.ours(["serve", "--port", "8080", "--http", WWW, "--header-timeout", "5"]);
  await ours.waitFor(/^listening on /);
  const nginxPids = lab.nginxPids;
  const cookies = (await S.run(["sysctl", "-n", "net.ipv4.tcp_syncookies"])).text.trim();
  const somaxconn = (await S.run(["sysctl", "-n", "net.core.somaxconn"])).text.trim();

  const contenders: [string, string, number, string, number[]][] = [
    ["ours (serve, TAP)", "10.0.0.2", 8080, "http://10.0.0.2:8080/", [ours.pid]],
    [
      `Linux + nginx (veth; syncookies ${cookies}, somaxconn ${somaxconn})`,
      "10.0.1.2",
      8081,
      "http://10.0.1.2:8081/",
      nginxPids,
    ],
  ];
  const f: Record<string, FloodResult> = {};
  const l: Record<string, LorisResult> = {};
  for (const [name, ip, port, url, pids] of contenders) {
    f[name] = await flood(ip, port, url, pids);
    await new Promise((r) => setTimeout(r, 2000));
    l[name] = await slowloris(ip, port, url);
    await new Promise((r) => setTimeout(r, 2000));
  }
  const names = contenders.map((c) => c[0]);
  const fmt = (x: number, d = 1) => Number.isFinite(x) ? x.toFixed(d) : "-";
  rows.push(`| probe | ${names.join(" | ")} |`);
  rows.push(`| --- | ${names.map(() => "---").join(" | ")} |`);
  rows.push(
    `| SYN flood 10 s: curls served | ${
      names.map((n) => `${f[n]!.served} of ${f[n]!.asked}`).join(" | ")
    } |`,
  );
  rows.push(
    `| SYN flood: p50 / p99 / max ms | ${
      names.map((n) => `${fmt(f[n]!.p50)} / ${fmt(f[n]!.p99)} / ${fmt(f[n]!.max)}`).join(" | ")
    } |`,
  );
  rows.push(
    `| first request after the flood, ms | ${names.map((n) => fmt(f[n]!.afterMs)).join(" | ")} |`,
  );
  rows.push(
    `| server RSS before / peak during / after, MB | ${
      names.map((n) =>
        `${fmt(f[n]!.rssBefore / 1024)} / ${fmt(f[n]!.rssDuring / 1024)} / ${
          fmt(f[n]!.rssAfter / 1024)
        }`
      ).join(" | ")
    } |`,
  );
  rows.push(
    `| slowloris, 500 connections: closed by the server, median at s | ${
      names.map((n) => `${l[n]!.closed}, ${fmt(l[n]!.medianCloseS)}`).join(" | ")
    } |`,
  );
  rows.push(
    `| slowloris: curls served, p99 ms | ${
      names.map((n) => `${l[n]!.served} of ${l[n]!.asked}, ${fmt(l[n]!.p99)}`).join(" | ")
    } |`,
  );
  console.log(rows.join("\n"));
  await ours.stop();
} finally {
  await lab.close();
}
