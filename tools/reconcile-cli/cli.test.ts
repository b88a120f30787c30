import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const seed = path.join(root, 'test/fixtures/seed-003');
const tsx = path.join(root, 'node_modules/.bin/tsx');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'paidline-cli-'));

function cliEnv(env: Record<string, string>, ...args: string[]) {
  const r = spawnSync(tsx, [path.join(root, 'tools/reconcile-cli/reconcile.ts'), ...args], { encoding: 'utf8', cwd: root, env: { ...process.env, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const cli = (...args: string[]) => cliEnv({ PAIDLINE_RECONCILE_THREADS: '1' }, ...args);
function file(name: string, text: string): string {
  const p = path.join(tmp, name);
  writeFileSync(p, text);
  return p;
}

describe('reconcile CLI', () => {
  it('prints only the summary with --json (seed-003)', () => {
    const r = cli(path.join(seed, 'dataset-a.csv'), path.join(seed, 'dataset-b.csv'), '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({
      sources: { 'dataset-a': 20, 'dataset-b': 23 },
      total: 25,
      matched: 4,
      mismatched: 14,
      missing: { 'dataset-a': 5, 'dataset-b': 2 },
      duplicates: { 'dataset-a': 0, 'dataset-b': 0 },
      reasons: { status: 11, amount: 14, currency: 0, date: 0, unknown_status: 0 },
      severity: { info: 4, warning: 16, critical: 5 },
      actions: { fail_and_refund: 13, create_gateway_paid: 1, settle_to_merchant: 2, no_action: 3, manual_review: 6 },
    });
    // actions are listed in rule-set order, so the text itself is stable
    expect(r.out).toContain('"actions":{"no_action":3,"fail_and_refund":13,"create_gateway_paid":1,"settle_to_merchant":2,"manual_review":6}}');
  });

  it('gives the same summary and rows when the keys are split across worker threads', () => {
    const a = path.join(seed, 'dataset-a.csv');
    const b = path.join(seed, 'dataset-b.csv');
    const out1 = path.join(tmp, 'one.csv');
    const out3 = path.join(tmp, 'three.csv');
    const one = cliEnv({ PAIDLINE_RECONCILE_THREADS: '1' }, a, b, '--json', '--out', out1);
    const three = cliEnv({ PAIDLINE_RECONCILE_THREADS: '3' }, a, b, '--json', '--out', out3);
    expect(three.err).toBe('');
    expect(three.out).toBe(one.out);
    const lines = (f: string) => readFileSync(f, 'utf8').trimEnd().split('\n');
    const [h1, ...r1] = lines(out1);
    const [h3, ...r3] = lines(out3);
    expect(h3).toBe(h1);
    expect(r3.sort()).toEqual(r1.sort());
    expect(r3).toHaveLength(25);
    // the first bad line is reported whichever partition finds it
    const bad = file('bad-threads.csv', 'TransactionID,Date,Amount,Status\nTX1000,2024-07-01,1,Paid\nTX1001,2024-07-01,x,Paid\nTX1002,2024-07-01,y,Paid\nTX1003,2024-07-01,z,Paid\n');
    for (const threads of ['1', '2', '3']) {
      const r = cliEnv({ PAIDLINE_RECONCILE_THREADS: threads }, a, bad);
      expect(r.code).not.toBe(0);
      expect(r.err).toContain(`${bad}:3: column Amount: unparseable amount "x"`);
    }
  });

  it('the pipelined two-thread mode gives the bytes, summary and errors of one thread (generated files)', () => {
    // a small deterministic generator: duplicates, case and space variants, quoted and
    // non-ASCII keys (general path), long keys, CRLF, a BOM, unknown codes, a third file
    let seedValue = 42;
    const rnd = () => ((seedValue = (Math.imul(seedValue, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const pick = <T,>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)] as T;
    const keys = ['TX1', 'tx1', ' TX2', 'tx3 ', '"TX4"', 'Tx-É5', 'A-VERY-LONG-TRANSACTION-KEY-0001', '"k,6"', 'K7', 'K8', 'K9'];
    const codes = ['Completed', 'pending', ' Failed', 'succeeded', 'on_hold', 'Settled'];
    const gen = (rows: number, extraKeys: number, eol: string, bom: boolean) => {
      let t = (bom ? '\ufeff' : '') + 'TransactionID,Date,Amount,Status' + eol;
      for (let i = 0; i < rows; i++) {
        const k = rnd() < 0.5 ? pick(keys) : `N${Math.floor(rnd() * extraKeys)}`;
        t += `${k},2024-07-${String(1 + Math.floor(rnd() * 28)).padStart(2, '0')},${(Math.floor(rnd() * 100000) / 100).toFixed(2)},${pick(codes)}${eol}`;
      }
      return t;
    };
    // split: the first file is shared between the threads from this size (1: always)
    const run = (threads: string, files: string[], out: string, split = '1') => {
      // (small chunks: many of them, and the worker waits for the main thread to catch up)
      const r = cliEnv({ PAIDLINE_RECONCILE_THREADS: threads, PAIDLINE_RECONCILE_SPLIT_BYTES: split, PAIDLINE_RECONCILE_CHUNK_RECORDS: '5' }, ...files, '--out', out, '--json');
      return { ...r, bytes: r.code === 0 ? readFileSync(out) : null };
    };
    const cases: string[][] = [];
    for (let c = 0; c < 3; c++) {
      const a = file(`pa${c}.csv`, gen(300 + c * 500, 400, c === 1 ? '\r\n' : '\n', c === 2));
      const b = file(`pb${c}.csv`, gen(200 + c * 700, 500, '\n', false));
      cases.push(c === 2 ? [a, b, file(`pc${c}.csv`, gen(150, 300, '\n', false))] : [a, b]);
    }
    const okLine = 'TX9,2024-07-01,1.00,Completed\n';
    const badB = file('pbad-b.csv', 'TransactionID,Date,Amount,Status\n' + okLine.repeat(5000) + 'TX9,2024-07-01,x,Completed\n' + okLine);
    const badA = file('pbad-a.csv', 'TransactionID,Date,Amount,Status\n' + okLine + 'TX9,2024-07-32,1,Completed\n');
    const unterminated = file('pbad-q.csv', 'TransactionID,Date,Amount,Status\n' + okLine + '"TX9,2024-07-01,1,Completed\n');
    const headerOnly = file('pempty.csv', 'TransactionID,Date,Amount,Status\n');
    // a quoted field with line breaks across the middle of the first file (its halves cannot be read apart)
    const multi = file('pmulti.csv', 'TransactionID,Date,Amount,Status\n' + okLine.repeat(20) + '"TX' + '\n'.repeat(600) + '1",2024-07-01,1.00,Completed\n' + okLine.repeat(20));
    // errors in both halves of the first file (the first half's is reported), and only in the second half
    const badHalves = file('pbad-halves.csv', 'TransactionID,Date,Amount,Status\n' + 'TX8,2024-07-01,y,Completed\n' + okLine.repeat(300) + 'TX8,2024-07-01,z,Completed\n');
    const badTail = file('pbad-tail.csv', 'TransactionID,Date,Amount,Status\n' + okLine.repeat(300) + 'TX8,2024-07-01,z,Completed\n' + okLine);
    cases.push(
      [cases[0]![0]!, badB], [badA, badB], [cases[1]![0]!, unterminated], [cases[0]![0]!, headerOnly], [cases[2]![0]!, cases[2]![1]!, badB],
      [multi, cases[0]![1]!], [badHalves, cases[0]![1]!], [badTail, badB],
    );
    const results = cases.map((files, i) => {
      const one = run('1', files, path.join(tmp, `p-one-${i}.csv`));
      // the first file split between the threads, or not (every third case)
      const two = run('pipeline', files, path.join(tmp, `p-two-${i}.csv`), i % 3 === 1 ? '1000000000' : '1');
      expect({ code: two.code, out: two.out, err: two.err }).toEqual({ code: one.code, out: one.out, err: one.err });
      expect(two.bytes?.equals(one.bytes as Buffer) ?? one.bytes).toBe(one.bytes === null ? null : true);
      return two;
    });
    // the cases do exercise both outcomes
    expect(results[3]!.err).toContain(`${badB}:5002: column Amount: unparseable amount "x"`);
    expect(results[4]!.err).toContain(`${badA}:3: column Date: invalid date "2024-07-32"`);
    expect(results[5]!.err).toContain(`${unterminated}:3: unterminated quoted field`);
    expect(results[6]!.code).toBe(0);
    expect(results[8]!.out).toContain('"total":'); // the multi-line record: read whole, fine
    expect(results[9]!.err).toContain(`${badHalves}:2: column Amount: unparseable amount "y"`);
    expect(results[10]!.err).toContain(`${badTail}:302: column Amount: unparseable amount "z"`);
    expect(JSON.parse(results[2]!.out).duplicates.pa2).toBeGreaterThan(0);
  }, 240_000); // 16 CLI runs: slow on a loaded machine

  it('npm run reconcile (an esbuild bundle built on demand) behaves as the TypeScript source', () => {
    const a = path.join(seed, 'dataset-a.csv');
    const b = path.join(seed, 'dataset-b.csv');
    const outTs = path.join(tmp, 'ts.csv');
    const outJs = path.join(tmp, 'js.csv');
    const viaTsx = cli(a, b, '--out', outTs);
    const js = spawnSync(process.execPath, [path.join(root, 'tools/reconcile-cli/bundle.cjs'), a, b, '--out', outJs], {
      encoding: 'utf8', cwd: root, env: { ...process.env, PAIDLINE_RECONCILE_THREADS: '1' },
    });
    expect(js.stderr).toBe('');
    expect(js.stdout).toBe(viaTsx.out);
    expect(readFileSync(outJs, 'utf8')).toBe(readFileSync(outTs, 'utf8'));
    const bad = spawnSync(process.execPath, [path.join(root, 'tools/reconcile-cli/bundle.cjs'), a], { encoding: 'utf8', cwd: root });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('at least two files are needed');
  });

  it('the bundle starts from a V8 code cache written by its first run; a corrupt cache is replaced, same output', () => {
    const { ensureBundle } = createRequire(__filename)(path.join(root, 'tools/reconcile-cli/bundle.cjs')) as { ensureBundle: (entry: string) => string };
    const loader = ensureBundle('tools/reconcile-cli/reconcile.ts');
    const cache = loader.replace(/\.cjs$/, '.body.cjs.v8-cache');
    const a = path.join(seed, 'dataset-a.csv');
    const b = path.join(seed, 'dataset-b.csv');
    // the pipelined mode: its worker thread loads the same file (and must not write the cache)
    const run = () => spawnSync(process.execPath, [loader, a, b, '--json'], { encoding: 'utf8', cwd: root, env: { ...process.env, PAIDLINE_RECONCILE_THREADS: 'pipeline' } });
    rmSync(cache, { force: true });
    const first = run();
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    const made = readFileSync(cache);
    expect(made.length).toBeGreaterThan(10_000);
    const second = run();
    expect(second.stdout).toBe(first.stdout);
    expect(readFileSync(cache).equals(made)).toBe(true); // accepted: not written again
    writeFileSync(cache, made.subarray(0, 1000)); // truncated: V8 rejects it
    const third = run();
    expect(third.stderr).toBe('');
    expect(third.stdout).toBe(first.stdout);
    expect(readFileSync(cache).length).toBeGreaterThan(10_000);
  });

  it('writes one row per key with --out', () => {
    const out = path.join(tmp, 'result.csv');
    const r = cli(path.join(seed, 'dataset-a.csv'), path.join(seed, 'dataset-b.csv'), '--out', out);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/keys: 25 {2}matched: 4/);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(26);
    expect(lines[0]).toBe('key,date,dataset-a_amount,dataset-a_status,dataset-b_amount,dataset-b_status,class,reasons,severity,action');
    expect(lines).toContain('TX1001,2024-07-02,136.00,Pending,136.00,Pending,matched,,info,no_action');
    expect(lines).toContain('TX1011,2024-07-12,769.00,Paid,631.00,Failed,mismatched,status;amount,critical,fail_and_refund');
    expect(lines).toContain('TX1015,2024-07-16,643.00,Paid,,,missing,missing:dataset-b,critical,manual_review');
    expect(lines).toContain('TX2001,2024-07-22,,,136.00,Paid,missing,missing:dataset-a,warning,create_gateway_paid');
  });

  it('applies every status rule to the status-rules fixture (amounts agree except S12)', () => {
    const dir = path.join(root, 'test/fixtures/status-rules');
    const out = path.join(tmp, 'rules.csv');
    const r = cli(path.join(dir, 'gateway.csv'), path.join(dir, 'bank.csv'), '--out', out, '--json');
    expect(r.err).toBe('');
    const rows = Object.fromEntries(
      readFileSync(out, 'utf8').trimEnd().split('\n').slice(1).map((l) => {
        const f = l.split(',');
        return [f[0], [f[6], f[7], f[8], f[9]].join(' ')];
      }),
    );
    expect(rows).toEqual({
      S01: 'mismatched status warning set_gateway_paid_and_settle',
      S02: 'mismatched status warning fail_at_bank_and_refund',
      S03: 'mismatched status critical set_bank_paid_and_settle',
      S04: 'mismatched status warning fail_at_bank_refund_if_funded',
      S05: 'mismatched status critical set_bank_paid_manual_debit',
      S06: 'mismatched status warning fail_no_funds_moved',
      S07: 'missing missing:gateway warning create_gateway_paid',
      S08: 'matched  info settle_to_merchant',
      S09: 'matched  info no_action',
      S10: 'mismatched status warning record_refund', // Refunded at the gateway after the bank's credit: the refund is recorded
      S11: 'mismatched status;unknown_status warning manual_review', // "on_hold" is not in the glossary
      S12: 'mismatched amount warning fail_and_refund', // 120.00 vs 121: amounts differ comes first
      S13: 'duplicate duplicate:gateway critical manual_review', // twice at the gateway: replay suspicion
      S14: 'mismatched date warning manual_review', // "s14" matches "S14" (keys are case-insensitive); dates differ
    });
    expect(JSON.parse(r.out).duplicates).toEqual({ gateway: 1, bank: 0 });
  });

  it('detects columns ignoring case and punctuation, and quoted fields', () => {
    const a = file('gw.csv', 'transaction_id,DATE,amount,STATUS\n"t-1",2024-07-01,"1,50",succeeded\nt-2,2024-07-01,2.00,pending\n');
    const b = file('bank.csv', 'Id,Date,Amount,Status\nT-1,2024-07-01,1.5,Settled\nT-2,2024-07-01,2,Completed\n');
    // "1,50" is not an amount with the default format: reported precisely
    const bad = cli(a, b, '--json');
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain(`${a}:2: column amount: unparseable amount "1,50"`);
    writeFileSync(a, 'transaction_id,DATE,amount,STATUS\n"t-1",2024-07-01,"1.50",succeeded\nt-2,2024-07-01,2.00,pending\n');
    const ok = cli(a, b, '--json');
    expect(ok.code).toBe(0);
    const s = JSON.parse(ok.out);
    expect(s.matched).toBe(1);
    expect(s.actions).toEqual({ settle_to_merchant: 1, set_gateway_paid_and_settle: 1 });
  });

  it('fails with file, line and column on bad input', () => {
    const a = path.join(seed, 'dataset-a.csv');
    const missing = cli(a, path.join(tmp, 'nope.csv'));
    expect(missing.code).not.toBe(0);
    expect(missing.err).toContain('nope.csv: file not found');

    const noCol = file('nocol.csv', 'TransactionID,Date,Status\nTX1,2024-07-01,Paid\n');
    const r1 = cli(a, noCol);
    expect(r1.code).not.toBe(0);
    expect(r1.err).toContain(`${noCol}:1: column Amount: no column named like Amount`);

    const badDate = file('baddate.csv', 'TransactionID,Date,Amount,Status\nTX1,2024-07-01,1,Paid\nTX2,2024-07-32,1,Paid\n');
    const r2 = cli(a, badDate);
    expect(r2.code).not.toBe(0);
    expect(r2.err).toContain(`${badDate}:3: column Date: invalid date "2024-07-32"`);

    const badAmount = file('badamount.csv', 'TransactionID,Date,Amount,Status\nTX1,2024-07-01,12x,Paid\n');
    const r3 = cli(a, badAmount);
    expect(r3.code).not.toBe(0);
    expect(r3.err).toContain(`${badAmount}:2: column Amount: unparseable amount "12x"`);
    expect(r3.out).toBe('');

    expect(cli(a).code).not.toBe(0);
  });

  it('takes a --config with profiles, match options and rules', () => {
    const gw = file('psp.csv', 'ref,created,amount_cents,currency,state\npi_1,2024-07-01T10:00:00Z,123450,eur,succeeded\npi_2,2024-07-01T11:00:00Z,500,EUR,succeeded\n');
    // a comma-separated bank export with decimal commas (quoted) and debit/credit columns
    const bank = file('bank-eu.csv', 'Buchung,Datum,Soll,Haben,Status\nPI_1,01.07.2024,,"1.234,50",Gebucht\nPI_2,01.07.2024,,"5,01",Gebucht\n');
    const config = file('profile.json', JSON.stringify({
      sources: [
        { name: 'psp', kind: 'gateway', columns: { id: 'ref', date: 'created', amount: 'amount_cents', currency: 'currency', status: 'state' }, amount: { units: 'minor' } },
        {
          name: 'bank', kind: 'bank', currency: 'EUR',
          columns: { id: 'Buchung', date: 'Datum', debit: 'Soll', credit: 'Haben', status: 'Status' },
          statusMap: { gebucht: 'Paid' },
          amount: { decimalSeparator: ',', thousandsSeparator: '.' },
          date: { format: 'DD.MM.YYYY', timeZone: 'Europe/Berlin' },
        },
      ],
      // the gateway stamps a time, the bank a day: a one-day window
      match: { amountToleranceMinor: 1, dateToleranceMs: 86_400_000 },
    }));
    const r = cli(gw, bank, '--config', config, '--json');
    expect(r.err).toBe('');
    expect(JSON.parse(r.out)).toMatchObject({ total: 2, matched: 2, actions: { settle_to_merchant: 2 } });

    const badConfig = file('bad.json', JSON.stringify({ sources: [{ name: 'x' }] }));
    const r2 = cli(gw, bank, '--config', badConfig);
    expect(r2.code).not.toBe(0);
    expect(r2.err).toContain('invalid config');
  });
});
