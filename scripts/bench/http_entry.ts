/**
 * Which HTTP entry point is faster on the stack: the CLI's `serve --http`
 * (the static server on the mtcp_* epoll loop: the built-in page, and the
 * same page as `index.html` of a directory, answered from its ready-made
 * response) or `serveHttp` (standard Request/Response handlers on the
 * Deno-shaped Conn). All serve the same page over a TAP into a namespace
 * made for the run; the kernel's `ab` drives them, with and without
 * keep-alive, alternating, three rounds.
 *
 * Usage (root): deno run -A scripts/bench/http_entry.ts
 *
 * @module
 */

import * as M from "../../lib/mod.ts";
import { tapLink } from "../../tests/_support/netns.ts";

const ROUNDS = 3;
const page = M.BUILTIN_PAGE;

async function ab(link: Awaited<ReturnType<typeof tapLink>>, keepalive: boolean): Promise<number> {
  const args = ["ab", "-q", "-n", keepalive ? "20000" : "5000", "-c", "50"];
  if (keepalive) args.push("-k");
  const r = await link.ns.run([...args, `http://${link.ourIp}:8080/`]);
  const m = /Requests per second:\s+([\d.]+)/.exec(r.text);
  const failed = /Failed requests:\s+(\d+)/.exec(r.text);
  if (m === null || failed === null || failed[1] !== "0") {
    throw new Error(`ab: ${r.text}${r.stderr}`);
  }
  return Number(m[1]);
}

const results: Record<string, number[]> = {};
const dir = await Deno.makeTempDir();
await Deno.writeFile(`${dir}/index.html`, page);
const link = await tapLink();
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const entry of ["serve --http", "serve --http DIR", "serveHttp"]) {
      const stop = new AbortController();
      let done: Promise<unknown>;
      if (entry.startsWith("serve --http")) {
        const builtin = new Map([["/", page]]);
        const root = entry.endsWith("DIR") ? dir : undefined;
        done = M.runTcpServer(link.ctx, 8080, M.staticHandler(root, { builtin }), {
          signal: stop.signal,
        });
      } else {
        const stack = new M.NetStack(link.ctx, link.ctx.network, undefined);
        const server = M.serveHttp(
          stack,
          { port: 8080, signal: stop.signal },
          () => new Response(page, { headers: { "content-type": "text/html; charset=utf-8" } }),
        );
        done = server.finished;
      }
      for (const keepalive of [true, false]) {
        const key = `${entry}, ${keepalive ? "keep-alive" : "new connection each"}`;
        (results[key] ??= []).push(await ab(link, keepalive));
      }
      stop.abort();
      await done;
      // Let closing connections leave the port before the next entry binds it.
      await M.Driver.of(link.ctx.network).wait(() => false, 300);
    }
  }
} finally {
  await link.close();
  await Deno.remove(dir, { recursive: true });
}
console.log("| entry point | requests/s (median of 3) | rounds |");
console.log("|---|---|---|");
for (const [key, v] of Object.entries(results)) {
  const sorted = [...v].sort((a, b) => a - b);
  console.log(`| ${key} | ${sorted[1]!.toFixed(0)} | ${v.map((x) => x.toFixed(0)).join(" / ")} |`);
}
