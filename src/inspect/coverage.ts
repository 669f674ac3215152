// `purgeplan coverage --logs` (docs/coverage.md), the pure part: log records -> entries -> classes, counted
// by requests and by distinct entries, and the values that missed, with their fixes. Memory holds
// one small record per distinct entry, never a line.
import type { CacheEntry, EntryBuilder, RequestField } from './entry.js';
import type { Inspector, NearMiss } from './inspector.js';
import { fixFor } from './inspector.js';
import type { LogRecord } from './logs.js';
import { keyRun, keyText, mergeRuns } from './sorted-merge.js';
import type { KeyRun } from './sorted-merge.js';
import { compare } from '../vocabulary.js';

export type CoverageClass = 'purged' | 'missed' | 'outside' | 'unknown';
export const CLASSES: readonly CoverageClass[] = ['purged', 'missed', 'outside', 'unknown'];

interface EntryTally {
  readonly entryClass: CoverageClass;
  requests: number;
  /** For missed entries: the near misses (what to fix). */
  readonly nearMisses?: readonly NearMiss[];
  /** For missed entries: the entry as the plan prints items. */
  readonly key?: string;
  /** For entries of a cache key (not outside, not unknown): the entry. */
  readonly entry?: CacheEntry;
}

export interface SkippedLine {
  readonly file: string;
  readonly line: number;
  readonly reason: string;
}

export interface MissedValue {
  readonly dimension: string;
  /** null: the request did not carry the header or cookie. */
  readonly value: string | null;
  readonly requests: number;
  readonly entries: number;
  readonly groups: readonly string[];
  readonly fix: string;
}

export interface MissedEntry {
  readonly entry: string;
  readonly requests: number;
  readonly groups: readonly string[];
}

export interface CoverageReport {
  readonly requests: Readonly<Record<CoverageClass | 'not_cached' | 'skipped', number>>;
  readonly entries: Readonly<Record<CoverageClass, number>>;
  /** purged ÷ (purged + missed), by requests; null when both are 0. */
  readonly coverage: number | null;
  readonly missedValues: readonly MissedValue[];
  readonly missedEntries: readonly MissedEntry[];
  /** Requests whose entry is unknown, by the field the log lacked. */
  readonly unknownFields: readonly { readonly field: RequestField; readonly requests: number }[];
  readonly skippedLines: readonly SkippedLine[];
  readonly files: readonly { readonly name: string; readonly lines: number; readonly records: number; readonly skipped: number }[];
  /** Requests to a Fastly or CloudFront zone's hosts, by zone: not judged (coverage reads Cloudflare's cache keys: docs/providers.md). */
  readonly notJudged: readonly NotJudged[];
}

export interface NotJudged {
  readonly zone: string;
  readonly provider: string;
  readonly requests: number;
}

/** How many skipped lines are shown (the rest are counted). */
const SKIPPED_SHOWN = 5;

interface FileCounts { name: string; lines: number; records: number; skipped: number }

/**
 * A tally as plain data, to be added to others (coverage --logs reading files on worker threads,
 * docs/coverage.md): every entry once, by its key (in runOrder), with its class and requests, and
 * for a missed entry its near misses (shared objects stay shared when sent to another thread).
 */
export interface TallyPart extends KeyRun {
  /** By key number: the entry's class (its number in CLASSES) and requests. */
  readonly classes: Uint8Array;
  readonly requests: Float64Array;
  /** By key number: the entry's near misses in `nearMisses`, or -1 (not missed). */
  readonly missSlots: Int32Array;
  readonly nearMisses: readonly (readonly NearMiss[])[];
  readonly counts: CoverageReport['requests'];
  readonly unknownFields: readonly (readonly [RequestField, number])[];
  readonly skipped: readonly (readonly [number, SkippedLine])[];
  readonly files: readonly (readonly [number, FileCounts])[];
  readonly notJudged: readonly NotJudged[];
}

