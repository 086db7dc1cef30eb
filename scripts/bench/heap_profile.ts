/**
 * Where the stack allocates: runs one layer of alloc_layers.ts in a child Deno
 * under `--inspect-wait` on loopback, takes a V8 sampling heap profile through
 * the DevTools protocol (objects already collected included), and prints the
 * allocation sites with the most bytes, each with its callers.
 *
 * Run: `deno run -A scripts/bench/heap_profile.ts [socket|interface|context] [frames]`, where
 * `frames` (default 3) is how many innermost frames name a site.
 *
 * @module
 */

// deno-lint-ignore-file no-explicit-any
const layer = Deno.args[0] ?? "context";
const depth = Number(Deno.args[1] ?? 3);
const child = new Deno.Command(Deno.execPath(), {
  args: [
    "run",
    "-A",
    "--inspect-wait=127.0.0.1:9239",
    new URL("./alloc_layers.ts", import.meta.url).pathname,
    layer,
  ],
  stdout: "null",
  stderr: "piped",
}).spawn();
let wsUrl = "";
for (let i = 0; i < 50 && !wsUrl; i++) {
  await new Promise((r) => setTimeout(r, 200));
  try {
    const j = await (await fetch("http://127.0.0.1:9239/json")).json();
    wsUrl = j[0]?.webSocketDebuggerUrl ?? "";
  } catch { /* not yet */ }
}
const ws = new WebSocket(wsUrl);
await new Promise((r) => ws.onopen = r);
let id = 0;
const pending = new Map<number, (v: unknown) => void>();
ws.onmessage = (e) => {
  const m = JSON.parse(e.data);
  if (m.id && pending.has(m.id)) {
    pending.get(m.id)!(m.result);
    pending.delete(m.id);
  }
};
const call = (method: string, params = {}) =>
  new Promise<any>((r) => {
    const i = ++id;
    pending.set(i, r);
    ws.send(JSON.stringify({ id: i, method, params }));
  });
await call("Runtime.enable");
await call("HeapProfiler.enable");
await call("HeapProfiler.startSampling", {
  samplingInterval: 256,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
});
call("Runtime.runIfWaitingForDebugger");
await new Promise((r) => setTimeout(r, 6000));
const { profile } = await call("HeapProfiler.stopSampling");
const totals = new Map<string, number>();
const keyOf = new Map<number, string>();
const walk = (node: any, stack: string[]) => {
  const f = node.callFrame;
  const name = `${f.functionName || "(anon)"} ${f.url.split("/").slice(-2).join("/")}:${
    f.lineNumber + 1
  }`;
  const s = [...stack, name];
  keyOf.set(node.id, s.slice(-depth).join(" < "));
  if (node.selfSize > 0) {
    const key = s.slice(-depth).join(" < ");
    totals.set(key, (totals.get(key) ?? 0) + node.selfSize);
  }
  for (const c of node.children) walk(c, s);
};
walk(profile.head, []);
// The sizes of the sampled objects at each site tell what they are: 16 bytes
// is a heap number, 56 to 72 a typed-array view, and so on.
const sizes = new Map<string, Map<number, number>>();
for (const sample of profile.samples ?? []) {
  const key = keyOf.get(sample.nodeId) ?? "?";
  const m = sizes.get(key) ?? new Map<number, number>();
  m.set(sample.size, (m.get(sample.size) ?? 0) + 1);
  sizes.set(key, m);
}
for (const [k, v] of [...totals].sort((a, b) => b[1] - a[1]).slice(0, 24)) {
  const bySize = [...(sizes.get(k) ?? [])].sort((a, b) => b[1] - a[1]).slice(0, 4)
    .map(([size, n]) => `${n}x${size}B`).join(" ");
  console.log((v / 1e6).toFixed(2).padStart(7), "MB", k.slice(0, 200), bySize ? `[${bySize}]` : "");
}
ws.close();
child.kill();
await child.status;
