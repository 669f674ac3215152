// One sitemap file, read as a stream: a `<urlset>` hands over its `<url>` entries one at a time, a
// `<sitemapindex>` returns where its children are listed. The format is sitemaps.org's
// (https://www.sitemaps.org/protocol.html); docs/purge-yaml.md, "Reading a sitemap", says how
// purgeplan reads it.
// saxes checks that the XML is well formed (XML 1.0) and tracks positions; this module adds what a
// sitemap is, refuses a DOCTYPE (a document type can declare entities that expand without bound),
// and keeps at most one entry's text at a time.
import { open } from 'node:fs/promises';
import { isUtf8 } from 'node:buffer';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { SaxesParser, type SaxesTagNS } from 'saxes';

export interface SitemapEntry { loc: string; lastmod?: string }

/** A problem in a sitemap file, at a 1-based line and column (columns count characters). */
export class SitemapError extends Error {
  constructor(readonly file: string, readonly line: number, readonly column: number, message: string) {
    super(message);
    this.name = 'SitemapError';
  }
}

/** A child sitemap listed by an index: its `<loc>` as written and where that `<loc>` starts. */
export interface ListedSitemap { readonly loc: string; readonly line: number; readonly column: number }

export type SitemapFile = { readonly kind: 'urlset' } | { readonly kind: 'index'; readonly children: readonly ListedSitemap[] };

/** The sitemaps.org limit is 50 MB uncompressed; this leaves room for generators that exceed it and still stops a gzip bomb. */
const MAX_UNCOMPRESSED_BYTES = 256 * 1024 * 1024;
/** Sitemap URLs must be shorter than 2,048 characters (sitemaps.org); one `<loc>` or `<lastmod>` holds at most this many. */
const MAX_TEXT_CHARS = 8192;
/**
 * saxes holds a text, comment, CDATA section or start tag whole until it ends; a sitemap's
 * constructs are short, so one this long is refused instead of held.
 */
const MAX_CONSTRUCT_CHARS = 1024 * 1024;
/** saxes keeps every open element; a sitemap nests four or five deep (extensions included). */
const MAX_DEPTH = 64;
const BYTE_ORDER_MARK = Buffer.from([0xef, 0xbb, 0xbf]);

interface Position { line: number; column: number }

/** The `<url>` or `<sitemap>` being read, and the `<loc>` or `<lastmod>` whose text is being collected. */
interface OpenRecord {
  readonly start: Position;
  loc?: string;
  locStart?: Position;
  lastmod?: string;
  field?: { readonly name: 'loc' | 'lastmod'; readonly start: Position; text: string };
}

/** XML's whitespace only (a `<loc>` ending in a no-break space keeps it). */
const trimXml = (text: string): string => text.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');

/**
 * A copy that shares no memory with the chunk it was cut from: V8 keeps a whole chunk alive for a
 * substring of it, which would keep the whole file in memory through its entries.
 */
const detached = (text: string): string => Buffer.from(text, 'utf8').toString('utf8');

/**
 * Reads one sitemap file (gzip-compressed when it starts with gzip's magic bytes, whatever its
 * name), calling `onEntry` for each `<url>` of a `<urlset>` in document order.
 */
export async function parseSitemapFile(file: string, onEntry: (entry: SitemapEntry) => void): Promise<SitemapFile> {
  const reader = new SitemapReader(file, onEntry);
  const handle = await open(file).catch((error: NodeJS.ErrnoException) => {
    throw new SitemapError(file, 1, 1, `cannot read the sitemap: ${error.code === 'ENOENT' ? 'no such file' : (error.code ?? error.message)}`);
  });
  try {
    const magic = Buffer.alloc(2);
    const { bytesRead } = await handle.read(magic, 0, 2, 0);
    const raw = handle.createReadStream({ start: 0, autoClose: false });
    // With a decompressor between them, a pipeline rejects with its own abort error when the sink
    // throws: keep the sink's error to report it.
    let sinkError: unknown;
    const sink = async (source: AsyncIterable<Buffer>): Promise<void> => {
      try {
        for await (const chunk of source) reader.write(chunk);
      } catch (error) {
        sinkError = error;
        throw error;
      }
    };
    const gzip = bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
    await (gzip ? pipeline(raw, createGunzip(), sink) : pipeline(raw, sink)).catch((error: unknown) => {
      throw sinkError ?? error;
    });
  } catch (error) {
    throw reader.asSitemapError(error);
  } finally {
    await handle.close();
  }
  return reader.close();
}

