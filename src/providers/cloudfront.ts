// The CloudFront provider (docs/providers.md#cloudfront), after CloudFront's API reference
// (https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateInvalidation.html):
//   POST /2020-05-31/distribution/{id}/invalidation        XML InvalidationBatch: CallerReference, Paths
//   GET  /2020-05-31/distribution/{id}/invalidation/{inv}   its Status: InProgress, then Completed
// Items become invalidation paths: a URL its path and query as written, a prefix `host/img/` the
// wildcard `/img/*`, a host or everything `/*` (an invalidation reaches every cached version of a
// path, whatever its headers or cookies: variants collapse). A resend with the same
// CallerReference and paths is the same invalidation ("CloudFront doesn't create a new
// invalidation request": API_InvalidationBatch), so the reference is derived from the plan and
// the request. At most 3,000 paths, and 15 wildcard paths, may be in progress per distribution
// (DeveloperGuide/InvalidationLimits.html): apply polls GetInvalidation before sending more.
// Requests are signed with Signature Version 4 by aws4fetch, for us-east-1 and `cloudfront`.
import { AwsV4Signer } from 'aws4fetch';
import { UserError } from '../errors.js';
import { printable } from '../format.js';
import { parseApiBaseUrl, parseWaitUntil, tokenProblem } from '../http/policy.js';
import { unionGroups, xmlEscape, xmlText } from './common.js';
import { prefixInvalidationPath, urlInvalidationPath } from './cloudfront-paths.js';
import type { RawClient } from '../http/client.js';
import { createRawClient } from '../http/client.js';
import { ConcurrencyLimiter, NOMINAL_ROUND_TRIP_MS } from './pacing.js';
import { sendWithRetries, transportVerdict } from './retry.js';
import type { BodyForms, ProviderJob, ProviderRequest, ProviderSendContext, ProviderSendResult, ProviderSession, ProviderZone, RawOutcome, Verdict, ZoneItem } from './types.js';

const CLOUDFRONT_API_URL = 'https://cloudfront.amazonaws.com';
const API_VERSION = '2020-05-31';
const XMLNS = `http://cloudfront.amazonaws.com/doc/${API_VERSION}/`;
/** CloudFront is a global service: requests are always signed for us-east-1 (whatever AWS_REGION says). */
const CLOUDFRONT_SIGNING = { region: 'us-east-1', service: 'cloudfront' } as const;
/** Paths in progress per distribution, and wildcard paths, independently (InvalidationLimits.html). */
export const CLOUDFRONT_MAX_PATHS_IN_PROGRESS = 3000;
export const CLOUDFRONT_MAX_WILDCARDS_IN_PROGRESS = 15;
/**
 * The price of invalidation paths (https://aws.amazon.com/cloudfront/pricing/): "No additional
 * charge for the first 1,000 paths requested for invalidation each month. Thereafter, $0.005 per
 * path requested for invalidation." A wildcard path counts as one.
 */
const CLOUDFRONT_FREE_PATHS_PER_MONTH = 1000;
const CLOUDFRONT_USD_PER_PATH = 0.005;
/**
 * How long an invalidation takes, for the plan's estimate only: AWS publishes no figure (its own
 * waiter polls every 20 s for up to 10 minutes); 5 minutes is the upper end of what users report.
 */
const NOMINAL_INVALIDATION_MS = 300_000;
/** GetInvalidation is polled at this interval while a request waits for room, as AWS's waiter does. */
const POLL_INTERVAL_MS = 20_000;
/** A request waits at most this long for room (its polls and CloudFront's TooManyInvalidationsInProgress answers). */
const CLOUDFRONT_WAIT_BUDGET_MS = 30 * 60_000;

/** A CloudFront request body as `plan --json` shows it: the batch's invalidation paths. */
export interface CloudFrontBody {
  readonly paths: readonly string[];
}

/** The invalidation path of an item. */
export function invalidationPath(item: Pick<ZoneItem, 'kind' | 'value'>): string {
  switch (item.kind) {
    case 'everything':
    case 'host':
      return '/*';
    case 'prefix':
      return prefixInvalidationPath(item.value);
    case 'file':
      return urlInvalidationPath(item.value);
    default:
      throw new Error(`CloudFront has no invalidation path for a ${item.kind} (purge.yaml's check refuses tags on CloudFront zones)`);
  }
}

