import assert from "node:assert/strict";
import { prng } from "../../tests/_support/fixtures.ts";
import { FramePool } from "./frame_pool.ts";

Deno.test("FramePool hands out every slot once and reports exhaustion with -1", () => {
  const pool = new FramePool(4, 16);
  const slots = [pool.acquire(), pool.acquire(), pool.acquire(), pool.acquire()];
  assert.equal(new Set(slots).size, 4);
  assert.equal(pool.acquire(), -1);
  pool.release(slots[2]!);
  assert.equal(pool.acquire(), slots[2]);
  assert.equal(pool.inUse, 4);
});

Deno.test("FramePool releases frames by due time, FIFO among equal times", () => {
  const pool = new FramePool(64, 8);
  const rand = prng(3);
  const expected: [number, number][] = [];
  for (let i = 0; i < 64; i++) {
    const slot = pool.acquire();
    const due = Math.floor(rand() * 8);
    pool.bytes[pool.offsetOf(slot)] = i;
    pool.schedule(slot, 1, due);
    expected.push([due, i]);
  }
  expected.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  assert.equal(pool.takeDue(-1), -1, "nothing is due before time 0");
  const got: [number, number][] = [];
  for (let now = 0; now < 8; now++) {
    for (let slot = pool.takeDue(now); slot >= 0; slot = pool.takeDue(now)) {
      got.push([pool.dueOf(slot), pool.bytes[pool.offsetOf(slot)]!]);
      pool.release(slot);
    }
  }
  assert.deepEqual(got, expected);
  assert.equal(pool.nextDue(), Infinity);
  assert.equal(pool.inUse, 0);
});

Deno.test("FramePool rejects a nonsensical size", () => {
  assert.throws(() => new FramePool(0, 8), RangeError);
  assert.throws(() => new FramePool(8, 1.5), RangeError);
});
