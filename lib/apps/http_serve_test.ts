import assert from "node:assert/strict";
import { createStack, type NetStack } from "../api/deno_net.ts";
import { MemoryNetwork } from "../phy/memory.ts";
import { serveHttp } from "./http_serve.ts";

const enc = new TextEncoder();

/** Decodes a chunked body. */
function dechunk(b: Uint8Array): Uint8Array {
  const out: number[] = [];
  let i = 0;
  for (;;) {
    let j = i;
    while (!(b[j] === 13 && b[j + 1] === 10)) j++;
    const size = parseInt(new TextDecoder().decode(b.subarray(i, j)), 16);
    if (size === 0) return Uint8Array.from(out);
    for (let k = 0; k < size; k++) out.push(b[j + 2 + k]!);
    i = j + 2 + size + 2;
  }
}

async function exchange(client: NetStack, request: string | Uint8Array): Promise<string> {
  const conn = await client.connect({ hostname: "10.0.0.2", port: 8080 });
  const w = conn.writable.getWriter();
  await w.write(typeof request === "string" ? enc.encode(request) : request);
  w.releaseLock();
  return await new Response(conn.readable).text();
}

Deno.test("serveHttp: streamed chunked responses, Content-Length bodies, POST bodies both ways, keep-alive, 500", async () => {
  const network = new MemoryNetwork();
  await using server = createStack({ network, address: "10.0.0.2/24" });
  await using client = createStack({ network, address: "10.0.0.1/24" });
  await using _http = serveHttp(server, { port: 8080 }, async (req) => {
    const url = new URL(req.url);
    if (url.pathname === "/stream") {
      // A slow stream: each part comes a little later, so it goes out chunked.
      let i = 0;
      return new Response(
        new ReadableStream({
          async pull(c) {
            await new Promise((r) => setTimeout(r, 5));
            if (i++ < 3) c.enqueue(enc.encode(`part${i};`));
            else c.close();
          },
        }),
      );
    }
    if (url.pathname === "/echo") {
      return new Response(await req.arrayBuffer(), { headers: { "x-method": req.method } });
    }
    if (url.pathname === "/boom") throw new Error("handler failed");
    return new Response(`hello ${url.pathname}`);
  });

  const chunked = await exchange(
    client,
    "GET /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
  );
  assert.match(chunked, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(chunked, /transfer-encoding: chunked/i);
  assert.ok(
    chunked.endsWith("\r\n\r\n6\r\npart1;\r\n6\r\npart2;\r\n6\r\npart3;\r\n0\r\n\r\n"),
    chunked,
  );

  // A 1 MB POST body with Content-Length comes back whole.
  const body = new Uint8Array(1 << 20).map((_, i) => (i * 31) & 0xff);
  const head = enc.encode(
    `POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
  );
  const req = new Uint8Array(head.length + body.length);
  req.set(head);
  req.set(body, head.length);
  const conn = await client.connect({ hostname: "10.0.0.2", port: 8080 });
  const w = conn.writable.getWriter();
  void w.write(req).then(() => w.releaseLock());
  const reply = new Uint8Array(await new Response(conn.readable).arrayBuffer());
  const text = new TextDecoder("latin1").decode(reply);
  const start = text.indexOf("\r\n\r\n") + 4;
  // Longer than the read-ahead and without a Content-Length: streamed chunked.
  assert.match(text, /transfer-encoding: chunked/i);
  assert.match(text, /x-method: POST/);
  assert.deepEqual(dechunk(reply.subarray(start)), body);

  // A short buffered body gets its Content-Length.
  const hello = await exchange(client, "GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  assert.match(hello, /content-length: 8\r\n[\s\S]*\r\n\r\nhello \/x$/i);

  // A chunked request body, then a second request on the same connection.
  const two = await exchange(
    client,
    "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n" +
      "GET /second HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
  );
  assert.match(
    two,
    /content-length: 11\r\n[\s\S]*?hello worldHTTP\/1\.1 200 OK[\s\S]*hello \/second$/i,
  );

  const boom = await exchange(client, "GET /boom HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  assert.match(boom, /^HTTP\/1\.1 500 /);
  const bad = await exchange(client, "NONSENSE\r\n\r\n");
  assert.match(bad, /^HTTP\/1\.1 400 /);
});

Deno.test("listen/connect: SocketError codes, closeWrite half-close, AbortSignal, async iteration", async () => {
  const network = new MemoryNetwork();
  await using server = createStack({ network, address: "10.0.0.2/24" });
  await using client = createStack({ network, address: "10.0.0.1/24" });
  await assert.rejects(
    client.connect({ hostname: "10.0.0.2", port: 1 }),
    (e: Error & { code?: string }) => {
      assert.equal(e.name, "SocketError");
      assert.equal(e.code, "ECONNREFUSED");
      assert.equal(e.message, "Cannot connect to 10.0.0.2:1: connection refused");
      return true;
    },
  );
  const listener = server.listen({ port: 9 });
  assert.throws(
    () => server.listen({ port: 9 }),
    (e: Error & { code?: string }) => e.code === "EADDRINUSE",
  );
  const aborted = new AbortController();
  aborted.abort(new Error("stop"));
  await assert.rejects(
    client.connect({ hostname: "10.0.0.2", port: 9, signal: aborted.signal }),
    /stop/,
  );
  const served = (async () => {
    for await (const conn of listener) {
      // Read to the end (the client's closeWrite), then answer and close.
      const got = await new Response(conn.readable).text();
      const w = conn.writable.getWriter();
      await w.write(enc.encode(`got ${got.length}`));
      await w.close();
      conn.close();
    }
  })();
  const conn = await client.connect({ hostname: "10.0.0.2", port: 9 });
  assert.equal(conn.remoteAddr.port, 9);
  await conn.write(enc.encode("half"));
  await conn.closeWrite();
  const answer = new Uint8Array(64);
  let text = "";
  for (let n = await conn.read(answer); n !== null; n = await conn.read(answer)) {
    text += new TextDecoder().decode(answer.subarray(0, n));
  }
  assert.equal(text, "got 4");
  conn.close();
  await assert.rejects(conn.read(answer), (e: Error & { code?: string }) => e.code === "EBADF");
  listener.close();
  await served; // the iteration ends when the listener closes
});
