/**
 * The TypeScript side of the Rust packet shim: its symbol table (the one
 * place it is written down), how the library is found, and {@linkcode ShimRing},
 * one opened ring with its memory mapped once.
 *
 * The library is looked for, in order: the `path` option, the environment
 * variable `MTCP_SHIM_PATH`, a build next to this module when it is a local
 * checkout (`ffi/target/release/`), and the per-user cache
 * (`$XDG_CACHE_HOME/mtcp-deno/` or `~/.cache/mtcp-deno/`). When none loads,
 * {@linkcode loadShim} throws one line saying how to build it or point to it.
 *
 * Every call but `mtcp_shim_wait` takes integers and pointers only, so Deno
 * calls it on its fast path; the wait is `nonblocking` (it runs on another
 * thread and returns a Promise), so waiting never blocks the event loop.
 *
 * @module
 */

/** The shim's exports, as `Deno.dlopen` needs them. */
export const SHIM_SYMBOLS = {
  mtcp_shim_abi_version: { parameters: [], result: "u32" },
  mtcp_shim_open: {
    parameters: ["buffer", "usize", "u32", "u32", "usize", "buffer", "usize"],
    result: "pointer",
  },
  mtcp_shim_rx: { parameters: ["pointer", "u32"], result: "i32" },
  mtcp_shim_tx: { parameters: ["pointer", "u32"], result: "i32" },
  mtcp_shim_wait: { parameters: ["pointer", "i32"], result: "i32", nonblocking: true },
  mtcp_shim_spin: { parameters: ["pointer", "u32"], result: "i32" },
  mtcp_shim_wake: { parameters: ["pointer"], result: "i32" },
  mtcp_shim_stats: { parameters: ["pointer"], result: "i32" },
  mtcp_shim_tap_configure: { parameters: ["pointer", "u32", "u32"], result: "i32" },
  mtcp_shim_netmap_layout: { parameters: ["buffer", "u32"], result: "u32" },
  mtcp_shim_close: { parameters: ["pointer"], result: "void" },
  mtcp_shim_set_affinity: { parameters: ["u32"], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

/** The loaded library. */
export type Shim = Deno.DynamicLibrary<typeof SHIM_SYMBOLS>["symbols"];

/** The ABI version this module speaks (`mtcp_shim_abi_version`). */
export const SHIM_ABI_VERSION = 3;

/** The library's file name. */
export const SHIM_FILE = "libmtcp_shim.so";

/** `flags` of {@linkcode ShimRing.open}. */
export const OPEN_VNET_HDR = 1 << 0;
/** IFF_MULTI_QUEUE: this open is one more queue of the TAP. */
export const OPEN_MULTI_QUEUE = 1 << 1;
/** With the virtio header: accept TSO/GRO super-frames from the kernel. */
export const OPEN_TSO = 1 << 2;
/** AF_PACKET: send through the qdisc instead of bypassing it. */
export const OPEN_NO_QDISC_BYPASS = 1 << 3;

/** Bits of `features`. */
export const FEATURE_VNET_HDR = 1 << 0;
/** The TAP was opened as one queue of several. */
export const FEATURE_MULTI_QUEUE = 1 << 1;
/** The shim created the TAP (it disappears on close). */
export const FEATURE_CREATED = 1 << 2;
/** AF_PACKET frames bypass the qdisc. */
export const FEATURE_QDISC_BYPASS = 1 << 3;
/** AF_PACKET transmit frames start at an offset of our choosing (IPv4 aligned). */
export const FEATURE_TX_HAS_OFF = 1 << 4;
/** TSO/GRO super-frames are on. */
export const FEATURE_TSO = 1 << 5;
/** The device went away. */
export const FEATURE_GONE = 1 << 31;

/** Descriptor flag: checksum not computed yet (trusted local data). */
export const DESC_CSUM_PARTIAL = 1 << 0;
/** Descriptor flag: the kernel verified the checksum. */
export const DESC_CSUM_VALID = 1 << 1;

/** Backend numbers. */
export const BACKEND_NAMES: Readonly<Record<number, string>> = {
  1: "tap",
  2: "packet",
  3: "netmap",
  4: "xdp",
};

// RingInfo offsets (ffi/src/lib.rs).
const INFO_SIZE = 168;
const I = {
  abi: 0,
  backend: 4,
  rxSlots: 8,
  txSlots: 12,
  slotSize: 16,
  txAvail: 20,
  features: 24,
  mtu: 28,
  mem: 32,
  memLen: 40,
  rxDesc: 48,
  txDesc: 56,
  fd: 64,
  lastErrno: 68,
  mac: 72,
  rxFrames: 80,
  rxBytes: 88,
  rxDropped: 96,
  rxErrors: 104,
  txFrames: 112,
  txBytes: 120,
  txDropped: 128,
  txErrors: 136,
  waits: 144,
  wakeups: 152,
  arenaLen: 160,
} as const;

/** The counters the shim keeps for a ring. */
export interface ShimCounters {
  /** Frames received. */
  rxFrames: number;
  /** Bytes received. */
  rxBytes: number;
  /** Dropped by the kernel (ring full) or truncated. */
  rxDropped: number;
  /** Failed reads. */
  rxErrors: number;
  /** Frames sent. */
  txFrames: number;
  /** Bytes sent. */
  txBytes: number;
  /** Frames not sent (queue full, device gone). */
  txDropped: number;
  /** Failed writes. */
  txErrors: number;
  /** Waits that returned. */
  waits: number;
  /** Waits ended by a wake. */
  wakeups: number;
}

let loaded: { lib: Deno.DynamicLibrary<typeof SHIM_SYMBOLS>; path: string } | undefined;

function envPath(): string | undefined {
  try {
    return Deno.env.get("MTCP_SHIM_PATH") || undefined;
  } catch {
    return undefined; // no --allow-env: skip this place
  }
}

function cachePath(): string | undefined {
  try {
    const xdg = Deno.env.get("XDG_CACHE_HOME");
    const home = Deno.env.get("HOME");
    const base = xdg || (home ? `${home}/.cache` : undefined);
    return base ? `${base}/mtcp-deno/${SHIM_FILE}` : undefined;
  } catch {
    return undefined;
  }
}

/** Where the library is looked for, in order (`explicit` first when given). */
export function shimSearchPath(explicit?: string): string[] {
  const out: string[] = [];
  if (explicit) out.push(explicit);
  const env = envPath();
  if (env) out.push(env);
  const local = new URL(`./target/release/${SHIM_FILE}`, import.meta.url);
  if (local.protocol === "file:") out.push(decodeURIComponent(local.pathname));
  const cache = cachePath();
  if (cache) out.push(cache);
  return out;
}

/**
 * Loads the shim (once per process) from the first place of
 * {@linkcode shimSearchPath} that holds it. Throws an `Error` of one line when
 * none does, the library is of another ABI version, or FFI is not allowed.
 */
export function loadShim(path?: string): { symbols: Shim; path: string } {
  if (loaded !== undefined && (path === undefined || path === loaded.path)) {
    return { symbols: loaded.lib.symbols, path: loaded.path };
  }
  const places = shimSearchPath(path);
  for (const p of places) {
    try {
      Deno.statSync(p);
    } catch (err) {
      if (err instanceof Deno.errors.NotCapable) {
        throw new Error(
          `Cannot load the packet shim: no read permission (run with --allow-read --allow-ffi)`,
        );
      }
      continue;
    }
    let lib: Deno.DynamicLibrary<typeof SHIM_SYMBOLS>;
    try {
      lib = Deno.dlopen(p, SHIM_SYMBOLS);
    } catch (err) {
      if (err instanceof Deno.errors.NotCapable) {
        throw new Error(`Cannot load the packet shim: FFI is not allowed (run with --allow-ffi)`);
      }
      const msg = err instanceof Error ? err.message.split("\n")[0] : String(err);
      throw new Error(`Cannot load the packet shim ${p}: ${msg}`);
    }
    const abi = lib.symbols.mtcp_shim_abi_version();
    if (abi !== SHIM_ABI_VERSION) {
      lib.close();
      throw new Error(
        `Cannot load the packet shim ${p}: ABI version ${abi}, expected ${SHIM_ABI_VERSION} (rebuild it with \`deno task build\`)`,
      );
    }
    loaded = { lib, path: p };
    return { symbols: lib.symbols, path: p };
  }
  throw new Error(
    `Cannot load the packet shim: ${SHIM_FILE} not found (looked in ${places.join(", ")}); ` +
      `build it with \`deno task build\` in a checkout, or set MTCP_SHIM_PATH to it`,
  );
}

/** Options of {@linkcode ShimRing.open}. */
export interface ShimOpenOptions {
  /** OPEN_* bits. */
  flags?: number;
  /** Receive and transmit descriptors (default 256). */
  slots?: number;
  /**
   * Bytes reserved at the start of the ring's memory for the caller's own
   * buffers (default 0): one mapping, so copies between them and frames are
   * `copyWithin` and allocate nothing.
   */
  arenaBytes?: number;
  /** The library, when not in the usual places. */
  shimPath?: string;
}

const encoder = new TextEncoder();

/**
 * One ring: the handle, its info block, its packet memory (one view, mapped
 * once) and its descriptor arrays (four u32 per descriptor: offset, length,
 * flags, meta). A {@linkcode RingDevice} holds one as `ring`.
 *
 * @example What the shim says a device can do
 * ```ts
 * import { RingDevice } from "../mod.ts";
 * try {
 *   using device = RingDevice.open("tap:mtcpdoc1");
 *   console.log(device.ring.backend, device.ring.features); // tap, then its feature bits
 * } catch (err) {
 *   console.log((err as Error).message); // not root here, or no shim built
 * }
 * ```
 */
export class ShimRing {
  /** The device spec it was opened with. */
  readonly spec: string;
  /** `tap`, `packet`, `netmap` or `xdp`. */
  readonly backend: string;
  /** The ring's memory: the arena, then the packet memory; every frame is a range of this view. */
  readonly mem: Uint8Array;
  /** Bytes at the start of `mem` left for the caller's buffers. */
  readonly arenaBytes: number = 0;
  /** Receive descriptors. */
  readonly rxDesc: Uint32Array;
  /** Transmit descriptors. */
  readonly txDesc: Uint32Array;
  /** Receive descriptors (most frames per burst). */
  readonly rxSlots: number = 0;
  /** Transmit descriptors. */
  readonly txSlots: number = 0;
  /** Largest frame a slot holds. */
  readonly slotSize: number = 0;
  /** The interface's MTU. */
  readonly mtu: number = 0;
  /** The interface's hardware address (0 for a TAP: its wire has no address of ours). */
  readonly mac: number = 0;
  readonly #s: Shim;
  #ptr: Deno.PointerObject | null;
  readonly #info: DataView;
  #waiting: Promise<number> | undefined;

  private constructor(spec: string, s: Shim, ptr: Deno.PointerObject) {
    this.spec = spec;
    this.#s = s;
    this.#ptr = ptr;
    const view = new Deno.UnsafePointerView(ptr);
    this.#info = new DataView(view.getArrayBuffer(INFO_SIZE));
    const d = this.#info;
    this.backend = BACKEND_NAMES[d.getUint32(I.backend, true)] ?? "unknown";
    this.rxSlots = d.getUint32(I.rxSlots, true);
    this.txSlots = d.getUint32(I.txSlots, true);
    this.slotSize = d.getUint32(I.slotSize, true);
    this.mtu = d.getUint32(I.mtu, true);
    let mac = 0;
    for (let i = 0; i < 6; i++) mac = mac * 256 + d.getUint8(I.mac + i);
    this.mac = mac;
    const region = (at: number, len: number) =>
      new Deno.UnsafePointerView(Deno.UnsafePointer.create(d.getBigUint64(at, true))!)
        .getArrayBuffer(len);
    this.mem = new Uint8Array(region(I.mem, Number(d.getBigUint64(I.memLen, true))));
    this.arenaBytes = Number(d.getBigUint64(I.arenaLen, true));
    this.rxDesc = new Uint32Array(region(I.rxDesc, this.rxSlots * 16));
    this.txDesc = new Uint32Array(region(I.txDesc, this.txSlots * 16));
  }

  /**
   * Opens `spec` (`tap:NAME`, `packet:IFNAME`, `xdp:IFNAME`, `netmap:IFNAME`). Throws an
   * `Error` of one line (missing capability, no such interface, netmap
   * absent, shim not found).
   */
  static open(spec: string, options: ShimOpenOptions = {}): ShimRing {
    const { symbols } = loadShim(options.shimPath);
    const name = encoder.encode(spec);
    const err = new Uint8Array(512);
    const ptr = symbols.mtcp_shim_open(
      name,
      BigInt(name.length),
      options.flags ?? 0,
      options.slots ?? 0,
      BigInt(options.arenaBytes ?? 0),
      err,
      BigInt(err.length),
    );
    if (ptr === null) {
      const end = err.indexOf(0);
      const message = new TextDecoder().decode(err.subarray(0, end < 0 ? err.length : end));
      throw new Error(spec.startsWith("tap:") ? tunHint(message) : message);
    }
    return new ShimRing(spec, symbols, ptr);
  }

  /** FEATURE_* bits (they change when the device goes away). */
  get features(): number {
    return this.#info.getUint32(I.features, true);
  }

  /** Transmit descriptors usable now. */
  get txAvail(): number {
    return this.#info.getUint32(I.txAvail, true);
  }

  /** errno of the shim's last failed system call. */
  get lastErrno(): number {
    return this.#info.getInt32(I.lastErrno, true);
  }

  /** True until {@linkcode ShimRing.close}. */
  get open(): boolean {
    return this.#ptr !== null;
  }

  /** Receives a burst: up to `max` descriptors filled; a negative errno on failure. */
  rx(max: number): number {
    return this.#s.mtcp_shim_rx(this.#ptr, max);
  }

  /** Sends the first `n` transmit descriptors and refreshes them. */
  tx(n: number): number {
    return this.#s.mtcp_shim_tx(this.#ptr, n);
  }

  /**
   * Waits off the JavaScript thread until a frame can be received, a
   * {@linkcode ShimRing.wake}, or `timeoutMs` (-1: forever): 1, 2 or 0; a
   * negative errno when the device failed. One wait at a time.
   */
  wait(timeoutMs: number): Promise<number> {
    if (this.#waiting !== undefined) return this.#waiting;
    if (this.#ptr === null) return Promise.resolve(-9); // EBADF
    const p = this.#s.mtcp_shim_wait(this.#ptr, Math.max(-1, Math.min(timeoutMs, 0x7fffffff)))
      .finally(() => {
        this.#waiting = undefined;
      });
    this.#waiting = p;
    return p;
  }

  /**
   * Spins on this thread (no sleep, no promise, no allocation) until a frame
   * can be received or `us` microseconds pass: 1 or 0 (0 at once while a
   * {@linkcode ShimRing.wait} is in progress, or after close).
   */
  spin(us: number): number {
    if (this.#ptr === null || this.#waiting !== undefined) return 0;
    return this.#s.mtcp_shim_spin(this.#ptr, us);
  }

  /** Ends a wait in progress early (nothing to do, and no system call, when none is). */
  wake(): void {
    if (this.#ptr !== null && this.#waiting !== undefined) this.#s.mtcp_shim_wake(this.#ptr);
  }

  /** For a TAP: gives the kernel side `address` (host order, 0: none) and brings it up; 0 or -errno. */
  configureTap(address: number, prefixLength: number): number {
    return this.#s.mtcp_shim_tap_configure(this.#ptr, address >>> 0, prefixLength);
  }

  /** The shim's counters (AF_PACKET's kernel drops folded in). */
  counters(): ShimCounters {
    if (this.#ptr !== null) this.#s.mtcp_shim_stats(this.#ptr);
    const d = this.#info;
    const n = (at: number) => Number(d.getBigUint64(at, true));
    return {
      rxFrames: n(I.rxFrames),
      rxBytes: n(I.rxBytes),
      rxDropped: n(I.rxDropped),
      rxErrors: n(I.rxErrors),
      txFrames: n(I.txFrames),
      txBytes: n(I.txBytes),
      txDropped: n(I.txDropped),
      txErrors: n(I.txErrors),
      waits: n(I.waits),
      wakeups: n(I.wakeups),
    };
  }

  /**
   * Closes the device and unmaps its memory (after any wait in progress
   * ends). Every view of the ring is invalid afterwards.
   */
  async close(): Promise<void> {
    const ptr = this.#ptr;
    if (ptr === null) return;
    this.#ptr = null;
    if (this.#waiting !== undefined) {
      this.#s.mtcp_shim_wake(ptr);
      await this.#waiting.catch(() => 0);
    }
    this.#s.mtcp_shim_close(ptr);
  }
}

/** The netmap structure layout as the shim compiled it (see `netmap::LAYOUT_NAMES`). */
export function netmapLayout(shimPath?: string): number[] {
  const { symbols } = loadShim(shimPath);
  const out = new Uint32Array(64);
  const n = symbols.mtcp_shim_netmap_layout(out, out.length);
  return [...out.subarray(0, n)];
}

/**
 * A TAP refused for want of privilege: `unshare -rn` helps only when
 * /dev/net/tun is open to other users (its mode here decides), so the hint
 * says what this machine needs.
 */
export function tunHint(message: string, mode: number | null = tunMode()): string {
  if (!message.includes("permission denied")) return message;
  const generic = " (run as root, or inside `unshare -rn`)";
  const base = message.endsWith(generic) ? message.slice(0, -generic.length) : message;
  if (mode === null) return `${base} (run as root)`;
  if ((mode & 0o006) === 0o006) return `${base} (run as root, or inside \`unshare -rn\`)`;
  const octal = (mode & 0o777).toString(8).padStart(4, "0");
  return `${base} (run as root: /dev/net/tun is mode ${octal} here, so \`unshare -rn\` is not ` +
    "enough unless root runs `chmod 0666 /dev/net/tun`)";
}

function tunMode(): number | null {
  try {
    return Deno.statSync("/dev/net/tun").mode;
  } catch {
    return null;
  }
}
