import assert from "node:assert/strict";
import {
  seqAdd,
  seqGe,
  seqGt,
  seqInRange,
  seqLe,
  seqLt,
  seqMax,
  seqMin,
  seqSub,
} from "./seq_number.ts";

const NEAR_WRAP = 0xffff_fff0;

Deno.test("seqAdd() wraps modulo 2^32", () => {
  assert.equal(seqAdd(NEAR_WRAP, 0x20), 0x10);
  assert.equal(seqAdd(0x10, -0x20), NEAR_WRAP);
  assert.equal(seqAdd(0xffff_ffff, 1), 0);
});

Deno.test("comparisons hold across the 2^32 wrap", () => {
  const after = seqAdd(NEAR_WRAP, 100);
  assert.ok(seqLt(NEAR_WRAP, after));
  assert.ok(seqLe(NEAR_WRAP, after));
  assert.ok(seqGt(after, NEAR_WRAP));
  assert.ok(seqGe(after, NEAR_WRAP));
  assert.ok(!seqLt(after, NEAR_WRAP));
  assert.ok(seqLe(after, after) && seqGe(after, after) && !seqLt(after, after));
  assert.equal(seqSub(after, NEAR_WRAP), 100);
  assert.equal(seqSub(NEAR_WRAP, after), -100);
  assert.equal(seqMax(NEAR_WRAP, after), after);
  assert.equal(seqMin(NEAR_WRAP, after), NEAR_WRAP);
});

Deno.test("seqInRange() is half-open and wraps", () => {
  const start = NEAR_WRAP;
  const end = seqAdd(start, 0x40);
  assert.ok(seqInRange(start, start, end));
  assert.ok(seqInRange(0x5, start, end));
  assert.ok(!seqInRange(end, start, end));
  assert.ok(!seqInRange(seqAdd(start, -1), start, end));
  assert.ok(!seqInRange(start, start, start));
});

Deno.test("numbers just under 2^31 apart compare by direction of travel", () => {
  const a = 5;
  assert.ok(seqLt(a, seqAdd(a, 0x7fff_ffff)));
  assert.ok(seqGt(a, seqAdd(a, 0x8000_0001)));
});