const isWildcard = (path: string): boolean => path.endsWith('*');

/**
 * A CloudFront zone's items as invalidation batches (one action: CloudFront has one kind of
 * invalidation). `/*` alone when a host or everything is asked for; else wildcard paths (at most
 * `maxWildcards` a batch) then exact paths (at most `maxPaths` a batch), each once, without the
 * paths a wildcard already reaches.
 */
export function cloudfrontBodies(items: readonly ZoneItem[], groupOrder: readonly string[], maxPaths = CLOUDFRONT_MAX_PATHS_IN_PROGRESS, maxWildcards = CLOUDFRONT_MAX_WILDCARDS_IN_PROGRESS): BodyForms<CloudFrontBody> {
  const byPath = new Map<string, (readonly string[])[]>();
  for (const item of items) {
    const path = invalidationPath(item);
    const seen = byPath.get(path);
    if (seen === undefined) byPath.set(path, [item.groups]);
    else seen.push(item.groups);
  }
  const all = byPath.get('/*');
  if (all !== undefined) {
    const covered = items.length - all.length;
    const requests: ProviderRequest<CloudFrontBody>[] = [{ kind: 'purge_everything', size: 1, groups: unionGroups([...byPath.values()].flat(), groupOrder), body: { paths: ['/*'] } }];
    return { requests, coverage: covered > 0 ? [{ kind: 'everything', value: '', covered }] : [], duplicates: all.length - 1 };
  }
  const wildcardPrefixes = new Set([...byPath.keys()].filter(isWildcard).map((path) => path.slice(0, -1)));
  const wildcards: [string, (readonly string[])[]][] = [];
  const exact: [string, (readonly string[])[]][] = [];
  const covered = new Map<string, number>();
  let duplicates = 0;
  for (const [path, groups] of byPath) {
    const coveredBy = reachingWildcard(path, wildcardPrefixes);
    if (coveredBy !== undefined) {
      covered.set(`${coveredBy}*`, (covered.get(`${coveredBy}*`) ?? 0) + groups.length);
      byPath.get(`${coveredBy}*`)!.push(...groups);
      continue;
    }
    duplicates += groups.length - 1;
    (isWildcard(path) ? wildcards : exact).push([path, groups]);
  }
  const coverage = [...covered].map(([value, n]) => ({ kind: 'prefix' as const, value, covered: n }));
  return { requests: [...chunks(wildcards, maxWildcards, 'prefixes', groupOrder), ...chunks(exact, maxPaths, 'files', groupOrder)], coverage, duplicates };
}

/** The wildcard prefix (other than the path's own) that reaches `path`, if any. */
function reachingWildcard(path: string, prefixes: ReadonlySet<string>): string | undefined {
  const own = isWildcard(path) ? path.length - 1 : path.length + 1;
  for (let end = 1; end <= path.length; end++) {
    if (end === own) continue;
    const prefix = path.slice(0, end);
    if (prefixes.has(prefix)) return prefix;
  }
  return undefined;
}

function chunks(paths: readonly [string, (readonly string[])[]][], size: number, kind: 'prefixes' | 'files', groupOrder: readonly string[]): ProviderRequest<CloudFrontBody>[] {
  const requests: ProviderRequest<CloudFrontBody>[] = [];
  for (let i = 0; i < paths.length; i += size) {
    const chunk = paths.slice(i, i + size);
    requests.push({ kind, size: chunk.length, groups: unionGroups(chunk.flatMap(([, groups]) => groups), groupOrder), body: { paths: chunk.map(([path]) => path) } });
  }
  return requests;
}

/** The paths a CloudFront zone's plan would be billed for, and what they may cost. */
export interface InvalidationCost {
  readonly paths: number;
  readonly free_paths_per_month: number;
  readonly usd_per_path: number;
  /** If no free path of the month has been used yet: the paths beyond the 1,000, priced. */
  readonly usd_beyond_free: number;
  /** If the month's free paths are used up. */
  readonly usd_without_free: number;
}

