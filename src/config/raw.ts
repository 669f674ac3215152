// Reading the plain value of purge.yaml once the schema has checked it. A value of the wrong type
// was reported by the schema, so each reader answers "nothing" for it and the rules go on.
import type { PathSegment } from './path.js';

export type Raw = Record<string, unknown>;

/** A mapping, or undefined (a list, a scalar, nothing). */
export const record = (value: unknown): Raw | undefined => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Raw) : undefined);

/** A string, or undefined. */
export const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** The strings and numbers of a list, as strings; [] for anything else. */
export const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v) => typeof v === 'string' || typeof v === 'number').map(String) : []);

/** `true`; anything else is false. */
export const flag = (value: unknown): boolean => value === true;

/**
 * A scalar's text: a string, or a number as typed in the file (`007` stays 007: a YAML number
 * keeps its digits, docs/purge-yaml.md); undefined for other types.
 */
export type TextOf = (value: unknown, path: readonly PathSegment[]) => string | undefined;
