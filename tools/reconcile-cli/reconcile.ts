/**
 * Paidline reconciliation CLI (a public interface: keep it stable).
 *
 *   npm run --silent reconcile -- <file> <file> [<file>...] [--config profile.json] [--out result.csv] [--json]
 *
 * Without --config: columns named like TransactionID / transaction_id / id, Date,
 * Amount, Status (and Currency when present) are detected, case and punctuation
 * ignored; the default glossary and rules apply; the first file is the gateway,
 * the second the bank, further files are "other". Source names are the file
 * names without extension.
 */
import {
  closeSync,
  createReadStream,
  createWriteStream,
  existsSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  type WriteStream,
} from 'node:fs';
import { isAscii } from 'node:buffer';
import { open } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import {
  compileProfile,
  REASONS,
  type LineCallback,
  type RowCallback,
  type RowView,
  type RuleOutcome,
  csvField,
  CsvError,
  CsvSplitter,
  currencyDigits,
  formatMinor,
  mergeSummaries,
  STATUS_ORDER,
  DEFAULT_RULE_SET,
  type RuleSet,
  type RuleSetInput,
  ReconcileConfigSchema,
  type ReconcileConfig,
  type SourceProfileInput,
  type Summary,
} from '@/lib/reconcile';
import { ColumnRecorder, ColumnReplayer, type ChunkBuffers, type ColumnChunk, transferList } from './columns';
import { createCsvIngest, type CsvIngest, IngestError, type IngestSink } from './csv-ingest';
import type { CliKeyTable } from './keytable';
import { CliReconciler, prefaultPages, type ReconcilerState } from './reconciler';

class CliError extends Error {}

/** An error in an input file, ordered by (file, line) so partitions agree on the first one. */
class InputError extends CliError {
  /** `file:line` then `detail` (which starts with ": "). */
  constructor(
    readonly file: string,
    readonly fileIndex: number,
    readonly line: number,
    readonly detail: string,
  ) {
    super(`${file}:${line}${detail}`);
  }
}

interface Args {
  files: string[];
  config?: string;
  out?: string;
  json: boolean;
}

const USAGE =
  'usage: npm run --silent reconcile -- <file> <file> [<file>...] [--config profile.json] [--out result.csv] [--json]';

function parseArgs(argv: string[]): Args {
  const a: Args = { files: [], json: false };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i] as string;
    if (x === '--json') a.json = true;
    else if (x === '--config' || x === '--out') {
      const v = argv[++i];
      if (!v) throw new CliError(`${x} needs a value\n${USAGE}`);
      if (x === '--config') a.config = v;
      else a.out = v;
    } else if (x.startsWith('--config=')) a.config = x.slice(9);
    else if (x.startsWith('--out=')) a.out = x.slice(6);
    else if (x === '-h' || x === '--help') {
      process.stdout.write(USAGE + '\n');
      process.exit(0);
    } else if (x.startsWith('--')) throw new CliError(`unknown option ${x}\n${USAGE}`);
    else a.files.push(x);
  }
  if (a.files.length < 2) throw new CliError(`at least two files are needed\n${USAGE}`);
  return a;
}

function sourceName(file: string): string {
  return path.basename(file).replace(/\.[^.]*$/, '');
}


async function firstRow(file: string): Promise<string[]> {
  const sp = new CsvSplitter();
  let header: string[] | null = null;
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 64 * 1024 });
  try {
    for await (const chunk of stream) {
      sp.push(chunk as string, (f) => {
        header ??= f;
      });
      if (header) break;
    }
    if (!header) sp.end((f) => (header ??= f));
  } finally {
    stream.destroy();
  }
  if (!header) throw new CliError(`${file}:1: empty file (no header)`);
  return header;
}

const canon = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
const CANDIDATES = {
  id: ['transactionid', 'txnid', 'txid', 'transaction', 'id'],
  date: ['date', 'transactiondate', 'txdate', 'createdat'],
  amount: ['amount', 'amt'],
  status: ['status', 'state'],
  currency: ['currency', 'ccy', 'currencycode'],
} as const;

function detect(file: string, header: string[], kind: 'gateway' | 'bank' | 'other'): SourceProfileInput {
  const find = (names: readonly string[]) => {
    for (const n of names) {
      const h = header.find((c) => canon(c) === n);
      if (h !== undefined) return h;
    }
    return undefined;
  };
  const need = (field: 'id' | 'amount' | 'status', label: string) => {
    const h = find(CANDIDATES[field]);
    if (h === undefined) {
      throw new CliError(`${file}:1: column ${label}: no column named like ${label} in header (${header.join(', ')})`);
    }
    return h;
  };
  const id = need('id', 'TransactionID');
  const amount = need('amount', 'Amount');
  const status = need('status', 'Status');
  const date = find(CANDIDATES.date);
  const currency = find(CANDIDATES.currency);
  return {
    name: sourceName(file),
    kind,
    columns: { id, amount, status, ...(date ? { date } : {}), ...(currency ? { currency } : {}) },
  };
}

async function loadConfig(args: Args): Promise<ReconcileConfig> {
  for (const f of args.files) if (!existsSync(f)) throw new CliError(`${f}: file not found`);
  if (args.config) {
    if (!existsSync(args.config)) throw new CliError(`${args.config}: config file not found`);
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(args.config, 'utf8'));
    } catch (e) {
      throw new CliError(`${args.config}: invalid JSON: ${(e as Error).message}`);
    }
    const r = ReconcileConfigSchema.safeParse(json);
    if (!r.success) {
      const msg = r.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
      throw new CliError(`${args.config}: invalid config\n${msg}`);
    }
    if (r.data.sources.length !== args.files.length) {
      throw new CliError(
        `${args.config}: ${r.data.sources.length} source profiles for ${args.files.length} files (one profile per file, in order)`,
      );
    }
    return r.data;
  }
  const sources: SourceProfileInput[] = [];
  for (let i = 0; i < args.files.length; i++) {
    const f = args.files[i] as string;
    sources.push(detect(f, await firstRow(f), i === 0 ? 'gateway' : i === 1 ? 'bank' : 'other'));
  }
  const names = new Set(sources.map((s) => s.name));
  if (names.size !== sources.length) throw new CliError('two files have the same name; use --config to name the sources');
  return ReconcileConfigSchema.parse({ sources });
}

