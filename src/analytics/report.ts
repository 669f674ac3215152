// What the coverage report says of GraphQL Analytics as its source (docs/coverage.md#without-logpush-graphql-analytics):
// the dataset and window, that the data is sampled, which dimensions it could not see, whether it
// had the scheme; and the same as --json fields. Pure.
import type { CoverageSource } from '../inspect/coverage-render.js';
import { DATASET } from './query.js';
import type { GraphqlRead } from './read.js';
import { timeText } from './window.js';

export function graphqlSource(read: GraphqlRead, notObservable: readonly string[]): CoverageSource {
  const from = timeText(read.window.from);
  const to = timeText(read.window.to);
  const notes = [
    `Sampled: ${DATASET} is an adaptive (sampled) dataset: request counts are Cloudflare's estimates, and rarely requested URLs may be missing.`,
  ];
  if (notObservable.length) {
    notes.push(`Not observable: ${notObservable.join(', ')}. The dataset has no request headers or cookies: entries are formed without these dimensions, and their values are never counted as missed (Logpush with custom fields sees them).`);
  }
  if (!read.schemeObserved) notes.push('No scheme: the dataset does not give it for these zones, so a URL matches either scheme.');
  return {
    label: `GraphQL Analytics ${DATASET}, ${from} to ${to}`,
    notes,
    json: {
      source: 'graphql',
      dataset: DATASET,
      sampled: true,
      window: { from, to },
      not_observable: [...notObservable],
      scheme_observed: read.schemeObserved,
      zones: read.zones.map((z) => ({ zone: z.zone, id: z.id, rows: z.rows, requests: z.requests })),
    },
  };
}
