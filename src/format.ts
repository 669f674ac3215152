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
 * Text from a config or a plan file as it may be shown on a terminal or in a comment: control
 * characters (ESC, CR, LF…), line separators and bidirectional overrides are written as `\uXXXX`
 * escapes, so that a value can neither drive the terminal nor forge lines (spec §6a "Values").
 */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
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
export function formatDuration(ms: number): string {
  if (!(ms >= 1000)) return '< 1 s';
  const whole = Math.ceil(ms / 1000);
  if (whole < 60) return `${whole} s`;
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return whole % 60 ? `${minutes} min ${whole % 60} s` : `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
