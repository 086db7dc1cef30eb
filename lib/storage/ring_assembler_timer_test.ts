import assert from "node:assert/strict";
import { prng } from "../../tests/_support/fixtures.ts";
import { Assembler } from "./assembler.ts";
import { RingBuffer } from "./ring_buffer.ts";
import { TimerWheel } from "./timer_wheel.ts";

Deno.test("RingBuffer keeps byte order across many wraps", () => {
  const ring = new RingBuffer(new Uint8Array(97));
  const rand = prng(4);
  let written = 0;
  let read = 0;
  const out = new Uint8Array(200);
  const src = new Uint8Array(200);
  for (let round = 0; round < 2000; round++) {
    const n = Math.floor(rand() * 60);
    for (let i = 0; i < n; i++) src[i] = (written + i) & 0xff;
    written += ring.enqueue(src, 0, n);
    const m = ring.dequeue(out, 0, Math.floor(rand() * 60));
    for (let i = 0; i < m; i++) assert.equal(out[i], (read + i) & 0xff);
    read += m;
    assert.equal(ring.length, written - read);
  }
});

Deno.test("RingBuffer peeks at an offset without consuming, and refuses past capacity", () => {
  const ring = new RingBuffer(new Uint8Array(10));
  assert.equal(ring.enqueue(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]), 0, 12), 10);
  const out = new Uint8Array(4);
  assert.equal(ring.peek(6, out, 0, 10), 4);
  assert.deepEqual([...out], [7, 8, 9, 10]);
  assert.equal(ring.peek(10, out, 0, 1), 0);
  ring.discard(3);
  assert.equal(ring.window, 3);
  assert.equal(ring.length, 7);
});

Deno.test("RingBuffer stores out-of-order data past the end until committed", () => {
  const ring = new RingBuffer(new Uint8Array(16));
  ring.enqueue(new Uint8Array([1, 2]), 0, 2);
  assert.equal(ring.writeUnallocated(3, new Uint8Array([9, 9]), 0, 2), 2);
  assert.equal(ring.length, 2);
  ring.writeUnallocated(0, new Uint8Array([3, 4, 5]), 0, 3);
  ring.commit(5);
  const out = new Uint8Array(7);
  ring.dequeue(out, 0, 7);
  assert.deepEqual([...out], [1, 2, 3, 4, 5, 9, 9]);
  assert.equal(ring.writeUnallocated(20, new Uint8Array(1), 0, 1), 0);
});

Deno.test("RingBuffer.enqueueFrom fills the free space in place, in two views across the wrap, and stops at a short count", () => {
  const ring = new RingBuffer(new Uint8Array(10));
  const out = new Uint8Array(10);
  ring.enqueue(new Uint8Array(7), 0, 7);
  ring.dequeue(out, 0, 7); // the next write starts at 7: 3 bytes before the wrap
  let next = 0;
  const views: number[] = [];
  const counting = (into: Uint8Array) => {
    views.push(into.length);
    for (let i = 0; i < into.length; i++) into[i] = next++;
    return into.length;
  };
  assert.equal(ring.enqueueFrom(counting, 8), 8);
  assert.deepEqual(views, [3, 5]);
  assert.equal(ring.dequeue(out, 0, 10), 8);
  assert.deepEqual([...out.subarray(0, 8)], [0, 1, 2, 3, 4, 5, 6, 7]);
  // A full ring takes nothing and does not call fill; a short count ends the append.
  ring.enqueue(new Uint8Array(10), 0, 10);
  assert.equal(ring.enqueueFrom(() => assert.fail("called on a full ring"), 5), 0);
  ring.clear();
  let calls = 0;
  assert.equal(ring.enqueueFrom(() => (calls++, 2), 10), 2);
  assert.equal(calls, 1);
  assert.equal(ring.length, 2);
  // A fill that claims more than its view is held to the view.
  ring.clear();
  assert.equal(ring.enqueueFrom((into) => into.length + 100, 4), 4);
  assert.equal(ring.length, 4);
});

