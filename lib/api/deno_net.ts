/**
 * A Deno-shaped API on the same engine as mTCP's: a stack made from one
 * options object ({@linkcode createStack}), `listen()` giving a listener
 * shaped like `Deno.Listener`, `connect()` giving a connection shaped like
 * `Deno.Conn` (web streams whose back-pressure is the TCP windows), and one
 * error class, {@linkcode SocketError}, carrying the errno name as `code`.
 *
 * Readiness comes from one edge-triggered epoll instance per context (a
 * {@linkcode Reactor}): an operation tries the mtcp_* call, and only on
 * EAGAIN waits for the socket's next edge.
 *
 * @example A listener and a connection on an in-memory network
 * ```ts
 * import { createStack, MemoryNetwork } from "../../mod.ts";
 *
 * const network = new MemoryNetwork();
 * await using server = createStack({ network, address: "10.0.0.2/24" });
 * await using client = createStack({ network, address: "10.0.0.1/24" });
 * const listener = server.listen({ port: 7 });
 * const accepted = listener.accept();
 * const conn = await client.connect({ hostname: "10.0.0.2", port: 7 });
 * const peer = await accepted;
 * await conn.write(new TextEncoder().encode("ping"));
 * const buf = new Uint8Array(16);
 * const n = await peer.read(buf);
 * console.log(new TextDecoder().decode(buf.subarray(0, n!))); // "ping"
 * conn.close();
 * peer.close();
 * listener.close();
 * ```
 *
 * @module
 */

import {
  AF_INET,
  describeErrno,
  EAGAIN,
  EBADF,
  ECONNREFUSED,
  EINPROGRESS,
  ENOTCONN,
  errnoName,
  errnoText,
  ETIMEDOUT,
  IPPROTO_TCP,
  MTCP_EPOLL_CTL_ADD,
  MTCP_EPOLL_CTL_DEL,
  MTCP_EPOLLERR,
  MTCP_EPOLLET,
  MTCP_EPOLLHUP,
  MTCP_EPOLLIN,
  MTCP_EPOLLOUT,
  MTCP_EPOLLRDHUP,
  type MtcpEpollEvent,
  SHUT_WR,
  SO_ERROR,
  SO_KEEPALIVE,
  SOCK_STREAM,
  type SockAddr,
  SOL_SOCKET,
  TCP_NODELAY,
} from "./constants.ts";
import type { ContextAttachment, MtcpContext } from "./context.ts";
import { macFromName } from "./host.ts";
import {
  mtcp_accept,
  mtcp_bind,
  mtcp_close,
  mtcp_connect,
  mtcp_create_context,
  mtcp_destroy_context,
  mtcp_epoll_create,
  mtcp_epoll_ctl,
  mtcp_epoll_wait,
  mtcp_getconf,
  mtcp_getpeername,
  mtcp_getsockname,
  mtcp_getsockopt,
  mtcp_init,
  mtcp_listen,
  mtcp_read,
  mtcp_setsock_nonblock,
  mtcp_setsockopt,
  mtcp_shutdown,
  mtcp_socket,
  mtcp_strerror_init,
  mtcp_write,
  type SockOptValue,
} from "./mtcp.ts";
import { MemoryNetwork } from "../phy/memory.ts";
import { DeviceNetwork } from "../phy/device_network.ts";
import { RingDevice, type RingDeviceOptions } from "../phy/ring_device.ts";
import type { Network } from "../phy/network.ts";
import { formatIpv4, parseIpv4Address, parseIpv4Cidr, parseMac } from "../wire/address.ts";

/**
 * The one error class of the Deno-shaped API: `code` is the errno name.
 *
 * @example One error class: the errno name is the code
 * ```ts
 * import assert from "node:assert/strict";
 * import { ECONNREFUSED, SocketError } from "../../mod.ts";
 * const error = new SocketError(ECONNREFUSED, "Cannot connect to 10.0.0.2:80");
 * assert.equal(error.code, "ECONNREFUSED");
 * assert.equal(error.errno, ECONNREFUSED);
 * assert.match(error.message, /^Cannot connect to 10\.0\.0\.2:80/);
 * ```
 */
