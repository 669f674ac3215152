// Numbers, counts and durations for people: 1,008,000; "3 requests"; "2 min 5 s". Written by hand
// because Number#toLocaleString initializes ICU, which costs more start-up time than
// `purgeplan validate` spends on a whole purge.yaml.
export function count(n: number | bigint): string {
  // A whole number past 2^53 is printed as the integer it holds, never as "1e+21".
  const digits = typeof n === 'bigint' ? String(n) : Number.isInteger(n) && Math.abs(n) >= 1e21 ? BigInt(n).toString() : String(n);
  const [whole, fraction] = digits.split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

/**
 * Characters a terminal acts on or that reorder what it shows: C0 controls (ESC starts CSI and OSC 8
 * hyperlink sequences, BEL, CR that overwrites a line, LF that forges one), DEL, C1 controls, the
 * line and paragraph separators, and the bidirectional marks, embeddings, overrides and isolates
 * (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069: "Trojan Source").
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text as it may be shown on a terminal, written to the journal or put in a `--json` event: every
 * unsafe character above written as a `\uXXXX` escape, so that a value can neither drive the
 * terminal nor forge lines. The one terminal escaper: for config text, plan files, log values and
 * whatever a server answers (Cloudflare, GitHub, GitLab, the edge; see docs/commands.md, "apply").
 * Ordinary text comes back unchanged.
 */
export function printable(text: string): string {
  return text.replace(UNSAFE, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** What JSON.stringify leaves raw of UNSAFE: it escapes C0 controls itself. */
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * JSON for a machine reader that a person may also see on a terminal (`--json` documents and
 * events): JSON.stringify, with the unsafe characters it leaves raw (DEL, C1 controls, bidi marks,
 * line separators) written as `\uXXXX` escapes. The same data to any JSON parser.
 */
export function jsonText(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(UNSAFE_IN_JSON, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const HTML_ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/**
 * Text for markdown (a pull-request comment, a step summary): printable, then inert. No HTML (`&`,
 * `<`, `>` as entities), no markup or link (`[x](…)`, emphasis, code, tables: the punctuation
 * backslash-escaped, and a leading list or heading marker too), no bare link (`https://…`,
 * `www.…`, which GitHub and GitLab would link), and no @mention or reference for GitHub or GitLab to act on (`#12`, GitLab's `!12`, `~label`, `%milestone`, `$snippet`): a
 * zero-width space after the sign, as Renovate does, notifies no one and links nothing. Safe in a
 * paragraph, a table cell, `<summary>` and `<code>`. The one markdown escaper.
 */
export function markdownText(text: string): string {
  return printable(text)
    .replace(/[&<>]/g, (ch) => HTML_ENTITIES[ch]!)
    .replace(/[\\`*_[\]!|~]/g, (ch) => `\\${ch}`)
    .replace(/^([-+=]|\d+[.)])/, '\\$1')
    .replace(/[@#!~%$]|:(?=\/\/)|\bwww(?=\.)/gi, (match) => `${match}&#8203;`);
}

/** A value in a code span however many backticks it holds (CommonMark: a longer run delimits it). */
export function codeSpan(text: string): string {
  const value = printable(text);
  const ticks = '`'.repeat(Math.max(1, ...[...value.matchAll(/`+/g)].map((m) => m[0].length + 1)));
  const pad = value.startsWith('`') || value.endsWith('`') ? ' ' : '';
  return `${ticks}${pad}${value}${pad}${ticks}`;
}

/** A baseline in words, for the human and markdown plans. */
export function baselineText(baseline: { readonly kind: 'none' } | { readonly kind: 'state'; readonly path: string } | { readonly kind: 'git'; readonly ref: string; readonly commit: string }): string {
  switch (baseline.kind) {
    case 'none': return 'none (every group is due)';
    case 'state': return `state file ${printable(baseline.path)}`;
    case 'git': return `git ${printable(baseline.ref)} (commit ${printable(baseline.commit.slice(0, 12))})`;
  }
}

/** `1 request`, `1,200 requests`, `2 prefixes` (with `many`). */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}

/** `< 1 s`, `42 s`, `3 min 5 s`, `2 h 10 min`: whole seconds, rounded up. */
/** An estimate in whole seconds, as budgets are written (docs/purge-yaml.md): `about 63 s`, `less than 1 s`. */
export function aboutSeconds(seconds: number): string {
  return seconds < 1 ? 'less than 1 s' : `about ${count(Math.ceil(seconds))} s`;
}

export function formatDuration(ms: number): string {
  if (!(ms >= 1000)) return '< 1 s';
  const whole = Math.ceil(ms / 1000);
  if (whole < 60) return `${whole} s`;
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return whole % 60 ? `${minutes} min ${whole % 60} s` : `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
