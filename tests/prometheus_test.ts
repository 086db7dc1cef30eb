/** The strict exposition reader of tests/_support/prometheus.ts refuses what Prometheus would. */
import assert from "node:assert/strict";
import { parseExposition } from "./_support/prometheus.ts";
import { exposition } from "../lib/apps/metrics.ts";

Deno.test("the exposition of a sample parses; the reader refuses malformed text", () => {
  const s = {
    core: 1,
    rxPackets: 5,
    rxBytes: 300,
    txPackets: 4,
    txBytes: 200,
    flows: 2,
    opened: 3,
    retransmits: 1,
    drops: { ipBadChecksum: 2 },
    tcp: { syncookiesSent: 7, stuckConnections: 0 },
  };
  const p = parseExposition(exposition([s]));
  const get = (name: string, labels: Record<string, string> = {}) =>
    p.samples.find((x) =>
      x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v)
    )?.value;
  assert.equal(get("mtcp_rx_bytes_total", { core: "1" }), 300);
  assert.equal(get("mtcp_drops_total", { reason: "ipBadChecksum" }), 2);
  assert.equal(get("mtcp_tcp_events_total", { event: "syncookiesSent" }), 7);
  assert.equal(get("mtcp_stuck_connections"), 0);
  for (
    const bad of [
      "a_total 1\n", // no TYPE
      "# TYPE a counter\na 1\n", // a counter without _total
      "# TYPE a_total counter\na_total{x=1} 1\n", // unquoted label
      "# TYPE a_total counter\na_total one\n", // not a number
      "# TYPE a_total counter\na_total 1", // no final newline
      "# TYPE 1a gauge\n", // bad name
    ]
  ) {
    assert.throws(() => parseExposition(bad), Error, JSON.stringify(bad));
  }
});
