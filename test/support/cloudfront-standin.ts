/**
 * A stand-in for CloudFront's invalidation API, for tests
 * (https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateInvalidation.html). It
 * listens on 127.0.0.1 (port 0) and implements:
 *   POST /2020-05-31/distribution/{id}/invalidation        CreateInvalidation (XML InvalidationBatch)
 *   GET  /2020-05-31/distribution/{id}/invalidation/{inv}   GetInvalidation
 * Every request must be signed with Signature Version 4 for us-east-1 and `cloudfront`: the
 * signature is recomputed here with node:crypto from AWS's published algorithm
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html), independently of
 * the client's library. CallerReference is idempotent (the same reference and paths return the
 * first invalidation; other paths are InvalidationBatchAlreadyExists); at most 3,000 paths and 15
 * wildcard paths may be in progress per distribution (TooManyInvalidationsInProgress); an
 * invalidation completes at its Nth GetInvalidation. Errors are CloudFront's ErrorResponse XML.
 * Only Node built-ins are used; where CloudFront's behaviour is undocumented, "ASSUMPTION" says so.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const CLOUDFRONT_TEST_DISTRIBUTION = 'E2QWRUHAPOMQZL';
export const AWS_TEST_CREDENTIALS = Object.freeze({ accessKeyId: 'AKIDEXAMPLE0123456789', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLEsessiontoken0123456789' });

export type CloudFrontFault =
  | { kind: 'status'; status: number; code: string; message?: string; headers?: Record<string, string> }
  | { kind: 'reset' }
  /** Handle the request, then cut the connection instead of answering (a lost answer). */
  | { kind: 'lose-answer' };

export interface CloudFrontRequestContext { seq: number; method: string; path: string; operation: 'create' | 'get' | 'other' }

export interface CloudFrontInvalidation {
  id: string;
  distribution: string;
  callerReference: string;
  paths: string[];
  status: 'InProgress' | 'Completed';
  polls: number;
  /** Foreign: made by someone else (seeded), completed only by `complete`. */
  foreign: boolean;
}

export interface CloudFrontLogged { seq: number; method: string; path: string; status: number | 'reset'; code?: string; scope?: string; signedHeaders?: string }

export interface CloudFrontStandinOptions {
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  distributions?: string[];
  /** An invalidation is Completed at its Nth GetInvalidation (default 2). */
  completeAfterPolls?: number;
  maxPaths?: number;
  maxWildcards?: number;
  /** The stand-in's time, for the signature's date (default: the machine's). */
  clock?: { now(): number };
  fault?: (ctx: CloudFrontRequestContext) => CloudFrontFault | undefined;
}

export interface CloudFrontStandin {
  url: string;
  invalidations: CloudFrontInvalidation[];
  log: CloudFrontLogged[];
  /** Seeds an invalidation made by someone else (it holds room until `complete`). */
  seed(distribution: string, paths: string[]): CloudFrontInvalidation;
  complete(id: string): void;
  close(): Promise<void>;
}

const XMLNS = 'http://cloudfront.amazonaws.com/doc/2020-05-31/';