/** Keys whose partitionOf(key, count) is in [from, to). */
interface Partition {
  from: number;
  to: number;
  count: number;
}

/** Part of a file to read (see runPipelined). */
interface ReadRange {
  /** Byte offset of a record boundary (0: the start of the file). */
  start: number;
  /** Byte offset where to stop (just after a line break), or the file size. */
  end: number;
  /** The file's header fields, when `start` is past it. */
  header?: string[];
  /** Called with the header's fields once bound. */
  onHeader?: (fields: string[]) => void;
  /** Awaited before each read (back-pressure). */
  throttle?: () => Promise<void> | undefined;
}

/**
 * Reads a file (or a byte range of it) into an ingest sink. Returns the
 * splitter's state at the end: `pending` > 0 when the range ended inside a
 * record (only possible when it stops before the end of the file), and the
 * next physical line number.
 */
async function readSource(
  file: string, index: number, config: ReconcileConfig, rec: IngestSink, partition: Partition | null, range?: ReadRange,
): Promise<{ pending: number; nextLine: number }> {
  const compiled = compileProfile(config.sources[index] as SourceProfileInput);
  const start = range?.start ?? 0;
  const sp = new CsvSplitter(',', { continued: start > 0 });
  let ingest: CsvIngest | null = null;
  const bind = (header: string[]) => {
    ingest = createCsvIngest(compiled, header, rec, index, partition ? { partition } : {});
    range?.onHeader?.(header);
  };
  if (range?.header) bind(range.header);
  const end = range?.end ?? Infinity;
  const whole = end === Infinity;
  let position = start;
  const onRow: RowCallback = (fields, line) => {
    if (ingest === null) bind(fields);
    else ingest.onRow(fields, line);
  };
  const onLine: LineCallback = (text, start, end, line) => {
    if (ingest === null) bind(text.slice(start, end).split(','));
    else ingest.onLine(text, start, end, line);
  };
  // Each read is cut after its last line break. Once the header is bound, a
  // chunk of whole lines without a double quote goes to the ingest as bytes
  // (CsvIngest.onBytes: one pass a line, no string). Other chunks are decoded
  // for the splitter, as flat strings made of whole lines (no concatenation).
  // One buffer is reused for every read (the rest after the last line break
  // moves to its front): fresh 1 MiB buffers per chunk cost page faults and
  // unmaps. ASCII text is decoded as Latin-1 (the same string, no UTF-8 work).
  const fh = await open(file, 'r');
  let buf = Buffer.allocUnsafe(1 << 20);
  let have = 0;
  const decode = (n: number) => buf.toString(isAscii(buf.subarray(0, n)) ? 'latin1' : 'utf8', 0, n);
  try {
    for (;;) {
      if (have === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, have);
        buf = bigger;
      }
      if (range?.throttle) await range.throttle();
      const { bytesRead } = await fh.read(buf, have, Math.min(buf.length - have, end - position), position);
      if (bytesRead === 0) break;
      position += bytesRead;
      const total = have + bytesRead;
      const nl = buf.lastIndexOf(10, total - 1);
      if (nl < 0) {
        have = total;
        continue;
      }
      const ing = ingest as CsvIngest | null;
      if (ing?.onBytes && sp.atBoundary && buf.subarray(0, nl + 1).indexOf(34) < 0) {
        // no quote in these lines: the ingest reads them as bytes (no string decoded)
        sp.skipLines(ing.onBytes(buf, 0, nl + 1, sp.nextLine));
      } else sp.push(decode(nl + 1), onRow, onLine);
      have = total - (nl + 1);
      if (have > 0) buf.copy(buf, 0, nl + 1, total);
    }
    if (have > 0) sp.push(decode(have), onRow, onLine);
    if (whole) sp.end(onRow, onLine);
    (ingest as CsvIngest | null)?.flush();
  } catch (e) {
    if (e instanceof CsvError) throw new InputError(file, index, e.line, `: ${e.message}`);
    if (e instanceof IngestError) {
      const { line = 1, column, reason } = e.error;
      throw new InputError(file, index, line, `: column ${column}: ${reason}`);
    }
    throw e;
  } finally {
    await fh.close();
  }
  if (ingest === null) throw new InputError(file, index, 1, ': empty file (no header)');
  return { pending: sp.pending, nextLine: sp.nextLine };
}

/**
 * Writes CSV bytes straight into 1 MiB buffers: building a string per row and
 * encoding it costs more than the reconciliation itself on large runs.
 */
class ByteWriter {
  static readonly SIZE = 1 << 20;
  private buf: Buffer = Buffer.allocUnsafe(ByteWriter.SIZE);
  private pos = 0;
  /** Buffers the sink is done with (reused: fresh ones cost page faults). */
  private readonly spare: Buffer[] = [];
  /** `sink` gets each chunk and a function to call once it no longer needs it. */
  constructor(private readonly sink: (chunk: Buffer, release: () => void) => Promise<void>) {}