export class SocketError extends Error {
  /** The errno name, like `ECONNREFUSED`. */
  readonly code: string;
  /** The errno number (Linux's value). */
  readonly errno: number = 0;

  /**
   * An error for `errno` while doing `what`, like
   * `Cannot connect to 10.0.0.2:80: connection refused`.
   *
   * @example
   * ```ts
   * import { ECONNREFUSED, SocketError } from "../../mod.ts";
   * const e = new SocketError(ECONNREFUSED, "Cannot connect to 10.0.0.2:80");
   * console.log(e.code, e.message); // ECONNREFUSED Cannot connect to 10.0.0.2:80: connection refused
   * ```
   */
  constructor(errno: number, what: string) {
    const code = errnoName(errno);
    super(`${what}: ${errnoText(errno)}`);
    this.name = "SocketError";
    this.code = code;
    this.errno = errno;
  }
}

/**
 * An address, shaped like `Deno.NetAddr`.
 *
 * @example A listener's address, as Deno.NetAddr
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryNetwork, type NetAddr, createStack } from "../../mod.ts";
 * const network = new MemoryNetwork({ clock: "system" });
 * await using server = createStack({ network, address: "10.0.0.1/24" });
 * await using client = createStack({ network, address: "10.0.0.2/24" });
 * await using listener = server.listen({ port: 8080 });
 * const addr: NetAddr = listener.addr;
 * assert.deepEqual(addr, { transport: "tcp", hostname: "0.0.0.0", port: 8080 });
 * ```
 */
export interface NetAddr {
  /** Always `"tcp"`. */
  transport: "tcp";
  /** Dotted IPv4. */
  hostname: string;
  /** Port. */
  port: number;
}

function netAddr(a: SockAddr): NetAddr {
  return { transport: "tcp", hostname: formatIpv4(a.addr), port: a.port };
}

interface FdWaiters {
  read: (() => void)[];
  write: (() => void)[];
  readable: boolean; // an edge was seen and not consumed by an EAGAIN
  writable: boolean;
}

/**
 * One edge-triggered epoll instance per context, turning socket readiness
 * into resolved promises for whoever waits on it.
 *
 * @example One reactor per context, shared by its connections
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryNetwork, Reactor, createStack } from "../mod.ts";
 * const network = new MemoryNetwork({ clock: "system" });
 * await using server = createStack({ network, address: "10.0.0.1/24" });
 * await using client = createStack({ network, address: "10.0.0.2/24" });
 * assert.equal(Reactor.of(server.ctx), Reactor.of(server.ctx));
 * assert.notEqual(Reactor.of(server.ctx), Reactor.of(client.ctx));
 * ```
 */
export class Reactor {
  readonly #ctx: MtcpContext;
  readonly #ep: number = 0;
  readonly #fds = new Map<number, FdWaiters>();
  readonly #events: MtcpEpollEvent[] = [];
  #waiting = 0;
  #running = false;

  private constructor(ctx: MtcpContext) {
    this.#ctx = ctx;
    this.#ep = mtcp_epoll_create(ctx, 1024);
    if (this.#ep < 0) throw new SocketError(ctx.errno, "Cannot create an epoll instance");
  }

  static readonly #all = new WeakMap<MtcpContext, Reactor>();

  /**
   * The reactor of `ctx`.
   *
   * @example
   * ```ts
   * import { createStack, MemoryNetwork, Reactor } from "../mod.ts";
   * await using s = createStack({ network: new MemoryNetwork(), address: "10.0.0.1/24" });
   * console.log(Reactor.of(s.ctx) === Reactor.of(s.ctx)); // true
   * ```
   */
  static of(ctx: MtcpContext): Reactor {
    let r = Reactor.#all.get(ctx);
    if (r === undefined) {
      r = new Reactor(ctx);
      Reactor.#all.set(ctx, r);
    }
    return r;
  }

  /** Watches `fd` (edge-triggered, both directions). */
  add(fd: number): void {
    this.#fds.set(fd, { read: [], write: [], readable: true, writable: true });
    mtcp_epoll_ctl(this.#ctx, this.#ep, MTCP_EPOLL_CTL_ADD, fd, {
      events: MTCP_EPOLLIN | MTCP_EPOLLOUT | MTCP_EPOLLRDHUP | MTCP_EPOLLET,
      data: fd,
    });
  }

