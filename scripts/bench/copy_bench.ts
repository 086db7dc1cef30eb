/**
 * Ways to copy a 1514-byte frame between two buffers in JavaScript, the
 * numbers behind the copy choices in lib/storage/ring_buffer.ts and
 * lib/phy/memory.ts. Run with `deno task bench`.
 *
 * @module
 */

const N = 1514;
const src = new Uint8Array(4096).map((_, i) => i & 0xff);
const dst = new Uint8Array(1 << 20);
const rab = new ArrayBuffer(4096, { maxByteLength: 4096 });
const rabTracking = new Uint8Array(rab);
new Uint8Array(rab, 0, 4096).set(src);
const shared = new Uint8Array(1 << 21);
let at = 0;

Deno.bench({ name: "subarray + set (one short-lived view)", group: "copy", baseline: true }, () => {
  dst.set(src.subarray(0, N), at);
  at = (at + 2048) & 0xfffff;
});

Deno.bench({ name: "byte loop", group: "copy" }, () => {
  for (let i = 0; i < N; i++) dst[at + i] = src[i]!;
  at = (at + 2048) & 0xfffff;
});

Deno.bench({ name: "resizable ArrayBuffer with a length-tracking view", group: "copy" }, () => {
  rab.resize(N);
  dst.set(rabTracking, at);
  rab.resize(4096);
  at = (at + 2048) & 0xfffff;
});

Deno.bench({ name: "copyWithin inside one shared buffer", group: "copy" }, () => {
  shared.copyWithin((1 << 20) + at, 0, N);
  at = (at + 2048) & 0xfffff;
});
