import assert from "node:assert/strict";

const cli = new URL("../cli.ts", import.meta.url).pathname;

async function run(...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", cli, ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("cli ping pings one in-memory host from another and prints ping's summary", async () => {
  const r = await run("ping", "--count", "3", "--interval", "10");
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /in-memory Ethernet, system clock/);
  assert.equal(
    r.stdout.match(/^64 bytes from 10\.0\.0\.2: icmp_seq=\d time=\d+\.\d{3} ms$/gm)?.length,
    3,
  );
  assert.match(r.stdout, /3 packets transmitted, 3 received, 0% packet loss/);
  assert.match(r.stdout, /rtt min\/avg\/max\/mdev = [\d.]+\/[\d.]+\/[\d.]+\/[\d.]+ ms/);
  assert.match(r.stdout, /arp: 10\.0\.0\.2 is-at 02:[0-9a-f:]{14} \(REACHABLE\)/);
});

Deno.test("cli ping on the virtual clock with latency reports exact round trips", async () => {
  const r = await run("ping", "--clock", "virtual", "--latency", "2.5", "--count", "3");
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /icmp_seq=2 time=5\.000 ms/);
});

Deno.test("cli ping --pcap writes a capture our reader and tcpdump's format agree on", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r = await run("ping", "--clock", "virtual", "--count", "2", "--pcap", `${dir}/d.pcap`);
    assert.equal(r.code, 0, r.stderr);
    const bytes = await Deno.readFile(`${dir}/d.pcap`);
    assert.deepEqual([...bytes.subarray(0, 4)], [0xd4, 0xc3, 0xb2, 0xa1]);
    assert.ok(bytes.length > 24 + 4 * (16 + 42));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli mistakes print one error line and the usage, exit 2", async () => {
  for (
    const args of [
      ["ping", "--bogus"],
      ["ping", "--count", "0"],
      ["ping", "--clock", "sundial"],
      ["frobnicate"],
      [],
      ["serve", "--dev", "eth0"],
      ["serve", "--ip", "10.0.0.2"],
      ["serve", "--port", "70000"],
      ["serve", "--echo", "--discard"],
      ["serve", "--impair", "loss=2"],
      ["serve", "--stats-format", "xml"],
      ["serve", "--cores", "2", "--dev", "packet:lo"],
      ["serve", "--tso", "--no-offload"],
      ["serve", "--tso", "--dev", "memory"],
      ["serve", "--ring-slots", "4"],
      ["serve", "--ring-slots", "8192"],
      ["proxy", "--upstream", "nowhere"],
      ["proxy"],
      ["proxy", "--upstream-file", "/nonexistent/upstreams"],
      ["proxy", "--upstream", "10.0.0.1:80", "--balance", "random"],
      ["proxy", "--upstream", "10.0.0.1:80", "--health-check", "ftp"],
      ["proxy", "--upstream", "10.0.0.1:80", "--health-interval", "1"],
      ["proxy", "--upstream", "10.0.0.1:80", "--max-fails", "0"],
      ["bench"],
      ["bench", "https://example.org/"],
      ["demo", "--mode", "moon"],
    ]
  ) {
    const r = await run(...args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr.split("\n")[0]!, /^error: \S/);
    assert.match(r.stderr, /Usage: deno run -A cli\.ts/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
  }
});

Deno.test("cli ping fails with exit 1 and one line when nothing answers", async () => {
  const r = await run("ping", "--clock", "virtual", "--loss", "1", "--count", "2");
  assert.equal(r.code, 1);
  assert.equal(r.stderr.trim(), "error: No echo replies");
});

Deno.test("cli operator errors are one line and exit 1: a missing directory, a missing device", async () => {
  const missing = await run("serve", "--dev", "memory", "--http", "/nonexistent/www");
  assert.equal(missing.code, 1, missing.stderr);
  assert.equal(missing.stderr.trim(), "error: Cannot serve /nonexistent/www: no such directory");
  const device = await run("serve", "--dev", "packet:nosuchif0");
  assert.equal(device.code, 1, device.stderr);
  assert.match(
    device.stderr.trim(),
    /^error: packet:nosuchif0: (no such interface|.*CAP_NET_RAW.*)$/,
  );
  const conf = await run("serve", "--dev", "memory", "--config", "/nonexistent/mtcp.conf");
  assert.equal(conf.code, 1);
  assert.match(conf.stderr.trim(), /^error: Cannot read \/nonexistent\/mtcp\.conf: no such file$/);
});

