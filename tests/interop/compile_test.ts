/**
 * The single-file CLI of `deno task compile` (`scripts/compile.ts`): it is
 * built into a temporary directory, unpacks itself once into its cache,
 * refuses a damaged copy with one line, and runs `serve` and `proxy` on a TAP
 * against the Linux kernel in a namespace this test creates and deletes.
 */
import assert from "node:assert/strict";
import { compile, Fnv64 } from "../../scripts/compile.ts";
import {
  CliProcess,
  interopUnavailable,
  Netns,
  randomBytes,
  sha256,
  stopChild,
  uniqueTag,
  waitUntil,
} from "../_support/netns.ts";

const unavailable = interopUnavailable("curl", "python3");
const KERNEL = "10.0.0.1";
const OURS = "10.0.0.2";

async function runFile(file: string, args: string[], env: Record<string, string>) {
  const out = await new Deno.Command(file, { args, env, stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

Deno.test("Fnv64 matches the published FNV-1a 64 test vectors", () => {
  const hash = (s: string) => {
    const f = new Fnv64();
    f.update(new TextEncoder().encode(s));
    return f.digest().toString(16).padStart(16, "0");
  };
  assert.equal(hash(""), "cbf29ce484222325");
  assert.equal(hash("a"), "af63dc4c8601ec8c");
  assert.equal(hash("foobar"), "85944171f73967e8");
});

Deno.test({
  name:
    "compiled CLI: unpacks once, refuses a damaged copy, serves files and proxies on a TAP to the kernel",
  ignore: unavailable !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    const bin = `${dir}/mtcp`;
    const env = { MTCP_BIN_CACHE: `${dir}/cache`, NO_COLOR: "1" };
    const { hash } = await compile(bin);

    // --help from the file alone: the usage names the file, the cache holds one tree.
    const help = await runFile(bin, ["--help"], env);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^Usage: mtcp <command> \[options\]/);
    const trees = [...Deno.readDirSync(`${dir}/cache`)].map((e) => e.name);
    assert.deepEqual(trees, [`bin-${hash}`]);
    const unpacked = `${dir}/cache/bin-${hash}`;
    const mtime = Deno.statSync(`${unpacked}/deno`).mtime!.getTime();
    const usage = await runFile(bin, ["serve", "--port", "x"], env);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /^error: Invalid --port: x/);
    assert.equal(Deno.statSync(`${unpacked}/deno`).mtime!.getTime(), mtime, "unpacked once");

    // A byte flipped in the payload: one line, exit 1, nothing left in the cache.
    const damaged = await Deno.readFile(bin);
    const at = damaged.length - 1000;
    damaged[at] = damaged[at]! ^ 0xff;
    await Deno.writeFile(`${dir}/damaged`, damaged, { mode: 0o755 });
    const bad = await runFile(`${dir}/damaged`, ["--help"], {
      ...env,
      MTCP_BIN_CACHE: `${dir}/c2`,
    });
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr.trim().split("\n").length, 1, bad.stderr);
    assert.match(bad.stderr, /^mtcp: cannot unpack into .*hash mismatch/);
    assert.deepEqual([...Deno.readDirSync(`${dir}/c2`)], []);

    const ns = await Netns.create(uniqueTag());
    const tap = `mtc${uniqueTag()}`;
    const flags = ["--dev", `tap:${tap}`, "--ip", `${OURS}/24`, "--host-ip", `${KERNEL}/24`];
    const www = `${dir}/www`;
    await Deno.mkdir(www);
    const page = randomBytes(200_000, 5);
    await Deno.writeFile(`${www}/page.bin`, page);
    let cli: CliProcess | undefined;
    let upstream: Deno.ChildProcess | undefined;
    try {
      cli = CliProcess.exec(ns, [bin, "serve", ...flags, "--port", "8080", "--http", www], env);
      await cli.waitFor(new RegExp(`^listening on ${OURS}:8080 \\(http ${www}\\) via tap:${tap}`));
      const got = await ns.run(["curl", "-sS", "--max-time", "20", `http://${OURS}:8080/page.bin`]);
      assert.equal(got.code, 0, got.text);
      assert.equal(await sha256(got.stdout), await sha256(page));
      assert.equal((await cli.stop()).code, 0);

      upstream = ns.spawn(["python3", "-m", "http.server", "8001", "--bind", KERNEL, "-d", www]);
      cli = CliProcess.exec(ns, [
        bin,
        "proxy",
        ...flags,
        "--listen",
        "9000",
        "--upstream",
        `${KERNEL}:8001`,
      ], env);
      await cli.waitFor(/^listening on 10\.0\.0\.2:9000 \(proxy to 10\.0\.0\.1:8001, rr\)/);
      await waitUntil(ns, [
        "python3",
        "-c",
        `import socket; socket.create_connection(("${KERNEL}", 8001), 1)`,
      ]);
      const proxied = await ns.run([
        "curl",
        "-sS",
        "--max-time",
        "20",
        `http://${OURS}:9000/page.bin`,
      ]);
      assert.equal(proxied.code, 0, proxied.text);
      assert.equal(await sha256(proxied.stdout), await sha256(page));
      assert.equal((await cli.stop()).code, 0);
    } finally {
      if (upstream) await stopChild(upstream);
      await cli?.stop("SIGKILL");
      await ns.delete();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
