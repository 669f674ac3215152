// What the Fastly and CloudFront modules share: the groups of a request made of several items, a
// secret read from the environment (named, never echoed), and the JSON or XML an API answers,
// read without trusting its shape.
import { UserError } from '../errors.js';
import { printable } from '../format.js';
import { tokenProblem } from '../http/policy.js';

/** The groups of several items, each once, in file order (`order`), unknown names last by first appearance. */
export function unionGroups(lists: Iterable<readonly string[]>, order: readonly string[]): string[] {
  const rank = new Map(order.map((name, i) => [name, i]));
  const seen: string[] = [];
  const set = new Set<string>();
  for (const list of lists) {
    for (const name of list) {
      if (set.has(name)) continue;
      set.add(name);
      seen.push(name);
    }
  }
  const firstSeen = new Map(seen.map((name, i) => [name, i]));
  return seen.sort((a, b) => (rank.get(a) ?? order.length + firstSeen.get(a)!) - (rank.get(b) ?? order.length + firstSeen.get(b)!));
}

/** A zone whose secret is read from the variable its `token_env` names. */
export interface SecretSource {
  readonly name: string;
  readonly variable: string;
}

/**
 * The secret of every zone, by zone name, read before anything is sent. All missing or empty
 * variables are named in one error; surrounding whitespace (a secrets file's newline) is removed;
 * a value no HTTP header can carry is refused without echoing it. `what` names the secret in
 * messages ("Fastly API token"), `hint` says how to get one.
 */
export function readSecrets(zones: readonly SecretSource[], env: NodeJS.ProcessEnv, what: string, hint: (variable: string) => string): Map<string, string> {
  const missing = new Map<string, string[]>();
  const malformed = new Set<string>();
  const secrets = new Map<string, string>();
  for (const zone of zones) {
    const value = (env[zone.variable] ?? '').trim();
    if (value === '') missing.set(zone.variable, [...(missing.get(zone.variable) ?? []), zone.name]);
    else if (tokenProblem(value) !== undefined) malformed.add(zone.variable);
    else secrets.set(zone.name, value);
  }
  if (missing.size > 0) {
    const names = [...missing.keys()].sort();
    const detail = names.map((name) => `${name} (zone${missing.get(name)!.length > 1 ? 's' : ''} ${missing.get(name)!.join(', ')})`).join(', ');
    throw new UserError(`no ${what}: environment variable ${detail} ${names.length > 1 ? 'are' : 'is'} not set or empty`, { hint: hint(names[0]) });
  }
  if (malformed.size > 0) {
    throw new UserError(`the ${what} in ${[...malformed].sort().join(', ')} contains spaces, control or non-ASCII characters`, {
      hint: 'copy it again: it is printable ASCII without spaces',
    });
  }
  return secrets;
}

/** A JSON object answer, or null when the text is not one (a proxy's HTML page, an empty body). */
export function jsonObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/**
 * The text of the first `<name>…</name>` element in an XML answer, entities decoded and made
 * printable, or null. Enough for the leaf elements CloudFront answers with (`Id`, `Status`,
 * `Code`, `Message`): they hold text only.
 */
export function xmlText(xml: string, name: string): string | null {
  const match = new RegExp(`<${name}(?:\\s[^>]*)?>([^<]*)</${name}>`).exec(xml);
  if (match === null) return null;
  const decoded = match[1].replace(/&(#x[0-9a-fA-F]+|#\d+|[a-z]+);/g, (whole, entity: string) => {
    if (entity.startsWith('#x')) return codePoint(Number.parseInt(entity.slice(2), 16), whole);
    if (entity.startsWith('#')) return codePoint(Number.parseInt(entity.slice(1), 10), whole);
    return ENTITIES[entity] ?? whole;
  });
  return printable(decoded.trim());
}

function codePoint(n: number, whole: string): string {
  return Number.isInteger(n) && n >= 0 && n <= 0x10ffff ? String.fromCodePoint(n) : whole;
}

/** Text for an XML element's content: `&`, `<` and `>` escaped (a query's `&` stays a query's `&`). */
export function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
