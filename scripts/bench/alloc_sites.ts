/**
 * Where the remaining allocations happen, to the call: runs one layer of
 * alloc_layers.ts in a child Deno with V8's
 * `--trace-allocation-stack-interval=N` (a JavaScript stack trace every N
 * allocations), counts the innermost two frames of each trace, and prints one
 * example of each site with its arguments: a `<HeapNumber ...>` argument is a
 * number boxed for the call.
 *
 * Run: `deno run -A scripts/bench/alloc_sites.ts [socket|interface|context] [N]`.
 * It measures; it asserts nothing.
 *
 * @module
 */

const layer = Deno.args[0] ?? "context";
const interval = Number(Deno.args[1] ?? 4001);
const out = await new Deno.Command(Deno.execPath(), {
  args: [
    "run",
    "-A",
    `--v8-flags=--trace-allocation-stack-interval=${interval}`,
    new URL("./alloc_layers.ts", import.meta.url).pathname,
    layer,
  ],
  stdout: "piped",
  stderr: "piped",
}).output();
const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);

const FRAME =
  /^\s+\d+: (\S+?)(?:\(aka [^)]*\))? \[0x[0-9a-f]+\] \[(\S+?):~?(\d+)\].*?(\(this=.*)?$/;
const counts = new Map<string, number>();
const examples = new Map<string, string>();
for (const block of text.split("==== JS stack trace").slice(1)) {
  const frames: { name: string; args: string }[] = [];
  for (const line of block.split("\n")) {
    const m = FRAME.exec(line);
    if (m === null) continue;
    frames.push({
      name: `${m[1]} ${m[2]!.split("/").slice(-1)[0]}:${m[3]}`,
      args: (m[4] ?? "").replace(/0x[0-9a-f]+ /g, "").replace(/ map = [^>]*>/g, ">"),
    });
  }
  if (frames.length === 0 || frames[0]!.name.includes("loadExtScript")) continue;
  const key = frames.slice(0, 2).map((f) => f.name).join(" < ");
  counts.set(key, (counts.get(key) ?? 0) + 1);
  if (!examples.has(key)) examples.set(key, frames.slice(0, 2).map((f) => f.args).join("\n    "));
}
const result = /RESULT (\d+) (\d+) (.*)/.exec(text);
if (result !== null) {
  console.log(
    `${layer}: ${(Number(result[1]) / Number(result[2])).toFixed(1)} bytes per ${
      result[3]!.replace(/s$/, "")
    } (with tracing on)`,
  );
}
for (const [key, n] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
  console.log(`${String(n).padStart(5)} ${key}`);
  console.log(`    ${examples.get(key)!.slice(0, 400)}`);
}
