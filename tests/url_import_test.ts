/**
 * `import ... from "<url>/mod.ts"` with nothing else installed: the
 * repository is served over HTTP on loopback, and a fresh Deno (empty
 * DENO_DIR) imports mod.ts from that URL and completes a TCP exchange over
 * the in-memory network; another runs `<url>/cli.ts --help`.
 */
import assert from "node:assert/strict";

const root = new URL("..", import.meta.url).pathname;

const TYPES: Record<string, string> = {
  ts: "application/typescript; charset=utf-8",
  js: "application/javascript; charset=utf-8",
  json: "application/json",
};

async function withRepoServer(fn: (base: string) => Promise<void>): Promise<void> {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = decodeURIComponent(new URL(req.url).pathname);
    if (path.includes("..") || path.includes("node_modules")) {
      return new Response("no", { status: 404 });
    }
    try {
      const body = await Deno.readFile(root + path.slice(1));
      const ext = path.slice(path.lastIndexOf(".") + 1);
      return new Response(body, { headers: { "content-type": TYPES[ext] ?? "text/plain" } });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
  try {
    await fn(`http://127.0.0.1:${server.addr.port}`);
  } finally {
    await server.shutdown();
  }
}

async function freshDeno(args: string[], dir: string) {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    env: { DENO_DIR: `${dir}/deno_dir`, NO_COLOR: "1" },
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const d = new TextDecoder();
  return { code: out.code, stdout: d.decode(out.stdout), stderr: d.decode(out.stderr) };
}

Deno.test("mod.ts imported from a URL in a fresh DENO_DIR completes a TCP exchange in memory", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await withRepoServer(async (base) => {
      await Deno.writeTextFile(
        `${dir}/main.ts`,
        `import { createStack, MemoryNetwork } from "${base}/mod.ts";
const network = new MemoryNetwork();
await using server = createStack({ network, address: "10.0.0.2/24" });
await using client = createStack({ network, address: "10.0.0.1/24" });
const listener = server.listen({ port: 7 });
const accepted = listener.accept();
const conn = await client.connect({ hostname: "10.0.0.2", port: 7 });
const peer = await accepted;
await conn.write(new TextEncoder().encode("over a URL"));
await conn.closeWrite();
console.log("received:", await new Response(peer.readable).text());
conn.close();
listener.close();
`,
      );
      const host = new URL(base).host;
      const r = await freshDeno(["run", `--allow-import=${host}`, "main.ts"], dir);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), "received: over a URL");
      const help = await freshDeno(
        ["run", `--allow-import=${host}`, `${base}/cli.ts`, "--help"],
        dir,
      );
      assert.equal(help.code, 0, help.stderr);
      assert.match(help.stdout, /^Usage: deno run -A cli\.ts <command>/);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
