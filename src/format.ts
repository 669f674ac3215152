// Numbers for people: 1,008,000. Written by hand because Number#toLocaleString initializes ICU,
// which costs more start-up time than `purgeplan validate` spends on a whole purge.yaml.
export function count(n: number): string {
  const [whole, fraction] = String(n).split('.');
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
