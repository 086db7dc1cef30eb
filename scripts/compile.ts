/**
 * `deno task compile`: writes the CLI as one executable file.
 *
 * `deno compile` cannot be used on these machines: it needs Deno's `denort`
 * runtime, which it downloads from dl.deno.land, and no registry we can reach
 * ships it. So the file is built the way self-extracting installers are: the
 * launcher from `ffi/` (`mtcp_launcher`, Rust, no crates), then a payload of
 * the `deno` binary that runs this script, the CLI's TypeScript sources and
 * the shim library, then a trailer that locates and hashes the payload. On
 * its first start the file unpacks itself once into a per-user cache and
 * from then on runs `deno run --allow-all cli.ts ARGS` from there (see
 * `ffi/src/bin/mtcp_launcher.rs`).
 *
 * Usage: `deno run -A scripts/compile.ts [--output FILE] [--deno FILE]`
 * (default `dist/mtcp`, and the running `deno`).
 *
 * @module
 */

import { parseArgs } from "node:util";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const MAGIC = new TextEncoder().encode("MTCPBIN1");

/** One file of the payload. */
interface Entry {
  path: string;
  mode: number;
  bytes: Uint8Array;
}

/** FNV-1a over 64 bits in two 32-bit halves (the launcher checks the same hash). */
export class Fnv64 {
  #hi = 0xcbf29ce4;
  #lo = 0x84222325;

  /** Feeds `bytes`. */
  update(bytes: Uint8Array): void {
    let hi = this.#hi;
    let lo = this.#lo;
    for (let i = 0; i < bytes.length; i++) {
      lo = (lo ^ bytes[i]!) >>> 0;
      // (hi * 2^32 + lo) * (2^40 + 0x1b3) mod 2^64
      const low = lo * 0x1b3;
      const carry = Math.floor(low / 0x100000000);
      hi = (Math.imul(hi, 0x1b3) + carry + Math.imul(lo, 0x100)) >>> 0;
      lo = low >>> 0;
    }
    this.#hi = hi;
    this.#lo = lo;
  }

  /** The hash so far. */
  digest(): bigint {
    return (BigInt(this.#hi) << 32n) | BigInt(this.#lo);
  }
}

/** The TypeScript the CLI loads: cli.ts, mod.ts, ffi/shim.ts and lib/ without tests. */
async function sources(): Promise<string[]> {
  const out = ["cli.ts", "mod.ts", "ffi/shim.ts"];
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(`${ROOT}/${dir}`)) {
      const rel = `${dir}/${e.name}`;
      if (e.isDirectory) await walk(rel);
      else if (e.name.endsWith(".ts") && !e.name.endsWith("_test.ts")) out.push(rel);
    }
  };
  await walk("lib");
  return out.sort();
}

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}

function u64(n: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, n, true);
  return b;
}

/** Writes the launcher, the entries and the trailer to `output`; returns the payload's size. */
export async function writeExecutable(
  launcher: string,
  entries: Entry[],
  output: string,
): Promise<{ bytes: number; hash: string }> {
  const head = await Deno.readFile(launcher);
  const chunks: Uint8Array[] = [];
  for (const e of entries) {
    const name = new TextEncoder().encode(e.path);
    chunks.push(u32(name.length), name, u32(e.mode), u64(BigInt(e.bytes.length)), e.bytes);
  }
  const fnv = new Fnv64();
  let payload = 0;
  for (const c of chunks) {
    fnv.update(c);
    payload += c.length;
  }
  const hash = fnv.digest();
  const tmp = `${output}.tmp${Deno.pid}`;
  const file = await Deno.open(tmp, { write: true, create: true, truncate: true, mode: 0o755 });
  try {
    const write = async (b: Uint8Array) => {
      for (let at = 0; at < b.length;) at += await file.write(b.subarray(at));
    };
    await write(head);
    for (const c of chunks) await write(c);
    await write(u64(BigInt(head.length)));
    await write(u64(BigInt(payload)));
    await write(u64(hash));
    await write(MAGIC);
  } finally {
    file.close();
  }
  await Deno.chmod(tmp, 0o755);
  await Deno.rename(tmp, output);
  return { bytes: payload, hash: hash.toString(16).padStart(16, "0") };
}

/** Builds the single-file CLI at `output` with the given `deno`. */
export async function compile(
  output: string,
  deno: string = Deno.execPath(),
): Promise<{ bytes: number; hash: string }> {
  const release = `${ROOT}/ffi/target/release`;
  const launcher = `${release}/mtcp_launcher`;
  const shim = `${release}/libmtcp_shim.so`;
  for (const need of [launcher, shim]) {
    try {
      await Deno.stat(need);
    } catch {
      throw new Error(`${need} is missing: run \`deno task build\` first`);
    }
  }
  const entries: Entry[] = [
    { path: "deno", mode: 0o755, bytes: await Deno.readFile(deno) },
    { path: "libmtcp_shim.so", mode: 0o755, bytes: await Deno.readFile(shim) },
  ];
  for (const path of await sources()) {
    entries.push({ path, mode: 0o644, bytes: await Deno.readFile(`${ROOT}/${path}`) });
  }
  const dir = output.includes("/") ? output.slice(0, output.lastIndexOf("/")) : ".";
  if (dir !== "") await Deno.mkdir(dir, { recursive: true });
  return await writeExecutable(launcher, entries, output);
}

if (import.meta.main) {
  try {
    const { values } = parseArgs({
      args: Deno.args,
      options: { output: { type: "string" }, deno: { type: "string" } },
      strict: true,
    });
    const output = values.output ?? `${ROOT}/dist/mtcp`;
    const started = performance.now();
    const { bytes, hash } = await compile(output, values.deno);
    const ms = Math.round(performance.now() - started);
    console.log(
      `compile: wrote ${output} (${(bytes / 1e6).toFixed(1)} MB payload, hash ${hash}, ${ms} ms)`,
    );
  } catch (e) {
    console.error(`compile: ${e instanceof Error ? e.message : String(e)}`);
    Deno.exit(1);
  }
}
