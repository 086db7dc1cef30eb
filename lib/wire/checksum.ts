/**
 * The Internet checksum (RFC 1071), the TCP/UDP pseudo-header sum, and
 * incremental update (RFC 1624).
 *
 * Sums are carried as plain numbers and folded only at the end: a double holds
 * 2^53 exactly, so a 64 KiB datagram of 16-bit words cannot overflow it.
 *
 * @module
 */

/**
 * Adds the bytes `[offset, offset + length)` of `bytes`, taken as big-endian
 * 16-bit words, to `sum` and returns the unfolded total. An odd final byte is
 * padded with a zero byte (RFC 1071 §4.1), so a buffer may be summed in pieces
 * only where every piece but the last has an even length.
 */
export function checksumAdd(
  sum: number,
  bytes: Uint8Array,
  offset: number,
  length: number,
): number {
  let i = offset;
  const end = offset + length;
  const evenEnd = end - (length & 1);
  for (; i < evenEnd; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (i < end) sum += bytes[i]! << 8;
  return sum;
}

/** Folds an unfolded sum to 16 bits with end-around carry (RFC 1071 §4.1). */
export function checksumFold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/** The one's complement of the folded sum: the value to write into a header. */
export function checksumFinish(sum: number): number {
  return ~checksumFold(sum) & 0xffff;
}

/** The Internet checksum of `bytes[offset, offset + length)`, ready to store. */
export function internetChecksum(
  bytes: Uint8Array,
  offset = 0,
  length = bytes.length - offset,
): number {
  return checksumFinish(checksumAdd(0, bytes, offset, length));
}

/**
 * The unfolded sum of the IPv4 pseudo-header (RFC 9293 §3.1): source, destination,
 * zero, protocol and the transport length. Addresses are uint32 numbers.
 */
export function pseudoHeaderSum(
  src: number,
  dst: number,
  protocol: number,
  length: number,
): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + protocol + length;
}

/**
 * RFC 1624 eqn. 3: the new checksum after a 16-bit field changes from `oldWord`
 * to `newWord`, without summing the packet again: HC' = ~(~HC + ~m + m').
 */
export function checksumUpdate16(checksum: number, oldWord: number, newWord: number): number {
  const sum = (~checksum & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff);
  return ~checksumFold(sum) & 0xffff;
}

/** RFC 1624 applied to a 32-bit field (an address), as two 16-bit updates. */
export function checksumUpdate32(checksum: number, oldValue: number, newValue: number): number {
  const sum = (~checksum & 0xffff) +
    (~(oldValue >>> 16) & 0xffff) + (~oldValue & 0xffff) +
    (newValue >>> 16) + (newValue & 0xffff);
  return ~checksumFold(sum) & 0xffff;
}