Deno.test("Assembler merges ranges, hands over the contiguous front, and bounds its holes", () => {
  const a = new Assembler(3);
  assert.ok(a.add(10, 5));
  assert.ok(a.add(20, 5));
  assert.ok(a.add(30, 5));
  assert.ok(!a.add(40, 5), "a fourth hole is refused");
  assert.ok(a.add(15, 5), "filling the gap between two ranges merges them");
  assert.equal(a.count, 2);
  assert.deepEqual([a.startOf(0), a.endOf(0)], [10, 25]);
  assert.equal(a.recent, 0);
  assert.equal(a.removeFront(), 0, "a hole is still at the front");
  a.add(0, 10);
  assert.equal(a.removeFront(), 25);
  assert.deepEqual([a.startOf(0), a.endOf(0)], [5, 10]);
  a.advance(7);
  assert.deepEqual([a.startOf(0), a.endOf(0)], [0, 3]);
  a.advance(3);
  assert.ok(a.isEmpty);
});

Deno.test("Assembler agrees with a bitmap on random segments", () => {
  const rand = prng(12);
  for (let trial = 0; trial < 200; trial++) {
    const a = new Assembler(64);
    const seen = new Uint8Array(300);
    for (let k = 0; k < 30; k++) {
      const off = Math.floor(rand() * 250);
      const len = 1 + Math.floor(rand() * 40);
      if (a.add(off, len)) seen.fill(1, off, Math.min(300, off + len));
    }
    const bitmap = new Uint8Array(300);
    for (let i = 0; i < a.count; i++) bitmap.fill(1, a.startOf(i), Math.min(300, a.endOf(i)));
    assert.deepEqual(bitmap, seen);
    for (let i = 1; i < a.count; i++) {
      assert.ok(a.startOf(i) > a.endOf(i - 1), "ranges sorted and apart");
    }
  }
});

Deno.test("TimerWheel fires each id once at its tick, across laps, and cancels", () => {
  const wheel = new TimerWheel(100, 0, 1, 16);
  wheel.schedule(1, 5);
  wheel.schedule(2, 5.5);
  wheel.schedule(3, 40); // two laps of a 16-slot wheel ahead
  wheel.schedule(4, 7);
  wheel.cancel(4);
  wheel.schedule(5, 7);
  wheel.schedule(5, 9); // rescheduled
  assert.equal(wheel.nextDue(), 5);
  const out: number[] = [];
  wheel.expire(5, out);
  assert.deepEqual(out, [1]);
  assert.equal(wheel.nextDue(), 6, "5.5 fires at the tick boundary 6");
  wheel.expire(8.9, out);
  assert.deepEqual(out, [1, 2]);
  wheel.expire(9, out);
  assert.deepEqual(out, [1, 2, 5]);
  assert.equal(wheel.nextDue(), 40);
  wheel.expire(39, out);
  assert.equal(out.length, 3, "a later lap does not fire early");
  wheel.expire(1000, out);
  assert.deepEqual(out, [1, 2, 5, 3]);
  assert.equal(wheel.size, 0);
  assert.equal(wheel.nextDue(), Infinity);
});

Deno.test("TimerWheel agrees with a sorted list on random schedules", () => {
  const rand = prng(99);
  const wheel = new TimerWheel(500, 0, 1, 64);
  const due = new Map<number, number>();
  let now = 0;
  const fired: number[] = [];
  for (let step = 0; step < 3000; step++) {
    const id = Math.floor(rand() * 500);
    if (rand() < 0.2) {
      wheel.cancel(id);
      due.delete(id);
    } else {
      const t = now + rand() * 300;
      wheel.schedule(id, t);
      due.set(id, t);
    }
    now += rand() * 5;
    fired.length = 0;
    wheel.expire(now, fired);
    for (const id of fired) {
      assert.ok(Math.ceil(due.get(id)!) <= Math.floor(now), `id ${id} fired early`);
      due.delete(id);
    }
    for (const [id, t] of due) {
      assert.ok(Math.ceil(t) > Math.floor(now), `id ${id} (due ${t}) missed at ${now}`);
    }
  }
});

Deno.test("RingBuffer keeps out-of-order data in place when the readable part empties", () => {
  const ring = new RingBuffer(new Uint8Array(16));
  ring.enqueue(new Uint8Array([1, 2, 3]), 0, 3);
  ring.writeUnallocated(2, new Uint8Array([6, 7]), 0, 2); // a gap of 2, then 6 7
  const out = new Uint8Array(8);
  assert.equal(ring.dequeue(out, 0, 3), 3); // the readable part is now empty
  ring.writeUnallocated(0, new Uint8Array([4, 5]), 0, 2); // the gap fills
  ring.commit(4);
  assert.equal(ring.dequeue(out, 0, 4), 4);
  assert.deepEqual([...out.subarray(0, 4)], [4, 5, 6, 7]);
});