export class CoverageTally {
  /** Tallies by key: outside and unknown entries, and every entry once entries of two builders are counted. */
  private readonly entries = new Map<string, EntryTally>();
  /**
   * Entry tallies by builder and entry ordinal: a repeated entry is counted without a lookup by
   * key, and while one builder (cache key) serves every request, an entry's key is never built
   * unless the entry is missed (the key is only needed to tell apart entries of two builders).
   */
  private readonly byOrdinal = new Map<EntryBuilder, EntryTally[]>();
  private keyed = false;
  private readonly requests = { purged: 0, missed: 0, outside: 0, unknown: 0, not_cached: 0, skipped: 0 };
  private readonly unknownFields = new Map<RequestField, number>();
  /** The first skipped lines in input order, each with its input's number. */
  private readonly skipped: [number, SkippedLine][] = [];
  /** By input number. */
  private readonly files: FileCounts[] = [];
  private file: FileCounts = { name: '', lines: 0, records: 0, skipped: 0 };
  private fileIndex = -1;
  /** Entries added up from parts (absorb): those not missed only counted, the missed kept. */
  private readonly absorbed = { purged: 0, outside: 0, unknown: 0 };
  private readonly absorbedMissed: EntryTally[] = [];
  private readonly ids = new WeakMap<NearMiss, string>();
  private readonly notJudged = new Map<string, NotJudged>();

  constructor(private readonly inspector: Inspector) {}

  /** Starts counting the lines of another input, the `index`-th of them (by default the next). */
  startFile(name: string, index = this.files.length): void {
    this.file = { name, lines: 0, records: 0, skipped: 0 };
    this.files[index] = this.file;
    this.fileIndex = index;
  }

  /** Whether the `index`-th input had a valid record (none is an error). */
  hadRecords(index: number): boolean {
    return (this.files[index]?.records ?? 0) > 0;
  }

  /** Records of the current input that were valid (cached or not): none is an error. */
  get validRecords(): number {
    return this.file.records;
  }

  get distinctEntries(): number {
    const absorbed = this.absorbed.purged + this.absorbed.outside + this.absorbed.unknown + this.absorbedMissed.length;
    if (this.keyed) return absorbed + this.entries.size;
    let size = absorbed + this.entries.size;
    for (const tallies of this.byOrdinal.values()) size += tallies.length;
    return size;
  }

  get totalRequests(): number {
    const r = this.requests;
    let notJudged = 0;
    for (const zone of this.notJudged.values()) notJudged += zone.requests;
    return r.purged + r.missed + r.outside + r.unknown + r.not_cached + notJudged;
  }

  add(record: LogRecord | null, lineNumber: number): void {
    this.file.lines = lineNumber;
    if (record === null) return;
    const weight = record.weight;
    if (record.kind === 'skipped') return this.skip(lineNumber, record.reason, weight);
    if (record.kind === 'not_cached') {
      this.file.records++;
      this.requests.not_cached += weight;
      return;
    }
    const resolved = this.inspector.resolve(record.request, record.host);
    if ('problem' in resolved) return this.skip(lineNumber, resolved.problem, weight);
    let key: string;
    let tally: EntryTally | undefined;
    if ('noZone' in resolved) {
      key = `\u0000${record.request.url}`;
      tally = this.entries.get(key) ?? { entryClass: 'outside', requests: 0 };
    } else {
      const { zone, keyName, builder, result } = resolved;
      if (zone.provider !== 'cloudflare') return this.notJudgedIn(zone.name, zone.provider, weight);
      if ('problem' in result) return this.skip(lineNumber, result.problem, weight);
      if ('unknown' in result) {
        for (const field of result.unknown) this.unknownFields.set(field, (this.unknownFields.get(field) ?? 0) + weight);
        key = `\u0001${result.key}`;
        tally = this.entries.get(key) ?? { entryClass: 'unknown', requests: 0 };
      } else {
        const entry = result.entry;
        let tallies = this.byOrdinal.get(builder);
        if (tallies === undefined) {
          this.byOrdinal.set(builder, (tallies = []));
          if (this.byOrdinal.size === 2) this.keyAll();
        }
        tally = tallies[entry.ordinal];
        if (tally === undefined) {
          tally = this.keyed ? this.entries.get(entry.key) : undefined;
          if (tally === undefined) {
            const entryClass = this.inspector.classOf(zone.name, entry);
            tally = entryClass === 'missed' ? { entryClass, requests: 0, nearMisses: this.inspector.nearMisses(zone.name, entry, builder, keyName), key: entry.key, entry } : { entryClass, requests: 0, entry };
            if (this.keyed) this.entries.set(entry.key, tally);
          }
          tallies[entry.ordinal] = tally;
        }
        this.count(tally, weight);
        return;
      }
    }
    if (tally.requests === 0) this.entries.set(key, tally);
    this.count(tally, weight);
  }

