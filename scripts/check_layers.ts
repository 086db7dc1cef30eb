/**
 * Checks that imports in lib/ and ffi/ point downward only (STYLE.md):
 * wire <- storage <- tcp <- iface <- phy <- api <- http <- apps, and ffi/ below phy.
 * A file may import its own layer or a lower one, never a higher one.
 * Run by `deno task lint`; exits 1 naming each offending import.
 *
 * @module
 */

const RANK: Record<string, number> = {
  "lib/wire": 0,
  "lib/storage": 1,
  "lib/tcp": 2,
  "lib/iface": 3,
  "ffi": 3,
  "lib/phy": 4,
  "lib/api": 5,
  "lib/http": 6,
  "lib/apps": 7,
};

const root = new URL("..", import.meta.url).pathname;

function layerOf(path: string): string | undefined {
  const rel = path.startsWith(root) ? path.slice(root.length) : path;
  return Object.keys(RANK).find((layer) => rel === layer || rel.startsWith(layer + "/"));
}

function* walk(dir: string): Generator<string> {
  for (const entry of Deno.readDirSync(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory && entry.name !== "target" && entry.name !== "node_modules") {
      yield* walk(path);
    } else if (entry.isFile && path.endsWith(".ts")) yield path;
  }
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;
const problems: string[] = [];
for (const top of ["lib", "ffi"]) {
  let files: string[];
  try {
    files = [...walk(root + top)];
  } catch {
    continue;
  }
  for (const file of files) {
    if (file.endsWith("_test.ts")) continue; // tests may reach anything below the top level
    if (file === `${root}lib/mod.ts`) continue; // the index of every layer, above them all
    const from = layerOf(file);
    if (from === undefined) {
      problems.push(`${file.slice(root.length)}: not in a known layer`);
      continue;
    }
    const text = Deno.readTextFileSync(file);
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2]!;
      if (!spec.startsWith(".")) continue;
      const target = new URL(spec, `file://${file}`).pathname;
      const to = layerOf(target);
      if (to === undefined) {
        problems.push(`${file.slice(root.length)}: imports ${spec}, outside lib/ and ffi/`);
      } else if (
        RANK[to]! > RANK[from]! || (to === "ffi") !== (from === "ffi") && RANK[to] === RANK[from]
      ) {
        problems.push(`${file.slice(root.length)}: ${from} must not import ${to} (${spec})`);
      }
    }
  }
}
if (problems.length > 0) {
  for (const p of problems) console.error(`layer check: ${p}`);
  Deno.exit(1);
}
console.log("layer check: imports point downward");
