/**
 * The stack's configuration: mtcp.conf's keys and format (one `key = value`
 * per line, `#` comments, unknown keys an error), mTCP's defaults where they
 * are sound, and the TCP knobs mTCP lacks. A bad line is reported with its
 * file, line number and key.
 *
 * @module
 */

import { isCongestionAlgorithm } from "../tcp/congestion/mod.ts";
import type { CongestionAlgorithm } from "../tcp/congestion/controller.ts";
import { TCP_DEFAULTS } from "../tcp/socket.ts";

/**
 * The configuration, keyed as mtcp.conf names it.
 *
 * @example The configuration in force, as mtcp.conf keys
 * ```ts
 * import assert from "node:assert/strict";
 * import { type MtcpConfig, mtcp_destroy, mtcp_getconf, mtcp_init } from "../../mod.ts";
 * mtcp_init({ num_cores: 1, rcvbuf: 131072 });
 * const config: Partial<MtcpConfig> = {};
 * mtcp_getconf(config);
 * assert.equal(config.rcvbuf, 131072);
 * assert.equal(config.tcp_timewait, 60); // seconds, like Linux (0 is mTCP's)
 * mtcp_destroy();
 * ```
 */
export interface MtcpConfig {
  /** Contexts (cores). Default: the machine's CPU count. */
  num_cores: number;
  /** Sockets per context (listeners, streams and epolls share it). mTCP: 10000. */
  max_concurrency: number;
  /** Send plus receive buffers per context. mTCP: 10000. */
  max_num_buffers: number;
  /** Receive buffer bytes per socket (mTCP's default 8192 is small; ours 65536). */
  rcvbuf: number;
  /** Send buffer bytes per socket. */
  sndbuf: number;
  /** Idle timeout in seconds: no segment for this long ends a connection; <= 0 disables (our default; mTCP's is 30). */
  tcp_timeout: number;
  /** TIME-WAIT in seconds: 60 (Linux's 2 MSL); mTCP's default 0 closes at once. */
  tcp_timewait: number;
  /**
   * Connections kept in TIME-WAIT as compact records (Linux's
   * `tcp_max_tw_buckets`); past it the oldest ends early, counted. 0 keeps
   * TIME-WAIT in the whole socket instead. Default 65536.
   */
  tcp_max_tw_buckets: number;
  /** Packet I/O module: `memory`, `tap`, `packet`, `netmap` or `xdp` (informational until a device is opened by spec). */
  io: string;
  /** Interface names (`port = tap0`), informational. */
  port: string;
  /** Interfaces whose statistics print every second, informational. */
  stat_print: string;
  /** RTO floor in ms (Linux 200). */
  tcp_rto_min_ms: number;
  /** RTO ceiling in ms. */
  tcp_rto_max_ms: number;
  /** Delayed-ACK timer in ms; 0 acknowledges every segment. */
  tcp_delayed_ack_ms: number;
  /** `newreno` or `cubic`. */
  tcp_congestion: CongestionAlgorithm;
  /** Offer SACK (1) or not (0). */
  tcp_sack: number;
  /** Offer timestamps (1) or not (0). */
  tcp_timestamps: number;
  /** Offer window scaling (1) or not (0). */
  tcp_window_scaling: number;
  /** TCP_NODELAY for every new socket (1) or Nagle (0). */
  tcp_nodelay: number;
  /** Keepalive idle time in seconds. */
  tcp_keepalive_time: number;
  /** Keepalive probe interval in seconds. */
  tcp_keepalive_intvl: number;
  /** Keepalive probes before giving up. */
  tcp_keepalive_probes: number;
  /** TCP_USER_TIMEOUT in ms for new sockets; 0 uses tcp_retries. */
  tcp_user_timeout_ms: number;
  /** Data retransmissions before giving up. */
  tcp_retries: number;
  /** SYN retransmissions of an active open before giving up (Linux tcp_syn_retries). */
  tcp_syn_retries: number;
  /** SYN-ACK retransmissions of a passive open before giving up (Linux tcp_synack_retries, 5). */
  tcp_synack_retries: number;
  /**
   * SYN cookies (RFC 4987 §3.6): 0 never, 1 when a listener's SYN queue is
   * full (default, as Linux), 2 always.
   */
  tcp_syncookies: number;
  /** Seconds an orphaned FIN-WAIT-2 waits. */
  tcp_fin_timeout: number;
  /** A full listen backlog: `drop` the SYN (default, as Linux) or `reset` it. */
  listen_overflow: "drop" | "reset";
  /** Seed for initial sequence numbers and MACs; 0 draws a random secret (RFC 6528). */
  seed: number;
}

