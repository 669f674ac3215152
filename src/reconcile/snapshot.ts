// A snapshot of a build or sitemap group's content (docs/purge-yaml.md, "Groups from the deploy"):
// its keys (a build's file paths relative to its directory, a sitemap's URLs), sorted, each with
// an 8-byte digest (of the file's content; of the entry's <lastmod>). The state keeps it small:
// the keys front-coded (each written as the length it shares with the one before and the rest),
// the digests in a column, the whole deflated and base64-encoded, about 20 bytes a file. Pure.
import { createHash } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';

/** Bytes of each key's digest: a 64-bit prefix of its SHA-256. */
export const DIGEST_BYTES = 8;

export interface Snapshot {
  /** Sorted (code-unit order), unique. */
  readonly keys: readonly string[];
  /** DIGEST_BYTES per key, in the order of `keys`. */
  readonly digests: Uint8Array;
}

const FORMAT = 1;
/** A snapshot past this many keys is refused when read back (a state is written by purgeplan). */
const MAX_KEYS = 50_000_000;

function pushVarint(out: number[], value: number): void {
  let v = value;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

/** The snapshot as bytes: a format byte, the key count, each key front-coded, then the digests. */
export function snapshotBytes(snapshot: Snapshot): Buffer {
  const head: number[] = [FORMAT];
  pushVarint(head, snapshot.keys.length);
  const parts: Buffer[] = [Buffer.from(head)];
  let previous = Buffer.alloc(0);
  let pending: number[] = [];
  for (const key of snapshot.keys) {
    const bytes = Buffer.from(key, 'utf8');
    const limit = Math.min(bytes.length, previous.length);
    let shared = 0;
    while (shared < limit && bytes[shared] === previous[shared]) shared += 1;
    pushVarint(pending, shared);
    pushVarint(pending, bytes.length - shared);
    parts.push(Buffer.from(pending), bytes.subarray(shared));
    pending = [];
    previous = bytes;
  }
  parts.push(Buffer.from(snapshot.digests.buffer, snapshot.digests.byteOffset, snapshot.digests.byteLength));
  return Buffer.concat(parts);
}

/** "sha256:<hex>" naming a snapshot: what a plan records of it, and what a saved plan is checked by. */
export function snapshotDigest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** The state's form of a snapshot's bytes. */
export function packSnapshot(bytes: Uint8Array): string {
  return deflateRawSync(bytes, { level: 9 }).toString('base64');
}

/** A snapshot read back from the state, or null when the text is not one (a damaged state). */
export function unpackSnapshot(table: string): { snapshot: Snapshot; digest: string } | null {
  let bytes: Buffer;
  try {
    bytes = inflateRawSync(Buffer.from(table, 'base64'), { maxOutputLength: 2 ** 31 - 1 });
  } catch {
    return null;
  }
  let at = 0;
  const varint = (): number => {
    let value = 0;
    let scale = 1;
    for (;;) {
      if (at >= bytes.length || scale > 2 ** 35) throw new RangeError('cut short');
      const byte = bytes[at++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 0x80;
    }
  };
  try {
    if (varint() !== FORMAT) return null;
    const count = varint();
    if (count > MAX_KEYS) return null;
    const keys: string[] = new Array(count);
    let previous = Buffer.alloc(0);
    for (let i = 0; i < count; i++) {
      const shared = varint();
      const rest = varint();
      if (shared > previous.length || at + rest > bytes.length) return null;
      const key = Buffer.concat([previous.subarray(0, shared), bytes.subarray(at, at + rest)]);
      at += rest;
      keys[i] = key.toString('utf8');
      if (i > 0 && !(keys[i - 1]! < keys[i]!)) return null;
      previous = key;
    }
    if (bytes.length - at !== count * DIGEST_BYTES) return null;
    const digests = new Uint8Array(bytes.buffer, bytes.byteOffset + at, count * DIGEST_BYTES);
    return { snapshot: { keys, digests }, digest: snapshotDigest(bytes) };
  } catch {
    return null;
  }
}

/** Whether key i of `a` and key j of `b` have the same digest. */
export function sameDigest(a: Snapshot, i: number, b: Snapshot, j: number): boolean {
  const x = i * DIGEST_BYTES;
  const y = j * DIGEST_BYTES;
  for (let k = 0; k < DIGEST_BYTES; k++) if (a.digests[x + k] !== b.digests[y + k]) return false;
  return true;
}