  /** A spare buffer of SIZE bytes to reuse (one the sink no longer needs). */
  give(buf: Buffer): void {
    if (buf.length === ByteWriter.SIZE && this.spare.length < 16) this.spare.push(buf);
  }
  /** True when `n` more bytes fit without a flush. */
  fits(n: number): boolean {
    return this.pos + n <= this.buf.length;
  }
  /** Makes sure `n` bytes fit, flushing when needed. */
  async reserve(n: number): Promise<void> {
    if (this.fits(n)) return;
    await this.flush();
    if (n > this.buf.length) this.buf = Buffer.allocUnsafe(n);
  }
  async flush(): Promise<void> {
    if (this.pos === 0) return;
    const full = this.buf;
    const chunk = full.subarray(0, this.pos);
    this.buf = this.spare.pop() ?? Buffer.allocUnsafe(ByteWriter.SIZE);
    this.pos = 0;
    await this.sink(chunk, () => {
      if (full.length === ByteWriter.SIZE && this.spare.length < 8) this.spare.push(full);
    });
  }
  /** Text (UTF-8). Room must have been reserved: up to 3 bytes per UTF-16 unit. */
  text(s: string): void {
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c > 127) {
        this.pos = pos + buf.write(s.slice(i), pos, 'utf8');
        return;
      }
      buf[pos++] = c;
    }
    this.pos = pos;
  }
  /** A CSV field: written as is, or quoted when it holds a comma, quote or line break. */
  field(s: string): void {
    const buf = this.buf;
    const start = this.pos;
    let pos = start;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c > 127 || c === 44 || c === 34 || c === 10 || c === 13) {
        this.pos = start;
        this.text(csvField(s));
        return;
      }
      buf[pos++] = c;
    }
    this.pos = pos;
  }
  /** Copies bytes that need no quoting and are ASCII; returns false (writing nothing) otherwise. */
  plainBytes(src: Uint8Array, offset: number, length: number): boolean {
    const buf = this.buf;
    let pos = this.pos;
    for (let i = offset; i < offset + length; i++) {
      const c = src[i] as number;
      if (c > 127 || c === 44 || c === 34 || c === 10 || c === 13) return false;
      buf[pos++] = c;
    }
    this.pos = pos;
    return true;
  }
  bytes(b: Uint8Array): void {
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < b.length; i++) buf[pos++] = b[i] as number;
    this.pos = pos;
  }
  byte(c: number): void {
    this.buf[this.pos++] = c;
  }
  /** A non-negative safe integer in decimal. */
  uint(n: number): void {
    const buf = this.buf;
    if (n < 10) {
      buf[this.pos++] = 48 + n;
      return;
    }
    let digits: number;
    if (n < 1e9) digits = n < 1e4 ? (n < 100 ? 2 : n < 1000 ? 3 : 4) : n < 1e6 ? (n < 1e5 ? 5 : 6) : n < 1e7 ? 7 : n < 1e8 ? 8 : 9;
    else {
      digits = 10;
      for (let x = n; x >= 1e10; x = Math.floor(x / 10)) digits++;
    }
    let pos = this.pos + digits;
    this.pos = pos;
    let x = n;
    // below 2^31 integer division by 10 stays in int32
    while (x >= 2147483648) {
      const q = Math.floor(x / 10);
      buf[--pos] = 48 + (x - q * 10);
      x = q;
    }
    let y = x | 0;
    while (y >= 10) {
      const q = (y / 10) | 0;
      buf[--pos] = 48 + (y - q * 10);
      y = q;
    }
    buf[--pos] = 48 + y;
  }
  /** Minor units as a major-unit decimal. */
  amount(v: number, digits: number): void {
    if (digits !== 2) return this.text(formatMinor(v, digits));
    const abs = v < 0 ? -v : v;
    const int = Math.floor(abs / 100);
    const cents = abs - int * 100;
    if (v < 0) this.byte(45);
    this.uint(int);
    const buf = this.buf;
    const pos = this.pos;
    const tens = (cents / 10) | 0;
    buf[pos] = 46;
    buf[pos + 1] = 48 + tens;
    buf[pos + 2] = 48 + (cents - tens * 10);
    this.pos = pos + 3;
  }
}

const enc = (s: string) => Buffer.from(s, 'utf8');

/**
 * Writes one CSV line per key; bytes that depend only on the row's facts are
 * cached. Synchronous: the caller reserves `maxBytes(v)` first.
 */
function makeRowWriter(sources: readonly { name: string }[], w: ByteWriter, keys: CliKeyTable) {
  const n = sources.length;
  // tail bytes per outcome, then per (class, reasons, presence, duplicates)
  const tailCache = new Map<RuleOutcome, Map<number, Buffer>>();
  const statusBytes = STATUS_ORDER.map((st) => enc(st));
  const lastCur: string[] = sources.map(() => '');
  const lastDigits: number[] = sources.map(() => currencyDigits(undefined));
  // up to 3 sources: tails in an array indexed by the row's facts (statuses, reasons, class, duplicates)
  const tailTable: (Buffer | undefined)[] | null = n <= 3 ? new Array<Buffer | undefined>(8 ** n * 128 * 2 ** n).fill(undefined) : null;
  const tailOf = (v: RowView): Buffer => {
    if (tailTable !== null) {
      let k = v.duplicateMask;
      for (let i = 0; i < n; i++) k = k * 8 + (v.statuses[i] as number) + 1;
      k = (k * 32 + v.reasons) * 4 + v.cls;
      let t = tailTable[k];
      if (t === undefined) tailTable[k] = t = tailFor(v);
      return t;
    }
    return tailFor(v);
  };
  const tailFor = (v: RowView): Buffer => {
    let byFacts = tailCache.get(v.outcome);
    if (byFacts === undefined) tailCache.set(v.outcome, (byFacts = new Map()));
    const sig = ((v.duplicateMask * 2 ** n + v.presentMask) * 32 + v.reasons) * 4 + v.cls;
    let tail = byFacts.get(sig);
    if (tail === undefined) {
      let reasons: string;
      if (v.className === 'missing') {
        reasons = sources.filter((_, i) => !(v.presentMask & (1 << i))).map((x) => 'missing:' + x.name).join(';');
      } else if (v.className === 'duplicate') {
        reasons = sources.filter((_, i) => v.duplicateMask & (1 << i)).map((x) => 'duplicate:' + x.name).join(';');
      } else {
        reasons = REASONS.filter((_, i) => v.reasons & (1 << i)).join(';');
      }
      tail = enc(',' + v.className + ',' + csvField(reasons) + ',' + v.outcome.severity + ',' + csvField(v.outcome.action) + '\n');
      byFacts.set(sig, tail);
    }
    return tail;
  };
  const keyRef = { u8: new Uint8Array(0), offset: 0, length: 0 };
  const write = (v: RowView): void => {
    let date: string | null = null;
    for (let i = 0; i < n && date === null; i++) date = v.date(i);
    if (!(keys.keyBytes(v.slot, keyRef) && w.plainBytes(keyRef.u8, keyRef.offset, keyRef.length))) w.field(v.key);
    w.byte(44);
    if (date !== null) w.text(date);
    for (let i = 0; i < n; i++) {
      const st = v.statuses[i] as number;
      w.byte(44);
      if (st < 0) {
        w.byte(44);
        continue;
      }
      const cur = v.currency(i);
      if (cur !== lastCur[i]) {
        lastCur[i] = cur;
        lastDigits[i] = currencyDigits(cur || undefined);
      }
      w.amount(v.amount(i), lastDigits[i] as number);
      w.byte(44);
      w.bytes(statusBytes[st] as Buffer);
    }
    w.bytes(tailOf(v));
  };
  // key (UTF-8, maybe quoted) + date + per source amount and status + tail (names, action: bounded by 4 KiB)
  const maxBytes = (v: RowView): number => 6 * keys.keyLength(v.slot) + 64 + 96 * n + 4096 + 6 * sourcesChars;
  const sourcesChars = sources.reduce((a, x) => a + x.name.length + 10, 0);
  return { write, maxBytes };
}

