/**
 * A TCP client exchange written only against the mtcp_* API: connect, send
 * a request (optionally half-closing after it), and read until the peer
 * closes, sending and receiving at once so that a large echo never stalls.
 * With {@linkcode httpGet} it is the client of the interop tests.
 *
 * @module
 */

import { parseResponseHead } from "../http/response.ts";
import {
  AF_INET,
  describeErrno,
  EAGAIN,
  EINPROGRESS,
  ENOTCONN,
  MTCP_EPOLL_CTL_ADD,
  MTCP_EPOLL_CTL_MOD,
  MTCP_EPOLLIN,
  MTCP_EPOLLOUT,
  type MtcpEpollEvent,
  SHUT_WR,
  SOCK_STREAM,
} from "../api/constants.ts";
import type { MtcpContext } from "../api/context.ts";
import {
  mtcp_close,
  mtcp_connect,
  mtcp_epoll_create,
  mtcp_epoll_ctl,
  mtcp_epoll_wait,
  mtcp_read,
  mtcp_setsock_nonblock,
  mtcp_shutdown,
  mtcp_socket,
  mtcp_write,
} from "../api/mtcp.ts";

/** Options of {@linkcode tcpExchange}. */
export interface ExchangeOptions {
  /** Half-close after the request is sent (default false). */
  shutdownAfterSend?: boolean;
  /** Give up after this long, in ms of the context's clock (default 30000). */
  timeoutMs?: number;
}

function fail(mctx: MtcpContext, what: string): never {
  throw new Error(`${what}: ${describeErrno(mctx.errno)}`);
}

/**
 * Connects to `addr:port`, sends `request`, and returns everything received
 * until the peer closes. Throws `Error` naming the errno on failure or timeout.
 */
export async function tcpExchange(
  mctx: MtcpContext,
  addr: number,
  port: number,
  request: Uint8Array,
  options: ExchangeOptions = {},
): Promise<Uint8Array> {
  const fd = mtcp_socket(mctx, AF_INET, SOCK_STREAM, 0);
  if (fd < 0) fail(mctx, "socket");
  const ep = mtcp_epoll_create(mctx, 4);
  try {
    mtcp_setsock_nonblock(mctx, fd);
    if (mtcp_connect(mctx, fd, { family: AF_INET, addr, port }) < 0 && mctx.errno !== EINPROGRESS) {
      fail(mctx, "connect");
    }
    mtcp_epoll_ctl(mctx, ep, MTCP_EPOLL_CTL_ADD, fd, {
      events: MTCP_EPOLLIN | MTCP_EPOLLOUT,
      data: fd,
    });
    const deadline = mctx.now() + (options.timeoutMs ?? 30_000);
    const events: MtcpEpollEvent[] = [];
    const buf = new Uint8Array(65536);
    const chunks: Uint8Array[] = [];
    let total = 0;
    let sent = 0;
    let sendDone = request.length === 0 && !options.shutdownAfterSend;
    for (;;) {
      const left = deadline - mctx.now();
      if (left <= 0) throw new Error(`exchange: timed out (${sent} sent, ${total} received)`);
      await mtcp_epoll_wait(mctx, ep, events, 4, Math.min(left, 1000));
      while (!sendDone) {
        if (sent < request.length) {
          const w = mtcp_write(mctx, fd, request.subarray(sent), request.length - sent);
          if (w < 0) {
            if (mctx.errno === EAGAIN || mctx.errno === ENOTCONN) break;
            fail(mctx, "write");
          }
          sent += w;
          continue;
        }
        if (options.shutdownAfterSend && mtcp_shutdown(mctx, fd, SHUT_WR) < 0) {
          fail(mctx, "shutdown");
        }
        sendDone = true;
        mtcp_epoll_ctl(mctx, ep, MTCP_EPOLL_CTL_MOD, fd, { events: MTCP_EPOLLIN, data: fd });
      }
      for (;;) {
        const r = mtcp_read(mctx, fd, buf, buf.length);
        if (r > 0) {
          chunks.push(buf.slice(0, r));
          total += r;
          continue;
        }
        if (r === 0) {
          const out = new Uint8Array(total);
          let at = 0;
          for (const c of chunks) {
            out.set(c, at);
            at += c.length;
          }
          return out;
        }
        if (mctx.errno === EAGAIN || mctx.errno === ENOTCONN) break;
        fail(mctx, "read");
      }
    }
  } finally {
    mtcp_close(mctx, fd);
    mtcp_close(mctx, ep);
  }
}

/** An HTTP response: status, lower-cased headers, body. */
export interface HttpResponse {
  /** Status code. */
  status: number;
  /** Headers by lower-cased name. */
  headers: Map<string, string>;
  /** The body: everything after the head. */
  body: Uint8Array;
}

/** Splits a whole HTTP/1.x response; throws `Error` when it is not one. */
export function parseHttpResponse(bytes: Uint8Array): HttpResponse {
  let end = -1;
  for (let i = 0; i + 3 < bytes.length; i++) {
    if (bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 && bytes[i + 3] === 10) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new Error("Not an HTTP response: no end of head");
  const text = new TextDecoder("latin1").decode(bytes.subarray(0, end));
  const head = parseResponseHead(text);
  if (head === undefined) throw new Error(`Not an HTTP response: ${text.split("\r\n")[0]}`);
  return { status: head.status, headers: head.fields, body: bytes.subarray(end + 4) };
}

/** GETs `path` from `addr:port` with `Connection: close`. */
export async function httpGet(
  mctx: MtcpContext,
  addr: number,
  port: number,
  path: string,
  options: ExchangeOptions = {},
): Promise<HttpResponse> {
  const host = `${addr >>> 24}.${(addr >>> 16) & 255}.${(addr >>> 8) & 255}.${addr & 255}`;
  const req = new TextEncoder().encode(
    `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUser-Agent: mtcp-deno\r\nConnection: close\r\n\r\n`,
  );
  return parseHttpResponse(await tcpExchange(mctx, addr, port, req, options));
}
