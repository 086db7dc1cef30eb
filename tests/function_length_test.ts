/**
 * The function-length lint plugin (scripts/lint/function_length.ts) reports
 * a function of 101 lines in lib/ and passes one of 100, a long test file
 * and a long function outside lib/.
 */
import assert from "node:assert/strict";

const plugin = new URL("../scripts/lint/function_length.ts", import.meta.url).pathname;

function fn(name: string, lines: number): string {
  // `lines` lines from the signature to the closing brace.
  return `export function ${name}(): number {\n  let n = 0;\n` + "  n++;\n".repeat(lines - 4) +
    "  return n;\n}\n";
}

Deno.test("function-length plugin: 101 lines in lib/ is reported, 100 is not", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/lib`);
    await Deno.mkdir(`${dir}/other`);
    await Deno.writeTextFile(`${dir}/lib/long.ts`, fn("tooLong", 101) + fn("justRight", 100));
    await Deno.writeTextFile(`${dir}/lib/long_test.ts`, fn("aTest", 150));
    await Deno.writeTextFile(`${dir}/other/long.ts`, fn("elsewhere", 150));
    await Deno.writeTextFile(
      `${dir}/deno.json`,
      JSON.stringify({ lint: { plugins: [plugin], rules: { include: [] } } }),
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["lint", "--config", `${dir}/deno.json`, dir],
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 1, text);
    assert.match(text, /function is 101 lines long \(at most 100\)/);
    assert.equal(text.match(/max-function-lines/g)?.length, 1, text);
    assert.match(text, /lib\/long\.ts:1:/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
