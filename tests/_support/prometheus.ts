/**
 * A strict reader of the Prometheus text exposition format (0.0.4), for
 * tests: every line is a `# HELP`, a `# TYPE` or a sample; a sample's metric
 * must have been typed before it; names and label names must be valid; label
 * values must be quoted and escaped; values must be numbers; a counter's name
 * must end in `_total`. Anything else throws, naming the line.
 *
 * @module
 */

/** One sample. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** The samples of `text`, with their types; throws on anything malformed. */
export function parseExposition(text: string): { samples: Sample[]; types: Map<string, string> } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  const lines = text.split("\n");
  if (lines.at(-1) !== "") throw new Error("the exposition must end with a newline");
  lines.forEach((line, i) => {
    if (line === "") return;
    const where = `line ${i + 1}: ${line}`;
    if (line.startsWith("# HELP ")) {
      if (!NAME.test(line.slice(7).split(" ")[0]!)) throw new Error(`bad HELP name, ${where}`);
      return;
    }
    if (line.startsWith("# TYPE ")) {
      const [name, type] = line.slice(7).split(" ");
      if (
        !NAME.test(name!) ||
        !["counter", "gauge", "histogram", "summary", "untyped"].includes(type!)
      ) {
        throw new Error(`bad TYPE, ${where}`);
      }
      if (type === "counter" && !name!.endsWith("_total")) {
        throw new Error(`counter without _total, ${where}`);
      }
      types.set(name!, type!);
      return;
    }
    if (line.startsWith("#")) return;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null) throw new Error(`malformed sample, ${where}`);
    const [, name, body, value] = m;
    if (!types.has(name!)) throw new Error(`sample before its TYPE, ${where}`);
    const labels: Record<string, string> = {};
    let rest = body ?? "";
    while (rest !== "") {
      const lm = /^([^=]+)="((?:[^"\\]|\\.)*)"(,|$)/.exec(rest);
      if (lm === null || !LABEL.test(lm[1]!)) throw new Error(`bad labels, ${where}`);
      labels[lm[1]!] = lm[2]!.replace(/\\(.)/g, (_, c) => (c === "n" ? "\n" : c));
      rest = rest.slice(lm[0].length);
    }
    const v = Number(value);
    if (Number.isNaN(v) && value !== "NaN") throw new Error(`bad value, ${where}`);
    samples.push({ name: name!, labels, value: v });
  });
  return { samples, types };
}
