/**
 * The paidline CLI: its grammar (commands, options anywhere, usage errors), the exit code of every
 * kind of failure, and the upload's retries with one Idempotency-Key, against a fake API on loopback.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findCommand, pair, parseCommandLine, UsageError, windowOf } from './args';
import { retryAfterMs } from './client';
import { COMMANDS } from './commands';
import { entryQuery } from './commands/entries';
import { conditionsOf } from './commands/reconciliations';
import { readProfileFile } from './commands/sources';
import { EXIT, exitCodeForStatus } from './exit-codes';
import { main } from './main';
import { table } from './output';

const run = (argv: string[]) => parseCommandLine(COMMANDS, argv);
const ran = (argv: string[]) => {
  const p = run(argv);
  if (p.kind !== 'run') throw new Error(`not a command: ${p.kind}`);
  return p;
};

describe('the grammar', () => {
  it('finds one- and two-word commands, their aliases, and positionals after them', () => {
    expect(ran(['whoami']).command.name).toBe('whoami');
    expect(ran(['sources', 'list']).command.name).toBe('sources list');
    expect(ran(['source', 'list']).command.name).toBe('sources list');
    expect(ran(['reconciliation', 'list']).command.name).toBe('reconciliations list');
    expect(ran(['reconciliations', 'create', '--name', 'X', '--source', 'A', '--source', 'B']).values).toMatchObject({ name: 'X', source: ['A', 'B'] });
    const show = ran(['sources', 'show', 'Operating bank']);
    expect([show.command.name, show.positionals]).toEqual(['sources show', ['Operating bank']]);
    // A one-word command's first argument is not taken for a subcommand.
    const resolve = ran(['resolve', '12', '--action', 'write_off', '--reason', 'gone']);
    expect([resolve.command.name, resolve.positionals, resolve.values.action]).toEqual(['resolve', ['12'], 'write_off']);
    expect(ran(['romi']).command.name).toBe('romi');
    expect(ran(['romi', 'rows', '--kind', 'spend']).command.name).toBe('romi rows');
    const map = ran(['channels', 'map', 'Google Ads=Paid Search', 'LinkedIn Ads=Paid Social']);
    expect(map.positionals).toEqual(['Google Ads=Paid Search', 'LinkedIn Ads=Paid Social']);
  });

  it('takes global options before the command, and options anywhere after it', () => {
    const p = ran(['--url', 'http://x:1', '--json', 'upload', 'file.csv', '--source', 'Stripe', '--wait', '--token', 'pl_x']);
    expect(p.command.name).toBe('upload');
    expect(p.positionals).toEqual(['file.csv']);
    expect(p.values).toMatchObject({ url: 'http://x:1', json: true, source: 'Stripe', wait: true, token: 'pl_x' });
    expect(ran(['--token=pl_y', 'whoami']).values.token).toBe('pl_y');
  });

  it('says what is wrong, with exit code 2', () => {
    const wrong = (argv: string[]) => {
      try {
        run(argv);
      } catch (error) {
        expect(error).toBeInstanceOf(UsageError);
        expect((error as UsageError).exitCode).toBe(EXIT.usage);
        return (error as Error).message;
      }
      throw new Error(`${argv.join(' ')} parsed`);
    };
    expect(wrong(['frobnicate'])).toMatch(/Unknown command "frobnicate"/);
    expect(wrong(['sources'])).toMatch(/needs a subcommand: list, create, show, profile, archive/);
    expect(wrong(['sources', 'lst'])).toMatch(/Unknown command "sources lst"/);
    expect(wrong(['whoami', '--frob'])).toMatch(/Unknown option '--frob'/);
    expect(wrong(['sources', 'show'])).toMatch(/Missing <id\|name>/);
    expect(wrong(['undo', '1', '2'])).toMatch(/Unexpected argument: 2/);
    expect(wrong(['upload', 'f.csv', '--source'])).toMatch(/argument missing|--source/);
  });

  it('shows help: every command, one command, one group', () => {
    const all = run(['--help']);
    expect(all.kind).toBe('help');
    const text = all.kind === 'help' ? all.text : '';
    for (const c of COMMANDS) expect(text).toContain(c.name);
    expect(text).toMatch(/Exit codes: 0 done/);
    expect(run([]).kind).toBe('help');
    const one = run(['upload', '--help']);
    expect(one.kind === 'help' && one.text).toMatch(/--idempotency-key <key>/);
    const group = run(['sources', '--help']);
    expect(group.kind === 'help' && group.text).toMatch(/paidline sources create --name/);
    expect(run(['help', 'romi', 'rows']).kind).toBe('help');
    expect(findCommand(COMMANDS, ['entries', 'show'])?.command.name).toBe('entry show');
  });

  it('reads the small languages of options: pairs, windows, conditions, entry filters, profile files', () => {
    expect(pair('key=Order Number', '--join', 'a=b')).toEqual(['key', 'Order Number']);
    expect(() => pair('key', '--join', 'key=Order Number')).toThrow(/--join is written "key=Order Number"/);
    expect(windowOf('Operating bank=0:5')).toEqual({ name: 'Operating bank', min: 0, max: 5 });
    expect(windowOf('Bank=1..3')).toEqual({ name: 'Bank', min: 1, max: 3 });
    expect(windowOf('Bank=2')).toEqual({ name: 'Bank', min: 2, max: 2 });
    expect(() => windowOf('Bank=5:0')).toThrow(/after the last/);
    expect(conditionsOf(['Payment Status=Invoice Paid', 'Payment Status=Paid|Invoice Paid', 'Stage=Closed Won'])).toEqual([
      { field: 'Payment Status', values: ['Invoice Paid', 'Paid'] },
      { field: 'Stage', values: ['Closed Won'] },
    ]);
    expect(entryQuery({ open: true, state: ['open,resolved'], cls: ['missing', 'mismatched'], sort: 'amount', dir: 'asc' })).toMatchObject({ state: 'open,in_review,escalated,resolved', cls: 'missing,mismatched', sort: 'amount', dir: 'asc' });
    expect(() => entryQuery({ sort: 'colour' })).toThrow(/--sort is one of/);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'paidline-cli-'));
    try {
      const profile = { dataset: 'payments', columns: { id: 'Reference' } };
      writeFileSync(path.join(dir, 'bare.json'), JSON.stringify(profile));
      writeFileSync(path.join(dir, 'shown.json'), JSON.stringify({ id: 's1', profile: { version: 2, presetId: 'stripe', profile } }));
      writeFileSync(path.join(dir, 'bad.json'), '{');
      expect(readProfileFile(path.join(dir, 'bare.json'))).toEqual({ profile });
      expect(readProfileFile(path.join(dir, 'shown.json'))).toEqual({ profile, presetId: 'stripe' });
      expect(() => readProfileFile(path.join(dir, 'bad.json'))).toThrow(/is not JSON/);
      expect(() => readProfileFile(path.join(dir, 'none.json'))).toThrow(/ENOENT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('maps HTTP statuses to exit codes, and reads Retry-After', () => {
    expect([200, 400, 401, 403, 404, 409, 413, 422, 429, 500, 502, 503].map((s) => [s, s === 200 ? 0 : exitCodeForStatus(s)])).toEqual([
      [200, 0], [400, 2], [401, 3], [403, 3], [404, 4], [409, 5], [413, 1], [422, 1], [429, 6], [500, 6], [502, 6], [503, 6],
    ]);
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(retryAfterMs('soon')).toBeNull();
  });

  it('prints tables with numbers and amounts right-aligned', () => {
    expect(table([{ channel: 'Paid Search', revenue: '$128,420.00', romi: '5.0199' }, { channel: 'Webinar', revenue: '$14,450.00', romi: 'n/a' }])).toBe(
      ['channel          revenue    romi', '-----------  -----------  ------', 'Paid Search  $128,420.00  5.0199', 'Webinar       $14,450.00     n/a', ''].join('\n'),
    );
  });
});

type Seen = { method: string; url: string; headers: IncomingMessage['headers']; body: string };
type Handler = (req: Seen, res: ServerResponse, n: number) => void;

describe('against a fake API', () => {
  let server: Server;
  let base = '';
  let routes: [string, Handler][] = [];
  const seen: Seen[] = [];
  const counts = new Map<string, number>();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'paidline-cli-'));
  const file = path.join(dir, 'stripe payments.csv');
  writeFileSync(file, 'id,amount\nA-1,10.00\nA-2,20.00\n');

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const s: Seen = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        seen.push(s);
        const key = `${s.method} ${s.url.split('?')[0]}`;
        const n = (counts.get(key) ?? 0) + 1;
        counts.set(key, n);
        const route = routes.find(([k]) => k === key);
        if (!route) return problem(res, 404, 'not_found', `No route ${key}`);
        route[1](s, res, n);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(() => {
    routes = [];
    seen.length = 0;
    counts.clear();
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': 'req-1', ...headers });
    res.end(JSON.stringify(body));
  }
  function problem(res: ServerResponse, status: number, code: string, detail: string, headers: Record<string, string> = {}) {
    res.writeHead(status, { 'content-type': 'application/problem+json', 'x-request-id': 'req-1', ...headers });
    res.end(JSON.stringify({ type: `urn:paidline:problem:${code}`, title: 'x', status, detail, code, requestId: 'req-1' }));
  }

  async function cli(argv: string[], env: Record<string, string> = { PAIDLINE_TOKEN: 'pl_test' }) {
    let stdout = '';
    let stderr = '';
    const io = {
      stdout: { write: (c: string | Uint8Array) => (stdout += typeof c === 'string' ? c : Buffer.from(c).toString('utf8')) },
      stderr: { write: (c: string) => (stderr += c) },
      env: { PAIDLINE_URL: base, ...env },
    };
    const code = await main(argv, io, { sleep: async () => undefined });
    return { code, stdout, stderr };
  }

  const source = { id: 'src1', name: 'Stripe', kind: 'gateway', description: '', createdAt: '2025-01-01T00:00:00Z', lastIngestedAt: null, profileVersion: null, presetId: null, committedIngestions: 0, records: 0 };
  const ingestion = (status: string, extra: Record<string, unknown> = {}) => ({
    id: 'ing1', source: { id: 'src1', name: 'Stripe' }, status, fileName: 'stripe payments.csv', fileSha256: 'abc', fileSize: 30, rowsTotal: 2, rowsValid: 2, rowsInvalid: 0,
    bytesTotal: 30, bytesProcessed: 30, message: null, version: 1, duplicateOfId: null, createdAt: '2025-01-01T00:00:00Z', finishedAt: null, drift: [], ...extra,
  });
  const staged = (duplicateOf: unknown = null) => ({ staged: { ingestionId: 'ing1', sha256: 'abcdef0123456789', size: 30, duplicateOf }, preview: null });

  it('sends the token and prints a table', async () => {
    routes = [['GET /api/v1/me', (_q, res) => json(res, 200, { user: { id: 'u1', email: 'ana@x', name: 'Ana', role: 'analyst' }, token: { id: 't1', readOnly: true }, permissions: ['sources:view'] })]];
    const r = await cli(['whoami']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/User: +Ana <ana@x>/);
    expect(r.stdout).toMatch(/t1 \(read-only\)/);
    expect(seen[0]!.headers.authorization).toBe('Bearer pl_test');
  });

  it('ends with the problem\'s detail, its request id and the exit code of its status', async () => {
    routes = [
      ['GET /api/v1/me', (_q, res) => problem(res, 401, 'unauthenticated', 'This API token is not valid.')],
      ['GET /api/v1/sources', (_q, res) => json(res, 200, { items: [source] })],
      ['POST /api/v1/sources/src1/archive', (_q, res) => problem(res, 403, 'forbidden', 'This token is read-only: it can read, not change anything.')],
      ['GET /api/v1/entries/7', (_q, res) => json(res, 200, { version: 3 })],
      ['POST /api/v1/entries/7/resolve', (_q, res) => problem(res, 409, 'conflict', 'A-1 was changed by someone else.')],
      ['GET /api/v1/reconciliations', (_q, res) => problem(res, 500, 'internal', 'Something went wrong.')],
      ['POST /api/v1/channels', (_q, res) => problem(res, 400, 'invalid_input', 'body.mappings: Required')],
    ];
    const unauth = await cli(['whoami']);
    expect(unauth.code).toBe(EXIT.auth);
    expect(unauth.stderr).toContain('paidline: This API token is not valid.');
    expect(unauth.stderr).toContain('HTTP 401 unauthenticated, request req-1');
    expect((await cli(['sources', 'archive', 'Stripe'])).code).toBe(EXIT.auth);
    expect((await cli(['sources', 'show', 'PayPal'])).code).toBe(EXIT.notFound);
    expect((await cli(['ingestion', 'show', 'nope'])).code).toBe(EXIT.notFound);
    const stale = await cli(['resolve', '7', '--action', 'write_off', '--reason', 'gone']);
    expect(stale.code).toBe(EXIT.conflict);
    expect(JSON.parse(seen.find((s) => s.url === '/api/v1/entries/7/resolve')!.body)).toEqual({ version: 3, action: 'write_off', reason: 'gone' });
    // A read is retried 3 times on a 5xx, then reported.
    const down = await cli(['reconciliations', 'list']);
    expect(down.code).toBe(EXIT.server);
    expect(counts.get('GET /api/v1/reconciliations')).toBe(4);
    expect((await cli(['whoami'], {})).code).toBe(EXIT.auth); // no token at all
    expect((await cli(['whoami', '--url', 'http://127.0.0.1:1'])).code).toBe(EXIT.server);
    expect((await cli(['resolve', '7', '--action', 'frob', '--reason', 'x'])).code).toBe(EXIT.usage);
  });

  it('does not retry a write without a key on a 5xx (it may have been done), but does on a 429', async () => {
    routes = [
      ['POST /api/v1/entries/7/undo', (_q, res, n) => (n === 1 ? problem(res, 429, 'rate_limited', 'Too many requests.', { 'retry-after': '1' }) : problem(res, 502, 'upstream', 'Bad gateway.'))],
    ];
    const r = await cli(['undo', '7']);
    expect(r.code).toBe(EXIT.server);
    expect(counts.get('POST /api/v1/entries/7/undo')).toBe(2);
  });

  it('uploads a file streamed, retrying a dropped connection, a key still running (409) and a 503 with the same Idempotency-Key, then ingests it with the suggestion', async () => {
    routes = [
      ['GET /api/v1/sources', (_q, res) => json(res, 200, { items: [source] })],
      [
        'POST /api/v1/sources/src1/uploads',
        (_q, res, n) => {
          if (n === 1) return void res.socket?.destroy();
          if (n === 2) return problem(res, 409, 'conflict', 'The first request with this Idempotency-Key is still running. Retry in a few seconds.', { 'retry-after': '0' });
          if (n === 3) return problem(res, 503, 'busy', 'Busy.', { 'retry-after': '0' });
          json(res, 201, staged());
        },
      ],
      ['POST /api/v1/ingestions/ing1/start', (_q, res) => json(res, 202, { status: 'processing', version: 1, warnings: [] })],
      ['GET /api/v1/ingestions/ing1', (_q, res, n) => json(res, 200, ingestion(n === 1 ? 'processing' : 'committed', { finishedAt: '2025-01-01T00:00:01Z' }))],
    ];
    const r = await cli(['upload', '--source', 'Stripe', file, '--wait']);
    expect(r.stderr).toMatch(/Upload attempt 1 failed \(no answer/);
    expect(r.stderr).toMatch(/Upload attempt 2 failed \(HTTP 409\)/);
    expect(r.stderr).toMatch(/Upload attempt 3 failed \(HTTP 503\)/);
    expect(r.stderr).toContain('Committed: 2 rows of stripe payments.csv into Stripe with profile v1.');
    expect(r.code).toBe(EXIT.ok);
    const uploads = seen.filter((s) => s.url === '/api/v1/sources/src1/uploads');
    expect(uploads).toHaveLength(4);
    const keys = new Set(uploads.map((u) => u.headers['idempotency-key']));
    expect(keys.size).toBe(1);
    expect(r.stderr).toContain(`Idempotency-Key: ${[...keys][0]}`);
    for (const u of uploads.slice(1)) {
      expect(u.body).toBe('id,amount\nA-1,10.00\nA-2,20.00\n');
      expect(u.headers).toMatchObject({ 'content-length': '30', 'x-file-name': 'stripe%20payments.csv', 'content-type': 'application/octet-stream' });
    }
    expect(JSON.parse(seen.find((s) => s.url.endsWith('/start'))!.body)).toEqual({ use: 'suggestion', onInvalid: 'ask' });
    expect(r.stdout).toMatch(/Status: +committed/);
  });

  it('reuses a given key, maps with a profile file, and exits 1 when refused rows wait for a decision', async () => {
    const profileFile = path.join(dir, 'profile.json');
    writeFileSync(profileFile, JSON.stringify({ dataset: 'payments', columns: { id: 'id', amount: 'amount' } }));
    routes = [
      ['GET /api/v1/sources', (_q, res) => json(res, 200, { items: [{ ...source, profileVersion: 2 }] })],
      ['POST /api/v1/sources/src1/uploads', (_q, res) => json(res, 201, staged())],
      ['POST /api/v1/ingestions/ing1/start', (_q, res) => json(res, 202, { status: 'processing', version: 3 })],
      ['GET /api/v1/ingestions/ing1', (_q, res) => json(res, 200, ingestion('needs_decision', { rowsValid: 1, rowsInvalid: 1 }))],
    ];
    const r = await cli(['upload', '--source', 'src1', file, '--wait', '--map', profileFile, '--on-invalid', 'ask', '--idempotency-key', 'nightly-2025-01-01']);
    expect(r.code).toBe(EXIT.failed);
    expect(r.stderr).toMatch(/1 of 2 rows were refused; the upload waits for a decision\. See them: paidline ingestion errors ing1/);
    expect(seen.find((s) => s.url.endsWith('/uploads'))!.headers['idempotency-key']).toBe('nightly-2025-01-01');
    expect(JSON.parse(seen.find((s) => s.url.endsWith('/start'))!.body)).toEqual({ profile: { dataset: 'payments', columns: { id: 'id', amount: 'amount' } }, onInvalid: 'ask' });
  });

  it('reports a duplicate file and exits 0; a blocked upload exits 1', async () => {
    routes = [
      ['GET /api/v1/sources', (_q, res) => json(res, 200, { items: [{ ...source, profileVersion: 1 }] })],
      ['POST /api/v1/sources/src1/uploads', (_q, res) => json(res, 200, staged({ id: 'ing0', createdAt: '2025-01-02T00:00:00Z', rowsValid: 2, fileName: 'old.csv' }))],
    ];
    const dup = await cli(['upload', '--source', 'Stripe', file, '--wait']);
    expect(dup.code).toBe(EXIT.ok);
    expect(dup.stderr).toMatch(/Duplicate: this file .* was already committed for Stripe on 2025-01-02 as ingestion ing0 \(2 rows, old\.csv\)/);
    expect(seen.some((s) => s.url.endsWith('/start'))).toBe(false);

    routes = [
      ['GET /api/v1/sources', (_q, res) => json(res, 200, { items: [{ ...source, profileVersion: 1 }] })],
      ['POST /api/v1/sources/src1/uploads', (_q, res) => json(res, 201, staged())],
      ['POST /api/v1/ingestions/ing1/start', (_q, res) => json(res, 202, { status: 'blocked', message: 'A column is missing.', findings: [{ message: 'Column "Amount" is gone.' }] })],
    ];
    const blocked = await cli(['upload', '--source', 'Stripe', file]);
    expect(blocked.code).toBe(EXIT.failed);
    expect(blocked.stderr).toContain('Blocked: A column is missing.');
    expect(blocked.stderr).toContain('Column "Amount" is gone.');
    expect(JSON.parse(seen.find((s) => s.url.endsWith('/start'))!.body)).toEqual({ use: 'current', onInvalid: 'ask' });
  });

  it('maps names to ids for a reconciliation and its matching', async () => {
    const src = (id: string, name: string) => ({ ...source, id, name });
    routes = [
      ['GET /api/v1/sources', (_q, res) => json(res, 200, { items: [src('s1', 'Stripe'), src('s2', 'PayPal'), src('s3', 'Operating bank')] })],
      ['POST /api/v1/reconciliations', (_q, res) => json(res, 201, { id: 'r1', name: 'Acme payments' })],
    ];
    const r = await cli(['reconciliation', 'create', '--name', 'Acme payments', '--source', 'Stripe', '--source', 'PayPal', '--source', 'operating bank', '--with', 'PayPal=Stripe', '--window', 'Operating bank=0:5', '--attempts', 'Stripe,PayPal']);
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout).toBe('r1\n');
    const post = seen.find((s) => s.method === 'POST')!;
    expect(post.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(post.body)).toEqual({ name: 'Acme payments', sourceIds: ['s1', 's2', 's3'], with: { s2: 's1' }, matching: { dateWindows: { s3: { min: 0, max: 5 } }, attempts: ['s1', 's2'] } });
    const notMember = await cli(['reconciliation', 'create', '--name', 'X', '--source', 'Stripe', '--source', 'PayPal', '--window', 'Operating bank=0:5']);
    expect(notMember.code).toBe(EXIT.usage);
    expect(notMember.stderr).toContain('--window names "Operating bank", which is not one of the --source.');
  });

  it('streams CSV to stdout and follows cursors for --all', async () => {
    routes = [
      [
        'GET /api/v1/entries',
        (q, res, n) => {
          const url = new URL(q.url, base);
          if (url.searchParams.get('format') === 'csv') {
            res.writeHead(200, { 'content-type': 'text/csv' });
            res.write('key,class\n');
            res.end('A-1,missing\n');
            return;
          }
          json(res, 200, { reconciliation: { id: 'r1', name: 'Acme', ledgerRunId: 'run1' }, items: [{ id: n, key: `A-${n}`, cls: 'missing', reasons: [], severity: 'warning', action: 'x', actionLabel: 'X', missingIn: ['Bank'], statuses: [], amount: '1.00', amountDiff: '0.00', amounts: [], currency: 'USD', date: null, ageDays: null, state: 'open', assignee: null, version: 0, final: null, reopenReason: null }], nextCursor: n < 3 ? `c${n}` : null });
        },
      ],
    ];
    const csv = await cli(['discrepancies', '--open', '--format', 'csv']);
    expect(csv).toMatchObject({ code: 0, stdout: 'key,class\nA-1,missing\n' });
    expect(new URL(seen[0]!.url, base).searchParams.get('state')).toBe('open,in_review,escalated');
    seen.length = 0;
    counts.clear();
    const all = await cli(['discrepancies', '--all', '--json']);
    expect(JSON.parse(all.stdout).items.map((e: { key: string }) => e.key)).toEqual(['A-1', 'A-2', 'A-3']);
    expect(seen.map((s) => new URL(s.url, base).searchParams.get('cursor'))).toEqual([null, 'c1', 'c2']);
  });
});
