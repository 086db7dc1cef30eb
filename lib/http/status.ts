/**
 * The status codes this project sends, with their reason phrases (RFC 9110
 * §15), and the Content-Type of a file name by its extension.
 *
 * @module
 */

/**
 * Reason phrases by status code (RFC 9110 §15). A code missing here is sent
 * with the phrase "Unknown" (a client must ignore the phrase, RFC 9112 §4).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { STATUS_TEXT } from "./status.ts";
 * assert.equal(STATUS_TEXT[404], "Not Found");
 * ```
 */
export const STATUS_TEXT: Readonly<Record<number, string>> = {
  100: "Continue",
  200: "OK",
  201: "Created",
  202: "Accepted",
  204: "No Content",
  206: "Partial Content",
  301: "Moved Permanently",
  302: "Found",
  304: "Not Modified",
  307: "Temporary Redirect",
  308: "Permanent Redirect",
  400: "Bad Request",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  411: "Length Required",
  412: "Precondition Failed",
  413: "Content Too Large",
  414: "URI Too Long",
  416: "Range Not Satisfiable",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
  505: "HTTP Version Not Supported",
};

/**
 * The reason phrase of `status`, "Unknown" for a code not in
 * {@linkcode STATUS_TEXT}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { statusText } from "./status.ts";
 * assert.equal(statusText(416), "Range Not Satisfiable");
 * assert.equal(statusText(299), "Unknown");
 * ```
 */
export function statusText(status: number): string {
  return STATUS_TEXT[status] ?? "Unknown";
}

const TYPES: Readonly<Record<string, string>> = {
  html: "text/html; charset=utf-8",
  htm: "text/html; charset=utf-8",
  txt: "text/plain; charset=utf-8",
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  md: "text/markdown; charset=utf-8",
  csv: "text/csv; charset=utf-8",
  json: "application/json",
  xml: "application/xml",
  svg: "image/svg+xml",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  ico: "image/x-icon",
  pdf: "application/pdf",
  wasm: "application/wasm",
  mp4: "video/mp4",
  webm: "video/webm",
  mp3: "audio/mpeg",
  woff: "font/woff",
  woff2: "font/woff2",
  gz: "application/gzip",
  zip: "application/zip",
  tar: "application/x-tar",
};

/**
 * The Content-Type of a file name, by its extension (text types carry
 * `charset=utf-8`); `application/octet-stream` when unknown.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { contentType } from "./status.ts";
 * assert.equal(contentType("/a/index.html"), "text/html; charset=utf-8");
 * assert.equal(contentType("/a.d/README"), "application/octet-stream");
 * ```
 */
export function contentType(name: string): string {
  const dot = name.lastIndexOf(".");
  const slash = name.lastIndexOf("/");
  if (dot <= slash + 1) return "application/octet-stream";
  return TYPES[name.slice(dot + 1).toLowerCase()] ?? "application/octet-stream";
}
