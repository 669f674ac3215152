// Merging the entries that worker threads counted (coverage --logs, docs/coverage.md#directories-in-parallel):
// each thread sends its entries ordered by a hash of their key (then by the key), and the runs are
// walked together in that order, so adding them up costs a comparison of two numbers per entry and
// no table of every key. Ordering by a 32-bit hash is a radix sort: linear, whatever the keys.
import { compare } from '../vocabulary.js';

/** FNV-1a over the key's UTF-16 code units: a 32-bit hash, the same on every thread. */
function keyHash(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** One thread's keys, in merge order: by hash, then by key. */
export interface KeyRun {
  readonly keys: readonly string[];
  readonly hashes: Uint32Array;
}

/** The order in which `keys` (distinct) are sent: the indices of `keys`, by hash then key. */
export function runOrder(keys: readonly string[]): { order: Uint32Array; hashes: Uint32Array } {
  const count = keys.length;
  const hashOf = Uint32Array.from(keys, keyHash);
  let order = Uint32Array.from({ length: count }, (_, i) => i);
  let next = new Uint32Array(count);
  // Least significant digit first, 16 bits at a time: two stable counting passes.
  for (const shift of [0, 16]) {
    const counts = new Uint32Array(65537);
    for (let i = 0; i < count; i++) counts[((hashOf[order[i]!]! >>> shift) & 0xffff) + 1]!++;
    for (let d = 1; d <= 65536; d++) counts[d]! += counts[d - 1]!;
    for (let i = 0; i < count; i++) next[counts[(hashOf[order[i]!]! >>> shift) & 0xffff]!++] = order[i]!;
    [order, next] = [next, order];
  }
  // Keys of one hash (rare) by the key itself.
  for (let start = 0; start < count;) {
    let end = start + 1;
    while (end < count && hashOf[order[end]!] === hashOf[order[start]!]) end++;
    if (end - start > 1) order.subarray(start, end).sort((a, b) => compare(keys[a]!, keys[b]!));
    start = end;
  }
  return { order, hashes: Uint32Array.from(order, (i) => hashOf[i]!) };
}

/**
 * Walks `runs` (each in runOrder, without repeats) together, in that order: `each` is called for
 * every key of every run, with `first` true for the first occurrence of a key (the others follow
 * it at once). A binary heap of the runs' heads.
 */
export function mergeRuns(runs: readonly KeyRun[], each: (run: number, index: number, first: boolean) => void): void {
  const heads: number[] = [];
  const at = new Uint32Array(runs.length);
  runs.forEach((run, r) => {
    if (run.keys.length) heads.push(r);
  });
  const before = (a: number, b: number) => {
    const ha = runs[a]!.hashes[at[a]!]!;
    const hb = runs[b]!.hashes[at[b]!]!;
    return ha !== hb ? ha < hb : compare(runs[a]!.keys[at[a]!]!, runs[b]!.keys[at[b]!]!) < 0;
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
  let last: string | undefined;
  let lastHash = -1;
  while (heads.length) {
    const r = heads[0]!;
    const run = runs[r]!;
    const index = at[r]!;
    const hash = run.hashes[index]!;
    const key = run.keys[index]!;
    const first = hash !== lastHash || key !== last;
    last = key;
    lastHash = hash;
    each(r, index, first);
    if (index + 1 < run.keys.length) at[r]!++;
    else {
      heads[0] = heads[heads.length - 1]!;
      heads.pop();
    }
    down(0);
  }
}