export function invalidationCost(paths: number): InvalidationCost {
  // To a tenth of a cent: one path is $0.005.
  const cents = (n: number): number => Math.round(n * CLOUDFRONT_USD_PER_PATH * 1000) / 1000;
  return {
    paths,
    free_paths_per_month: CLOUDFRONT_FREE_PATHS_PER_MONTH,
    usd_per_path: CLOUDFRONT_USD_PER_PATH,
    usd_beyond_free: cents(Math.max(0, paths - CLOUDFRONT_FREE_PATHS_PER_MONTH)),
    usd_without_free: cents(paths),
  };
}

/**
 * Seconds a distribution's batches take at the in-progress limits: one round trip each, and every
 * batch that does not fit beside those in progress waits for them to complete (nominal time).
 */
export function cloudfrontEstimateSeconds(bodies: readonly CloudFrontBody[]): number {
  return cloudfrontBatchSeconds(bodies.map(({ paths }) => {
    const wildcards = paths.filter(isWildcard).length;
    return { exact: paths.length - wildcards, wildcards };
  }));
}

/** The same model over batches given by their counts of exact and wildcard paths. */
export function cloudfrontBatchSeconds(batches: readonly { readonly exact: number; readonly wildcards: number }[]): number {
  let waves = batches.length === 0 ? 0 : 1;
  let paths = 0;
  let wildcards = 0;
  for (const batch of batches) {
    if (paths + batch.exact > CLOUDFRONT_MAX_PATHS_IN_PROGRESS || wildcards + batch.wildcards > CLOUDFRONT_MAX_WILDCARDS_IN_PROGRESS) {
      waves++;
      paths = 0;
      wildcards = 0;
    }
    paths += batch.exact;
    wildcards += batch.wildcards;
  }
  return (batches.length * NOMINAL_ROUND_TRIP_MS + Math.max(0, waves - 1) * NOMINAL_INVALIDATION_MS) / 1000;
}

/**
 * The CallerReference of a plan's request: the same plan and request give the same reference, so
 * a resend after a lost answer is the same invalidation. A later pass of the same plan (apply
 * --repurge-after) is a new invalidation, so the pass is part of it from the second on.
 */
export function callerReference(planId: string, index: number, pass = 1): string {
  const digest = planId.replace(/^sha256:/, '').slice(0, 32);
  return `purgeplan-${digest}-${index}${pass > 1 ? `-pass${pass}` : ''}`;
}