/** Actions in rule-set order (then fallback, then any other), so the output does not depend on row order. */
function orderActions(actions: Record<string, number>, rules: RuleSetInput | RuleSet): Record<string, number> {
  const order = [...(rules.rules ?? []).map((r) => r.then.action), rules.fallback.action];
  const out: Record<string, number> = {};
  for (const a of order) if (a in actions && !(a in out)) out[a] = actions[a] as number;
  for (const a of Object.keys(actions).sort()) if (!(a in out)) out[a] = actions[a] as number;
  return out;
}

/** The stable --json shape. */
function jsonSummary(s: Summary) {
  return {
    sources: s.sources,
    total: s.total,
    matched: s.matched,
    mismatched: s.mismatched,
    missing: s.missing,
    duplicates: s.duplicates,
    reasons: s.reasons,
    severity: s.severity,
    actions: s.actions,
  };
}

function humanSummary(s: Summary): string {
  const lines = [
    `sources: ${Object.entries(s.sources).map(([k, v]) => `${k}=${v}`).join(' ')}`,
    `keys: ${s.total}  matched: ${s.matched}  mismatched: ${s.mismatched}  match rate: ${(s.matchRate * 100).toFixed(1)}%`,
    `missing: ${Object.entries(s.missing).map(([k, v]) => `${k}=${v}`).join(' ')}`,
    `duplicates: ${Object.entries(s.duplicates).map(([k, v]) => `${k}=${v}`).join(' ')}`,
    `reasons: ${Object.entries(s.reasons).map(([k, v]) => `${k}=${v}`).join(' ')}`,
    `severity: ${Object.entries(s.severity).map(([k, v]) => `${k}=${v}`).join(' ')}`,
    `actions: ${Object.entries(s.actions).map(([k, v]) => `${k}=${v}`).join(' ')}`,
  ];
  const unknown = Object.entries(s.unknownStatuses).flatMap(([src, codes]) =>
    Object.entries(codes).map(([code, n]) => `${src}:"${code}"=${n}`),
  );
  if (unknown.length > 0) lines.push(`unknown status codes: ${unknown.join(' ')}`);
  return lines.join('\n') + '\n';
}

interface PartitionJob {
  files: string[];
  config: ReconcileConfig;
  partition: Partition | null;
  /** Where this partition writes its rows (null: no --out). */
  out: string | null;
  header: boolean;
  /** Estimated distinct keys over all partitions (sizes the tables up front). */
  expectedKeys: number;
}

type PartitionResult =
  | { ok: true; summary: Summary }
  | { ok: false; message: string; fileIndex: number; line: number };

/** Opens --out (a clear error when it cannot be written). */
async function openOut(file: string): Promise<WriteStream> {
  // writes of 1 MiB buffers go on while the next rows are formatted (the default 16 KiB mark waits for
  // each); ByteWriter keeps the buffers written for reuse
  const out: WriteStream = createWriteStream(file, { highWaterMark: 4 << 20 });
  await new Promise<void>((res, rej) => {
    out.once('open', () => res());
    out.once('error', (e) => rej(new CliError(`${file}: cannot write: ${e.message}`)));
  });
  return out;
}

async function writeChunk(out: WriteStream, chunk: Uint8Array, done?: () => void): Promise<void> {
  if (!out.write(chunk, done ? () => done() : undefined)) await new Promise<void>((r) => out.once('drain', () => r()));
}

function endOut(out: WriteStream): Promise<void> {
  return new Promise<void>((res, rej) => out.end((err?: Error | null) => (err ? rej(err) : res())));
}

function fileWriter(out: WriteStream): ByteWriter {
  return new ByteWriter((chunk, release) => writeChunk(out, chunk, release));
}

async function writeHeader(w: ByteWriter, sources: readonly { name: string }[]): Promise<void> {
  let header = 'key,date';
  for (const s of sources) header += ',' + csvField(s.name + '_amount') + ',' + csvField(s.name + '_status');
  header += ',class,reasons,severity,action\n';
  await w.reserve(3 * header.length);
  w.text(header);
}

/** Writes one CSV line per view (does not flush). */
async function writeViews(w: ByteWriter, sources: readonly { name: string }[], keys: CliKeyTable, views: Iterable<RowView>): Promise<void> {
  const rows = makeRowWriter(sources, w, keys);
  for (const v of views) {
    const need = rows.maxBytes(v);
    if (!w.fits(need)) await w.reserve(need);
    rows.write(v);
  }
}

