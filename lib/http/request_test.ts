import assert from "node:assert/strict";
import {
  DEFAULT_HTTP_LIMITS,
  HttpError,
  parseChunkSize,
  RequestHead,
  RequestParser,
} from "./request.ts";

const enc = new TextEncoder();

function parseOne(text: string): RequestHead | HttpError | undefined {
  const p = new RequestParser();
  p.feed(enc.encode(text));
  return p.next();
}

function status(text: string): number {
  const r = parseOne(text);
  if (r instanceof HttpError) return r.status;
  return r === undefined ? 0 : 200;
}

Deno.test("http parser: a simple GET, fields lower-cased and trimmed", () => {
  const h = parseOne("GET /a/b?c=1 HTTP/1.1\r\nHost: example\r\nX-Thing:  two words \t\r\n\r\n");
  assert.ok(h instanceof RequestHead);
  assert.equal(h.method, "GET");
  assert.equal(h.target, "/a/b?c=1");
  assert.equal(h.path, "/a/b?c=1");
  assert.equal(h.http10, false);
  assert.equal(h.host, "example");
  assert.equal(h.get("x-thing"), "two words");
  assert.equal(h.keepAlive, true);
  assert.equal(h.contentLength, -1);
  assert.equal(h.hasBody, false);
});

Deno.test("http parser: keep-alive by version and Connection tokens (RFC 9112 §9.3)", () => {
  const ka = (t: string) => (parseOne(t) as RequestHead).keepAlive;
  assert.equal(ka("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), true);
  assert.equal(ka("GET / HTTP/1.1\r\nHost: a\r\nConnection: Close\r\n\r\n"), false);
  assert.equal(ka("GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade, close\r\n\r\n"), false);
  assert.equal(ka("GET / HTTP/1.1\r\nHost: a\r\nConnection: closed\r\n\r\n"), true);
  assert.equal(ka("GET / HTTP/1.0\r\n\r\n"), false);
  assert.equal(ka("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"), true);
  assert.equal(ka("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n"), false);
});

Deno.test("http parser: Host rules (RFC 9112 §3.2)", () => {
  assert.equal(status("GET / HTTP/1.1\r\n\r\n"), 400);
  assert.equal(status("GET / HTTP/1.0\r\n\r\n"), 200);
  assert.equal(status("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), 400);
  assert.equal(status("GET / HTTP/1.1\r\nHost: a b\r\n\r\n"), 400);
  assert.equal(status("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n"), 400);
  assert.equal(status("GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n"), 200);
  // Absolute form: the target's authority is the host, its path the path.
  const abs = parseOne("GET http://h.example:8/x?y HTTP/1.1\r\nHost: other\r\n\r\n") as RequestHead;
  assert.equal(abs.host, "h.example:8");
  assert.equal(abs.path, "/x?y");
  assert.equal((parseOne("GET http://h HTTP/1.1\r\n\r\n") as RequestHead).path, "/");
});

Deno.test("http parser: request line and version (RFC 9112 §3, RFC 9110 §6.2)", () => {
  assert.equal(status("GET  / HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
  assert.equal(status("GET / HTTP/1.1 \r\nHost: a\r\n\r\n"), 400);
  assert.equal(status("GET /\r\nHost: a\r\n\r\n"), 400);
  assert.equal(status("G(T / HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
  assert.equal(status("GET / HTTP/1\r\nHost: a\r\n\r\n"), 400);
  assert.equal(status("GET / http/1.1\r\nHost: a\r\n\r\n"), 400);
  assert.equal(status("GET / HTTP/2.0\r\nHost: a\r\n\r\n"), 505);
  assert.equal(status("GET / HTTP/0.9\r\nHost: a\r\n\r\n"), 505);
  const later = parseOne("GET / HTTP/1.7\r\nHost: a\r\n\r\n") as RequestHead;
  assert.equal(later.http10, false); // served as 1.1
  // Empty lines before the request line are skipped (RFC 9112 §2.2).
  assert.equal((parseOne("\r\n\r\nGET /z HTTP/1.1\r\nHost: a\r\n\r\n") as RequestHead).path, "/z");
});

Deno.test("http parser: field syntax: obs-fold, space before colon, bare CR/LF, NUL", () => {
  assert.equal(status("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n  folded\r\n\r\n"), 400);
  assert.equal(status("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n\tfolded\r\n\r\n"), 400);
  assert.equal(status("GET / HTTP/1.1\r\nHost : a\r\n\r\n"), 400);
  assert.equal(status("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n"), 400);
  assert.equal(status("GET / HTTP/1.1\r\nHost: a\r\n: empty\r\n\r\n"), 400);
  assert.equal(status("GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n"), 400);
  assert.equal(status("GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n"), 400);
  assert.equal(status("GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n"), 400);
  assert.equal(status("GET /a\nb HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
  assert.equal(status("GET / HTTP/1.1\r\nHost: a\r\nX: a\r\r\n\r\n"), 400);
});

Deno.test("http parser: message framing and smuggling cases (RFC 9112 §6)", () => {
  const base = "POST / HTTP/1.1\r\nHost: a\r\n";
  assert.equal((parseOne(base + "Content-Length: 12\r\n\r\n") as RequestHead).contentLength, 12);
  assert.equal((parseOne(base + "Content-Length: 3, 3\r\n\r\n") as RequestHead).contentLength, 3);
  assert.equal(status(base + "Content-Length: 3, 4\r\n\r\n"), 400);
  assert.equal(status(base + "Content-Length: 3\r\nContent-Length: 4\r\n\r\n"), 400);
  assert.equal(status(base + "Content-Length: -1\r\n\r\n"), 400);
  assert.equal(status(base + "Content-Length: 0x10\r\n\r\n"), 400);
  assert.equal(status(base + "Content-Length: 1 2\r\n\r\n"), 400);
  assert.equal(status(base + "Content-Length: 99999999999999999999\r\n\r\n"), 400);
  // CL.TE and TE.CL: both framings at once are refused.
  assert.equal(status(base + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"), 400);
  assert.equal(status(base + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"), 400);
  const chunked = parseOne(base + "Transfer-Encoding: Chunked\r\n\r\n") as RequestHead;
  assert.equal(chunked.chunked, true);
  assert.equal(chunked.hasBody, true);
  assert.equal(status(base + "Transfer-Encoding: chunked, chunked\r\n\r\n"), 400);
  assert.equal(
    status(base + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"),
    400,
  );
  assert.equal(status(base + "Transfer-Encoding: gzip\r\n\r\n"), 400);
  assert.equal(status(base + "Transfer-Encoding: chunked, gzip\r\n\r\n"), 400);
  assert.equal(status(base + "Transfer-Encoding: gzip, chunked\r\n\r\n"), 501);
  assert.equal(status(base + "Transfer-Encoding: xchunked\r\n\r\n"), 400);
  assert.equal(status("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"), 400);
});

Deno.test("http parser: limits give 414 and 431, complete or still arriving", () => {
  const long = "/" + "a".repeat(DEFAULT_HTTP_LIMITS.maxRequestLine);
  assert.equal(status(`GET ${long} HTTP/1.1\r\nHost: a\r\n\r\n`), 414);
  assert.equal(status(`GET ${long}`), 414); // still arriving
  const many = "X: 1\r\n".repeat(DEFAULT_HTTP_LIMITS.maxHeaders);
  assert.equal(status(`GET / HTTP/1.1\r\nHost: a\r\n${many}\r\n`), 431);
  const big = `X: ${"b".repeat(8000)}\r\n`.repeat(3);
  assert.equal(status(`GET / HTTP/1.1\r\nHost: a\r\n${big}\r\n`), 431);
  assert.equal(status(`GET / HTTP/1.1\r\nHost: a\r\n${big}`), 431); // still arriving
  const p = new RequestParser({ maxRequestLine: 10, maxHeadBytes: 40, maxHeaders: 1 });
  p.feed(enc.encode("GET / HTTP/1.1\r\n"));
  assert.equal((p.next() as HttpError).status, 414);
});

Deno.test("http parser: a head fed one byte at a time, pipelined heads, body bytes after a head", () => {
  const p = new RequestParser();
  const text = "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nPOST /2 HTTP/1.1\r\nHost: a\r\n" +
    "Content-Length: 5\r\n\r\nhelloGET /3 HTTP/1.1\r\nHost: a\r\n\r\n";
  const bytes = enc.encode(text);
  const seen: string[] = [];
  const scratch = new Uint8Array(1);
  let body = "";
  let want = 0;
  for (const b of bytes) {
    scratch[0] = b; // the same buffer each time: the parser must copy what it keeps
    p.feed(scratch);
    for (;;) {
      if (want > 0) {
        const part = p.take(want);
        if (part === undefined) break;
        body += new TextDecoder().decode(part);
        want -= part.length;
        continue;
      }
      const h = p.next();
      if (h === undefined) break;
      assert.ok(h instanceof RequestHead);
      seen.push(h.path);
      want = Math.max(0, h.contentLength);
    }
  }
  assert.deepEqual(seen, ["/1", "/2", "/3"]);
  assert.equal(body, "hello");
  assert.equal(p.buffered, 0);
});

Deno.test("http parser: chunk lines and sizes (RFC 9112 §7.1)", () => {
  assert.equal(parseChunkSize("0"), 0);
  assert.equal(parseChunkSize("FF"), 255);
  assert.equal(parseChunkSize("a ; ext=1"), 10);
  assert.equal(parseChunkSize(""), -1);
  assert.equal(parseChunkSize("g"), -1);
  assert.equal(parseChunkSize("+5"), -1);
  assert.equal(parseChunkSize("1".repeat(14)), -1);
  const p = new RequestParser();
  p.feed(enc.encode("5;x\r\nhel"));
  assert.equal(p.line(), "5;x");
  assert.equal(p.line(), undefined);
  p.feed(enc.encode("lo\r\n"));
  assert.equal(new TextDecoder().decode(p.take(5)), "hello");
  assert.equal(p.line(), "");
  p.feed(enc.encode("x".repeat(5000)));
  assert.equal((p.line() as HttpError).status, 400);
});
