import assert from "node:assert/strict";
import { staticHandler } from "./http_static.ts";
import { ServerConnection } from "./tcp_server.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/**
 * Feeds `requests` to a new connection of `h`; returns what it queued (files
 * streamed read to the end), as text, and whether the connection is ending.
 */
function exchange(h: ReturnType<typeof staticHandler>, requests: string): [string, boolean] {
  const c = new ServerConnection(3);
  h.onOpen?.(c);
  h.onData(c, enc.encode(requests));
  const parts = c.out.map((p) => {
    if (p instanceof Uint8Array) return dec.decode(p);
    // A streamed file: read it to the end, as the server loop would.
    const chunk = new Uint8Array(4096);
    let text = "";
    for (let n = p.read(chunk); n > 0; n = p.read(chunk)) text += dec.decode(chunk.subarray(0, n));
    p.close();
    return text;
  });
  return [parts.join(""), c.closing];
}

Deno.test("static files: a small file's whole response is kept per connection kind and rebuilt when the file changes", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/a.txt`, "first");
    // A fixed clock: the ready responses (their Date) last a second.
    const h = staticHandler(dir, { statCacheMs: 0, clock: () => 1_700_000_000_000 });
    const get11 = "GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n";

    // HTTP/1.1 kept alive, twice on one connection: identical answers, no Connection header.
    const [two, ended] = exchange(h, get11 + get11);
    assert.equal(ended, false);
    const answers = two.split("HTTP/1.1 200 OK\r\n").slice(1);
    assert.equal(answers.length, 2);
    assert.equal(answers[0], answers[1]);
    assert.match(
      answers[0]!,
      /^Server: mtcp-deno\r\nDate: [A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT\r\nContent-Type: text\/plain; charset=utf-8\r\n/,
    );
    assert.match(answers[0]!, /\r\nETag: "[0-9a-f]+-5"\r\n/);
    assert.match(answers[0]!, /\r\nLast-Modified: [A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} /);
    assert.match(answers[0]!, /\r\nContent-Length: 5\r\n\r\nfirst$/);
    assert.doesNotMatch(answers[0]!, /Connection:/);
    // The answer is one buffer, the same object each time: head and body kept together.
    const c1 = new ServerConnection(4), c2 = new ServerConnection(5);
    for (const c of [c1, c2]) {
      h.onOpen?.(c);
      h.onData(c, enc.encode(get11));
      assert.equal(c.out.length, 1);
    }
    assert.equal(c1.out[0], c2.out[0]);

    // Closed after the answer, and HTTP/1.0 kept alive: each says so.
    const [closed, closedEnded] = exchange(
      h,
      "GET /a.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert.equal(closedEnded, true);
    assert.match(closed, /\r\nConnection: close\r\n\r\nfirst$/);
    const [old, oldEnded] = exchange(h, "GET /a.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    assert.equal(oldEnded, false);
    assert.match(old, /\r\nConnection: keep-alive\r\n\r\nfirst$/);
    // A plain HTTP/1.0 request is answered and closed.
    const [plain10, plain10Ended] = exchange(h, "GET /a.txt HTTP/1.0\r\n\r\n");
    assert.equal(plain10Ended, true);
    assert.match(plain10, /\r\nConnection: close\r\n\r\nfirst$/);

    // HEAD and ranges do not take the kept response.
    const [head] = exchange(h, "HEAD /a.txt HTTP/1.1\r\nHost: x\r\n\r\n");
    assert.match(head, /\r\nContent-Length: 5\r\n\r\n$/);
    const [range] = exchange(h, "GET /a.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=1-2\r\n\r\n");
    assert.match(range, /^HTTP\/1.1 206 Partial Content\r\n/);
    assert.match(range, /\r\nContent-Range: bytes 1-2\/5\r\n/);
    assert.match(range, /\r\n\r\nir$/);

    // The file changes: the next answer has the new length and body.
    await Deno.writeTextFile(`${dir}/a.txt`, "second version");
    const [changed] = exchange(h, get11);
    assert.match(changed, /\r\nContent-Length: 14\r\n\r\nsecond version$/);
    assert.equal(h.stats.responses.get(200), 9);
    assert.equal(h.stats.responses.get(206), 1);

    // The same target through an encoded path and a dot segment is the same file.
    const [escaped] = exchange(h, "GET /./%61.txt HTTP/1.1\r\nHost: x\r\n\r\n");
    assert.match(escaped, /\r\n\r\nsecond version$/);
    const [escaping] = exchange(h, "GET /../a.txt HTTP/1.1\r\nHost: x\r\n\r\n");
    assert.match(escaping, /^HTTP\/1.1 404 Not Found\r\n/);

    // With caching off, every request reads the file: an edit of the same
    // size within the same second is served at once.
    const uncached = staticHandler(dir, { statCacheMs: 0, cacheFileBytes: 0 });
    const [before] = exchange(uncached, get11);
    assert.match(before, /\r\n\r\nsecond version$/);
    await Deno.writeTextFile(`${dir}/a.txt`, "SECOND VERSION");
    const [after] = exchange(uncached, get11);
    assert.match(after, /\r\n\r\nSECOND VERSION$/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("static files: the header timer runs from the connection's start (408 for a head under way), the keep-alive timer between requests", () => {
  let now = 1000;
  const h = staticHandler(undefined, {
    builtin: new Map([["/", enc.encode("page")]]),
    headerTimeoutMs: 20_000,
    keepaliveTimeoutMs: 30_000,
  });
  // Slowloris: a byte at a time never moves the header timer.
  const slow = new ServerConnection(3, () => now);
  h.onOpen?.(slow);
  assert.equal(slow.deadline, 21_000);
  for (const ch of "GET / HT") {
    now += 5000;
    h.onData(slow, enc.encode(ch));
    assert.equal(slow.deadline, 21_000, "still the first deadline");
  }
  h.onTimeout?.(slow);
  assert.match(dec.decode(slow.out[0] as Uint8Array), /^HTTP\/1\.1 408 Request Timeout\r\n/);
  assert.equal(slow.closing, true);
  assert.equal(h.stats.headerTimeouts, 1);
  // A kept-alive connection between requests gets the keep-alive timer, and
  // goes without a word when it runs out.
  const kept = new ServerConnection(4, () => now);
  h.onOpen?.(kept);
  h.onData(kept, enc.encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  assert.equal(kept.idle, true);
  assert.equal(kept.deadline, now + 30_000);
  kept.out.length = 0;
  h.onTimeout?.(kept);
  assert.equal(kept.out.length, 0, "no response to an idle connection");
  assert.equal(kept.closing, true);
  assert.equal(h.stats.keepaliveTimeouts, 1);
  // A connection that never sent a byte is closed at the header timeout, no 408.
  const silent = new ServerConnection(5, () => now);
  h.onOpen?.(silent);
  h.onTimeout?.(silent);
  assert.equal(silent.out.length, 0);
  assert.equal(silent.closing, true);
});

Deno.test("static files: a pipelining client is paused at maxPipelined queued responses, and one descriptor serves every stream of a file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/big.bin`, new Uint8Array(200_000).fill(7));
    const h = staticHandler(dir, { maxPipelined: 8, statCacheMs: 0 });
    const c = new ServerConnection(3);
    h.onOpen?.(c);
    h.onData(c, enc.encode("GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n".repeat(100)));
    assert.equal(c.paused, true);
    assert.equal(c.out.length, 8, "8 parts queued: 4 responses of a head and a stream each");
    assert.equal(h.openFiles, 1, "one descriptor for every stream of the file");
    assert.equal(h.stats.pipelinePauses, 1);
    // The loop sends what is queued, then lets the handler go on.
    let served = 0;
    while (c.paused || c.out.length > 0) {
      for (const item of c.out.splice(0)) {
        if (!(item instanceof Uint8Array)) {
          item.close();
          served++;
        }
      }
      c.paused = false;
      h.onDrain?.(c);
    }
    assert.equal(served, 100, "every request answered, 4 at a time");
    assert.equal(h.stats.responses.get(200), 100);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("static files: past maxOpenFiles a request gets 503, not 404; a descriptor freed is used again", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/a.bin`, new Uint8Array(100_000));
    await Deno.writeFile(`${dir}/b.bin`, new Uint8Array(100_000));
    const h = staticHandler(dir, { maxOpenFiles: 1, statCacheMs: 0 });
    const get = (path: string) => {
      const c = new ServerConnection(3);
      h.onOpen?.(c);
      h.onData(c, enc.encode(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`));
      return c;
    };
    const a = get("/a.bin");
    assert.match(dec.decode(a.out[0] as Uint8Array), /^HTTP\/1\.1 200 OK/);
    const b = get("/b.bin");
    assert.match(dec.decode(b.out[0] as Uint8Array), /^HTTP\/1\.1 503 Service Unavailable\r\n/);
    assert.match(dec.decode(b.out[0] as Uint8Array), /\r\nRetry-After: 1\r\n/);
    assert.equal(h.stats.fileLimit, 1);
    for (const item of a.out) if (!(item instanceof Uint8Array)) item.close();
    const again = get("/b.bin");
    assert.match(dec.decode(again.out[0] as Uint8Array), /^HTTP\/1\.1 200 OK/);
    assert.equal(h.openFiles, 1);
    for (const item of again.out) if (!(item instanceof Uint8Array)) item.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("static files: Date, ETag and Last-Modified; 304 for If-None-Match and If-Modified-Since; If-Range; 301 for a directory without its slash; autoindex; Cache-Control", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/a.txt`, "0123456789");
    await Deno.mkdir(`${dir}/sub`);
    await Deno.writeTextFile(`${dir}/sub/<b>&.txt`, "x");
    await Deno.mkdir(`${dir}/docs`);
    await Deno.writeTextFile(`${dir}/docs/index.html`, "docs");
    const h = staticHandler(dir, { statCacheMs: 0, autoindex: true, cacheControl: "max-age=60" });
    const ask = (req: string) => exchange(h, req)[0];
    const first = ask("GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n");
    const etag = /\r\nETag: ("[^"]+")\r\n/.exec(first)![1]!;
    const lastModified = /\r\nLast-Modified: ([^\r]+)\r\n/.exec(first)![1]!;
    assert.match(first, /\r\nDate: [^\r]+ GMT\r\n/);
    assert.match(first, /\r\nCache-Control: max-age=60\r\n/);
    // If-None-Match, weak comparison, a list, or *: 304 with the validators, no body.
    for (const inm of [etag, `W/${etag}`, `"nope", ${etag}`, "*"]) {
      const r = ask(`GET /a.txt HTTP/1.1\r\nHost: x\r\nIf-None-Match: ${inm}\r\n\r\n`);
      assert.match(r, /^HTTP\/1\.1 304 Not Modified\r\n/, inm);
      assert.ok(r.includes(`\r\nETag: ${etag}\r\n`));
      assert.ok(r.endsWith("\r\n\r\n"), "no body");
      assert.doesNotMatch(r, /Content-Length/);
    }
    assert.match(
      ask(`GET /a.txt HTTP/1.1\r\nHost: x\r\nIf-None-Match: "other"\r\n\r\n`),
      /^HTTP\/1\.1 200 OK/,
    );
    // If-Modified-Since: the same second or later is 304; earlier is 200; If-None-Match wins.
    assert.match(
      ask(`GET /a.txt HTTP/1.1\r\nHost: x\r\nIf-Modified-Since: ${lastModified}\r\n\r\n`),
      /^HTTP\/1\.1 304/,
    );
    assert.match(
      ask(
        `GET /a.txt HTTP/1.1\r\nHost: x\r\nIf-Modified-Since: Thu, 01 Jan 1970 00:00:00 GMT\r\n\r\n`,
      ),
      /^HTTP\/1\.1 200/,
    );
    assert.match(
      ask(
        `GET /a.txt HTTP/1.1\r\nHost: x\r\nIf-None-Match: "other"\r\nIf-Modified-Since: ${lastModified}\r\n\r\n`,
      ),
      /^HTTP\/1\.1 200/,
    );
    // If-Range: a matching strong tag keeps the range; another sends it all.
    assert.match(
      ask(`GET /a.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=2-4\r\nIf-Range: ${etag}\r\n\r\n`),
      /^HTTP\/1\.1 206[\s\S]*\r\n\r\n234$/,
    );
    assert.match(
      ask(`GET /a.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=2-4\r\nIf-Range: "old"\r\n\r\n`),
      /^HTTP\/1\.1 200[\s\S]*\r\n\r\n0123456789$/,
    );
    // A directory without its slash: 301 to it, the query kept.
    const moved = ask("GET /docs?x=1 HTTP/1.1\r\nHost: x\r\n\r\n");
    assert.match(moved, /^HTTP\/1\.1 301 Moved Permanently\r\n/);
    assert.match(moved, /\r\nLocation: \/docs\/\?x=1\r\n/);
    assert.match(ask("GET /docs/ HTTP/1.1\r\nHost: x\r\n\r\n"), /\r\n\r\ndocs$/);
    // autoindex: names escaped, with sizes.
    const listing = ask("GET /sub/ HTTP/1.1\r\nHost: x\r\n\r\n");
    assert.match(listing, /^HTTP\/1\.1 200 OK[\s\S]*Content-Type: text\/html; charset=utf-8/);
    assert.ok(listing.includes("&#60;b&#62;&#38;.txt</a>"), listing);
    assert.ok(listing.includes('href="%3Cb%3E%26.txt"'), listing);
    assert.doesNotMatch(listing, /<b>&/);
    assert.match(listing, /\.txt<\/a> \d{4}-\d\d-\d\d \d\d:\d\d:\d\d 1\n/);
    // Without autoindex, a directory with no index is 404.
    const plain = staticHandler(dir, { statCacheMs: 0 });
    assert.match(exchange(plain, "GET /sub/ HTTP/1.1\r\nHost: x\r\n\r\n")[0], /^HTTP\/1\.1 404/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("static files: every response reaches the access log with its request, status and body bytes", () => {
  const entries: import("./logs.ts").AccessEntry[] = [];
  const h = staticHandler(undefined, {
    builtin: new Map([["/", enc.encode("page")]]),
    onAccess: (e) => entries.push(e),
  });
  const c = new ServerConnection(3);
  c.peer = "10.0.0.1";
  h.onOpen?.(c);
  h.onData(
    c,
    enc.encode(
      "GET /?q HTTP/1.1\r\nHost: x\r\nUser-Agent: t/1\r\nReferer: http://r/\r\n\r\n" +
        "HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET /missing HTTP/1.1\r\nHost: x\r\n\r\nBAD\r\n\r\n",
    ),
  );
  assert.deepEqual(entries.map((e) => [e.request, e.status, e.bytes]), [
    ["GET /?q HTTP/1.1", 200, 4],
    ["HEAD / HTTP/1.1", 200, 0],
    ["GET /missing HTTP/1.1", 404, 14],
    ["-", 400, 16],
  ]);
  assert.deepEqual([entries[0]!.remote, entries[0]!.userAgent, entries[0]!.referer], [
    "10.0.0.1",
    "t/1",
    "http://r/",
  ]);
});