  /** A record of `weight` identical requests. */
  private count(tally: EntryTally, weight: number): void {
    this.file.records++;
    tally.requests += weight;
    this.requests[tally.entryClass] += weight;
  }

  /** Entries of a second builder may have an entry key of the first: from now on, entries are found by key. */
  private keyAll(): void {
    this.keyed = true;
    for (const tallies of this.byOrdinal.values()) for (const tally of tallies) if (tally !== undefined) this.entries.set(tally.entry!.key, tally);
  }

  /** Every entry's tally, once. */
  private allTallies(): Iterable<EntryTally> {
    if (this.keyed) return [...this.entries.values(), ...this.absorbedMissed];
    const all = [...this.entries.values(), ...this.absorbedMissed];
    for (const tallies of this.byOrdinal.values()) for (const tally of tallies) if (tally !== undefined) all.push(tally);
    return all;
  }

  /** A request to a Fastly or CloudFront zone: counted, not judged. */
  private notJudgedIn(zone: string, provider: string, weight: number): void {
    this.file.records++;
    this.addNotJudged(zone, provider, weight);
  }

  private addNotJudged(zone: string, provider: string, requests: number): void {
    this.notJudged.set(zone, { zone, provider, requests: (this.notJudged.get(zone)?.requests ?? 0) + requests });
  }

  private skip(lineNumber: number, reason: string, weight: number): void {
    this.requests.skipped += weight;
    this.file.skipped++;
    this.keepSkipped(this.fileIndex, { file: this.file.name, line: lineNumber, reason });
  }

  /** Keeps the first SKIPPED_SHOWN skipped lines in input order, whatever order they come in. */
  private keepSkipped(fileIndex: number, skipped: SkippedLine): void {
    const list = this.skipped;
    const before = (a: readonly [number, SkippedLine]) => a[0] < fileIndex || (a[0] === fileIndex && a[1].line <= skipped.line);
    if (list.length === SKIPPED_SHOWN && before(list[SKIPPED_SHOWN - 1]!)) return;
    let at = list.length;
    while (at > 0 && !before(list[at - 1]!)) at--;
    list.splice(at, 0, [fileIndex, skipped]);
    if (list.length > SKIPPED_SHOWN) list.pop();
  }