/** The CreateInvalidation body (API_CreateInvalidation.html), members in the shape's order. */
export function invalidationBatchXml(reference: string, paths: readonly string[]): string {
  const items = paths.map((path) => `<Path>${xmlEscape(path)}</Path>`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<InvalidationBatch xmlns="${XMLNS}"><CallerReference>${xmlEscape(reference)}</CallerReference><Paths><Quantity>${paths.length}</Quantity><Items>${items}</Items></Paths></InvalidationBatch>`;
}

const BUSY_CODES = new Set(['TooManyInvalidationsInProgress']);
const THROTTLE_CODES = new Set(['Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException', 'SlowDown']);

/** What an answer to CreateInvalidation means: one line per case of docs/providers.md#cloudfront. */
export function classifyCloudFront(outcome: RawOutcome, now: number): Verdict {
  if (outcome.kind === 'transport') return transportVerdict(outcome);
  const { status, headers, text } = outcome;
  if (status >= 200 && status < 300) {
    const id = xmlText(text, 'Id');
    if (id === null || id === '' || !text.includes('<Invalidation')) return { kind: 'fatal', message: `HTTP ${status} without a CloudFront answer`, httpStatus: status, errors: [] };
    return { kind: 'done', id };
  }
  const code = xmlText(text, 'Code') ?? '';
  const message = xmlText(text, 'Message') ?? '';
  if (BUSY_CODES.has(code)) return { kind: 'busy', message: `too many invalidations in progress (${code})` };
  if (THROTTLE_CODES.has(code) || status === 429) return { kind: 'rate_limited', message: `rate-limited (${code || status})`, until: parseWaitUntil(headers['retry-after'], now) };
  if (status >= 500) return { kind: 'transient', message: `HTTP ${status}${code ? ` ${code}` : ''}`, httpStatus: status };
  const errors = code === '' && message === '' ? [] : [{ code: code || status, message }];
  if (code === 'InvalidationBatchAlreadyExists') {
    return { kind: 'fatal', httpStatus: status, errors, message: 'CloudFront already holds an invalidation with this CallerReference for other paths: the plan\'s requests changed under the same plan id, or another tool used the reference' };
  }
  return { kind: 'fatal', message: `CloudFront answered HTTP ${status}`, httpStatus: status, errors };
}

/** AWS credentials from the standard environment variables. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** Reads AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, before anything is sent; never echoes them. */
export function readAwsCredentials(env: NodeJS.ProcessEnv, zones: readonly string[]): AwsCredentials {
  const read = (name: string): string => (env[name] ?? '').trim();
  const accessKeyId = read('AWS_ACCESS_KEY_ID');
  const secretAccessKey = read('AWS_SECRET_ACCESS_KEY');
  const sessionToken = read('AWS_SESSION_TOKEN');
  const missing = [accessKeyId === '' ? 'AWS_ACCESS_KEY_ID' : '', secretAccessKey === '' ? 'AWS_SECRET_ACCESS_KEY' : ''].filter(Boolean);
  if (missing.length > 0) {
    throw new UserError(`no AWS credentials for CloudFront (zone${zones.length > 1 ? 's' : ''} ${zones.join(', ')}): ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set or empty; both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are needed`, {
      hint: 'export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary credentials); in GitHub Actions, aws-actions/configure-aws-credentials sets them from an OIDC role allowed cloudfront:CreateInvalidation and cloudfront:GetInvalidation',
    });
  }
  const malformed = [['AWS_ACCESS_KEY_ID', accessKeyId], ['AWS_SECRET_ACCESS_KEY', secretAccessKey], ['AWS_SESSION_TOKEN', sessionToken]]
    .filter(([, value]) => value !== '' && tokenProblem(value) !== undefined).map(([name]) => name);
  if (malformed.length > 0) throw new UserError(`${malformed.join(', ')} contains spaces, control or non-ASCII characters`, { hint: 'copy the credentials again' });
  return { accessKeyId, secretAccessKey, ...(sessionToken === '' ? {} : { sessionToken }) };
}

/** CloudFront's endpoint: AWS_ENDPOINT_URL_CLOUDFRONT, then AWS_ENDPOINT_URL (AWS's standard variables), else CloudFront's. */
export function cloudfrontApiUrl(env: NodeJS.ProcessEnv): URL {
  const variable = env.AWS_ENDPOINT_URL_CLOUDFRONT ? 'AWS_ENDPOINT_URL_CLOUDFRONT' : env.AWS_ENDPOINT_URL ? 'AWS_ENDPOINT_URL' : null;
  return parseApiBaseUrl(variable === null ? CLOUDFRONT_API_URL : env[variable]!, {
    name: variable ?? 'CloudFront API URL',
    notAbsoluteHint: `use e.g. ${CLOUDFRONT_API_URL}`,
    credentialsHint: 'credentials come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
  });
}

/** `YYYYMMDDTHHMMSSZ`, the X-Amz-Date form, from the run's clock. */
export function amzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[:-]|\.\d{3}/g, '');
}

/** Signs a request (Signature Version 4, aws4fetch): its headers, authorization and x-amz-date included. */
async function signedHeaders(credentials: AwsCredentials, method: 'GET' | 'POST', url: URL, body: string | undefined, now: number): Promise<Record<string, string>> {
  const signer = new AwsV4Signer({
    method, url: url.toString(), ...(body === undefined ? {} : { body }),
    accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey,
    ...(credentials.sessionToken === undefined ? {} : { sessionToken: credentials.sessionToken }),
    ...CLOUDFRONT_SIGNING, datetime: amzDate(now),
  });
  const signed = await signer.sign();
  const headers: Record<string, string> = {};
  signed.headers.forEach((value: string, name: string) => { headers[name.toLowerCase()] = value; });
  return headers;
}

/** What a distribution has in progress from this run: reserved for requests being sent, then by invalidation id. */
export class InvalidationsInProgress {
  private readonly tracked = new Map<string, { paths: number; wildcards: number }>();
  private reservedPaths = 0;
  private reservedWildcards = 0;

  constructor(readonly maxPaths = CLOUDFRONT_MAX_PATHS_IN_PROGRESS, readonly maxWildcards = CLOUDFRONT_MAX_WILDCARDS_IN_PROGRESS) {}

  private used(): { paths: number; wildcards: number } {
    let paths = this.reservedPaths;
    let wildcards = this.reservedWildcards;
    for (const t of this.tracked.values()) {
      paths += t.paths;
      wildcards += t.wildcards;
    }
    return { paths, wildcards };
  }

  /** Reserves room for a batch when it fits beside what is in progress. */
  tryReserve(paths: number, wildcards: number): boolean {
    const used = this.used();
    if (used.paths + paths > this.maxPaths || used.wildcards + wildcards > this.maxWildcards) return false;
    this.reservedPaths += paths;
    this.reservedWildcards += wildcards;
    return true;
  }

  unreserve(paths: number, wildcards: number): void {
    this.reservedPaths = Math.max(0, this.reservedPaths - paths);
    this.reservedWildcards = Math.max(0, this.reservedWildcards - wildcards);
  }

  /** An invalidation CloudFront accepted (the same id twice is one). */
  track(id: string, paths: number, wildcards: number): void {
    this.tracked.set(id, { paths, wildcards });
  }

  complete(id: string): void {
    this.tracked.delete(id);
  }

  ids(): string[] {
    return [...this.tracked.keys()];
  }
}

export interface CloudFrontSessionOptions {
  readonly apiUrl: URL;
  readonly credentials: AwsCredentials;
  /** The plan's id: CallerReferences are derived from it and the request's index. */
  readonly planId: string;
  readonly connections: number;
  readonly requestTimeoutMs: number;
  /** Every invalidation id CloudFront gives, as it gives it (apply reports them). */
  readonly onInvalidation?: (zone: string, id: string, status: string) => void;
  /** For tests: the client to send with (default: one undici pool to `apiUrl`). */
  readonly client?: RawClient;
}

/** CloudFront's apply side for one run: one signed client, per distribution a limiter and its invalidations in progress. */
export async function openCloudFrontSession(options: CloudFrontSessionOptions): Promise<ProviderSession<CloudFrontBody>> {
  const { credentials } = options;
  const secrets = [credentials.secretAccessKey, ...(credentials.sessionToken === undefined ? [] : [credentials.sessionToken])];
  const client = options.client ?? (await createRawClient(options.apiUrl, { connections: options.connections, requestTimeoutMs: options.requestTimeoutMs, secrets }));
  const limiters = new Map<string, ConcurrencyLimiter>();
  const progress = new Map<string, InvalidationsInProgress>();
  const limiterOf = (zone: ProviderZone): ConcurrencyLimiter => {
    let limiter = limiters.get(zone.name);
    if (limiter === undefined) limiters.set(zone.name, (limiter = new ConcurrencyLimiter(zone.concurrency)));
    return limiter;
  };
  const progressOf = (zone: ProviderZone): InvalidationsInProgress => {
    let p = progress.get(zone.id);
    if (p === undefined) progress.set(zone.id, (p = new InvalidationsInProgress()));
    return p;
  };
  return {
    limiter: (zone) => limiterOf(zone),
    send: (zone, job, context) => new CloudFrontSend(client, options, zone, limiterOf(zone), progressOf(zone), context).send(job),
    close: () => client.close(),
  };
}

/** One CreateInvalidation with its retries, the room it waits for, and the zone's slot. */
class CloudFrontSend {
  private held = true;
  private reserved = false;

  constructor(
    private readonly client: RawClient,
    private readonly options: CloudFrontSessionOptions,
    private readonly zone: ProviderZone,
    private readonly limiter: ConcurrencyLimiter,
    private readonly progress: InvalidationsInProgress,
    private readonly context: ProviderSendContext,
  ) {}

  private url(target: string): URL {
    return new URL(`${this.client.baseUrl.pathname.replace(/\/+$/, '')}${target}`, this.client.baseUrl.origin);
  }

  private async signed(method: 'GET' | 'POST', target: string, body?: string): Promise<Record<string, string>> {
    return signedHeaders(this.options.credentials, method, this.url(target), body, this.context.clock.now());
  }

  async send(job: ProviderJob<CloudFrontBody>): Promise<ProviderSendResult> {
    const { paths } = job.body;
    const wildcards = paths.filter(isWildcard).length;
    const exact = paths.length - wildcards;
    const target = `/${API_VERSION}/distribution/${encodeURIComponent(this.zone.id)}/invalidation`;
    const body = invalidationBatchXml(callerReference(this.options.planId, job.index, job.pass), paths);
    const policy = { ...this.context.policy, rateLimitBudgetMs: Math.max(this.context.policy.rateLimitBudgetMs, CLOUDFRONT_WAIT_BUDGET_MS) };
    const context: ProviderSendContext = {
      ...this.context,
      policy,
      beforeRetry: async () => {
        if (this.context.beforeRetry === undefined) return true;
        const ok = await this.context.beforeRetry();
        if (ok) this.held = true;
        return ok;
      },
    };
    const deadline = this.context.clock.now() + CLOUDFRONT_WAIT_BUDGET_MS;
    try {
      return await sendWithRetries(
        async (signal) => {
          const headers = { ...(await this.signed('POST', target, body)), 'content-type': 'text/xml', accept: 'text/xml' };
          return this.client.request({ method: 'POST', target, headers, body, ...(signal === undefined ? {} : { signal }) });
        },
        classifyCloudFront,
        context,
        {
          beforeAttempt: () => this.room(exact, wildcards, deadline),
          afterAttempt: (verdict) => this.settle(verdict, exact, wildcards),
        },
      );
    } finally {
      this.release();
      if (this.reserved) this.progress.unreserve(exact, wildcards);
    }
  }

  private release(): void {
    if (this.held) this.limiter.release();
    this.held = false;
  }

  /** After an attempt: the slot is given back, the room either becomes the invalidation's or is given back. */
  private settle(verdict: Verdict, exact: number, wildcards: number): void {
    this.release();
    if (this.reserved) this.progress.unreserve(exact, wildcards);
    this.reserved = false;
    if (verdict.kind === 'done') {
      this.progress.track(verdict.id, exact, wildcards);
      this.options.onInvalidation?.(this.zone.name, verdict.id, 'InProgress');
    }
  }

  /**
   * Waits until the batch fits beside this run's invalidations in progress, polling them (false:
   * interrupted). Past the deadline, or with none of ours to wait for, it lets CloudFront decide.
   */
  private async room(exact: number, wildcards: number, deadline: number): Promise<boolean> {
    const { clock, signal } = this.context;
    for (;;) {
      if (signal?.aborted) return false;
      if (this.progress.tryReserve(exact, wildcards)) {
        this.reserved = true;
        return true;
      }
      if (this.progress.ids().length === 0 || clock.now() >= deadline) return true;
      await this.poll();
      if (this.progress.tryReserve(exact, wildcards)) {
        this.reserved = true;
        return true;
      }
      await clock.sleep(POLL_INTERVAL_MS, signal);
    }
  }

  /** GetInvalidation for each of ours in progress: Completed ones free their room; one CloudFront no longer knows, or will not show, is forgotten. */
  private async poll(): Promise<void> {
    for (const id of this.progress.ids()) {
      if (this.context.signal?.aborted) return;
      const target = `/${API_VERSION}/distribution/${encodeURIComponent(this.zone.id)}/invalidation/${encodeURIComponent(id)}`;
      const outcome = await this.client.request({ method: 'GET', target, headers: { ...(await this.signed('GET', target)), accept: 'text/xml' }, ...(this.context.signal === undefined ? {} : { signal: this.context.signal }) });
      if (outcome.kind !== 'response' || outcome.status >= 500 || outcome.status === 429) continue;
      const status = outcome.status === 200 ? xmlText(outcome.text, 'Status') : null;
      if (status === 'InProgress') continue;
      this.progress.complete(id);
      if (status !== null) this.options.onInvalidation?.(this.zone.name, id, printable(status));
    }
  }
}
