/**
 * Logs an operator reads: the access log of `serve` in nginx's combined
 * format or as JSON lines, written through a small buffered writer (a file
 * appended to, or standard output) so that a request costs a string, not a
 * system call.
 *
 * @module
 */

const encoder = new TextEncoder();
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/**
 * Lines to a file (appended) or to standard output (`-`), buffered and
 * written at most every 200 ms or 64 KiB, and at `close`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LogWriter } from "./logs.ts";
 * const file = await Deno.makeTempFile();
 * const log = LogWriter.open(file);
 * log.write("one");
 * log.write("two");
 * log.close();
 * assert.equal(await Deno.readTextFile(file), "one\ntwo\n");
 * await Deno.remove(file);
 * ```
 */
export class LogWriter {
  readonly #file: Deno.FsFile | undefined;
  #lines: string[] = [];
  #bytes = 0;
  #timer: ReturnType<typeof setInterval> | undefined;

  private constructor(file: Deno.FsFile | undefined) {
    this.#file = file;
    this.#timer = setInterval(() => this.flush(), 200);
    Deno.unrefTimer(this.#timer);
  }

  /** Opens `path` for appending (created when missing), or standard output for `-`. */
  static open(path: string): LogWriter {
    if (path === "-") return new LogWriter(undefined);
    return new LogWriter(Deno.openSync(path, { append: true, create: true }));
  }

  /** Queues one line (without its newline). */
  write(line: string): void {
    this.#lines.push(line);
    this.#bytes += line.length + 1;
    if (this.#bytes >= 65536) this.flush();
  }

  /** Writes what is queued. */
  flush(): void {
    if (this.#lines.length === 0) return;
    const bytes = encoder.encode(this.#lines.join("\n") + "\n");
    this.#lines = [];
    this.#bytes = 0;
    const out = this.#file ?? Deno.stdout;
    let off = 0;
    while (off < bytes.length) off += out.writeSync(bytes.subarray(off));
  }

  /** Flushes and closes (standard output stays open). */
  close(): void {
    this.flush();
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#file?.close();
  }
}

let localSecond = -1;
let localText = "";

/** nginx's $time_local for `ms`, as `07/Dec/2026:20:52:15 +0000` (UTC), made once a second. */
export function timeLocal(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== localSecond) {
    const d = new Date(second * 1000);
    const p = (n: number) => String(n).padStart(2, "0");
    localSecond = second;
    localText = `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:` +
      `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
  }
  return localText;
}

/** One request as the access log records it. */
export interface AccessEntry {
  /** The client's address. */
  remote: string;
  /** The request line (method, target, version), or "-" when none could be read. */
  request: string;
  /** The status sent. */
  status: number;
  /** Body bytes sent. */
  bytes: number;
  /** The Referer field, or undefined. */
  referer: string | undefined;
  /** The User-Agent field, or undefined. */
  userAgent: string | undefined;
}

// nginx escapes " and \ and non-printable bytes in logged fields as \xHH.
function escapeField(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out += c === 0x22 || c === 0x5c || c < 0x20 || c >= 0x7f
      ? `\\x${c.toString(16).padStart(2, "0")}`
      : text[i];
  }
  return out;
}

/**
 * The line of `e` in nginx's combined format (`json`: a JSON object with
 * the same fields and an ISO time) at wall time `ms`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { accessLine } from "./logs.ts";
 * const e = { remote: "10.0.0.1", request: "GET / HTTP/1.1", status: 200, bytes: 12, referer: undefined, userAgent: "curl/8" };
 * assert.equal(accessLine(e, "combined", 0), '10.0.0.1 - - [01/Jan/1970:00:00:00 +0000] "GET / HTTP/1.1" 200 12 "-" "curl/8"');
 * assert.equal(JSON.parse(accessLine(e, "json", 0)).status, 200);
 * ```
 */
export function accessLine(e: AccessEntry, format: "combined" | "json", ms: number): string {
  if (format === "json") {
    return JSON.stringify({
      time: new Date(ms).toISOString(),
      remote: e.remote,
      request: e.request,
      status: e.status,
      bytes: e.bytes,
      referer: e.referer ?? null,
      user_agent: e.userAgent ?? null,
    });
  }
  return `${e.remote} - - [${timeLocal(ms)}] "${escapeField(e.request)}" ${e.status} ${e.bytes} ` +
    `"${escapeField(e.referer ?? "-")}" "${escapeField(e.userAgent ?? "-")}"`;
}

/** One proxied connection as the connection log records it. */
export interface SessionEntry {
  /** The client, `IP:PORT`. */
  client: string;
  /** The upstream it was paired with (the last one tried), or "-". */
  upstream: string;
  /** nginx stream's $status: 200 carried, 502 no upstream answered, 503 refused (full). */
  status: number;
  /** Bytes sent to the client. */
  bytesSent: number;
  /** Bytes received from the client. */
  bytesReceived: number;
  /** From accept to close, ms. */
  durationMs: number;
  /** How it ended: `closed`, `reset`, `idle timeout`, `no upstream`, `full`, `shutdown`. */
  end: string;
}

/**
 * The connection log line of `e` at wall time `ms`, after nginx stream's
 * basic format (`$remote_addr [$time_local] TCP $status $bytes_sent
 * $bytes_received $session_time "$upstream_addr"`) with how it ended added;
 * `json`: a JSON object with the same fields and an ISO time.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sessionLine } from "./logs.ts";
 * const e = { client: "10.0.0.1:40000", upstream: "10.0.0.1:8001", status: 200, bytesSent: 300, bytesReceived: 77, durationMs: 1234, end: "closed" };
 * assert.equal(sessionLine(e, "combined", 0), '10.0.0.1:40000 [01/Jan/1970:00:00:00 +0000] TCP 200 300 77 1.234 "10.0.0.1:8001" closed');
 * assert.equal(JSON.parse(sessionLine(e, "json", 0)).session_time, 1.234);
 * ```
 */
export function sessionLine(e: SessionEntry, format: "combined" | "json", ms: number): string {
  const seconds = Math.round(e.durationMs) / 1000;
  if (format === "json") {
    return JSON.stringify({
      time: new Date(ms).toISOString(),
      remote: e.client,
      upstream: e.upstream,
      status: e.status,
      bytes_sent: e.bytesSent,
      bytes_received: e.bytesReceived,
      session_time: seconds,
      end: e.end,
    });
  }
  return `${e.client} [${timeLocal(ms)}] TCP ${e.status} ${e.bytesSent} ${e.bytesReceived} ` +
    `${seconds.toFixed(3)} "${e.upstream}" ${e.end}`;
}
