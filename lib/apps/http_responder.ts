/**
 * A small HTTP/1.1 responder on {@linkcode runTcpServer}: GET and HEAD of
 * in-memory bodies, keep-alive and pipelining, Content-Length, 404 for an
 * unknown path, 405 for another method, 400 for a malformed request and 431
 * when the head grows past 8 KiB. It is what the interop tests and the
 * benchmarks serve; the full static file server is `serve --http`.
 *
 * @module
 */

import type { ServerConnection, ServerHandler } from "./tcp_server.ts";

/** Finds the body of a path, or `undefined` for 404. */
export type BodyLookup = (path: string) => Uint8Array | undefined;

const MAX_HEAD = 8192;
const encoder = new TextEncoder();
const decoder = new TextDecoder("latin1");

interface HttpState {
  head: string;
}

function reply(
  c: ServerConnection,
  status: string,
  body: Uint8Array,
  head: boolean,
  close: boolean,
): void {
  c.send(encoder.encode(
    `HTTP/1.1 ${status}\r\nServer: mtcp-deno\r\nContent-Type: application/octet-stream\r\n` +
      `Content-Length: ${body.length}\r\n${close ? "Connection: close\r\n" : ""}\r\n`,
  ));
  if (!head) c.send(body);
  if (close) c.end();
}

function error(c: ServerConnection, status: string): void {
  reply(c, status, encoder.encode(`${status}\n`), false, true);
}

/** A handler answering GET/HEAD with `lookup(path)`. */
export function httpHandler(lookup: BodyLookup): ServerHandler {
  return {
    onOpen: (c) => {
      c.state = { head: "" } satisfies HttpState;
    },
    onData: (c, data) => {
      const s = c.state as HttpState;
      if (c.closing) return;
      s.head += decoder.decode(data);
      for (;;) {
        const end = s.head.indexOf("\r\n\r\n");
        if (end < 0) {
          if (s.head.length > MAX_HEAD) error(c, "431 Request Header Fields Too Large");
          return;
        }
        const request = s.head.slice(0, end);
        s.head = s.head.slice(end + 4);
        const lines = request.split("\r\n");
        const [method, target, version] = lines[0]!.split(" ");
        if (method === undefined || target === undefined || !version?.startsWith("HTTP/1.")) {
          return error(c, "400 Bad Request");
        }
        let close = version === "HTTP/1.0";
        for (const line of lines.slice(1)) {
          const colon = line.indexOf(":");
          if (colon < 0) return error(c, "400 Bad Request");
          if (line.slice(0, colon).trim().toLowerCase() === "connection") {
            const v = line.slice(colon + 1).trim().toLowerCase();
            if (v === "close") close = true;
            if (v === "keep-alive") close = false;
          }
        }
        if (method !== "GET" && method !== "HEAD") {
          return error(c, "405 Method Not Allowed");
        }
        const body = lookup(target.split("?")[0]!);
        if (body === undefined) {
          reply(c, "404 Not Found", encoder.encode("404 Not Found\n"), method === "HEAD", close);
        } else reply(c, "200 OK", body, method === "HEAD", close);
        if (close) return;
      }
    },
  };
}