class SitemapReader {
  private readonly parser = new SaxesParser({ xmlns: true, position: true });
  private uncompressedBytes = 0;
  /** The stream position (in characters) where saxes last reported a construct. */
  private lastEventAt = 0;
  /** The bytes of a UTF-8 sequence cut by the chunk's end, kept for the next chunk. */
  private carry = Buffer.alloc(0);
  /** Where the construct after the last event starts: saxes reports positions after what it read. */
  private lastEnd: Position = { line: 1, column: 1 };
  private tagStart: Position = { line: 1, column: 1 };
  /** True until something other than whitespace starts the document (saxes reports no event for that whitespace). */
  private beginning = true;
  private depth = 0;
  private kind: 'urlset' | 'index' | undefined;
  private namespace = '';
  private record: OpenRecord | undefined;
  private readonly children: ListedSitemap[] = [];

  constructor(private readonly file: string, private readonly onEntry: (entry: SitemapEntry) => void) {
    const p = this.parser;
    p.on('error', (error) => this.fail(this.here(), error.message.replace(/^\d+:\d+: /, '')));
    p.on('xmldecl', () => this.markEnd());
    // saxes reports a comment before it moves past the comment's last `>`.
    p.on('comment', () => { this.lastEnd = { line: p.line, column: p.column + 2 }; this.lastEventAt = p.position; });
    p.on('processinginstruction', () => this.markEnd());
    p.on('cdata', (text) => { this.onText(text); this.markEnd(); });
    // A text ends at the `<` just read: the next construct starts there.
    p.on('text', (text) => {
      this.onText(text);
      this.lastEnd = { line: p.line, column: Math.max(1, p.column) };
      this.lastEventAt = p.position;
    });
    p.on('doctype', () => this.fail(this.lastEnd, 'a sitemap has no DOCTYPE (one can declare entities that expand without bound); remove it'));
    p.on('opentagstart', () => { this.tagStart = this.lastEnd; });
    p.on('opentag', (tag) => { this.onOpen(tag); this.markEnd(); });
    p.on('closetag', (tag) => { this.onClose(tag); this.markEnd(); });
  }

  /** Where the parser is: the last character it read (1-based). */
  private here(): Position {
    return { line: this.parser.line, column: Math.max(1, this.parser.column) };
  }

  private markEnd(): void {
    this.lastEnd = { line: this.parser.line, column: this.parser.column + 1 };
    this.lastEventAt = this.parser.position;
  }

  private fail(at: Position, message: string): never {
    throw new SitemapError(this.file, at.line, at.column, message);
  }

  write(chunk: Buffer): void {
    this.uncompressedBytes += chunk.length;
    if (this.uncompressedBytes > MAX_UNCOMPRESSED_BYTES) this.fail(this.here(), `the sitemap is larger than ${MAX_UNCOMPRESSED_BYTES / 1024 / 1024} MiB uncompressed (sitemaps.org allows 50 MB); split it with a sitemap index`);
    let bytes = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    if (this.uncompressedBytes === chunk.length && bytes.subarray(0, 3).equals(BYTE_ORDER_MARK)) bytes = bytes.subarray(3);
    const cut = completeUtf8Length(bytes);
    this.carry = Buffer.from(bytes.subarray(cut));
    this.writeText(bytes.subarray(0, cut));
  }

  private writeText(bytes: Buffer): void {
    if (isUtf8(bytes)) {
      const text = bytes.toString('utf8');
      if (this.beginning) this.skipLeadingWhitespace(text);
      this.parser.write(text);
      if (this.parser.position - this.lastEventAt > MAX_CONSTRUCT_CHARS) {
        this.fail(this.lastEnd, `a text, comment or tag longer than ${MAX_CONSTRUCT_CHARS / 1024 / 1024} MiB: a sitemap's values are short`);
      }
      return;
    }
    // Parse up to the first invalid byte so that the error points at it.
    const text = bytes.toString('utf8');
    this.parser.write(text.slice(0, text.indexOf('\uFFFD')));
    this.fail({ line: this.parser.line, column: this.parser.column + 1 }, 'the sitemap is not valid UTF-8 (sitemaps.org: sitemaps are UTF-8)');
  }

