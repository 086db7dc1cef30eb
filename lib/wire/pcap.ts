/**
 * The libpcap file format (LINKTYPE_ETHERNET): a writer's headers and a reader
 * that accepts both byte orders and both microsecond and nanosecond files, as
 * written by tcpdump, Wireshark and this project's capture middleware.
 *
 * @module
 */

/** Link type of Ethernet frames. */
export const LINKTYPE_ETHERNET = 1;
/** Length of the file header. */
export const PCAP_FILE_HEADER_LEN = 24;
/** Length of a record header. */
export const PCAP_RECORD_HEADER_LEN = 16;
/** Snapshot length this project writes: enough for a 64 KiB GSO super-frame. */
export const PCAP_SNAPLEN = 262144;

const MAGIC_USEC = 0xa1b2c3d4;
const MAGIC_NSEC = 0xa1b23c4d;

/** Writes the 24-byte file header (little-endian, microseconds) into `out`. */
export function writePcapFileHeader(
  out: Uint8Array,
  snaplen = PCAP_SNAPLEN,
  linktype = LINKTYPE_ETHERNET,
): number {
  const v = new DataView(out.buffer, out.byteOffset, PCAP_FILE_HEADER_LEN);
  v.setUint32(0, MAGIC_USEC, true);
  v.setUint16(4, 2, true);
  v.setUint16(6, 4, true);
  v.setInt32(8, 0, true);
  v.setUint32(12, 0, true);
  v.setUint32(16, snaplen, true);
  v.setUint32(20, linktype, true);
  return PCAP_FILE_HEADER_LEN;
}

/**
 * Writes a 16-byte record header at `view`'s `offset` for a frame captured at
 * `timeMs` (milliseconds since the epoch, fractions kept to the microsecond).
 */
export function writePcapRecordHeader(
  view: DataView,
  offset: number,
  timeMs: number,
  capturedLength: number,
  originalLength: number,
): number {
  const usecTotal = Math.round(timeMs * 1000);
  const sec = Math.floor(usecTotal / 1e6);
  view.setUint32(offset, sec >>> 0, true);
  view.setUint32(offset + 4, usecTotal - sec * 1e6, true);
  view.setUint32(offset + 8, capturedLength, true);
  view.setUint32(offset + 12, originalLength, true);
  return PCAP_RECORD_HEADER_LEN;
}

/** One captured frame. */
export interface PcapRecord {
  /** Capture time in milliseconds since the epoch. */
  timeMs: number;
  /** The captured bytes (a view into the file's bytes). */
  data: Uint8Array;
  /** The frame's length on the wire (may exceed `data.length` when snapped). */
  originalLength: number;
}

/** A parsed capture file. */
export interface PcapFile {
  /** Link type of every record. */
  linktype: number;
  /** Snapshot length. */
  snaplen: number;
  /** The records in file order. */
  records: PcapRecord[];
}

/**
 * Parses a whole capture file. `undefined` if the magic is unknown or a record
 * runs past the end; a truncated final record is reported the same way, so a
 * file still being written should be read after it is closed.
 */
export function parsePcap(bytes: Uint8Array): PcapFile | undefined {
  if (bytes.length < PCAP_FILE_HEADER_LEN) return undefined;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let little: boolean;
  let nanos: boolean;
  const magicLe = v.getUint32(0, true);
  const magicBe = v.getUint32(0, false);
  if (magicLe === MAGIC_USEC || magicLe === MAGIC_NSEC) {
    little = true;
    nanos = magicLe === MAGIC_NSEC;
  } else if (magicBe === MAGIC_USEC || magicBe === MAGIC_NSEC) {
    little = false;
    nanos = magicBe === MAGIC_NSEC;
  } else {
    return undefined;
  }
  const snaplen = v.getUint32(16, little);
  const linktype = v.getUint32(20, little);
  const records: PcapRecord[] = [];
  let o = PCAP_FILE_HEADER_LEN;
  while (o < bytes.length) {
    if (o + PCAP_RECORD_HEADER_LEN > bytes.length) return undefined;
    const sec = v.getUint32(o, little);
    const frac = v.getUint32(o + 4, little);
    const incl = v.getUint32(o + 8, little);
    const orig = v.getUint32(o + 12, little);
    o += PCAP_RECORD_HEADER_LEN;
    if (o + incl > bytes.length) return undefined;
    records.push({
      timeMs: sec * 1000 + (nanos ? frac / 1e6 : frac / 1e3),
      data: bytes.subarray(o, o + incl),
      originalLength: orig,
    });
    o += incl;
  }
  return { linktype, snaplen, records };
}
