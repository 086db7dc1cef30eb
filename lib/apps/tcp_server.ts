/**
 * An epoll-driven TCP server loop written only against the mtcp_* API, in
 * the shape of mTCP's epserver: one listening socket, nonblocking accepted
 * sockets, EPOLLIN for requests and EPOLLOUT only while a connection has
 * output the send buffer could not take. A handler sees each connection's
 * bytes and queues replies; the loop writes them as the window allows, so
 * a slow reader holds back only its own connection.
 *
 * @module
 */

import {
  AF_INET,
  EAGAIN,
  MTCP_EPOLL_CTL_ADD,
  MTCP_EPOLL_CTL_DEL,
  MTCP_EPOLL_CTL_MOD,
  MTCP_EPOLLERR,
  MTCP_EPOLLHUP,
  MTCP_EPOLLIN,
  MTCP_EPOLLOUT,
  type MtcpEpollEvent,
  SOCK_STREAM,
} from "../api/constants.ts";
import type { MtcpContext } from "../api/context.ts";
import {
  mtcp_accept,
  mtcp_bind,
  mtcp_close,
  mtcp_epoll_create,
  mtcp_epoll_ctl,
  mtcp_epoll_wait,
  mtcp_listen,
  mtcp_read,
  mtcp_setsock_nonblock,
  mtcp_socket,
  mtcp_write,
  mtcp_write_from,
} from "../api/mtcp.ts";

/**
 * Output produced on demand (a file being streamed): `read` fills `into` and
 * returns how many bytes it wrote, 0 at the end; `close` releases it.
 */
export interface ChunkSource {
  /**
   * Fills `into` from the start; returns the byte count, 0 when done. A
   * source that cannot go on (a read error) throws: the connection is closed.
   */
  read(into: Uint8Array): number;
  /** Releases the source (called once, at its end or when the connection dies). */
  close(): void;
}

// The most a source is asked for at once (it reads into the send buffer).
const SOURCE_BYTES = 1 << 20;

/** One accepted connection, as a handler sees it. */
export class ServerConnection {
  /** The socket id. */
  readonly fd: number = 0;
  /** Whatever the handler keeps per connection. */
  state: unknown = undefined;
  /** Bytes received so far. */
  bytesIn = 0;
  /** Bytes written so far. */
  bytesOut = 0;
  /** @internal Queued output in order: bytes, or sources read as the window opens. */
  readonly out: (Uint8Array | ChunkSource)[] = [];
  /** @internal */
  outOffset = 0;
  /** @internal Close once the queue drains. */
  closing = false;

  /** @internal */
  constructor(fd: number) {
    this.fd = fd;
  }

  /** Queues `data` to send; it must not change until sent. */
  send(data: Uint8Array): void {
    if (data.length > 0 && !this.closing) this.out.push(data);
  }

  /**
   * Queues a source after what is queued: it is read a chunk at a time only
   * when the send buffer has taken everything before it, so a large file is
   * never held in memory whole.
   */
  stream(source: ChunkSource): void {
    if (this.closing) source.close();
    else this.out.push(source);
  }

  /** @internal Drops all queued output, closing its sources. */
  discard(): void {
    for (const item of this.out) if (!(item instanceof Uint8Array)) item.close();
    this.out.length = 0;
    this.outOffset = 0;
  }

  /** Closes after everything queued is sent. */
  end(): void {
    this.closing = true;
  }

  /** Bytes queued and not yet taken by the send buffer (sources not counted). */
  get pendingBytes(): number {
    let n = -this.outOffset;
    for (const c of this.out) if (c instanceof Uint8Array) n += c.length;
    return n;
  }
}

/** What a server does with its connections. */
export interface ServerHandler {
  /** A new connection. */
  onOpen?(conn: ServerConnection): void;
  /** Bytes from the peer; `data` is valid only during the call. */
  onData(conn: ServerConnection, data: Uint8Array): void;
  /** The peer finished sending (default: end the connection). */
  onEnd?(conn: ServerConnection): void;
}

/** Options of {@linkcode runTcpServer}. */
export interface TcpServerOptions {
  /** Stops the server: the listener closes and the loop returns. */
  signal?: AbortSignal;
  /** Listen backlog (default 128). */
  backlog?: number;
  /** Called once listening. */
  onListening?: (port: number) => void;
  /** Read buffer size (default 16 KiB). */
  readBufferBytes?: number;
  /**
   * After `signal` aborts, how long connections may finish what they are
   * sending before they are closed anyway (default 2000 ms). New connections
   * are refused from the abort on.
   */
  graceMs?: number;
}

/** Counters of a server run. */
export interface ServerStats {
  /** Connections accepted. */
  accepted: number;
  /** Connections closed. */
  closed: number;
  /** Bytes read. */
  bytesIn: number;
  /** Bytes written. */
  bytesOut: number;
}

/**
 * Listens on `port` of `mctx` and serves connections with `handler` until
 * `options.signal` aborts or the context is destroyed. Throws `Error` when the
 * port cannot be bound.
 */
