import assert from "node:assert/strict";
import { mtcp_create_context, mtcp_destroy, mtcp_init } from "../api/mtcp.ts";
import { MemoryNetwork } from "../phy/memory.ts";
import { runTcpServer, type ServerHandler } from "./tcp_server.ts";
import { tcpExchange } from "./tcp_client.ts";

const enc = new TextEncoder();

Deno.test("a streamed source goes out through the send buffer, and one that throws ends its connection after what it gave", async () => {
  assert.equal(mtcp_init({ num_cores: 2 }), 0);
  try {
    const network = new MemoryNetwork({ clock: "system" }); // a hang would end in the timeout
    const server = mtcp_create_context(0, { network, address: "10.0.0.2/24" })!;
    const client = mtcp_create_context(1, { network, address: "10.0.0.1/24" })!;
    const closed: string[] = [];
    // "ok" streams 200 KB in 7-byte reads; "bad" gives 4 bytes, then fails.
    const handler: ServerHandler = {
      onData(c, data) {
        const which = new TextDecoder().decode(data);
        c.send(enc.encode(`${which}:`));
        let left = which === "ok" ? 200_000 : 4;
        c.stream({
          read(into) {
            if (left === 0 && which === "bad") throw new Error("the disk went away");
            const n = Math.min(7, into.length, left);
            into.fill(0x61, 0, n);
            left -= n;
            return n;
          },
          close() {
            closed.push(which);
          },
        });
        if (which === "ok") c.end();
      },
    };
    const abort = new AbortController();
    const serving = runTcpServer(server, 80, handler, { signal: abort.signal });
    const ok = await tcpExchange(client, server.iface.address, 80, enc.encode("ok"));
    assert.equal(ok.length, 3 + 200_000);
    assert.equal(new TextDecoder().decode(ok.subarray(0, 3)), "ok:");
    assert.ok(ok.subarray(3).every((b) => b === 0x61));
    // The failing source: the peer gets what came before, then the end (no hang).
    let timer: ReturnType<typeof setTimeout> | undefined;
    const bad = await Promise.race([
      tcpExchange(client, server.iface.address, 80, enc.encode("bad"), { timeoutMs: 5000 }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("the connection did not end")), 10_000);
      }),
    ]).finally(() => clearTimeout(timer));
    assert.equal(new TextDecoder().decode(bad), "bad:aaaa");
    assert.deepEqual(closed.sort(), ["bad", "ok"], "each source closed once");
    abort.abort();
    await serving;
  } finally {
    mtcp_destroy();
  }
});
