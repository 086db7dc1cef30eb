import assert from "node:assert/strict";
import { Arena, copyBytes } from "./arena.ts";

Deno.test("Arena hands out aligned, disjoint views of one buffer until it is full", () => {
  const arena = new Arena(1 << 17);
  const a = arena.alloc(10)!;
  a.fill(1);
  const b = arena.alloc(100_000)!;
  b.fill(2);
  assert.equal(a.byteOffset % 8, 0);
  assert.equal(b.byteOffset % 8, 0);
  assert.ok(b.byteOffset >= a.byteOffset + 10);
  assert.ok(a.every((x) => x === 1), "disjoint");
  assert.equal(a.buffer, b.buffer);
  assert.equal(arena.alloc(1 << 16), undefined, "full");
});

Deno.test("copyBytes copies within one buffer and between buffers, at any offsets", () => {
  const arena = new Arena(1 << 16);
  const x = arena.alloc(2000)!;
  const y = arena.alloc(2000)!;
  for (let i = 0; i < 2000; i++) x[i] = i & 0xff;
  copyBytes(x, 3, y, 7, 1500);
  for (let i = 0; i < 1500; i++) assert.equal(y[7 + i], (3 + i) & 0xff);
  const z = new Uint8Array(2000);
  copyBytes(x, 5, z, 1, 20);
  copyBytes(x, 100, z, 50, 700);
  assert.equal(z[1], 5);
  assert.equal(z[50], 100);
  assert.equal(z[749], (799) & 0xff);
});