/** Reads every file, reconciles the keys of one partition (or all) and writes its rows. */
async function runPartition(job: PartitionJob): Promise<PartitionResult> {
  const { config } = job;
  const sources = config.sources.map((s) => ({ name: s.name, kind: s.kind }));
  const rec = new CliReconciler(sources, {
    match: config.match,
    ...(config.rules ? { rules: config.rules } : {}),
    expectedKeys: Math.ceil((job.expectedKeys * (job.partition ? job.partition.to - job.partition.from : 1)) / (job.partition?.count ?? 1)),
  });
  const debug = process.env.PAIDLINE_RECONCILE_DEBUG ? (what: string) => process.stderr.write(`[partition ${job.partition?.from ?? 0}] ${what} at ${(performance.now() / 1000).toFixed(2)} s\n`) : () => {};
  debug('start');
  try {
    for (let i = 0; i < job.files.length; i++) {
      await readSource(job.files[i] as string, i, config, rec, job.partition);
      debug(`read ${job.files[i]}`);
    }
  } catch (e) {
    if (e instanceof InputError) return { ok: false, message: e.message, fileIndex: e.fileIndex, line: e.line };
    throw e;
  }
  if (job.out) {
    const out = await openOut(job.out);
    const w = fileWriter(out);
    if (job.header) await writeHeader(w, sources);
    await writeViews(w, sources, rec.keyTable, rec.views());
    await w.flush();
    await endOut(out);
  } else {
    rec.forEachRow(() => {});
  }
  debug('rows written');
  return { ok: true, summary: rec.summary() };
}

/*
 * Pipelined mode (two threads, no work done twice):
 * - the first file is split at a line break (at 58% of it): this thread
 *   parses the first half into the Reconciler while a worker parses the second
 *   half, then files 2..n, into compact columns (ColumnRecorder: key hash and
 *   bytes, amount, time, line, status, string ids) transferred in chunks;
 * - this thread then adds the recorded records in file order (ColumnReplayer:
 *   hash table and slot writes only, no text parsing, line numbers shifted by
 *   the lines of the first half), so slots, first records and duplicates are
 *   exactly those of a one-thread run. Should the first half end inside a
 *   quoted record, this thread reads the whole first file itself instead;
 * - the per-key data lives in SharedArrayBuffers: the worker formats the rows
 *   of the second part of the slots (CliReconciler.fromState) into buffers it
 *   transfers back while this thread formats and writes the first part, then
 *   writes the worker's buffers after it. Same bytes, same order.
 * Errors keep their file, line and column: the worker stops at its first bad
 * line and reports it, and it is reported only once everything before it was
 * read without error (as a one-thread run would).
 */
type FromWorker =
  | { t: 'chunk'; file: number; chunk: ColumnChunk }
  | { t: 'done'; file: number }
  /** `line` is relative to the part read (the second half of file 0: add the first half's lines). */
  | { t: 'error'; file: string; fileIndex: number; line: number; detail: string }
  | { t: 'rows'; buf: Uint8Array }
  | { t: 'summary'; summary: Summary };
type ToWorker =
  /** The job, once the configuration is loaded (the worker starts before, to boot meanwhile). */
  | { t: 'job'; job: PipelineJob }
  | { t: 'header'; fields: string[] }
  /** The main Reconciler's slot buffers, to pre-fault while it parses (see prefaultPages). */
  | { t: 'prefault'; buffers: SharedArrayBuffer[] }
  /** Buffers of a replayed chunk, and of written rows, to reuse. */
  | { t: 'recycle'; chunk?: ChunkBuffers; rows?: Uint8Array }
  | { t: 'format'; state: ReconcilerState; from: number };
interface PipelineJob {
  files: string[];
  config: ReconcileConfig;
  /** Where the worker starts reading the first file (a line start), or null when it does not. */
  split: number | null;
}

/** A port's messages as an async queue. */
class Inbox<T> {
  private readonly queue: T[] = [];
  private head = 0;
  private wake: (() => void) | null = null;
  private failure: Error | null = null;
  /** `direct`: handles a message at once instead of queueing it (returns true when it did). */
  constructor(port: Worker | NonNullable<typeof parentPort>, direct?: (m: T) => boolean) {
    port.on('message', (m: T) => {
      if (direct?.(m)) return;
      this.queue.push(m);
      this.wake?.();
    });
    if (port instanceof Worker) {
      port.once('error', (e: Error) => {
        this.failure = e;
        this.wake?.();
      });
      port.once('exit', (code) => {
        this.failure ??= new Error(`reconcile worker exited with code ${code}`);
        this.wake?.();
      });
    }
  }
  async next(): Promise<T> {
    for (;;) {
      if (this.head < this.queue.length) {
        const m = this.queue[this.head] as T;
        this.queue[this.head++] = undefined as T;
        if (this.head > 1024 && this.head * 2 > this.queue.length) {
          this.queue.splice(0, this.head);
          this.head = 0;
        }
        return m;
      }
      if (this.failure) throw this.failure;
      await new Promise<void>((r) => (this.wake = r));
      this.wake = null;
    }
  }
}

/** Recorded chunks (~4.5 MB each) the worker may have sent ahead of the replay. */
const MAX_AHEAD = 48;
/** Buffers of formatted rows (1 MiB each) the worker may have sent ahead of the writes. */
const MAX_ROWS_AHEAD = 64;
/** Records a chunk (PAIDLINE_RECONCILE_CHUNK_RECORDS overrides it: tests, many small chunks). */
const CHUNK_RECORDS = Number(process.env.PAIDLINE_RECONCILE_CHUNK_RECORDS || 1 << 16);

/** Share of the rows formatted by this thread (it also writes the file). */
const MAIN_ROW_SHARE = 0.5;
/** The first file is split between the threads from this size (PAIDLINE_RECONCILE_SPLIT_BYTES overrides it: tests). */
const SPLIT_MIN_BYTES = Number(process.env.PAIDLINE_RECONCILE_SPLIT_BYTES || 4 << 20);

function debugLog(label: string): (what: string) => void {
  return process.env.PAIDLINE_RECONCILE_DEBUG
    ? (what) => process.stderr.write(`[${label}] ${what} at ${(performance.now() / 1000).toFixed(2)} s\n`)
    : () => {};
}

/**
 * Share of the first file this thread reads itself: it also builds the key
 * table as it parses, while the worker parses the rest, then the other files.
 */
const MAIN_FILE_SHARE = 0.8;