Deno.test("cli demo --mode memory runs serve and bench in one process and says so", async () => {
  const r = await run("demo", "--mode", "memory");
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^demo mode: memory/m);
  assert.match(r.stdout, /requests: 2000 completed, 0 failed/);
  assert.match(r.stdout, /^demo: ok$/m);
});

Deno.test("cli help prints the usage and exits 0", async () => {
  const r = await run("help");
  assert.equal(r.code, 0);
  assert.match(r.stdout, /ping\s+Two hosts/);
  assert.match(r.stdout, /serve\s+Serve HTTP files/);
});

Deno.test("cli --config: a bad mtcp.conf, arp.conf or route.conf line names file and line, exit 1", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const cases: [string, string, RegExp][] = [
      ["mtcp.conf", "max_concurrency = 10\nbogus_key = 1\n", /^error: .*mtcp\.conf:2: .*bogus_key/],
      [
        "arp.conf",
        "ARP_ENTRY 1\n10.0.0.9/32 zz:zz\n",
        /^error: .*arp\.conf:2: invalid MAC 'zz:zz'$/,
      ],
      [
        "route.conf",
        "ROUTES 2\n10.1.0.0/16 tap0\n",
        /^error: .*route\.conf:1: ROUTES says 2 entries, the file has 1$/,
      ],
    ];
    for (const [name, text, expected] of cases) {
      await Deno.writeTextFile(`${dir}/${name}`, text);
      const r = await run("serve", "--dev", "memory", "--config", `${dir}/${name}`);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr.trim(), expected);
      assert.equal(r.stderr.trim().split("\n").length, 1);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli: every command's --help and -h print its usage, every flag and an example, exit 0; --version names ours and Deno's", async () => {
  const stack = [
    "--dev",
    "--ip",
    "--gateway",
    "--mac",
    "--host-ip",
    "--cores",
    "--config",
    "--busy-poll",
    "--no-offload",
    "--impair",
    "--stats",
    "--stats-format",
    "--pcap",
    "--metrics",
  ];
  const flags: Record<string, string[]> = {
    serve: [
      "--port",
      "--http",
      "--echo",
      "--discard",
      "--autoindex",
      "--cache-control",
      "--access-log",
      "--log-format",
      "--backlog",
      "--max-connections",
      "--header-timeout",
      "--keepalive-timeout",
      "--max-pipelined",
      "--max-open-files",
      "--idle-timeout",
      "--drain-timeout",
      ...stack,
    ],
    proxy: [
      "--listen",
      "--upstream",
      "--upstream-file",
      "--balance",
      "--backlog",
      "--max-connections",
      "--access-log",
      "--log-format",
      "--max-fails",
      "--fail-timeout",
      "--health-check",
      "--health-interval",
      "--health-timeout",
      "--rise",
      "--fall",
      "--connect-timeout",
      "--idle-timeout",
      "--drain-timeout",
      ...stack,
    ],
    bench: ["-n ", "-c ", "--keepalive", "--duration", ...stack],
    demo: ["--mode"],
    ping: [
      "--count",
      "--interval",
      "--size",
      "--latency",
      "--loss",
      "--seed",
      "--clock",
      "--pcap",
      "--trace",
    ],
  };
  for (const [command, expected] of Object.entries(flags)) {
    for (const flag of ["--help", "-h"]) {
      const r = await run(command, flag);
      assert.equal(r.code, 0, `${command} ${flag}: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^Usage: deno run -A cli\\.ts ${command}`));
      assert.match(r.stdout, /\nExample:\n {2}deno run -A cli\.ts /);
      for (const f of expected) assert.ok(r.stdout.includes(f), `${command} --help lacks ${f}`);
    }
  }
  const deno = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  for (const v of ["--version", "version"]) {
    const r = await run(v);
    assert.equal(r.code, 0);
    assert.equal(r.stdout.trim().split(" ")[1], deno.version);
    assert.match(r.stdout, new RegExp(`\\(deno ${Deno.version.deno.replaceAll(".", "\\.")}, `));
  }
});
