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
import { createReadStream, createWriteStream, existsSync, readFileSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import {
  compileProfile,
  csvField,
  CsvError,
  CsvSplitter,
  currencyDigits,
  formatMinor,
  ReconcileConfigSchema,
  Reconciler,
  SummaryBuilder,
  type ReconcileConfig,
  type ResultRow,
  type SourceProfileInput,
  type Summary,
} from '../lib/reconcile/index';

class CliError extends Error {}

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

async function readSource(file: string, index: number, config: ReconcileConfig, rec: Reconciler): Promise<void> {
  const compiled = compileProfile(config.sources[index] as SourceProfileInput);
  const sp = new CsvSplitter();
  let fromFields: ((f: readonly string[], line?: number) => ReturnType<typeof compiled.fromRecord>) | null = null;
  const onRow = (fields: string[], line: number) => {
    if (fromFields === null) {
      const b = compiled.bindHeader(fields);
      if (!b.ok) throw new CliError(`${file}:${b.error.line ?? 1}: column ${b.error.column}: ${b.error.reason}`);
      fromFields = b.fromFields;
      return;
    }
    const r = fromFields(fields, line);
    if (!r.ok) throw new CliError(`${file}:${r.error.line ?? line}: column ${r.error.column}: ${r.error.reason}`);
    rec.add(index, r.record);
  };
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream) sp.push(chunk as string, onRow);
    sp.end(onRow);
  } catch (e) {
    if (e instanceof CsvError) throw new CliError(`${file}:${e.line}: ${e.message}`);
    throw e;
  } finally {
    stream.destroy();
  }
  if (fromFields === null) throw new CliError(`${file}:1: empty file (no header)`);
}

class BufferedWriter {
  private parts: string[] = [];
  private size = 0;
  constructor(private readonly ws: WriteStream) {}
  async write(s: string): Promise<void> {
    this.parts.push(s);
    this.size += s.length;
    if (this.size >= 1 << 20) await this.flush();
  }
  async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const data = this.parts.join('');
    this.parts = [];
    this.size = 0;
    if (!this.ws.write(data)) await new Promise<void>((res) => this.ws.once('drain', res));
  }
  async close(): Promise<void> {
    await this.flush();
    await new Promise<void>((res, rej) => this.ws.end((err?: Error | null) => (err ? rej(err) : res())));
  }
}

function reasonsText(row: ResultRow): string {
  if (row.class === 'missing') return row.missingIn.map((n) => 'missing:' + n).join(';');
  if (row.class === 'duplicate') return row.duplicateIn.map((n) => 'duplicate:' + n).join(';');
  return row.reasons.join(';');
}

function rowLine(row: ResultRow): string {
  let date = '';
  for (const r of row.records) if (r && r.date !== null) { date = r.date; break; }
  let s = csvField(row.key) + ',' + date;
  for (const r of row.records) {
    if (r) s += ',' + formatMinor(r.amount, currencyDigits(r.currency || undefined)) + ',' + r.status;
    else s += ',,';
  }
  return s + ',' + row.class + ',' + reasonsText(row) + ',' + row.severity + ',' + row.action + '\n';
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

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const config = await loadConfig(args);
  const sources = config.sources.map((s) => ({ name: s.name, kind: s.kind }));
  const rec = new Reconciler(sources, { match: config.match, ...(config.rules ? { rules: config.rules } : {}) });
  for (let i = 0; i < args.files.length; i++) await readSource(args.files[i] as string, i, config, rec);

  const summary = new SummaryBuilder(sources);
  let writer: BufferedWriter | null = null;
  if (args.out) {
    const ws = createWriteStream(args.out);
    await new Promise<void>((res, rej) => {
      ws.once('open', () => res());
      ws.once('error', (e) => rej(new CliError(`${args.out}: cannot write: ${e.message}`)));
    });
    writer = new BufferedWriter(ws);
    let header = 'key,date';
    for (const s of sources) header += ',' + csvField(s.name + '_amount') + ',' + csvField(s.name + '_status');
    await writer.write(header + ',class,reasons,severity,action\n');
  }
  for (const row of rec.rows()) {
    summary.add(row);
    if (writer) await writer.write(rowLine(row));
  }
  if (writer) await writer.close();
  const s = summary.result();
  process.stdout.write(args.json ? JSON.stringify(jsonSummary(s)) + '\n' : humanSummary(s));
}

main().catch((e: unknown) => {
  if (e instanceof CliError) process.stderr.write(`reconcile: ${e.message}\n`);
  else process.stderr.write(`reconcile: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exit(1);
});