/** A line start near MAIN_FILE_SHARE of the file (null when small or no line break is found near it). */
function splitPoint(file: string): number | null {
  const size = statSync(file).size;
  if (size < SPLIT_MIN_BYTES || size < 2) return null;
  const fd = openSync(file, 'r');
  try {
    const at = Math.floor(size * MAIN_FILE_SHARE);
    const probe = Buffer.alloc(1 << 16);
    const n = readSync(fd, probe, 0, probe.length, at);
    const nl = probe.subarray(0, n).indexOf(10);
    return nl < 0 || at + nl + 1 >= size ? null : at + nl + 1;
  } finally {
    closeSync(fd);
  }
}

/** A worker for runPipelined, started before the configuration is loaded (it boots meanwhile). */
function startPipelineWorker(): Worker {
  return startWorker({ paidlinePipeline: true });
}

async function runPipelined(
  worker: Worker, files: string[], config: ReconcileConfig, outFile: string | null, expectedKeys: number,
): Promise<PartitionResult> {
  const sources = config.sources.map((s) => ({ name: s.name, kind: s.kind }));
  const debug = debugLog('main');
  const split = splitPoint(files[0] as string);
  const inbox = new Inbox<FromWorker>(worker);
  worker.postMessage({ t: 'job', job: { files, config, split } } satisfies ToWorker);
  const options = { match: config.match, ...(config.rules ? { rules: config.rules } : {}), expectedKeys, shared: true };
  /** Adds the worker's records of file i (line numbers shifted by lineBase) or throws its error. */
  const replay = async (rec: CliReconciler, i: number, lineBase: number, use = true) => {
    const replayer = new ColumnReplayer(rec, i, lineBase);
    for (;;) {
      const m = await inbox.next();
      if (m.t === 'chunk' && m.file === i) {
        if (use) replayer.replay(m.chunk);
        const { u32, f64, keys } = m.chunk;
        worker.postMessage({ t: 'recycle', chunk: { u32, f64, keys } } satisfies ToWorker, transferList(m.chunk));
      } else if (m.t === 'done' && m.file === i) return;
      else if (m.t === 'error' && m.fileIndex === i) {
        if (!use) return;
        throw new InputError(m.file, m.fileIndex, m.line + lineBase, m.detail);
      } else throw new Error(`reconcile: unexpected ${m.t} message from the worker`);
    }
  };
  try {
    let rec = new CliReconciler(sources, options);
    // Pages are faulted in by writes before anything reads them (a page read first is mapped to
    // the zero page, then copied on the first write, with a TLB shoot-down to the other core):
    // the worker does the slots (written in slot order) while this thread does the key table
    // (written at random from the first record on), then parses.
    const { table, slots } = rec.sharedBuffers();
    worker.postMessage({ t: 'prefault', buffers: slots } satisfies ToWorker);
    for (const b of table) prefaultPages(b);
    debug('start');
    try {
      const first = files[0] as string;
      if (split === null) await readSource(first, 0, config, rec, null);
      else {
        const head = await readSource(first, 0, config, rec, null, {
          start: 0,
          end: split,
          onHeader: (fields) => worker.postMessage({ t: 'header', fields } satisfies ToWorker),
        });
        debug(`read the first half of ${first}`);
        if (head.pending === 0) await replay(rec, 0, head.nextLine - 1);
        else {
          // the middle falls inside a quoted record: read the whole file here
          await replay(rec, 0, 0, false);
          rec = new CliReconciler(sources, options);
          await readSource(first, 0, config, rec, null);
        }
      }
      debug(`read ${first}`);
      for (let i = 1; i < files.length; i++) {
        await replay(rec, i, 0);
        debug(`added ${files[i]}`);
      }
    } catch (e) {
      if (e instanceof InputError) return { ok: false, message: e.message, fileIndex: e.fileIndex, line: e.line };
      throw e;
    }
    if (outFile === null) {
      rec.forEachRow(() => {});
      return { ok: true, summary: rec.summary() };
    }
    const out = await openOut(outFile);
    const mid = Math.ceil(rec.size * MAIN_ROW_SHARE);
    worker.postMessage({ t: 'format', state: rec.exportState(), from: mid } satisfies ToWorker);
    const w = fileWriter(out);
    await writeHeader(w, sources);
    await writeViews(w, sources, rec.keyTable, rec.views(0, mid));
    debug('first rows formatted');
    await w.flush();
    debug('first rows written');
    let other: Summary | null = null;
    while (other === null) {
      const m = await inbox.next();
      if (m.t === 'rows') {
        const buf = m.buf;
        await writeChunk(out, buf, () => worker.postMessage({ t: 'recycle', rows: buf } satisfies ToWorker, [buf.buffer as ArrayBuffer]));
      }
      else if (m.t === 'summary') other = m.summary;
      else throw new Error(`reconcile: unexpected ${m.t} message from the worker`);
    }
    await endOut(out);
    debug('rows written');
    return { ok: true, summary: mergeSummaries([rec.summary(), other], sources) };
  } finally {
    void worker.terminate();
  }
}

