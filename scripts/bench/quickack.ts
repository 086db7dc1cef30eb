/**
 * A request/response exchange with Nagle on: the client writes its request in
 * two parts (write, write, read), as a client with Nagle on and no
 * TCP_NODELAY does, and the server answers once it has both. Nagle holds the
 * second part until the first is acknowledged, so the exchange takes as long
 * as the server takes to acknowledge a lone small segment: at once in
 * quick-ACK mode, the delayed-ACK time (40 ms) otherwise.
 *
 * Two patterns, on two stacks on the in-memory network (system clock):
 * - `first`: a new connection per exchange (the first data of a connection);
 * - `after idle`: one connection, an exchange every 1.2 s (an idle gap
 *   longer than the RTO puts the receiver back in quick-ACK mode).
 *
 * Run: `deno run -A scripts/bench/quickack.ts [EXCHANGES]` (default 20).
 * Prints the median and maximum exchange time of each. It asserts nothing.
 *
 * @module
 */

import { createStack, MemoryNetwork, type TcpConn } from "../../mod.ts";

const exchanges = Number(Deno.args[0] ?? 20);
const enc = new TextEncoder();

const network = new MemoryNetwork({ clock: "system" });
await using server = createStack({ network, address: "10.0.0.2/24" });
await using client = createStack({ network, address: "10.0.0.1/24" });
const listener = server.listen({ port: 7 });

// The server: reads 10-byte requests, answers each with 10 bytes.
const serving = (async () => {
  for await (const conn of listener) {
    (async () => {
      const buf = new Uint8Array(64);
      let have = 0;
      for (;;) {
        const n = await conn.read(buf.subarray(have));
        if (n === null) break;
        have += n;
        while (have >= 10) {
          await conn.write(enc.encode("response!\n"));
          buf.copyWithin(0, 10, have);
          have -= 10;
        }
      }
      conn.close();
    })().catch(() => {});
  }
})();

async function exchange(conn: TcpConn): Promise<number> {
  const start = performance.now();
  await conn.write(enc.encode("HEAD")); // first part
  // The first part leaves before the second is written (a kernel sends at the
  // write; this stack at its next poll, 1 ms away at most).
  await new Promise((r) => setTimeout(r, 1));
  await conn.write(enc.encode("-body\n")); // second part: Nagle holds it
  const buf = new Uint8Array(10);
  let got = 0;
  while (got < 10) {
    const n = await conn.read(buf.subarray(got));
    if (n === null) throw new Error("closed");
    got += n;
  }
  return performance.now() - start;
}

function report(name: string, ms: number[]): void {
  const sorted = [...ms].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  console.log(
    `${name}: median ${median.toFixed(2)} ms, max ${sorted.at(-1)!.toFixed(2)} ms (${ms.length})`,
  );
}

const first: number[] = [];
for (let i = 0; i < exchanges; i++) {
  const conn = await client.connect({ hostname: "10.0.0.2", port: 7 });
  conn.setNoDelay(false);
  first.push(await exchange(conn));
  conn.close();
}
report("first exchange of a connection, Nagle on", first);

const idle: number[] = [];
const conn = await client.connect({ hostname: "10.0.0.2", port: 7 });
conn.setNoDelay(false);
await exchange(conn);
for (let i = 0; i < Math.min(exchanges, 8); i++) {
  await new Promise((r) => setTimeout(r, 1200));
  idle.push(await exchange(conn));
}
report("exchange after 1.2 s idle, Nagle on", idle);
conn.close();
listener.close();
await serving;