/** Defaults. */
export function defaultConfig(): MtcpConfig {
  return {
    num_cores: typeof navigator !== "undefined" ? navigator.hardwareConcurrency || 1 : 1,
    max_concurrency: 10000,
    max_num_buffers: 10000,
    rcvbuf: TCP_DEFAULTS.rcvBufSize,
    sndbuf: TCP_DEFAULTS.sndBufSize,
    tcp_timeout: -1,
    tcp_timewait: TCP_DEFAULTS.timeWaitMs / 1000,
    tcp_max_tw_buckets: 65536,
    io: "memory",
    port: "",
    stat_print: "",
    tcp_rto_min_ms: TCP_DEFAULTS.minRtoMs,
    tcp_rto_max_ms: TCP_DEFAULTS.maxRtoMs,
    tcp_delayed_ack_ms: TCP_DEFAULTS.delayedAckMs,
    tcp_congestion: TCP_DEFAULTS.congestion,
    tcp_sack: 1,
    tcp_timestamps: 1,
    tcp_window_scaling: 1,
    tcp_nodelay: 0,
    tcp_keepalive_time: TCP_DEFAULTS.keepIdleMs / 1000,
    tcp_keepalive_intvl: TCP_DEFAULTS.keepIntvlMs / 1000,
    tcp_keepalive_probes: TCP_DEFAULTS.keepCnt,
    tcp_user_timeout_ms: 0,
    tcp_retries: TCP_DEFAULTS.maxRetries,
    tcp_syn_retries: TCP_DEFAULTS.synRetries,
    tcp_synack_retries: TCP_DEFAULTS.synAckRetries,
    tcp_syncookies: 1,
    tcp_fin_timeout: TCP_DEFAULTS.finWait2TimeoutMs / 1000,
    listen_overflow: "drop",
    seed: 0,
  };
}

type Rule = { kind: "int" | "number"; min: number; max: number } | {
  kind: "enum";
  values: readonly string[];
} | {
  kind: "string";
};

const RULES: Record<keyof MtcpConfig, Rule> = {
  num_cores: { kind: "int", min: 1, max: 64 },
  max_concurrency: { kind: "int", min: 1, max: 4_000_000 },
  max_num_buffers: { kind: "int", min: 0, max: 8_000_000 },
  rcvbuf: { kind: "int", min: 64, max: 1 << 30 },
  sndbuf: { kind: "int", min: 64, max: 1 << 30 },
  tcp_timeout: { kind: "number", min: -1, max: 1e9 },
  tcp_timewait: { kind: "number", min: 0, max: 3600 },
  tcp_max_tw_buckets: { kind: "int", min: 0, max: 4_000_000 },
  io: { kind: "enum", values: ["memory", "tap", "packet", "netmap", "xdp"] },
  port: { kind: "string" },
  stat_print: { kind: "string" },
  tcp_rto_min_ms: { kind: "number", min: 1, max: 60_000 },
  tcp_rto_max_ms: { kind: "number", min: 1, max: 3_600_000 },
  tcp_delayed_ack_ms: { kind: "number", min: 0, max: 500 },
  tcp_congestion: { kind: "enum", values: ["newreno", "cubic"] },
  tcp_sack: { kind: "int", min: 0, max: 1 },
  tcp_timestamps: { kind: "int", min: 0, max: 1 },
  tcp_window_scaling: { kind: "int", min: 0, max: 1 },
  tcp_nodelay: { kind: "int", min: 0, max: 1 },
  tcp_keepalive_time: { kind: "number", min: 1, max: 1e7 },
  tcp_keepalive_intvl: { kind: "number", min: 1, max: 1e6 },
  tcp_keepalive_probes: { kind: "int", min: 1, max: 1000 },
  tcp_user_timeout_ms: { kind: "number", min: 0, max: 1e9 },
  tcp_retries: { kind: "int", min: 1, max: 100 },
  tcp_syn_retries: { kind: "int", min: 1, max: 100 },
  tcp_synack_retries: { kind: "int", min: 0, max: 100 },
  tcp_syncookies: { kind: "int", min: 0, max: 2 },
  tcp_fin_timeout: { kind: "number", min: 0, max: 3600 },
  listen_overflow: { kind: "enum", values: ["drop", "reset"] },
  seed: { kind: "int", min: 0, max: 2 ** 32 - 1 },
};

