/**
 * The transfer matrix for CUBIC (see transferMatrix in _support/mtcp_pair.ts):
 * 10 MB each way (100 MB under `deno task test:full`), with and without SACK, at 0, 1, 5 and 20 % loss with
 * reordering and duplication, every byte checked.
 */
import { transferMatrix } from "./_support/mtcp_pair.ts";

for (const t of transferMatrix("cubic", "CUBIC")) Deno.test(t);