function errorXml(code: string, message: string): string {
  return `<?xml version="1.0"?>\n<ErrorResponse xmlns="${XMLNS}"><Error><Type>Sender</Type><Code>${esc(code)}</Code><Message>${esc(message)}</Message></Error><RequestId>4442587f-b7d0-a2f9-0000-standin</RequestId></ErrorResponse>`;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const unesc = (s: string): string => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

function invalidationXml(inv: CloudFrontInvalidation): string {
  const items = inv.paths.map((p) => `<Path>${esc(p)}</Path>`).join('');
  return `<?xml version="1.0"?>\n<Invalidation xmlns="${XMLNS}"><Id>${inv.id}</Id><Status>${inv.status}</Status><CreateTime>2026-01-01T00:00:00.000Z</CreateTime><InvalidationBatch><Paths><Quantity>${inv.paths.length}</Quantity><Items>${items}</Items></Paths><CallerReference>${esc(inv.callerReference)}</CallerReference></InvalidationBatch></Invalidation>`;
}

/** AWS's URI encoding: every byte but A-Z a-z 0-9 - _ . ~ as %XX (upper-case hex). */
function uriEncode(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((b) => (/[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest();

/** Checks a request's Signature Version 4; null when it holds, else [status, code, message]. */
function verifySignature(req: IncomingMessage, body: Buffer, creds: NonNullable<CloudFrontStandinOptions['credentials']>, now: number): [number, string, string] | null {
  const auth = String(req.headers.authorization ?? '');
  const m = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (m === null) return [403, 'MissingAuthenticationToken', 'Request is missing Authentication Token'];
  const [, keyId, date, region, service, signedHeaderList, signature] = m;
  if (keyId !== creds.accessKeyId) return [403, 'InvalidClientTokenId', 'The security token included in the request is invalid.'];
  if (region !== 'us-east-1' || service !== 'cloudfront') return [403, 'SignatureDoesNotMatch', `Credential should be scoped to a valid region and service: us-east-1/cloudfront, not ${region}/${service}.`];
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  if (!/^\d{8}T\d{6}Z$/.test(amzDate) || amzDate.slice(0, 8) !== date) return [403, 'SignatureDoesNotMatch', 'X-Amz-Date is missing or does not match the credential scope.'];
  const at = Date.UTC(+amzDate.slice(0, 4), +amzDate.slice(4, 6) - 1, +amzDate.slice(6, 8), +amzDate.slice(9, 11), +amzDate.slice(11, 13), +amzDate.slice(13, 15));
  if (Math.abs(at - now) > 15 * 60_000) return [403, 'SignatureDoesNotMatch', 'Signature expired.'];
  const signed = signedHeaderList.split(';');
  if (!signed.includes('host') || !signed.includes('x-amz-date')) return [403, 'SignatureDoesNotMatch', 'host and x-amz-date must be signed.'];
  if (creds.sessionToken !== undefined && (req.headers['x-amz-security-token'] !== creds.sessionToken || !signed.includes('x-amz-security-token'))) {
    return [403, 'InvalidClientTokenId', 'The security token included in the request is invalid.'];
  }
  const target = req.url ?? '/';
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  const canonicalUri = path.split('/').map(uriEncode).join('/');
  const canonicalQuery = (q === -1 ? '' : target.slice(q + 1)).split('&').filter(Boolean)
    .map((pair) => pair.split('=').map((part) => uriEncode(decodeURIComponent(part.replace(/\+/g, ' ')))))
    .sort(([k1, v1], [k2, v2]) => (k1 < k2 ? -1 : k1 > k2 ? 1 : (v1 ?? '') < (v2 ?? '') ? -1 : 1))
    .map(([k, v]) => `${k}=${v ?? ''}`).join('&');
  const canonicalHeaders = signed.map((name) => `${name}:${String(req.headers[name] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  const payloadHash = typeof req.headers['x-amz-content-sha256'] === 'string' ? req.headers['x-amz-content-sha256'] : sha256(body);
  const canonicalRequest = [req.method, canonicalUri, canonicalQuery, canonicalHeaders, signedHeaderList, payloadHash].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${creds.secretAccessKey}`, date), region), service), 'aws4_request');
  const expected = hmac(key, stringToSign).toString('hex');
  if (!timingSafeEqual(Buffer.from(expected), Buffer.from(signature))) return [403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.'];
  return null;
}

export async function startCloudFrontStandin(options: CloudFrontStandinOptions = {}): Promise<CloudFrontStandin> {
  const creds = options.credentials ?? { ...AWS_TEST_CREDENTIALS };
  const distributions = new Set(options.distributions ?? [CLOUDFRONT_TEST_DISTRIBUTION]);
  const completeAfter = options.completeAfterPolls ?? 2;
  const maxPaths = options.maxPaths ?? 3000;
  const maxWildcards = options.maxWildcards ?? 15;
  const clock = options.clock ?? { now: () => Date.now() };
  const invalidations: CloudFrontInvalidation[] = [];
  const log: CloudFrontLogged[] = [];
  const sockets = new Set<Socket>();
  let seq = 0;
  let ids = 0;
  const nextId = (): string => `I${String(++ids).padStart(4, '0')}STANDIN${'X'.repeat(3)}`;

  const make = (distribution: string, callerReference: string, paths: string[], foreign: boolean): CloudFrontInvalidation => {
    const inv: CloudFrontInvalidation = { id: nextId(), distribution, callerReference, paths, status: 'InProgress', polls: 0, foreign };
    invalidations.push(inv);
    return inv;
  };

  function create(distribution: string, body: string): [number, string, string?] {
    const root = /<InvalidationBatch\s+xmlns="([^"]*)"\s*>([\s\S]*)<\/InvalidationBatch>/.exec(body);
    if (root === null || root[1] !== XMLNS) return [400, errorXml('MalformedInput', 'Could not parse the InvalidationBatch'), 'MalformedInput'];
    const reference = /<CallerReference>([^<]*)<\/CallerReference>/.exec(root[2]);
    const quantity = /<Quantity>(\d+)<\/Quantity>/.exec(root[2]);
    const paths = [...root[2].matchAll(/<Path>([^<]*)<\/Path>/g)].map((p) => unesc(p[1]));
    if (reference === null || reference[1] === '' || quantity === null) return [400, errorXml('MalformedInput', 'CallerReference and Paths.Quantity are required'), 'MalformedInput'];
    if (Number(quantity[1]) !== paths.length) return [400, errorXml('InconsistentQuantities', 'The value of Quantity and the size of Items don\'t match.'), 'InconsistentQuantities'];
    const bad = paths.find((p) => !p.startsWith('/') || p.length > 4000 || (p.includes('*') && p.indexOf('*') !== p.length - 1));
    if (bad !== undefined) return [400, errorXml('InvalidArgument', `Your request contains one or more invalid invalidation paths: ${bad}`), 'InvalidArgument'];
    const callerReference = unesc(reference[1]);
    const same = invalidations.find((i) => i.distribution === distribution && i.callerReference === callerReference);
    if (same !== undefined) {
      // Same reference and paths: the same invalidation (API_InvalidationBatch). Other paths: an error (ASSUMPTION: 409).
      if (JSON.stringify(same.paths) === JSON.stringify(paths)) return [201, invalidationXml(same)];
      return [409, errorXml('InvalidationBatchAlreadyExists', 'Invalidation batch specified already exists.'), 'InvalidationBatchAlreadyExists'];
    }
    const wild = paths.filter((p) => p.endsWith('*')).length;
    const inProgress = invalidations.filter((i) => i.distribution === distribution && i.status === 'InProgress');
    const usedWild = inProgress.reduce((n, i) => n + i.paths.filter((p) => p.endsWith('*')).length, 0);
    const usedPaths = inProgress.reduce((n, i) => n + i.paths.filter((p) => !p.endsWith('*')).length, 0);
    if (usedPaths + paths.length - wild > maxPaths || usedWild + wild > maxWildcards) {
      return [400, errorXml('TooManyInvalidationsInProgress', 'Processing your request will cause you to exceed the maximum number of in-progress wildcard invalidations.'), 'TooManyInvalidationsInProgress'];
    }
    return [201, invalidationXml(make(distribution, callerReference, paths, false))];
  }

  function get(distribution: string, id: string): [number, string, string?] {
    const inv = invalidations.find((i) => i.distribution === distribution && i.id === id);
    if (inv === undefined) return [404, errorXml('NoSuchInvalidation', 'The specified invalidation does not exist.'), 'NoSuchInvalidation'];
    inv.polls++;
    if (!inv.foreign && inv.polls >= completeAfter) inv.status = 'Completed';
    return [200, invalidationXml(inv)];
  }

  const createPath = /^\/2020-05-31\/distribution\/([^/?]+)\/invalidation$/;
  const getPath = /^\/2020-05-31\/distribution\/([^/?]+)\/invalidation\/([^/?]+)$/;
  const operationOf = (req: IncomingMessage): CloudFrontRequestContext['operation'] =>
    req.method === 'POST' && createPath.test(req.url ?? '') ? 'create' : req.method === 'GET' && getPath.test(req.url ?? '') ? 'get' : 'other';

  function route(req: IncomingMessage, body: Buffer, fault: CloudFrontFault | undefined, entry: CloudFrontLogged): [number, string, string?] {
    const target = req.url ?? '/';
    const createMatch = createPath.exec(target);
    const getMatch = getPath.exec(target);
    const operation = operationOf(req);
    if (fault?.kind === 'status') return [fault.status, errorXml(fault.code, fault.message ?? fault.code), fault.code];
    const denied = verifySignature(req, body, creds, clock.now());
    const scope = /Credential=[^/]+\/\d{8}\/([^,]+)\/aws4_request/.exec(String(req.headers.authorization ?? ''));
    if (scope !== null) entry.scope = scope[1];
    entry.signedHeaders = /SignedHeaders=([^,]+)/.exec(String(req.headers.authorization ?? ''))?.[1];
    if (denied !== null) return [denied[0], errorXml(denied[1], denied[2]), denied[1]];
    const distribution = decodeURIComponent((createMatch ?? getMatch)?.[1] ?? '');
    if (operation === 'other') return [404, errorXml('NoSuchResource', 'The specified resource does not exist.'), 'NoSuchResource'];
    if (!distributions.has(distribution)) return [404, errorXml('NoSuchDistribution', 'The specified distribution does not exist.'), 'NoSuchDistribution'];
    return operation === 'create' ? create(distribution, body.toString('utf8')) : get(distribution, decodeURIComponent(getMatch![2]));
  }

  const server = createServer((req, res: ServerResponse) => {
    const n = ++seq;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const entry: CloudFrontLogged = { seq: n, method: req.method ?? '', path: req.url ?? '', status: 0 };
      const target = req.url ?? '/';
      const fault = options.fault?.({ seq: n, method: req.method ?? '', path: target, operation: operationOf(req) });
      if (fault?.kind === 'reset') {
        entry.status = 'reset';
        log.push(entry);
        req.socket.destroy();
        return;
      }
      const [status, xml, code] = route(req, Buffer.concat(chunks), fault, entry);
      entry.status = status;
      if (code !== undefined) entry.code = code;
      if (fault?.kind === 'lose-answer') {
        entry.status = 'reset';
        log.push(entry);
        req.socket.destroy();
        return;
      }
      log.push(entry);
      const headers: Record<string, string> = { 'content-type': 'text/xml', 'x-amz-request-id': `standin-${n}` };
      if (status === 201) headers.location = `http://${req.headers.host}${target}/${/<Id>([^<]+)<\/Id>/.exec(xml)?.[1] ?? ''}`;
      res.writeHead(status, headers);
      res.end(xml);
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    invalidations,
    log,
    seed: (distribution, paths) => make(distribution, `foreign-${ids + 1}`, paths, true),
    complete: (id) => {
      const inv = invalidations.find((i) => i.id === id);
      if (inv !== undefined) inv.status = 'Completed';
    },
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}
