import assert from "node:assert/strict";
import type { FrameSink } from "../iface/device.ts";
import { MAC_BROADCAST, putMac } from "../wire/address.ts";
import { FaultInjector } from "./fault.ts";
import { MemoryNetwork } from "./memory.ts";

class Collect implements FrameSink {
  readonly frames: Uint8Array[] = [];
  receiveFrame(_now: number, bytes: Uint8Array, offset: number, length: number): void {
    this.frames.push(bytes.slice(offset, offset + length));
  }
}

function pair(options: ConstructorParameters<typeof FaultInjector>[1]) {
  const net = new MemoryNetwork();
  const a = new FaultInjector(net.attach({ name: "a" }), options);
  const b = net.attach({ name: "b" });
  return { a, b };
}

function sendNumbered(dev: FaultInjector, n: number, at = 0) {
  for (let i = 0; i < n; i++) {
    const slot = dev.txAcquire(at, 64)!;
    putMac(slot.bytes, slot.offset, MAC_BROADCAST);
    putMac(slot.bytes, slot.offset + 6, 0x0200_0000_0001);
    slot.bytes.fill(0, slot.offset + 12, slot.offset + 64);
    slot.bytes[slot.offset + 20] = i >> 8;
    slot.bytes[slot.offset + 21] = i & 0xff;
    dev.txCommit(at, 64);
  }
  dev.flush(at);
}

const seqOf = (f: Uint8Array) => (f[20]! << 8) | f[21]!;

Deno.test("reorder lets the next frame overtake a held one, and only that", () => {
  const { a, b } = pair({ tx: { reorder: 0.3 }, seed: 5 });
  sendNumbered(a, 200);
  a.flush(100);
  const got = new Collect();
  b.receive(100, got, 1000);
  const seqs = got.frames.map(seqOf);
  assert.equal(seqs.length, 200);
  assert.deepEqual([...seqs].sort((x, y) => x - y), [...Array(200).keys()]);
  let swaps = 0;
  for (let i = 1; i < seqs.length; i++) if (seqs[i]! < seqs[i - 1]!) swaps++;
  // A held frame with no successor goes out in order once its hold time ends.
  assert.ok(swaps === a.txStats.reordered || swaps === a.txStats.reordered - 1, `${swaps} swaps`);
  assert.ok(swaps > 20);
});

Deno.test("duplicate delivers extra copies and loss drops, both counted", () => {
  const { a, b } = pair({ tx: { duplicate: 0.2, loss: 0.2 }, seed: 11 });
  sendNumbered(a, 500);
  const got = new Collect();
  b.receive(0, got, 2000);
  assert.equal(got.frames.length, 500 - a.txStats.lost + a.txStats.duplicated);
  assert.ok(a.txStats.lost > 50 && a.txStats.duplicated > 50);
});

Deno.test("corrupt flips exactly one bit past the Ethernet header", () => {
  const { a, b } = pair({ tx: { corrupt: 1 }, seed: 3 });
  sendNumbered(a, 50);
  const got = new Collect();
  b.receive(0, got, 100);
  for (const [i, f] of got.frames.entries()) {
    const clean = new Uint8Array(64);
    clean.set(f.subarray(0, 12));
    clean[20] = i >> 8;
    clean[21] = i & 0xff;
    let bits = 0;
    for (let k = 0; k < 64; k++) {
      let x = f[k]! ^ clean[k]!;
      if (x !== 0) assert.ok(k >= 14, `byte ${k} is inside the Ethernet header`);
      for (; x; x &= x - 1) bits++;
    }
    assert.equal(bits, 1);
  }
});

Deno.test("receive-side delay holds frames until due, and pollAt says when", () => {
  const net = new MemoryNetwork();
  const a = net.attach({ name: "a" });
  const b = new FaultInjector(net.attach({ name: "b" }), { rx: { delayMs: 5 } });
  const slot = a.txAcquire(0, 64)!;
  putMac(slot.bytes, slot.offset, MAC_BROADCAST);
  a.txCommit(0, 64);
  const got = new Collect();
  assert.equal(b.receive(0, got, 8), 0);
  assert.equal(b.pollAt(0), 5);
  assert.equal(b.receive(5, got, 8), 1);
});

Deno.test("impossible settings are a RangeError", () => {
  const net = new MemoryNetwork();
  assert.throws(
    () => new FaultInjector(net.attach({ name: "x" }), { tx: { loss: 2 } }),
    RangeError,
  );
  assert.throws(
    () => new FaultInjector(net.attach({ name: "y" }), { rx: { delayMs: -1 } }),
    RangeError,
  );
});