/** The worker side of runPipelined. */
async function pipelineWorker(): Promise<void> {
  const port = parentPort as NonNullable<typeof parentPort>;
  // buffers given back by the main thread are reused at once; other messages are queued
  const pool: ChunkBuffers[] = [];
  let writer: ByteWriter | null = null;
  // chunks sent and not yet given back: the worker waits above MAX_AHEAD (bounded memory on big files)
  let ahead = 0;
  let resume: (() => void) | null = null;
  // the same for the formatted rows (1 MiB buffers) the main thread has not written yet
  let rowsAhead = 0;
  let rowsResume: (() => void) | null = null;
  const throttle = () => (ahead > MAX_AHEAD ? new Promise<void>((r) => (resume = r)) : undefined);
  const debug = debugLog('worker');
  const inbox = new Inbox<ToWorker>(port, (m) => {
    if (m.t === 'prefault') {
      for (const b of m.buffers) prefaultPages(b);
      debug('prefaulted');
      return true;
    }
    if (m.t !== 'recycle') return false;
    if (m.chunk) {
      pool.push(m.chunk);
      ahead--;
      if (resume && ahead <= MAX_AHEAD / 2) {
        resume();
        resume = null;
      }
    }
    if (m.rows) {
      writer?.give(Buffer.from(m.rows.buffer, 0, m.rows.buffer.byteLength));
      rowsAhead--;
      if (rowsResume && rowsAhead <= MAX_ROWS_AHEAD / 2) {
        rowsResume();
        rowsResume = null;
      }
    }
    return true;
  });
  debug('start');
  const first = await inbox.next();
  if (first.t !== 'job') throw new Error('reconcile worker: expected the job');
  const { config, files, split } = first.job;
  const record = async (i: number, range?: ReadRange) => {
    const recorder = new ColumnRecorder((chunk) => {
      ahead++;
      port.postMessage({ t: 'chunk', file: i, chunk } satisfies FromWorker, transferList(chunk));
    }, CHUNK_RECORDS, pool);
    try {
      await readSource(files[i] as string, i, config, recorder, null, { start: 0, end: Infinity, ...range, throttle });
    } catch (e) {
      if (e instanceof InputError) {
        port.postMessage({ t: 'error', file: e.file, fileIndex: e.fileIndex, line: e.line, detail: e.detail } satisfies FromWorker);
        return false;
      }
      throw e;
    }
    recorder.flush();
    port.postMessage({ t: 'done', file: i } satisfies FromWorker);
    debug(`parsed ${files[i]}${range ? ' from ' + range.start : ''}`);
    return true;
  };
  if (split !== null) {
    const m = await inbox.next();
    if (m.t !== 'header') throw new Error('reconcile worker: expected the header');
    // an error in the second half may only matter if the first half is fine: go on with the other files
    await record(0, { start: split, end: Infinity, header: m.fields });
  }
  for (let i = 1; i < files.length; i++) if (!(await record(i))) return;
  const m = await inbox.next();
  if (m.t !== 'format') throw new Error('reconcile worker: expected a format request');
  const sources = config.sources.map((s) => ({ name: s.name, kind: s.kind }));
  const rec = CliReconciler.fromState(sources, { match: config.match, ...(config.rules ? { rules: config.rules } : {}) }, m.state);
  // each buffer is transferred (not copied) to the main thread, which writes it
  const w = (writer = new ByteWriter(async (chunk) => {
    rowsAhead++;
    port.postMessage({ t: 'rows', buf: chunk } satisfies FromWorker, [chunk.buffer as ArrayBuffer]);
    if (rowsAhead > MAX_ROWS_AHEAD) await new Promise<void>((r) => (rowsResume = r));
  }));
  await writeViews(w, sources, rec.keyTable, rec.views(m.from));
  await w.flush();
  port.postMessage({ t: 'summary', summary: rec.summary() } satisfies FromWorker);
  debug('rows formatted');
  port.close();
}

/** Total input size from which the pipelined mode is the default. */
const PIPELINE_MIN_BYTES = 8 << 20;

/**
 * Whether another core looks idle. On Linux: in at least two of three samples of
 * /proc/loadavg's runnable-task count, 3 ms apart, no other runnable task than this
 * one beyond cores - 2, and a 1-minute load average of at most cores + 1 (a machine
 * busy for a while). The load average alone misjudged: this process's own recent runs
 * count in it (a bench repeating the CLI saw load 2.0 on an idle 2-core machine and
 * fell back to one thread). Elsewhere a 1-minute load average of at most cores - 1.
 */
function idleCore(cores: number): boolean {
  const load = os.loadavg()[0] as number;
  try {
    let free = 0;
    for (let i = 0; i < 3; i++) {
      if (i) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3);
      const running = Number(/ (\d+)\//.exec(readFileSync('/proc/loadavg', 'utf8'))?.[1]);
      if (!Number.isInteger(running) || running < 1) throw new Error('no /proc/loadavg');
      if (running - 1 <= cores - 2) free++;
    }
    return free >= 2 && load <= cores + 1;
  } catch {
    /* not Linux */
  }
  return load <= cores - 1;
}

/**
 * The mode. PAIDLINE_RECONCILE_THREADS unset: pipelined on two threads for
 * inputs of PIPELINE_MIN_BYTES or more when another core is idle (idleCore),
 * else one thread: the pipeline spends more CPU in all (a second isolate,
 * recording and replaying the records), which only pays when another core is
 * free to run it; on a machine already busy it is slower than one thread. `pipeline` forces it
 * whatever the size and load; `1`: one thread; n > 1 (or `auto`):
 * key-partitioned threads (see threadCount). The result is the same in every mode.
 */
function mode(files: string[]): 'pipeline' | number {
  const env = process.env.PAIDLINE_RECONCILE_THREADS;
  if (env === 'pipeline') return 'pipeline';
  if (env !== undefined && env !== '') return threadCount();
  let bytes = 0;
  for (const f of files) bytes += statSync(f).size;
  const cores = os.availableParallelism();
  return bytes >= PIPELINE_MIN_BYTES && cores >= 2 && idleCore(cores) ? 'pipeline' : 1;
}

/**
 * How many partitions (threads) to use: PAIDLINE_RECONCILE_THREADS, default 1.
 * Key-partitioned worker threads give the same result, but on the 2-vCPU bench
 * machine they did not pay: each thread reads and splits every file, and the
 * two threads compete for cache and memory bandwidth (1M x 1M: same wall time
 * for 1.7x the CPU; 10M x 10M: slower). They stay available for bigger boxes.
 */
function threadCount(): number {
  const env = process.env.PAIDLINE_RECONCILE_THREADS;
  if (env === undefined || env === '') return 1;
  const n = env === 'auto' ? Math.min(os.availableParallelism(), 8) : Number(env);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new CliError('PAIDLINE_RECONCILE_THREADS must be an integer from 1 to 64, or auto');
  return n;
}

