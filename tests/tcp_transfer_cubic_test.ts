/**
 * The transfer matrix for CUBIC (see transferMatrix in _support/mtcp_pair.ts):
 * 100 MB each way, with and without SACK, at 0, 1, 5 and 20 % loss with
 * reordering and duplication, every byte checked.
 */
import { transferMatrix } from "./_support/mtcp_pair.ts";

transferMatrix("cubic", "CUBIC");