  /** Stops watching `fd`; its waiters are woken (they will see the socket gone). */
  remove(fd: number): void {
    const w = this.#fds.get(fd);
    if (w === undefined) return;
    this.#fds.delete(fd);
    if (!this.#ctx.destroyed) {
      mtcp_epoll_ctl(this.#ctx, this.#ep, MTCP_EPOLL_CTL_DEL, fd, undefined);
    }
    this.#wake(w.read);
    this.#wake(w.write);
  }

  /** Marks `fd` as drained in one direction (an operation returned EAGAIN). */
  drained(fd: number, write: boolean): void {
    const w = this.#fds.get(fd);
    if (w === undefined) return;
    if (write) w.writable = false;
    else w.readable = false;
  }

  /** Resolves at the next edge of `fd` in one direction (or at once if one was missed). */
  wait(fd: number, write: boolean, signal?: AbortSignal): Promise<void> {
    const w = this.#fds.get(fd);
    if (w === undefined || this.#ctx.destroyed) return Promise.resolve();
    if (write ? w.writable : w.readable) return Promise.resolve();
    return new Promise((resolve) => {
      const list = write ? w.write : w.read;
      const done = () => {
        signal?.removeEventListener("abort", done);
        resolve();
      };
      list.push(done);
      this.#waiting++;
      signal?.addEventListener("abort", () => {
        const i = list.indexOf(done);
        if (i >= 0) {
          list.splice(i, 1);
          this.#waiting--;
        }
        done();
      }, { once: true });
      this.#start();
    });
  }

  #wake(list: (() => void)[]): void {
    this.#waiting -= list.length;
    const all = list.splice(0);
    for (const f of all) f();
  }

  #start(): void {
    if (this.#running) return;
    this.#running = true;
    void this.#run();
  }

  async #run(): Promise<void> {
    const ctx = this.#ctx;
    try {
      while (this.#waiting > 0 && !ctx.destroyed) {
        const n = await mtcp_epoll_wait(ctx, this.#ep, this.#events, 256, 1000);
        if (n < 0) break;
        for (let i = 0; i < n; i++) {
          const ev = this.#events[i]!;
          const w = this.#fds.get(ev.data);
          if (w === undefined) continue;
          const bad = (ev.events & (MTCP_EPOLLERR | MTCP_EPOLLHUP)) !== 0;
          if (bad || (ev.events & (MTCP_EPOLLIN | MTCP_EPOLLRDHUP)) !== 0) {
            w.readable = true;
            this.#wake(w.read);
          }
          if (bad || (ev.events & MTCP_EPOLLOUT) !== 0) {
            w.writable = true;
            this.#wake(w.write);
          }
        }
      }
    } finally {
      this.#running = false;
      if (ctx.destroyed) {
        for (const w of this.#fds.values()) {
          this.#wake(w.read);
          this.#wake(w.write);
        }
      } else if (this.#waiting > 0) this.#start();
    }
  }
}

function pendingError(ctx: MtcpContext, fd: number): number {
  const out: { value: SockOptValue } = { value: 0 };
  mtcp_getsockopt(ctx, fd, SOL_SOCKET, SO_ERROR, out);
  return typeof out.value === "number" ? out.value : 0;
}

const READ_CHUNK = 65536;

/**
 * A TCP connection, shaped like `Deno.Conn`.
 *
 * @example Half-close: the peer reads to the end, then answers
 * ```ts
 * import assert from "node:assert/strict";
 * import { createStack, MemoryNetwork } from "../../mod.ts";
 * const network = new MemoryNetwork({ clock: "system" });
 * await using server = createStack({ network, address: "10.0.0.1/24" });
 * await using client = createStack({ network, address: "10.0.0.2/24" });
 * const listener = server.listen({ port: 7 });
 * const conn = await client.connect({ hostname: "10.0.0.1", port: 7 });
 * const peer = await listener.accept();
 * await conn.write(new TextEncoder().encode("ping"));
 * await conn.closeWrite();
 * const got = await new Response(peer.readable).text(); // ends at our FIN
 * await peer.write(new TextEncoder().encode(got.toUpperCase()));
 * peer.close();
 * assert.equal(await new Response(conn.readable).text(), "PING");
 * listener.close();
 * ```
 */
export class TcpConn implements Disposable {
  /** Our end. */
  readonly localAddr: NetAddr;
  /** The peer's end. */
  readonly remoteAddr: NetAddr;
  /** The stream's bytes as they arrive; the TCP window closes while nobody reads. */
  readonly readable: ReadableStream<Uint8Array<ArrayBuffer>>;
  /** Bytes to send; a write resolves once the send buffer took it all. Closing it half-closes. */
  readonly writable: WritableStream<Uint8Array>;
  readonly #ctx: MtcpContext;
  readonly #fd: number = 0;
  readonly #reactor: Reactor;
  #closed = false;

  /** @internal Use `connect()` or `Listener.accept()`. */
  constructor(ctx: MtcpContext, fd: number) {
    this.#ctx = ctx;
    this.#fd = fd;
    this.#reactor = Reactor.of(ctx);
    const local: SockAddr = { family: AF_INET, addr: 0, port: 0 };
    const remote: SockAddr = { family: AF_INET, addr: 0, port: 0 };
    mtcp_getsockname(ctx, fd, local);
    mtcp_getpeername(ctx, fd, remote);
    this.localAddr = netAddr(local);
    this.remoteAddr = netAddr(remote);
    // One scratch buffer per connection; each chunk handed out is a copy of
    // exactly what was read, so a small read does not pin 64 KiB.
    let scratch: Uint8Array | undefined;
    this.readable = new ReadableStream<Uint8Array<ArrayBuffer>>({
      pull: async (controller) => {
        scratch ??= new Uint8Array(READ_CHUNK);
        const n = await this.read(scratch);
        if (n === null) controller.close();
        else controller.enqueue(scratch.slice(0, n));
      },
      cancel: () => this.close(),
    }, { highWaterMark: 0 });
    this.writable = new WritableStream<Uint8Array>({
      write: async (chunk) => {
        let off = 0;
        while (off < chunk.length) off += await this.write(chunk.subarray(off));
      },
      close: () => this.closeWrite(),
      abort: () => this.close(),
    });
  }

  /** The socket id, for the mtcp_* calls. */
  get fd(): number {
    return this.#fd;
  }

  /**
   * Reads into `p`: the number of bytes, or `null` at the end of the stream.
   * Throws {@linkcode SocketError} (ECONNRESET, ETIMEDOUT, EBADF after close).
   */
  async read(p: Uint8Array): Promise<number | null> {
    for (;;) {
      if (this.#closed) throw new SocketError(EBADF, "Cannot read");
      const r = mtcp_read(this.#ctx, this.#fd, p, p.length);
      if (r > 0) return r;
      if (r === 0) return p.length === 0 ? 0 : null;
      const e = this.#ctx.errno;
      if (e !== EAGAIN) throw new SocketError(e, "Cannot read");
      this.#reactor.drained(this.#fd, false);
      await this.#reactor.wait(this.#fd, false);
    }
  }

  /**
   * Writes some of `p` (at least one byte, as the send buffer allows): the
   * number written. Throws {@linkcode SocketError} (EPIPE after closeWrite, ECONNRESET).
   */
  async write(p: Uint8Array): Promise<number> {
    if (p.length === 0) return 0;
    for (;;) {
      if (this.#closed) throw new SocketError(EBADF, "Cannot write");
      const w = mtcp_write(this.#ctx, this.#fd, p, p.length);
      if (w > 0) return w;
      const e = this.#ctx.errno;
      if (w < 0 && e !== EAGAIN && e !== ENOTCONN) throw new SocketError(e, "Cannot write");
      this.#reactor.drained(this.#fd, true);
      await this.#reactor.wait(this.#fd, true);
    }
  }

  /** Sends FIN: the peer reads the end of the stream; reading here goes on. */
  closeWrite(): Promise<void> {
    if (!this.#closed && mtcp_shutdown(this.#ctx, this.#fd, SHUT_WR) < 0) {
      return Promise.reject(new SocketError(this.#ctx.errno, "Cannot close for writing"));
    }
    return Promise.resolve();
  }

  /** TCP_NODELAY on (default) or off. */
  setNoDelay(noDelay = true): void {
    mtcp_setsockopt(this.#ctx, this.#fd, IPPROTO_TCP, TCP_NODELAY, noDelay ? 1 : 0);
  }

  /** SO_KEEPALIVE on (default) or off. */
  setKeepAlive(keepAlive = true): void {
    mtcp_setsockopt(this.#ctx, this.#fd, SOL_SOCKET, SO_KEEPALIVE, keepAlive ? 1 : 0);
  }

  /** For `Deno.Conn` compatibility: nothing to do, the stack never keeps a process alive. */
  ref(): void {}
  /** For `Deno.Conn` compatibility. */
  unref(): void {}

  /** Closes the connection (a graceful FIN; pending sends are still delivered). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#reactor.remove(this.#fd);
    mtcp_close(this.#ctx, this.#fd);
  }

  /** `close()`, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * A listening socket, shaped like `Deno.Listener`.
 *
 * @example An echo server, one connection at a time, until the listener closes
 * ```ts
 * import assert from "node:assert/strict";
 * import { createStack, MemoryNetwork } from "../../mod.ts";
 * const network = new MemoryNetwork({ clock: "system" });
 * await using server = createStack({ network, address: "10.0.0.1/24" });
 * await using client = createStack({ network, address: "10.0.0.2/24" });
 * const listener = server.listen({ port: 7 });
 * const serving = (async () => {
 *   for await (const conn of listener) await conn.readable.pipeTo(conn.writable);
 * })();
 * const conn = await client.connect({ hostname: "10.0.0.1", port: 7 });
 * await conn.write(new TextEncoder().encode("hello"));
 * await conn.closeWrite();
 * assert.equal(await new Response(conn.readable).text(), "hello");
 * listener.close();
 * await serving;
 * ```
 */
export class TcpListener implements AsyncIterable<TcpConn>, AsyncDisposable {
  /** The address listened on. */
  readonly addr: NetAddr;
  readonly #ctx: MtcpContext;
  readonly #fd: number = 0;
  readonly #reactor: Reactor;
  #closed = false;
  readonly #abort = new AbortController();

  /** @internal Use `listen()`. */
  constructor(ctx: MtcpContext, fd: number, addr: NetAddr) {
    this.#ctx = ctx;
    this.#fd = fd;
    this.addr = addr;
    this.#reactor = Reactor.of(ctx);
    this.#reactor.add(fd);
  }

  /** The next connection. Throws {@linkcode SocketError} EBADF once closed. */
  async accept(): Promise<TcpConn> {
    for (;;) {
      if (this.#closed) throw new SocketError(EBADF, "Cannot accept");
      const fd = mtcp_accept(this.#ctx, this.#fd);
      if (fd >= 0) {
        mtcp_setsock_nonblock(this.#ctx, fd);
        this.#reactor.add(fd);
        return new TcpConn(this.#ctx, fd);
      }
      const e = this.#ctx.errno;
      if (e !== EAGAIN) throw new SocketError(e, "Cannot accept");
      this.#reactor.drained(this.#fd, false);
      await this.#reactor.wait(this.#fd, false, this.#abort.signal);
    }
  }

  /** Stops listening; a pending `accept()` rejects with EBADF. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#abort.abort();
    this.#reactor.remove(this.#fd);
    mtcp_close(this.#ctx, this.#fd);
  }

  /** Connections until the listener is closed. */
  async *[Symbol.asyncIterator](): AsyncIterableIterator<TcpConn> {
    for (;;) {
      try {
        yield await this.accept();
      } catch (err) {
        if (err instanceof SocketError && err.code === "EBADF" && this.#closed) return;
        throw err;
      }
    }
  }

  /** `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}

/**
 * Options of {@linkcode NetStack.listen}.
 *
 * @example A listener with a small backlog
 * ```ts
 * import assert from "node:assert/strict";
 * import { type ListenOptions, MemoryNetwork, createStack } from "../../mod.ts";
 * const network = new MemoryNetwork({ clock: "system" });
 * await using server = createStack({ network, address: "10.0.0.1/24" });
 * await using client = createStack({ network, address: "10.0.0.2/24" });
 * const options: ListenOptions = { port: 9000, backlog: 2 };
 * await using listener = server.listen(options);
 * assert.equal(listener.addr.port, 9000);
 * ```
 */
export interface ListenOptions {
  /** Port (0: none chosen; a port is required). */
  port: number;
  /** Local address to bind (default: any). */
  hostname?: string;
  /** Pending connections (default 128). */
  backlog?: number;
}

/**
 * Options of {@linkcode NetStack.connect}.
 *
 * @example A connect cancelled by its AbortSignal
 * ```ts
 * import assert from "node:assert/strict";
 * import { type ConnectOptions, MemoryNetwork, createStack } from "../../mod.ts";
 * const network = new MemoryNetwork({ clock: "system" });
 * await using server = createStack({ network, address: "10.0.0.1/24" });
 * await using client = createStack({ network, address: "10.0.0.2/24" });
 * const signal = AbortSignal.abort(new Error("gave up"));
 * const options: ConnectOptions = { hostname: "10.0.0.1", port: 80, signal };
 * await assert.rejects(client.connect(options), /gave up/);
 * ```
 */
export interface ConnectOptions {
  /** Peer address, dotted IPv4. */
  hostname: string;
  /** Peer port. */
  port: number;
  /** Gives up (rejecting with `signal.reason`) when aborted. */
  signal?: AbortSignal;
}

/**
 * Options of {@linkcode createStack}.
 *
 * @example A stack with its own mtcp.conf keys
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryNetwork, type StackInit, createStack } from "../../mod.ts";
 * const init: StackInit = { network: new MemoryNetwork(), address: "10.0.0.2/24", config: { tcp_timewait: 0 } };
 * await using stack = createStack(init);
 * assert.equal(stack.ctx.config.tcp_timewait, 0);
 * ```
 */
export interface StackInit {
  /** Our address and prefix, like `10.0.0.2/24`. */
  address: string;
  /** `memory` (default), `tap:NAME`, `packet:IFNAME`, `netmap:IFNAME` or `xdp:IFNAME`. */
  device?: string;
  /** For `memory`: the network to join (default: a new one with the system clock). */
  network?: MemoryNetwork;
  /** Default gateway. */
  gateway?: string;
  /** Our MAC, like `02:00:00:00:00:01`. */
  mac?: string;
  /** For `tap:`: give the kernel side this address (CIDR) and bring it up. */
  hostAddress?: string;
  /** mtcp.conf values for the first stack of this process (`mtcp_init`). */
  config?: Record<string, unknown>;
  /** Ring device options (busy poll, virtio header, ...). */
  ring?: RingDeviceOptions;
  /** The context's core number (default: the next free one). */
  core?: number;
  /**
   * More of the context's attachment: its port name, capture, impairment,
   * tracing and interface options (the appliance's `--pcap`, `--impair`).
   */
  context?: Omit<ContextAttachment, "network" | "address" | "gateway" | "mac">;
}

let nextCore = 0;

/**
 * A stack: one context on one device, with the Deno-shaped calls bound to it.
 *
 * @example A stack's address and its context
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryNetwork, createStack, formatIpv4 } from "../../mod.ts";
 * const network = new MemoryNetwork({ clock: "system" });
 * await using server = createStack({ network, address: "10.0.0.1/24" });
 * await using client = createStack({ network, address: "10.0.0.2/24" });
 * assert.equal(server.address, "10.0.0.1");
 * assert.equal(formatIpv4(server.ctx.iface.address), "10.0.0.1");
 * ```
 */
export class NetStack implements AsyncDisposable {
  /** The mTCP context underneath (the mtcp_* calls work on it too). */
  readonly ctx: MtcpContext;
  /** Where it is attached. */
  readonly network: Network;
  readonly #device: RingDevice | undefined;

  /** The ring device underneath, undefined on the memory network. */
  get device(): RingDevice | undefined {
    return this.#device;
  }

  /** @internal Use {@linkcode createStack}. */
  constructor(ctx: MtcpContext, network: Network, device: RingDevice | undefined) {
    this.ctx = ctx;
    this.network = network;
    this.#device = device;
  }

  /** Our address. */
  get address(): string {
    return formatIpv4(this.ctx.iface.address);
  }

  /**
   * Listens on `options.port`. Throws {@linkcode SocketError} EADDRINUSE when
   * the port is taken, `TypeError` for a bad hostname.
   */
  listen(options: ListenOptions): TcpListener {
    const ctx = this.ctx;
    const addr = options.hostname === undefined ? 0 : parseIpv4Address(options.hostname);
    if (addr === undefined) throw new TypeError(`Invalid hostname: ${options.hostname}`);
    const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
    if (fd < 0) throw new SocketError(ctx.errno, `Cannot listen on port ${options.port}`);
    mtcp_setsock_nonblock(ctx, fd);
    if (
      mtcp_bind(ctx, fd, { family: AF_INET, addr, port: options.port }) < 0 ||
      mtcp_listen(ctx, fd, options.backlog ?? 128) < 0
    ) {
      const e = ctx.errno;
      mtcp_close(ctx, fd);
      throw new SocketError(e, `Cannot listen on port ${options.port}`);
    }
    return new TcpListener(ctx, fd, {
      transport: "tcp",
      hostname: options.hostname ?? "0.0.0.0",
      port: options.port,
    });
  }

  /**
   * Connects to `hostname:port`. Rejects with {@linkcode SocketError}
   * (ECONNREFUSED, ETIMEDOUT, ENETUNREACH) or with `signal.reason`.
   */
  async connect(options: ConnectOptions): Promise<TcpConn> {
    const ctx = this.ctx;
    const addr = parseIpv4Address(options.hostname);
    if (addr === undefined) {
      throw new TypeError(`Invalid hostname: ${options.hostname} (IPv4 only)`);
    }
    const what = `Cannot connect to ${options.hostname}:${options.port}`;
    options.signal?.throwIfAborted();
    const fd = mtcp_socket(ctx, AF_INET, SOCK_STREAM, 0);
    if (fd < 0) throw new SocketError(ctx.errno, what);
    mtcp_setsock_nonblock(ctx, fd);
    if (
      mtcp_connect(ctx, fd, { family: AF_INET, addr, port: options.port }) < 0 &&
      ctx.errno !== EINPROGRESS
    ) {
      const e = ctx.errno;
      mtcp_close(ctx, fd);
      throw new SocketError(e, what);
    }
    const reactor = Reactor.of(ctx);
    reactor.add(fd);
    reactor.drained(fd, true);
    try {
      for (;;) {
        if (options.signal?.aborted) throw options.signal.reason;
        if (ctx.destroyed) throw new SocketError(EBADF, what);
        const e = pendingError(ctx, fd);
        if (e !== 0) throw new SocketError(e === ETIMEDOUT ? ETIMEDOUT : e || ECONNREFUSED, what);
        if (ctx.isConnected(ctx.slotOf(fd))) return new TcpConn(ctx, fd);
        await reactor.wait(fd, true, options.signal);
        reactor.drained(fd, true);
      }
    } catch (err) {
      reactor.remove(fd);
      mtcp_close(ctx, fd);
      throw err;
    }
  }

  /** Destroys the context and closes its device (a TAP it created disappears). */
  async close(): Promise<void> {
    mtcp_destroy_context(this.ctx);
    if (this.#device !== undefined) await this.#device.closeAsync();
  }

  /** `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Makes a stack from one options object: the device, our address, and the
 * context (the first stack of a process also runs `mtcp_init` with
 * `options.config`). Throws `TypeError` for a bad address or MAC, `Error`
 * with one line when the device cannot be opened.
 *
 * @example Two stacks on one in-memory network
 * ```ts
 * import { createStack, MemoryNetwork } from "../../mod.ts";
 * const network = new MemoryNetwork();
 * await using a = createStack({ network, address: "10.0.0.1/24" });
 * await using b = createStack({ network, address: "10.0.0.2/24" });
 * console.log(a.address, b.address); // 10.0.0.1 10.0.0.2
 * ```
 */
export function createStack(options: StackInit): NetStack {
  if (parseIpv4Cidr(options.address) === undefined) {
    throw new TypeError(`Invalid address: ${options.address} (expected a.b.c.d/n)`);
  }
  let mac = options.mac === undefined ? undefined : parseMac(options.mac);
  if (options.mac !== undefined && mac === undefined) {
    throw new TypeError(`Invalid MAC: ${options.mac}`);
  }
  const probe = {};
  if (mtcp_getconf(probe) < 0 && mtcp_init({ num_cores: 64, ...options.config }) < 0) {
    throw new TypeError(`Invalid config: ${mtcp_strerror_init()}`);
  }
  const device = options.device ?? "memory";
  let network: Network;
  let ring: RingDevice | undefined;
  if (device === "memory") {
    network = options.network ?? new MemoryNetwork({ clock: "system" });
  } else {
    ring = openRing(device, options);
    network = new DeviceNetwork(ring);
    // A ring device's MAC: its own, or one derived from its name (every
    // core of a multi-queue TAP shares it).
    mac ??= ring.hardwareMac !== 0 ? ring.hardwareMac : macFromName(device);
  }
  const attachment: ContextAttachment = {
    ...options.context,
    network,
    address: options.address,
    ...(options.gateway !== undefined ? { gateway: options.gateway } : {}),
    ...(mac !== undefined ? { mac } : {}),
  };
  let ctx: MtcpContext | null = null;
  if (options.core !== undefined) ctx = mtcp_create_context(options.core, attachment);
  else {
    // Each stack is a context of its own core number.
    for (let tries = 0; tries < 64 && ctx === null; tries++) {
      ctx = mtcp_create_context(nextCore++ % 64, attachment);
    }
  }
  if (ctx === null) {
    ring?.close();
    const core = options.core !== undefined ? ` on core ${options.core}` : "";
    throw new Error(`Cannot create a stack${core}: ${mtcp_strerror_init() || "no free context"}`);
  }
  return new NetStack(ctx, network, ring);
}

// Opens a ring device and, for a TAP, gives its kernel side an address.
function openRing(device: string, options: StackInit): RingDevice {
  const ring = RingDevice.open(device, options.ring);
  if (options.hostAddress === undefined) return ring;
  const cidr = parseIpv4Cidr(options.hostAddress);
  if (cidr === undefined) {
    ring.close();
    throw new TypeError(`Invalid hostAddress: ${options.hostAddress}`);
  }
  const rc = ring.ring.configureTap(cidr.address, cidr.prefixLength);
  if (rc < 0) {
    ring.close();
    throw new Error(
      `${device}: cannot give the kernel side ${options.hostAddress}: ${describeErrno(-rc)}`,
    );
  }
  return ring;
}