// mtcp.conf keys that exist for DPDK, PSIO or openNetVM builds only.
const FOREIGN_KEYS = new Set([
  "core_mask",
  "num_mem_ch",
  "multiprocess",
  "cc",
  "onvm_serv",
  "onvm_inst",
  "onvm_dest",
]);

/** The result of checking one key and value. */
export type ConfigCheck = { ok: true } | { ok: false; message: string };

/** Checks and stores one setting into `config`; the message names the key. */
export function setConfigValue(config: MtcpConfig, key: string, value: unknown): ConfigCheck {
  if (!Object.hasOwn(RULES, key)) {
    if (FOREIGN_KEYS.has(key)) {
      return { ok: false, message: `key '${key}' is for mTCP's DPDK/ONVM builds only` };
    }
    return { ok: false, message: `unknown key '${key}'` };
  }
  const k = key as keyof MtcpConfig;
  const rule = RULES[k];
  if (rule.kind === "string") {
    (config as unknown as Record<string, unknown>)[k] = String(value);
    return { ok: true };
  }
  if (rule.kind === "enum") {
    const v = String(value);
    if (!rule.values.includes(v)) {
      return {
        ok: false,
        message: `invalid value '${v}' for key '${key}' (expected ${rule.values.join(" or ")})`,
      };
    }
    (config as unknown as Record<string, unknown>)[k] = v;
    return { ok: true };
  }
  const n = typeof value === "number" ? value : Number(String(value).trim());
  if (
    (typeof value === "string" && value.trim() === "") || !Number.isFinite(n) ||
    (rule.kind === "int" && !Number.isInteger(n)) || n < rule.min || n > rule.max
  ) {
    return {
      ok: false,
      message: `invalid value '${String(value)}' for key '${key}' (expected ${
        rule.kind === "int" ? "an integer" : "a number"
      } from ${rule.min} to ${rule.max})`,
    };
  }
  (config as unknown as Record<string, number>)[k] = n;
  return { ok: true };
}

/** A parsed mtcp.conf: the config, or the first error with its place. */
export type ParsedConfig = { ok: true; config: MtcpConfig } | { ok: false; message: string };

/**
 * Parses mtcp.conf text (config.c's format: `key = value` or `key value`,
 * `#` comments anywhere, blank lines ignored) over the defaults.
 */
export function parseMtcpConf(text: string, filename = "mtcp.conf"): ParsedConfig {
  const config = defaultConfig();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/#.*/, "").trim();
    if (line === "") continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*(?:=\s*|\s+)(.*)$/.exec(line);
    if (m === null) {
      return { ok: false, message: `${filename}:${i + 1}: expected 'key = value', got '${line}'` };
    }
    const check = setConfigValue(config, m[1]!, m[2]!.trim());
    if (!check.ok) return { ok: false, message: `${filename}:${i + 1}: ${check.message}` };
  }
  return validate(config, filename);
}

/** Builds a config from an object of settings over the defaults. */
export function configFrom(values: Partial<Record<string, unknown>>): ParsedConfig {
  const config = defaultConfig();
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    const check = setConfigValue(config, key, value);
    if (!check.ok) return { ok: false, message: check.message };
  }
  return validate(config, "config");
}

function validate(config: MtcpConfig, where: string): ParsedConfig {
  if (config.tcp_rto_min_ms > config.tcp_rto_max_ms) {
    return { ok: false, message: `${where}: tcp_rto_min_ms is above tcp_rto_max_ms` };
  }
  if (!isCongestionAlgorithm(config.tcp_congestion)) {
    return { ok: false, message: `${where}: invalid tcp_congestion` };
  }
  return { ok: true, config };
}
