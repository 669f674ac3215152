// What `apply --wait-for URL` waits for (docs/commands.md, "Wait for the new build"): a 2xx answer
// on which every `--expect` holds. `TEXT` is a substring of the body, `/RE/` (or `/RE/i`) a
// JavaScript regular expression on it, `header:NAME=VALUE` a response header (name compared
// case-insensitively, value exactly). Pure: parsing the flags and judging an answer.
import { UserError } from '../errors.js';
import { printable } from '../format.js';

export type Expectation =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'regex'; readonly regex: RegExp }
  | { readonly kind: 'header'; readonly name: string; readonly value: string };

/** An answer of the URL waited for: its status, headers (names lower-case) and body (its first bytes, as UTF-8). */
export interface WaitAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly body: string;
}

/** Regular-expression flags that keep a test free of state (`g` and `y` would make it depend on the last one). */
const REGEX_FLAGS = /^[imsu]*$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const EXAMPLES = 'e.g. --expect build-42, --expect \'/"version":\\s*"2\\.4/\', --expect \'/ready/i\' or --expect header:x-build=42';

/** One `--expect` as written; a clear error when it cannot be read. */
export function parseExpect(spec: string): Expectation {
  const bad = (why: string): UserError => new UserError(`--expect ${quoted(spec)}: ${why}`, { hint: EXAMPLES });
  if (spec.startsWith('header:')) {
    const rest = spec.slice('header:'.length);
    const equals = rest.indexOf('=');
    if (equals === -1) throw bad('a header check is written header:NAME=VALUE (the "=" is missing)');
    const name = rest.slice(0, equals).trim();
    if (!HEADER_NAME.test(name)) throw bad(`"${printable(name)}" is not a header name`);
    return { kind: 'header', name: name.toLowerCase(), value: rest.slice(equals + 1) };
  }
  // `/RE/` and `/RE/flags`; a text such as `/api/version` (letters after the last `/` that are not flags) stays text.
  const regex = /^\/(.*)\/([dgimsuvy]*)$/s.exec(spec);
  if (regex !== null) {
    if (!REGEX_FLAGS.test(regex[2])) throw bad(`the flags "${regex[2]}" are not allowed (use /RE/ or /RE/i; i, m, s and u may be combined)`);
    try {
      return { kind: 'regex', regex: new RegExp(regex[1], regex[2]) };
    } catch (error) {
      throw bad(`not a valid regular expression: ${printable((error as Error).message)}`);
    }
  }
  if (spec === '') throw bad('the text to look for is empty');
  return { kind: 'text', text: spec };
}

/** How an expectation reads in a message: as it was given. */
export function expectationText(expectation: Expectation): string {
  switch (expectation.kind) {
    case 'text': return quoted(expectation.text);
    case 'regex': return printable(String(expectation.regex));
    case 'header': return `header ${expectation.name}=${quoted(expectation.value)}`;
    default: {
      const never: never = expectation;
      throw new Error(`unknown expectation ${JSON.stringify(never)}`);
    }
  }
}

/**
 * Whether the answer shows the new build: 2xx and every expectation holds. `reasons` says what
 * does not hold (server text escaped and cut short), empty when ready.
 */
export function judgeAnswer(answer: WaitAnswer, expectations: readonly Expectation[]): { ready: boolean; reasons: string[] } {
  if (answer.status < 200 || answer.status > 299) return { ready: false, reasons: [`HTTP ${answer.status}`] };
  const reasons = expectations.flatMap((expectation) => {
    const miss = unmet(answer, expectation);
    return miss === null ? [] : [miss];
  });
  return { ready: reasons.length === 0, reasons };
}

function unmet(answer: WaitAnswer, expectation: Expectation): string | null {
  switch (expectation.kind) {
    case 'text':
      return answer.body.includes(expectation.text) ? null : `body does not contain ${expectationText(expectation)}`;
    case 'regex':
      return expectation.regex.test(answer.body) ? null : `body does not match ${expectationText(expectation)}`;
    case 'header': {
      const raw = answer.headers[expectation.name];
      const values = raw === undefined ? [] : typeof raw === 'string' ? [raw] : [...raw];
      if (values.includes(expectation.value) || (values.length > 1 && values.join(', ') === expectation.value)) return null;
      if (values.length === 0) return `header ${expectation.name} is missing (expected ${quoted(expectation.value)})`;
      return `header ${expectation.name} is ${quoted(shortened(values.join(', ')))}, not ${quoted(expectation.value)}`;
    }
    default: {
      const never: never = expectation;
      throw new Error(`unknown expectation ${JSON.stringify(never)}`);
    }
  }
}

/** A server's value as it may be shown: at most 100 characters. */
function shortened(text: string): string {
  return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}

/** Text in quotes, escaped for the terminal. */
function quoted(text: string): string {
  return `"${printable(text)}"`;
}