export async function runTcpServer(
  mctx: MtcpContext,
  port: number,
  handler: ServerHandler,
  options: TcpServerOptions = {},
): Promise<ServerStats> {
  const stats: ServerStats = { accepted: 0, closed: 0, bytesIn: 0, bytesOut: 0 };
  const lfd = mtcp_socket(mctx, AF_INET, SOCK_STREAM, 0);
  if (lfd < 0) throw new Error(`Cannot create a socket: errno ${mctx.errno}`);
  mtcp_setsock_nonblock(mctx, lfd);
  if (mtcp_bind(mctx, lfd, { family: AF_INET, addr: 0, port }) < 0) {
    throw new Error(`Cannot bind port ${port}: errno ${mctx.errno}`);
  }
  if (mtcp_listen(mctx, lfd, options.backlog ?? 128) < 0) {
    throw new Error(`Cannot listen on port ${port}: errno ${mctx.errno}`);
  }
  const ep = mtcp_epoll_create(mctx, 1024);
  mtcp_epoll_ctl(mctx, ep, MTCP_EPOLL_CTL_ADD, lfd, { events: MTCP_EPOLLIN, data: lfd });
  options.onListening?.(port);
  const conns = new Map<number, ServerConnection>();
  const events: MtcpEpollEvent[] = [];
  const buf = new Uint8Array(options.readBufferBytes ?? 16384);
  const signal = options.signal;

  const drop = (c: ServerConnection) => {
    mtcp_epoll_ctl(mctx, ep, MTCP_EPOLL_CTL_DEL, c.fd, undefined);
    mtcp_close(mctx, c.fd);
    conns.delete(c.fd);
    stats.closed++;
  };
  // Writes what the send buffer takes; true when nothing is left.
  const flush = (c: ServerConnection): boolean => {
    while (c.out.length > 0) {
      const head = c.out[0]!;
      if (!(head instanceof Uint8Array)) {
        // A source (everything before it was taken): it reads straight into
        // the send buffer, as much as there is room for.
        let w: number;
        let sourceFailed = false;
        try {
          w = mtcp_write_from(mctx, c.fd, (into) => head.read(into), SOURCE_BYTES);
        } catch {
          w = -1; // the source failed (a read error)
          sourceFailed = true;
        }
        if (w < 0 && !sourceFailed && mctx.errno === EAGAIN) return false;
        if (w < 0) {
          c.discard(); // the connection or its source failed: drop its output
          c.closing = true;
          return true;
        }
        if (w === 0) {
          head.close(); // at its end
          c.out.shift();
          continue;
        }
        c.bytesOut += w;
        stats.bytesOut += w;
        continue;
      }
      const chunk = head;
      const rest = chunk.length - c.outOffset;
      const view = c.outOffset === 0 ? chunk : chunk.subarray(c.outOffset);
      const w = mtcp_write(mctx, c.fd, view, rest);
      if (w < 0) {
        if (mctx.errno === EAGAIN) return false;
        c.discard(); // the connection failed: drop its output
        c.closing = true;
        return true;
      }
      c.bytesOut += w;
      stats.bytesOut += w;
      if (w < rest) {
        c.outOffset += w;
        return false;
      }
      c.out.shift();
      c.outOffset = 0;
    }
    return true;
  };
  const settle = (c: ServerConnection, wantOut: boolean) => {
    const drained = flush(c);
    if (drained && c.closing) return drop(c);
    if (!drained !== wantOut) {
      mtcp_epoll_ctl(mctx, ep, MTCP_EPOLL_CTL_MOD, c.fd, {
        events: MTCP_EPOLLIN | (drained ? 0 : MTCP_EPOLLOUT),
        data: c.fd,
      });
    }
  };

  let draining = false;
  let deadline = Infinity;
  try {
    while (!mctx.destroyed) {
      if (signal?.aborted && !draining) {
        // Stop accepting; let every connection finish what it is sending.
        draining = true;
        deadline = mctx.now() + (options.graceMs ?? 2000);
        mtcp_epoll_ctl(mctx, ep, MTCP_EPOLL_CTL_DEL, lfd, undefined);
        mtcp_close(mctx, lfd);
        for (const c of [...conns.values()]) {
          c.end();
          settle(c, c.out.length > 0);
        }
      }
      if (draining && (conns.size === 0 || mctx.now() >= deadline)) break;
      const n = await mtcp_epoll_wait(mctx, ep, events, 256, 100);
      if (n < 0) break;
      for (let i = 0; i < n; i++) {
        const ev = events[i]!;
        if (ev.data === lfd) {
          for (;;) {
            const fd = mtcp_accept(mctx, lfd);
            if (fd < 0) break;
            mtcp_setsock_nonblock(mctx, fd);
            mtcp_epoll_ctl(mctx, ep, MTCP_EPOLL_CTL_ADD, fd, { events: MTCP_EPOLLIN, data: fd });
            const c = new ServerConnection(fd);
            conns.set(fd, c);
            stats.accepted++;
            handler.onOpen?.(c);
            settle(c, false);
          }
          continue;
        }
        const c = conns.get(ev.data);
        if (c === undefined) continue;
        const hadOut = c.out.length > 0;
        if ((ev.events & (MTCP_EPOLLIN | MTCP_EPOLLERR | MTCP_EPOLLHUP)) !== 0) {
          for (;;) {
            const r = mtcp_read(mctx, c.fd, buf, buf.length);
            if (r > 0) {
              c.bytesIn += r;
              stats.bytesIn += r;
              handler.onData(c, buf.subarray(0, r));
              continue;
            }
            if (r === 0) {
              if (handler.onEnd !== undefined) handler.onEnd(c);
              else c.end();
            } else if (mctx.errno !== EAGAIN) {
              c.discard(); // reset or timed out
              c.closing = true;
            }
            break;
          }
        }
        if (conns.has(c.fd)) settle(c, hadOut);
      }
    }
  } finally {
    for (const c of conns.values()) {
      c.discard();
      mtcp_close(mctx, c.fd);
    }
    if (!mctx.destroyed) {
      if (!draining) mtcp_close(mctx, lfd);
      mtcp_close(mctx, ep);
    }
  }
  return stats;
}

/** A handler that sends back every byte it receives (RFC 862). */
export function echoHandler(): ServerHandler {
  return { onData: (c, data) => c.send(data.slice()) };
}

/** A handler that reads and throws away everything (RFC 863). */
export function discardHandler(): ServerHandler {
  return { onData: () => {} };
}
