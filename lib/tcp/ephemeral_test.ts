import assert from "node:assert/strict";
import { EPHEMERAL_RANGE, EphemeralPorts } from "./ephemeral.ts";

const L = 0x0a000001;
const R = 0x0a000002;

Deno.test("RFC 6056 ports: one destination walks every port of the range once before repeating", () => {
  const ports = new EphemeralPorts(3, 1000, 1099);
  const seen = new Set<number>();
  for (let i = 0; i < 100; i++) seen.add(ports.pick(L, R, 80, () => true));
  assert.equal(seen.size, 100);
  assert.ok([...seen].every((p) => p >= 1000 && p <= 1099));
});

Deno.test("RFC 6056 ports: the start depends on the key and on the destination, and unusable ports are skipped", () => {
  const firsts = new Set<number>();
  for (let seed = 0; seed < 20; seed++) {
    firsts.add(new EphemeralPorts(seed).pick(L, R, 80, () => true));
  }
  assert.ok(firsts.size >= 18, "a new key (a new process) starts elsewhere");
  const one = new EphemeralPorts(9);
  const toA = new EphemeralPorts(9).pick(L, R, 80, () => true);
  const toB = one.pick(L, R, 443, () => true);
  assert.notEqual(toA, toB, "another destination, another offset");
  const [min, max] = EPHEMERAL_RANGE;
  assert.deepEqual([min, max], [32768, 60999]);
  const busy = new Set([toA, toA + 1, toA + 2]);
  const got = new EphemeralPorts(9).pick(L, R, 80, (p) => !busy.has(p));
  assert.equal(got, toA + 3 > max ? min + (toA + 3 - max - 1) : toA + 3);
  assert.equal(new EphemeralPorts(9, 10, 19).pick(L, R, 80, () => false), -1);
});
