/**
 * A `deno lint` plugin: no function in `lib/` (tests aside) or `cli.ts` is
 * longer than 100 lines, counted from its first line to its last, nested
 * functions included. Functions, methods, getters and arrow functions alike.
 * Registered in deno.json, so `deno task lint` runs it.
 *
 * @module
 */

/** The most lines a function may span. */
export const MAX_FUNCTION_LINES = 100;

function applies(filename: string): boolean {
  const path = filename.replaceAll("\\", "/");
  if (path.endsWith("/cli.ts")) return true;
  return path.includes("/lib/") && !path.endsWith("_test.ts");
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

function lineOf(starts: number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

const plugin: Deno.lint.Plugin = {
  name: "size",
  rules: {
    "max-function-lines": {
      create(context) {
        if (!applies(context.filename)) return {};
        let starts: number[] | undefined;
        const check = (node: Deno.lint.Node) => {
          starts ??= lineStarts(context.sourceCode.text);
          const [a, b] = node.range;
          const lines = lineOf(starts, b) - lineOf(starts, a) + 1;
          if (lines > MAX_FUNCTION_LINES) {
            context.report({
              node,
              message: `function is ${lines} lines long (at most ${MAX_FUNCTION_LINES})`,
              hint: "split it into named steps, or a class with single-purpose methods",
            });
          }
        };
        return {
          FunctionDeclaration: check,
          FunctionExpression: check,
          ArrowFunctionExpression: check,
        };
      },
    },
  },
};

export default plugin;
