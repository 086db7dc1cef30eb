import assert from "node:assert/strict";
import { accessLine, timeLocal } from "./logs.ts";

Deno.test("access log: quotes, backslashes and control bytes are escaped as nginx does, the time is nginx's", () => {
  const line = accessLine(
    {
      remote: "10.0.0.1",
      request: 'GET /"a\\b\x01 HTTP/1.1',
      status: 400,
      bytes: 0,
      referer: "x\ny",
      userAgent: undefined,
    },
    "combined",
    1_700_000_000_000,
  );
  assert.equal(
    line,
    '10.0.0.1 - - [14/Nov/2023:22:13:20 +0000] "GET /\\x22a\\x5cb\\x01 HTTP/1.1" 400 0 "x\\x0ay" "-"',
  );
  assert.equal(timeLocal(0), "01/Jan/1970:00:00:00 +0000");
});
