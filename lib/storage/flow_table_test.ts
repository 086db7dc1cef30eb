import assert from "node:assert/strict";
import { prng } from "../../tests/_support/fixtures.ts";
import { FlowTable } from "./flow_table.ts";

Deno.test("FlowTable agrees with a Map under random inserts and deletes", () => {
  const table = new FlowTable(2000);
  const model = new Map<string, number>();
  const rand = prng(77);
  for (let step = 0; step < 50_000; step++) {
    const addr = (0x0a000000 + Math.floor(rand() * 50)) >>> 0;
    const rport = 1024 + Math.floor(rand() * 40);
    const lport = 80 + Math.floor(rand() * 2);
    const key = `${addr}:${rport}:${lport}`;
    if (rand() < 0.5) {
      const v = Math.floor(rand() * 1e6);
      if (model.size < 2000 || model.has(key)) {
        assert.ok(table.set(addr, rport, lport, v));
        model.set(key, v);
      }
    } else {
      assert.equal(table.delete(addr, rport, lport), model.delete(key));
    }
    if (step % 97 === 0) {
      for (const [k, v] of model) {
        const [a, r, l] = k.split(":").map(Number);
        assert.equal(table.get(a!, r!, l!), v);
      }
    }
    assert.equal(table.size, model.size);
  }
});

Deno.test("FlowTable refuses to fill past half its slots", () => {
  const table = new FlowTable(4); // 16 slots
  let ok = 0;
  for (let i = 0; i < 20; i++) if (table.set(1, i, 80, i)) ok++;
  assert.equal(ok, 8);
  assert.equal(table.get(1, 3, 80), 3);
  assert.equal(table.get(1, 15, 80), -1);
});
