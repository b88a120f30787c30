/**
 * The onboarding acceptance journey through the command-line client alone (tools/paidline), no
 * browser: on a clean workspace (npm run workspace), an API token made with npm run token:create;
 * the six acme exports uploaded with --wait (the processors and the bank with the profiles an analyst
 * saves, test/integration/acme-fixtures.ts; the CRM and the ad platforms with the suggested mapping,
 * as e2e/acme-onboarding.spec.ts accepts it); the reconciliation with PayPal beside Stripe and the
 * bank 0-5 days later; ROMI by deal joined by the order number; the channels named. Then `paidline
 * romi --json` equals every figure of expected.json to the cent, the open discrepancies export as
 * CSV, and a read-only token is refused a change (exit code 3).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { CLI_ADMIN, CLI_PORT } from '../playwright.config';
import { ACME_PROFILES } from '../test/integration/acme-fixtures';

const root = path.resolve(__dirname, '..');
const acme = (name: string) => path.join(root, 'test', 'fixtures', 'acme-romi', name);
const url = `http://127.0.0.1:${CLI_PORT}`;
type Figures = { revenue_cents: number; spend_cents: number };
const expected = JSON.parse(readFileSync(acme('expected.json'), 'utf8')) as {
  won_deals: number;
  reconciled_paid_deals: number;
  refunded_deals: number;
  not_yet_counted_cents: number;
  total_revenue_cents: number;
  channels: Record<string, Figures & { romi: number | null; by_month: Record<string, Figures>; campaigns: Record<string, Figures> }>;
};

type Run = { code: number | null; stdout: string; stderr: string };

/** A child process: its exit code and what it wrote. */
function exec(command: string, args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let token = '';
/** `paidline ...` as `npx paidline` runs it (tools/paidline/bin.mjs), against the CLI journey's server. */
async function paidline(args: string[], opts: { token?: string; expectCode?: number } = {}): Promise<Run> {
  const run = await exec(process.execPath, [path.join(root, 'tools', 'paidline', 'bin.mjs'), ...args], { PAIDLINE_URL: url, PAIDLINE_TOKEN: opts.token ?? token });
  expect(run.code, `paidline ${args.join(' ')}\n${run.stderr}`).toBe(opts.expectCode ?? 0);
  return run;
}
const json = <T>(run: Run) => JSON.parse(run.stdout) as T;

async function tokenCreate(args: string[]): Promise<string> {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const run = await exec(npm, ['run', '--silent', 'token:create', '--', '--email', CLI_ADMIN.email, ...args], { DATABASE_URL: `file:./data/e2e-${CLI_PORT}.db` });
  expect(run.code, run.stderr).toBe(0);
  // stdout holds the secret alone; the rest went to stderr.
  expect(run.stdout).toMatch(/^pl_[A-Za-z0-9_-]{40,}\n$/);
  expect(run.stderr).toContain(`for ${CLI_ADMIN.email} (admin)`);
  return run.stdout.trim();
}

type Fig = { currency: string; netRevenueMinor: string; spendMinor: string; notCountedMinor: string; romi: number | null; paidDeals: number };
type Romi = { totals: Fig[]; notYetCounted: Fig[]; channels: { channel: string; figures: Fig[] }[]; campaigns: { channel: string; campaign: string; figures: Fig[] }[]; reconciliation: { name: string } | null };
const usd = (fs: Fig[]) => fs.find((f) => f.currency === 'USD') ?? { currency: 'USD', netRevenueMinor: '0', spendMinor: '0', notCountedMinor: '0', romi: null, paidDeals: 0 };
const lastDay = (month: string) => {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return `${month}-${String(new Date(Date.UTC(y, m, 0)).getUTCDate()).padStart(2, '0')}`;
};

test('a company from a clean workspace to a correct ROMI report, through the command line alone', async () => {
  test.setTimeout(300_000);
  const info = test.info();
  const started = Date.now();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'paidline-acme-cli-'));
  try {
    await test.step('a token for the first admin, made on the server with npm run token:create', async () => {
      token = await tokenCreate(['--name', 'Acme CLI journey', '--expires-days', '1']);
      const me = json<{ user: { email: string; role: string }; token: { readOnly: boolean } }>(await paidline(['whoami', '--json']));
      expect(me).toMatchObject({ user: { email: CLI_ADMIN.email, role: 'admin' }, token: { readOnly: false } });
    });

    await test.step('six sources and their exports, each ingested with --wait', async () => {
      const sources: [string, string][] = [['Stripe', 'gateway'], ['PayPal', 'gateway'], ['Operating bank', 'bank'], ['Salesforce', 'crm'], ['Google Ads', 'ads'], ['LinkedIn Ads', 'ads']];
      for (const [name, kind] of sources) expect((await paidline(['sources', 'create', '--name', name, '--kind', kind])).stdout).toMatch(/^\w+\n$/);
      // The processors and the bank with the analyst's own mapping (the order number is the key; the bank's from its Description when Reference is empty).
      const uploads: { source: string; file: string; rows: number; profile?: keyof typeof ACME_PROFILES }[] = [
        { source: 'Stripe', file: 'stripe-payments.csv', rows: 44, profile: 'stripe' },
        { source: 'PayPal', file: 'paypal-activity.csv', rows: 38, profile: 'paypal' },
        { source: 'Operating bank', file: 'bank-statement.csv', rows: 64, profile: 'bank' },
        // The CRM and the ad platforms with the mapping Paidline suggests.
        { source: 'Salesforce', file: 'salesforce-opportunities.csv', rows: 90 },
        { source: 'Google Ads', file: 'google-ads-campaigns.csv', rows: 180 },
        { source: 'LinkedIn Ads', file: 'linkedin-ads-campaigns.csv', rows: 180 },
      ];
      for (const u of uploads) {
        const map = u.profile ? ['--map', path.join(tmp, `${u.profile}.json`)] : [];
        if (u.profile) writeFileSync(map[1]!, JSON.stringify(ACME_PROFILES[u.profile].profile, null, 2));
        const run = await paidline(['upload', '--source', u.source, acme(u.file), '--wait', '--json', ...map]);
        expect(json(run), u.file).toMatchObject({ status: 'committed', rowsTotal: u.rows, rowsValid: u.rows, rowsInvalid: 0, version: 1, source: { name: u.source } });
        expect(run.stderr).toMatch(/Idempotency-Key: [0-9a-f-]{36}/);
        expect(run.stderr).toContain(u.profile ? 'with the profile from the file' : 'with the suggested mapping');
      }
      const list = json<{ items: { name: string; presetId: string | null; records: number }[] }>(await paidline(['sources', 'list', '--json']));
      const by = new Map(list.items.map((s) => [s.name, s]));
      expect(by.get('Salesforce')?.presetId).toBe('salesforce-opportunities');
      expect(by.get('Google Ads')?.presetId).toBe('google-ads-campaigns');
      expect(by.get('LinkedIn Ads')?.presetId).toBe('linkedin-ads');
      expect(by.get('Operating bank')?.records).toBe(64);
      // The same file again: a duplicate, reported, nothing ingested twice, exit 0.
      const again = await paidline(['upload', '--source', 'Stripe', acme('stripe-payments.csv'), '--wait']);
      expect(again.stderr).toMatch(/Duplicate: this file .* was already committed for Stripe .*\(44 rows, stripe-payments\.csv\)\. Nothing was ingested again\./);
    });

    await test.step('the reconciliation: PayPal beside Stripe, the bank 0-5 days later, attempts folded', async () => {
      const created = json<{ name: string; members: { name: string; with?: string }[]; matching: { dateWindows: Record<string, { min: number; max: number }>; attempts: string[] } }>(
        await paidline(['reconciliation', 'create', '--name', 'Acme payments', '--source', 'Stripe', '--source', 'PayPal', '--source', 'Operating bank', '--with', 'PayPal=Stripe', '--window', 'Operating bank=0:5', '--attempts', 'Stripe,PayPal', '--json']),
      );
      expect(created.members.map((m) => [m.name, Boolean(m.with)])).toEqual([['Stripe', false], ['PayPal', true], ['Operating bank', false]]);
      expect(Object.values(created.matching.dateWindows)).toEqual([{ min: 0, max: 5 }]);
      expect(created.matching.attempts).toHaveLength(2);
      const settled = json<{ settled: boolean; entries: number; open: number; lastPass: { status: string } }>(await paidline(['wait', 'Acme payments', '--json']));
      // 78 orders: 59 settled by themselves (55 Paid, 4 Refunded), 5 short bank credits and 14 missing at the bank stay open.
      expect(settled).toMatchObject({ settled: true, entries: 78, open: 19, lastPass: { status: 'completed' } });
    });

    await test.step('ROMI by deal, joined by the order number, previewed, then saved; the channels named', async () => {
      const settings = ['romi-settings', 'Acme payments', '--deals', 'Salesforce', '--spend', 'Google Ads', '--spend', 'LinkedIn Ads', '--join', 'key=Order Number', '--basis', 'deal', '--condition', 'Payment Status=Invoice Paid'];
      const preview = json<{ changed: boolean; preview: Record<string, unknown> }>(await paidline([...settings, '--preview', '--json']));
      expect(preview.changed).toBe(false);
      expect(preview.preview).toMatchObject({
        wonDeals: expected.won_deals,
        linked: expected.won_deals,
        counted: expected.reconciled_paid_deals,
        refunded: expected.refunded_deals,
        countedMinor: [{ currency: 'USD', amountMinor: String(expected.total_revenue_cents) }],
        waitingMinor: [{ currency: 'USD', amountMinor: String(expected.not_yet_counted_cents) }],
        unlinked: [],
      });
      expect(json<{ changed: boolean }>(await paidline([...settings, '--json'])).changed).toBe(true);
      const shown = json<{ romi: unknown }>(await paidline(['reconciliation', 'show', 'Acme payments', '--json']));
      expect(shown.romi).toMatchObject({ basis: 'deal', join: { payment: 'key', deal: 'Order Number' }, dealConditions: [{ field: 'Payment Status', values: ['Invoice Paid'] }] });

      const channels = json<{ items: { value: string; origin: string; suggestion: string | null; mapped: boolean }[] }>(await paidline(['channels', 'list', '--json']));
      // Google Ads looks like the CRM's Paid Search: suggested, not applied; LinkedIn Ads is named by hand.
      expect(channels.items.find((c) => c.value === 'Google Ads')).toMatchObject({ origin: 'spend', suggestion: 'Paid Search', mapped: false });
      expect(json<{ changed: number }>(await paidline(['channels', 'map', 'Google Ads=Paid Search', 'LinkedIn Ads=Paid Social', '--json'])).changed).toBe(2);
      expect(json<{ settled: boolean }>(await paidline(['wait', 'Acme payments', '--json'])).settled).toBe(true);
    });

    await test.step('paidline romi --json reports expected.json, to the cent', async () => {
      const data = json<Romi>(await paidline(['romi', '--from', '2025-01-01', '--to', '2025-03-31', '--json']));
      expect(data.reconciliation?.name).toBe('Acme payments');
      const total = usd(data.totals);
      expect(Number(total.netRevenueMinor)).toBe(expected.total_revenue_cents);
      expect(total.paidDeals).toBe(expected.reconciled_paid_deals);
      expect(Number(usd(data.notYetCounted).notCountedMinor)).toBe(expected.not_yet_counted_cents);
      expect(data.channels.map((c) => c.channel).sort()).toEqual(Object.keys(expected.channels).sort());
      for (const [channel, want] of Object.entries(expected.channels)) {
        const got = usd(data.channels.find((c) => c.channel === channel)?.figures ?? []);
        expect([channel, Number(got.netRevenueMinor), Number(got.spendMinor), got.romi === null ? null : Math.round(got.romi * 10_000) / 10_000]).toEqual([channel, want.revenue_cents, want.spend_cents, want.romi]);
        for (const [campaign, c] of Object.entries(want.campaigns)) {
          const row = usd(data.campaigns.find((x) => x.channel === channel && x.campaign === campaign)?.figures ?? []);
          expect([channel, campaign, Number(row.netRevenueMinor), Number(row.spendMinor)]).toEqual([channel, campaign, c.revenue_cents, c.spend_cents]);
        }
      }
      // Month by month, per channel: revenue in the close month, spend in the month of the ad day.
      for (const [channel, want] of Object.entries(expected.channels)) {
        for (const [month, m] of Object.entries(want.by_month)) {
          const monthly = json<Romi>(await paidline(['romi', '--channel', channel, '--from', `${month}-01`, '--to', lastDay(month), '--json']));
          const f = usd(monthly.totals);
          expect([channel, month, Number(f.netRevenueMinor), Number(f.spendMinor)]).toEqual([channel, month, m.revenue_cents, m.spend_cents]);
        }
      }
      // The table a person reads says the same.
      const table = (await paidline(['romi', '--from', '2025-01-01', '--to', '2025-03-31'])).stdout;
      expect(table).toContain('$411,545.00 reconciled paid');
      expect(table).toMatch(/Paid Search +USD +\$128,420\.00 +\$21,332\.58 +5\.0199/);
    });

    await test.step('the open discrepancies as CSV: 5 short bank credits and 14 orders missing at the bank', async () => {
      const csv = (await paidline(['discrepancies', '--open', '--format', 'csv'])).stdout;
      const [header, ...rows] = csv.trimEnd().split('\n');
      expect(header).toMatch(/^key,class,reasons,severity,/);
      expect(rows).toHaveLength(19);
      const cls = header!.split(',').indexOf('class');
      const tally: Record<string, number> = {};
      for (const r of rows) tally[r.split(',')[cls]!] = (tally[r.split(',')[cls]!] ?? 0) + 1;
      expect(tally).toEqual({ mismatched: 5, missing: 14 });
      const listed = json<{ items: { state: string }[]; nextCursor: string | null }>(await paidline(['discrepancies', '--open', '--all', '--json']));
      expect(listed.items).toHaveLength(19);
      expect(new Set(listed.items.map((e) => e.state))).toEqual(new Set(['open']));
    });

    await test.step('a read-only token reads, and is refused a change with exit code 3', async () => {
      const readOnly = await tokenCreate(['--name', 'Dashboard reader', '--read-only', '--expires-days', '1']);
      expect(json<{ token: { readOnly: boolean } }>(await paidline(['whoami', '--json'], { token: readOnly })).token.readOnly).toBe(true);
      await paidline(['romi', '--json'], { token: readOnly });
      const refused = await paidline(['sources', 'create', '--name', 'Sneaky', '--kind', 'other'], { token: readOnly, expectCode: 3 });
      expect(refused.stderr).toContain('This token is read-only');
      expect(refused.stderr).toMatch(/HTTP 403 forbidden, request [\w-]+/);
      // And the other exit codes a script branches on.
      await paidline(['sources', 'show', 'Nowhere'], { expectCode: 4 });
      await paidline(['upload', '--source', 'Stripe'], { expectCode: 2 });
      await paidline(['whoami'], { token: 'pl_not-a-real-token', expectCode: 3 });
    });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    info.annotations.push({ type: 'duration', description: `${Math.round((Date.now() - started) / 1000)} s` });
  }
});