  /** This tally as plain data (see TallyPart), its keys encoded and ordered for merging. */
  part(): TallyPart {
    const tallies: EntryTally[] = [];
    const keys: string[] = [];
    for (const [key, tally] of this.entries) {
      keys.push(key);
      tallies.push(tally);
    }
    if (!this.keyed) for (const list of this.byOrdinal.values()) for (const tally of list) if (tally !== undefined) tallies.push(tally);
    // The keys of entries counted by ordinal are written from their URL and variant (entryKey's
    // text), not built and kept.
    const all = (function* (): Generator<string | readonly [string, string]> {
      yield* keys;
      for (let i = keys.length; i < tallies.length; i++) {
        const entry = tallies[i]!.entry!;
        yield [entry.url, entry.variant.key];
      }
    })();
    const nearMisses: (readonly NearMiss[])[] = [];
    const missSlots = Int32Array.from(tallies, (tally) => (tally.nearMisses ? nearMisses.push(tally.nearMisses) - 1 : -1));
    return {
      ...keyRun(all, tallies.length),
      classes: Uint8Array.from(tallies, (t) => CLASSES.indexOf(t.entryClass)),
      requests: Float64Array.from(tallies, (t) => t.requests),
      missSlots,
      nearMisses,
      counts: { ...this.requests },
      unknownFields: [...this.unknownFields],
      skipped: this.skipped.map(([index, line]) => [index, line] as const),
      files: this.files.flatMap((f, i) => (f === undefined ? [] : [[i, { ...f }] as const])),
      notJudged: [...this.notJudged.values()],
    };
  }

  /**
   * Adds the parts of tallies counted from other inputs with the same inspector, to a tally that
   * has counted nothing itself: the sum is what one tally of every input would count.
   */
  absorb(parts: readonly TallyPart[]): void {
    if (this.entries.size || this.byOrdinal.size) throw new Error('absorb: the tally has entries of its own');
    let missed: EntryTally | undefined;
    mergeRuns(parts, (run, index, first) => {
      const part = parts[run]!;
      if (!first) {
        if (missed) missed.requests += part.requests[index]!;
        return;
      }
      const entryClass = CLASSES[part.classes[index]!]!;
      if (entryClass !== 'missed') {
        this.absorbed[entryClass]++;
        missed = undefined;
        return;
      }
      const slot = part.missSlots[index]!;
      missed = new AbsorbedMissed(part, index, part.requests[index]!, slot >= 0 ? part.nearMisses[slot] : undefined);
      this.absorbedMissed.push(missed);
    });
    for (const part of parts) {
      for (const name of Object.keys(this.requests) as (keyof typeof this.requests)[]) this.requests[name] += part.counts[name];
      for (const [field, requests] of part.unknownFields) this.unknownFields.set(field, (this.unknownFields.get(field) ?? 0) + requests);
      for (const [index, skipped] of part.skipped) this.keepSkipped(index, skipped);
      for (const [index, counts] of part.files) this.files[index] = { ...counts };
      for (const zone of part.notJudged) this.addNotJudged(zone.zone, zone.provider, zone.requests);
    }
  }

  /**
   * What a near miss is counted under: its dimension and value, and for a scheme or a query
   * parameter its fix too (a zone's or a key's setting: one row per setting). Near misses are
   * shared objects (Inspector.nearMisses), so each id is built once.
   */
  private idOf(miss: NearMiss): string {
    let id = this.ids.get(miss);
    if (id === undefined) {
      id = `${miss.dimension}\u0000${miss.value === null ? '\u0001' : miss.value}\u0000${valueFixed(miss) ? miss.fix : ''}`;
      this.ids.set(miss, id);
    }
    return id;
  }

