// Merging the entries that worker threads counted (coverage --logs, docs/coverage.md#directories-in-parallel):
// each thread encodes its entries' keys into one buffer (sent without a copy) with an order, by a
// hash of the key then by its bytes, and the runs are walked together in that order, so adding
// them up costs a comparison of two numbers per entry and no table of every key. Ordering by a
// 32-bit hash is a radix sort: linear, whatever the keys.
import { Buffer } from 'node:buffer';

/** One thread's keys. */
export interface KeyRun {
  /** The keys' UTF-8 bytes: key i is bytes[offsets[i], offsets[i + 1]). */
  readonly bytes: Uint8Array;
  readonly offsets: Uint32Array;
  /** The key numbers in merge order (by hash, then bytes), and their hashes in that order. */
  readonly order: Uint32Array;
  readonly hashes: Uint32Array;
}

const view = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** FNV-1a over bytes: a 32-bit hash, the same on every thread. */
function hashOf(bytes: Uint8Array, start: number, end: number): number {
  let hash = 0x811c9dc5;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193);
  return hash >>> 0;
}

/**
 * Encodes `count` keys (distinct) and orders them. A key given as [url, variant] is the text
 * `url [variant]` (an entry's key, docs/coverage.md), written in pieces rather than joined first.
 */
export function keyRun(keys: Iterable<string | readonly [string, string]>, count: number): KeyRun {
  let bytes = Buffer.allocUnsafe(Math.max(1 << 16, count * 64));
  const offsets = new Uint32Array(count + 1);
  let used = 0;
  let i = 0;
  const write = (text: string) => {
    if (used + text.length * 3 > bytes.length) {
      const grown = Buffer.allocUnsafe(Math.max(bytes.length * 2, used + text.length * 3));
      bytes.copy(grown, 0, 0, used);
      bytes = grown;
    }
    used += bytes.write(text, used, 'utf8');
  };
  for (const key of keys) {
    if (typeof key === 'string') write(key);
    else {
      write(key[0]);
      if (key[1] !== '') {
        write(' [');
        write(key[1]);
        write(']');
      }
    }
    if (used > 0xffffffff) throw new Error('keyRun: keys over 4 GiB');
    offsets[++i] = used;
  }
  const hashes = new Uint32Array(count);
  let order = new Uint32Array(count);
  for (let k = 0; k < count; k++) {
    hashes[k] = hashOf(bytes, offsets[k]!, offsets[k + 1]!);
    order[k] = k;
  }
  let next = new Uint32Array(count);
  // Least significant digit first, 16 bits at a time: two stable counting passes.
  for (const shift of [0, 16]) {
    const counts = new Uint32Array(65537);
    for (let k = 0; k < count; k++) counts[((hashes[order[k]!]! >>> shift) & 0xffff) + 1]!++;
    for (let d = 1; d <= 65536; d++) counts[d]! += counts[d - 1]!;
    for (let k = 0; k < count; k++) next[counts[(hashes[order[k]!]! >>> shift) & 0xffff]!++] = order[k]!;
    [order, next] = [next, order];
  }
  const run = { bytes: bytes.subarray(0, used), offsets, order, hashes: Uint32Array.from(order, (k) => hashes[k]!) };
  // Keys of one hash (rare) by their bytes.
  for (let start = 0; start < count;) {
    let end = start + 1;
    while (end < count && run.hashes[end] === run.hashes[start]) end++;
    if (end - start > 1) order.subarray(start, end).sort((a, b) => compareKeys(run, bytes, a, run, b));
    start = end;
  }
  return run;
}

/** Key `index` of the run as text. */
export function keyText(run: KeyRun, index: number): string {
  return view(run.bytes).toString('utf8', run.offsets[index]!, run.offsets[index + 1]!);
}

/** The order of key `ai` of `a` (its bytes seen through `bytesA`) and key `bi` of `b`: bytewise. */
function compareKeys(a: KeyRun, bytesA: Buffer, ai: number, b: KeyRun, bi: number): number {
  return bytesA.compare(b.bytes, b.offsets[bi]!, b.offsets[bi + 1]!, a.offsets[ai]!, a.offsets[ai + 1]!);
}

/**
 * Walks `runs` (from keyRun) together, in merge order: `each` is called for every key of every
 * run, with its key number and `first` true for the first occurrence of a key (the others follow
 * it at once). A binary heap of the runs' heads.
 */
export function mergeRuns(runs: readonly KeyRun[], each: (run: number, index: number, first: boolean) => void): void {
  const heads: number[] = [];
  const at = new Uint32Array(runs.length);
  const views = runs.map((run) => view(run.bytes));
  runs.forEach((run, r) => {
    if (run.order.length) heads.push(r);
  });
  const before = (a: number, b: number) => {
    const ha = runs[a]!.hashes[at[a]!]!;
    const hb = runs[b]!.hashes[at[b]!]!;
    return ha !== hb ? ha < hb : compareKeys(runs[a]!, views[a]!, runs[a]!.order[at[a]!]!, runs[b]!, runs[b]!.order[at[b]!]!) < 0;
  };
  const down = (from: number) => {
    for (let i = from; ;) {
      const left = 2 * i + 1;
      let least = i;
      if (left < heads.length && before(heads[left]!, heads[least]!)) least = left;
      if (left + 1 < heads.length && before(heads[left + 1]!, heads[least]!)) least = left + 1;
      if (least === i) return;
      const held = heads[i]!;
      heads[i] = heads[least]!;
      heads[least] = held;
      i = least;
    }
  };
  for (let i = (heads.length >> 1) - 1; i >= 0; i--) down(i);
  let lastRun = -1;
  let lastIndex = 0;
  let lastHash = -1;
  while (heads.length) {
    const r = heads[0]!;
    const run = runs[r]!;
    const position = at[r]!;
    const index = run.order[position]!;
    const hash = run.hashes[position]!;
    const first = hash !== lastHash || compareKeys(runs[lastRun]!, views[lastRun]!, lastIndex, run, index) !== 0;
    lastRun = r;
    lastIndex = index;
    lastHash = hash;
    each(r, index, first);
    if (position + 1 < run.order.length) at[r]!++;
    else {
      heads[0] = heads[heads.length - 1]!;
      heads.pop();
    }
    down(0);
  }
}
