// Evaluates a parsed expression on a URL, in three-valued logic: a term on the request (header,
// cookie, country…) is `depends`, and `and`/`or`/`not`/`xor` propagate it only where it can
// change the outcome (`host eq "a" and http.cookie contains "b"` on another host is false).
import type { Expr, UrlField, Value } from './expression.js';
import { wildcardMatches } from './wildcard.js';

export type Outcome = true | false | 'depends';

export type UrlFields = Readonly<Record<UrlField, string | boolean>>;

/**
 * The URL's values of the fields a URL determines, as the edge sees them for a request to it:
 * `http.host` without port, `full_uri` with scheme and query, `uri` path and query,
 * `path.extension` lower-cased without the dot (Cloudflare's fields reference). A file name
 * whose only dot leads it (`/.mp3`, `/dir/.htaccess`) is a hidden file without extension.
 */
export function urlFields(url: string): UrlFields {
  const parsed = new URL(url);
  const path = parsed.pathname;
  const query = parsed.search.slice(1);
  const lastSegment = path.slice(path.lastIndexOf('/') + 1);
  const dot = lastSegment.lastIndexOf('.');
  return {
    'http.host': parsed.hostname,
    'http.request.full_uri': `${parsed.protocol}//${parsed.host}${path}${parsed.search}`,
    'http.request.uri': `${path}${parsed.search}`,
    'http.request.uri.path': path,
    'http.request.uri.query': query,
    'http.request.uri.path.extension': dot <= 0 ? '' : asciiLower(lastSegment.slice(dot + 1)),
    ssl: parsed.protocol === 'https:',
  };
}

/** lower(): "Only uppercase ASCII bytes are converted" (Cloudflare's functions reference). */
function asciiLower(text: string): string {
  return text.replace(/[A-Z]+/g, (upper) => upper.toLowerCase());
}

function valueOf(value: Value, fields: UrlFields): string | number | boolean {
  switch (value.kind) {
    case 'field': return fields[value.field];
    case 'literal': return value.value;
    case 'lower': {
      const inner = valueOf(value.arg, fields);
      return typeof inner === 'string' ? asciiLower(inner) : inner;
    }
    case 'len': {
      const inner = valueOf(value.arg, fields);
      return typeof inner === 'string' ? Buffer.byteLength(inner, 'utf8') : 0;
    }
    default: {
      const never: never = value;
      throw new Error(`unknown value ${JSON.stringify(never)}`);
    }
  }
}

function not(outcome: Outcome): Outcome {
  return outcome === 'depends' ? 'depends' : !outcome;
}

export function evaluate(expr: Expr, fields: UrlFields): Outcome {
  switch (expr.kind) {
    case 'const': return expr.value;
    case 'depends': return 'depends';
    case 'not': return not(evaluate(expr.operand, fields));
    case 'logic': {
      // Kleene's three-valued logic: a false (and) or true (or) operand decides the chain
      // whatever the request; xor needs every operand.
      if (expr.op === 'xor') {
        let parity = false;
        for (const operand of expr.operands) {
          const value = evaluate(operand, fields);
          if (value === 'depends') return 'depends';
          parity = parity !== value;
        }
        return parity;
      }
      const decisive = expr.op === 'or';
      let outcome: Outcome = !decisive;
      for (const operand of expr.operands) {
        const value = evaluate(operand, fields);
        if (value === decisive) return decisive;
        if (value === 'depends') outcome = 'depends';
      }
      return outcome;
    }
    case 'boolean_field': return valueOf(expr.lhs, fields) === true;
    case 'compare': {
      const value = valueOf(expr.lhs, fields);
      const rhs = expr.rhs;
      const op = expr.op;
      if (typeof value === 'boolean' || typeof value !== typeof rhs) return false;
      switch (op) {
        case 'eq': return value === rhs;
        case 'ne': return value !== rhs;
        case 'lt': return value < rhs;
        case 'le': return value <= rhs;
        case 'gt': return value > rhs;
        case 'ge': return value >= rhs;
        case 'contains': return typeof value === 'string' && value.includes(rhs as string);
        case 'bitwise_and': return typeof value === 'number' && (BigInt(value) & BigInt(rhs)) !== 0n;
        default: {
          const never: never = op;
          throw new Error(`unknown operator ${String(never)}`);
        }
      }
    }
    case 'in': {
      const value = valueOf(expr.lhs, fields);
      return expr.members.some((member) => (member.kind === 'string' ? value === member.value : typeof value === 'number' && value >= member.low && value <= member.high));
    }
    case 'matches': {
      const value = valueOf(expr.lhs, fields);
      return typeof value === 'string' && expr.regex.test(value);
    }
    case 'wildcard': {
      const value = valueOf(expr.lhs, fields);
      return typeof value === 'string' && wildcardMatches(expr.pattern, value);
    }
    case 'affix': {
      const value = valueOf(expr.lhs, fields);
      if (typeof value !== 'string') return false;
      return expr.which === 'starts_with' ? value.startsWith(expr.affix) : value.endsWith(expr.affix);
    }
    default: {
      const never: never = expr;
      throw new Error(`unknown expression ${JSON.stringify(never)}`);
    }
  }
}