  private skipLeadingWhitespace(text: string): void {
    const whitespace = /^[ \t\r\n]*/.exec(text)![0];
    const lines = whitespace.split(/\r\n?|\n/);
    const line = this.lastEnd.line + lines.length - 1;
    const column = (lines.length > 1 ? 1 : this.lastEnd.column) + lines[lines.length - 1]!.length;
    this.lastEnd = { line, column };
    if (whitespace.length < text.length) this.beginning = false;
  }

  close(): SitemapFile {
    if (this.carry.length > 0) this.fail({ line: this.parser.line, column: this.parser.column + 1 }, 'the sitemap is not valid UTF-8: it ends inside a character');
    this.parser.close();
    if (this.kind === 'index') return { kind: 'index', children: this.children };
    return { kind: 'urlset' };
  }

  /** A stream or decompression error as a positioned one (a SitemapError passes through). */
  asSitemapError(error: unknown): unknown {
    if (error instanceof SitemapError) return error;
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('Z_')) {
      return new SitemapError(this.file, this.here().line, this.here().column, `the sitemap is not valid gzip: ${(error as Error).message}`);
    }
    if (typeof code === 'string') return new SitemapError(this.file, 1, 1, `cannot read the sitemap: ${code}`);
    return error;
  }

  private onOpen(tag: SaxesTagNS): void {
    this.depth += 1;
    if (this.depth > MAX_DEPTH) this.fail(this.tagStart, `elements nested more than ${MAX_DEPTH} deep`);
    if (this.depth === 1) return this.onRoot(tag);
    const ours = tag.uri === this.namespace;
    const recordName = this.kind === 'urlset' ? 'url' : 'sitemap';
    if (this.depth === 2 && ours && tag.local === recordName) this.record = { start: this.tagStart };
    else if (this.depth === 3 && ours && this.record && (tag.local === 'loc' || tag.local === 'lastmod')) {
      if (this.record[tag.local] !== undefined) this.fail(this.tagStart, `a second <${tag.local}> in one <${recordName}>`);
      this.record.field = { name: tag.local, start: this.tagStart, text: '' };
    }
  }

  private onRoot(tag: SaxesTagNS): void {
    if (tag.local === 'urlset') this.kind = 'urlset';
    else if (tag.local === 'sitemapindex') this.kind = 'index';
    else this.fail(this.tagStart, `the root element is <${tag.name}>; a sitemap is a <urlset> or a <sitemapindex> (sitemaps.org)`);
    // Elements count when they are in the root's namespace: sitemaps.org's, an older one, or none;
    // <image:loc> and other extensions are in theirs.
    this.namespace = tag.uri;
  }

  private onText(text: string): void {
    const field = this.record?.field;
    if (!field || this.depth !== 3) return;
    field.text += text;
    if (field.text.length > MAX_TEXT_CHARS) this.fail(field.start, `a <${field.name}> longer than ${MAX_TEXT_CHARS} characters`);
  }

  private onClose(tag: SaxesTagNS): void {
    const record = this.record;
    this.depth -= 1;
    if (record?.field && this.depth === 2) {
      const value = trimXml(record.field.text);
      if (record.field.name === 'loc') {
        if (value === '') this.fail(record.field.start, 'an empty <loc>');
        record.loc = detached(value);
        record.locStart = record.field.start;
      } else if (value !== '') record.lastmod = detached(value);
      record.field = undefined;
    } else if (record && this.depth === 1) {
      this.record = undefined;
      if (record.loc === undefined || record.locStart === undefined) this.fail(record.start, `a <${tag.local}> without <loc>`);
      if (this.kind === 'urlset') this.onEntry(record.lastmod === undefined ? { loc: record.loc } : { loc: record.loc, lastmod: record.lastmod });
      else this.children.push({ loc: record.loc, ...record.locStart });
    }
  }
}

/** The length of the bytes that end on a whole UTF-8 character (what follows is the start of a cut one). */
function completeUtf8Length(bytes: Buffer): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back]!;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: look further back for its lead
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back ? bytes.length - back : bytes.length;
  }
  return bytes.length;
}