/** Estimates the keys: the longest file's lines (from its size and the average line of its first 64 KiB), plus 10%. */
function estimateKeys(files: string[]): number {
  let most = 0;
  for (const f of files) {
    const size = statSync(f).size;
    const fd = openSync(f, 'r');
    try {
      const head = Buffer.alloc(Math.min(size, 1 << 16));
      const n = readSync(fd, head, 0, head.length, 0);
      let lines = 0;
      for (let i = 0; i < n; i++) if (head[i] === 10) lines++;
      most = Math.max(most, lines === 0 ? 1 : Math.ceil((size / n) * lines));
    } finally {
      closeSync(fd);
    }
  }
  return Math.ceil(most * 1.1);
}

function startWorker(data: Record<string, unknown>): Worker {
  // Workers do not inherit `--import tsx` on Node 20: register tsx's require hook first.
  const boot = __filename.endsWith('.ts') ? `require(${JSON.stringify(require.resolve('tsx/cjs'))});` : '';
  return new Worker(`${boot} require(${JSON.stringify(__filename)});`, { eval: true, workerData: data });
}

function runWorker(job: PartitionJob): Promise<PartitionResult> {
  return new Promise((resolve, reject) => {
    const w = startWorker({ paidlineReconcileJob: job });
    w.once('message', (m: PartitionResult) => resolve(m));
    w.once('error', reject);
    w.once('exit', (code) => {
      if (code !== 0) reject(new Error(`reconcile worker exited with code ${code}`));
    });
  });
}

async function appendFile(target: string, part: string): Promise<void> {
  const ws = createWriteStream(target, { flags: 'a' });
  const rs = createReadStream(part, { highWaterMark: 1 << 20 });
  for await (const chunk of rs) if (!ws.write(chunk)) await new Promise<void>((r) => ws.once('drain', () => r()));
  await new Promise<void>((res, rej) => ws.end((err?: Error | null) => (err ? rej(err) : res())));
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  // the mode first: a pipeline worker boots while the configuration loads
  // (configuration errors are still reported before a bad PAIDLINE_RECONCILE_THREADS)
  let m: 'pipeline' | number = 1;
  let modeError: unknown = null;
  try {
    if (args.files.every((f) => existsSync(f))) m = mode(args.files);
  } catch (e) {
    modeError = e;
  }
  const pipeline = m === 'pipeline' ? startPipelineWorker() : null;
  let config: ReconcileConfig;
  try {
    config = await loadConfig(args);
    if (modeError) throw modeError;
  } catch (e) {
    void pipeline?.terminate();
    throw e;
  }
  const sources = config.sources.map((s) => ({ name: s.name, kind: s.kind }));
  if (process.env.PAIDLINE_RECONCILE_DEBUG) process.stderr.write(`[main] mode ${m}, load ${os.loadavg()[0]?.toFixed(2)}, ${existsSync('/proc/loadavg') ? readFileSync('/proc/loadavg', 'utf8').trim() : ''}\n`);
  const count = m === 'pipeline' ? 1 : m;
  const expectedKeys = estimateKeys(args.files);
  let results: PartitionResult[];
  const parts: string[] = [];
  if (pipeline) {
    results = [await runPipelined(pipeline, args.files, config, args.out ?? null, expectedKeys)];
  } else if (count === 1) {
    results = [await runPartition({ files: args.files, config, partition: null, out: args.out ?? null, header: true, expectedKeys })];
  } else {
    // The keys are split by hash into VIRTUAL partitions, dealt out in ranges: this
    // thread takes a larger share (it starts ~0.3 s before a worker has loaded) and
    // writes --out itself; workers write part files appended in order. The merge
    // of the partitions' runs equals one run over all keys (property-tested).
    const VIRTUAL = 64;
    const mainShare = Math.round(VIRTUAL * Math.min(0.6, 1 / count + 0.06));
    const rest = VIRTUAL - mainShare;
    const jobs: Promise<PartitionResult>[] = [];
    let from = mainShare;
    for (let k = 1; k < count; k++) {
      const to = k === count - 1 ? VIRTUAL : from + Math.round(rest / (count - 1));
      const out = args.out ? `${args.out}.part${k}` : null;
      if (out) parts.push(out);
      jobs.push(runWorker({ files: args.files, config, partition: { from, to, count: VIRTUAL }, out, header: false, expectedKeys }));
      from = to;
    }
    const first = runPartition({
      files: args.files, config, partition: { from: 0, to: mainShare, count: VIRTUAL }, out: args.out ?? null, header: true, expectedKeys,
    });
    results = await Promise.all([first, ...jobs]);
  }
  try {
    const failed = results.filter((r): r is Extract<PartitionResult, { ok: false }> => !r.ok);
    if (failed.length > 0) {
      failed.sort((x, y) => x.fileIndex - y.fileIndex || x.line - y.line);
      throw new CliError((failed[0] as { message: string }).message);
    }
    if (args.out) for (const p of parts) await appendFile(args.out, p);
  } finally {
    for (const p of parts) rmSync(p, { force: true });
  }
  const summaries = results.map((r) => (r as Extract<PartitionResult, { ok: true }>).summary);
  const s = summaries.length === 1 ? (summaries[0] as Summary) : mergeSummaries(summaries, sources);
  s.actions = orderActions(s.actions, config.rules ?? DEFAULT_RULE_SET);
  process.stdout.write(args.json ? JSON.stringify(jsonSummary(s)) + '\n' : humanSummary(s));
}

if (!isMainThread && (workerData as { paidlinePipeline?: boolean } | null)?.paidlinePipeline) {
  pipelineWorker().catch((e: unknown) => {
    throw e;
  });
} else if (!isMainThread && (workerData as { paidlineReconcileJob?: PartitionJob } | null)?.paidlineReconcileJob) {
  const job = (workerData as { paidlineReconcileJob: PartitionJob }).paidlineReconcileJob;
  runPartition(job).then(
    (r) => parentPort?.postMessage(r),
    (e: unknown) => {
      throw e;
    },
  );
} else {
  main().catch((e: unknown) => {
    if (e instanceof CliError) process.stderr.write(`reconcile: ${e.message}\n`);
    else process.stderr.write(`reconcile: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exit(1);
  });
}