  report(top: number, groupOrder: (group: string) => number): CoverageReport {
    const entries = { purged: this.absorbed.purged, missed: 0, outside: this.absorbed.outside, unknown: this.absorbed.unknown };
    const values = new Map<string, { dimension: string; value: string | null; requests: number; entries: number; groups: Set<string>; fix: string | null }>();
    const byRequests = <T extends { requests: number }>(a: T, b: T) => b.requests - a.requests;
    const missed: EntryTally[] = [];
    for (const tally of this.allTallies()) {
      entries[tally.entryClass]++;
      if (tally.entryClass !== 'missed') continue;
      const misses = tally.nearMisses ?? [];
      for (let i = 0; i < misses.length; i++) {
        const miss = misses[i]!;
        const id = this.idOf(miss);
        let value = values.get(id);
        if (!value) values.set(id, (value = { dimension: miss.dimension, value: miss.value, requests: 0, entries: 0, groups: new Set(), fix: valueFixed(miss) ? miss.fix : null }));
        value.groups.add(miss.group);
        // An entry counts once per value, however many groups miss it.
        let counted = false;
        for (let j = 0; j < i && !counted; j++) counted = this.idOf(misses[j]!) === id;
        if (counted) continue;
        value.requests += tally.requests;
        value.entries++;
      }
      missed.push(tally);
    }
    const byDimension = new Map<string, MissedValue[]>();
    for (const v of values.values()) {
      const groups = [...v.groups].sort((a, b) => groupOrder(a) - groupOrder(b));
      const list = byDimension.get(v.dimension) ?? [];
      list.push({ dimension: v.dimension, value: v.value, requests: v.requests, entries: v.entries, groups, fix: v.fix ?? fixFor(groups, v.dimension, v.value) });
      byDimension.set(v.dimension, list);
    }
    const missedValues = [...byDimension.values()]
      .flatMap((list) => list.sort((a, b) => byRequests(a, b) || b.entries - a.entries || compareValues(a.value, b.value)).slice(0, top))
      .sort((a, b) => byRequests(a, b) || compare(a.dimension, b.dimension) || compareValues(a.value, b.value));
    const { purged, missed: missedRequests } = this.requests;
    return {
      requests: { ...this.requests },
      entries,
      coverage: purged + missedRequests === 0 ? null : purged / (purged + missedRequests),
      missedValues,
      missedEntries: firstOf(missed, top, (a, b) => byRequests(a, b) || compare(a.key ?? '', b.key ?? '')).map((tally) => ({
        entry: tally.key ?? '',
        requests: tally.requests,
        groups: [...new Set((tally.nearMisses ?? []).map((m) => m.group))].sort((a, b) => groupOrder(a) - groupOrder(b)),
      })),
      unknownFields: [...this.unknownFields].map(([field, requests]) => ({ field, requests })).sort((a, b) => byRequests(a, b) || compare(a.field, b.field)),
      skippedLines: this.skipped.map(([, line]) => line),
      files: this.files.filter((f) => f !== undefined).map((f) => ({ ...f })),
      // In the zones' file order, however the inputs were split among threads.
      notJudged: [...this.notJudged.values()].sort((a, b) => this.inspector.zoneRank(a.zone) - this.inspector.zoneRank(b.zone)),
    };
  }
}

/** A missed entry added up from parts: its key is read from the part's bytes only if the report shows it. */
class AbsorbedMissed implements EntryTally {
  readonly entryClass = 'missed';
  private text: string | undefined;
  constructor(private readonly part: TallyPart, private readonly index: number, public requests: number, readonly nearMisses: readonly NearMiss[] | undefined) {}
  get key(): string {
    return (this.text ??= keyText(this.part, this.index));
  }
}

/** A near miss whose fix is a zone's or a key's setting rather than a group's variants. */
function valueFixed(miss: NearMiss): boolean {
  return miss.dimension === 'scheme' || miss.dimension === 'query';
}

/**
 * The first `size` of `items` in `order`. Against a short list (the usual --top), most items cost
 * one comparison with the last one kept, where sorting every missed entry compares their keys.
 */
function firstOf<T>(items: readonly T[], size: number, order: (a: T, b: T) => number): T[] {
  if (size <= 0) return [];
  if (size * 8 >= items.length) return [...items].sort(order).slice(0, size);
  const kept: T[] = [];
  for (const item of items) {
    if (kept.length === size && order(item, kept[size - 1]!) >= 0) continue;
    let low = 0;
    let high = kept.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (order(kept[middle]!, item) <= 0) low = middle + 1;
      else high = middle;
    }
    kept.splice(low, 0, item);
    if (kept.length > size) kept.pop();
  }
  return kept;
}

function compareValues(a: string | null, b: string | null): number {
  return a === b ? 0 : a === null ? -1 : b === null ? 1 : compare(a, b);
}
