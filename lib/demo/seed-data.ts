import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { getPrisma } from '@/lib/server/db/client';
import { createSource } from '@/lib/features/ingestion/sources';
import { previewIngestion } from '@/lib/features/ingestion/preview-ingestion';
import { stageUpload } from '@/lib/features/ingestion/stage-upload';
import { startIngestion } from '@/lib/features/ingestion/process-ingestion';
import { ensureDefaultRuleSet } from '@/lib/features/runs/rulesets';
import { saveChannelMapping } from '@/lib/features/romi/channel-map';
import { createReconciliation, runLedgerPass } from '@/lib/features/ledger';
import { resolveDiscrepancy } from '@/lib/features/review/resolve';
import { type Actor as ReviewActor } from '@/lib/domain/actor';
import type { IngestProfileInput } from '@/lib/features/ingestion/profile';
import { googleAdsCampaigns } from '@/lib/features/ingestion/presets/google-ads-campaigns';
import { metaAds } from '@/lib/features/ingestion/presets/meta-ads';
import { hubspotDeals } from '@/lib/features/ingestion/presets/hubspot-deals';

type Client = ReturnType<typeof getPrisma>;

/** The demo company's systems: seed-003's gateway and bank exports. A later issue extends it. */
export const DEMO_SOURCES = [
  { name: 'Gateway', kind: 'gateway', file: 'dataset-a.csv', description: 'Card payment gateway (seed-003 dataset A)' },
  { name: 'Bank', kind: 'bank', file: 'dataset-b.csv', description: 'Settlement bank account (seed-003 dataset B)' },
] as const;

function fixture(file: string): string {
  return path.resolve(/*turbopackIgnore: true*/ process.cwd(), 'test/fixtures/seed-003', file);
}

/**
 * Creates the demo sources and ingests their exports through the real upload path (stage, preview,
 * start with the suggested mapping, wait). Idempotent: a source that already has the file committed
 * is left alone. Also makes sure the default rule set exists. No run is started: the journey does that.
 */
export async function seedDemoData(
  dbArg?: Client,
  opts: { romi?: boolean } = {},
): Promise<{ sources: { id: string; name: string; ingested: boolean }[]; romiRunId?: string | null }> {
  const db = dbArg ?? getPrisma();
  await ensureDefaultRuleSet(db);
  const out: { id: string; name: string; ingested: boolean }[] = [];
  for (const spec of DEMO_SOURCES) {
    const existing = await db.source.findUnique({ where: { name: spec.name }, select: { id: true } });
    const id = existing?.id ?? (await createSource({ name: spec.name, kind: spec.kind, description: spec.description }, { actor: null, db })).id;
    const bytes = await readFile(fixture(spec.file));
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const done = await db.ingestion.findFirst({ where: { sourceId: id, fileSha256: sha256, status: 'committed' }, select: { id: true } });
    if (done) {
      out.push({ id, name: spec.name, ingested: false });
      continue;
    }
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(bytes));
        controller.close();
      },
    });
    const staged = await stageUpload({ sourceId: id, fileName: spec.file, body, actor: null, db });
    const preview = await previewIngestion(staged.ingestionId, { db });
    const profile = { ...preview.suggestion.profile, currency: 'USD', columns: { ...preview.suggestion.profile.columns, date: 'Date' } };
    const started = await startIngestion(staged.ingestionId, { profile, onInvalid: 'abort', actor: null, db, wait: true });
    if (started.status !== 'processing') throw new Error(`Demo data: ${spec.file} was refused: ${started.message}`);
    const result = await db.ingestion.findUnique({ where: { id: staged.ingestionId }, select: { status: true, message: true } });
    if (result?.status !== 'committed') throw new Error(`Demo data: ${spec.file} ended ${result?.status}: ${result?.message ?? ''}`);
    out.push({ id, name: spec.name, ingested: true });
  }
  // The marketing company (ROMI dashboard) loads with the real demo (no client passed) or on request;
  // tests of the review journeys get Gateway and Bank alone.
  if (opts.romi ?? dbArg === undefined) {
    const romi = await seedRomiDemo(db);
    return { sources: [...out, ...romi.sources], romiRunId: romi.runId };
  }
  return { sources: out };
}

// ---------------------------------------------------------------------------------------------
// The ROMI demo company: six months of ad spend on Google Ads, Meta Ads and LinkedIn Ads, HubSpot
// deals linked to payments by payment reference, and the payments as a card gateway, the bank and
// the ERP saw them, with realistic discrepancies. Files are generated deterministically and ingested
// through the real upload path; a run reconciles them and a reviewer settles part of the backlog.

/** Deterministic pseudo-random numbers (mulberry32): the same demo every time. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const ROMI_DEMO_FROM = '2026-05-01';
/** The demo company's reconciliation (its ledger feeds the dashboard). */
export const ROMI_DEMO_RECONCILIATION = 'Payments';
export const ROMI_DEMO_TO = '2026-10-31';

function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}
function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}
const money = (minor: number) => (minor / 100).toFixed(2);
const csvLine = (cells: readonly (string | number)[]) => cells.map((c) => (/[",\n]/.test(String(c)) ? `"${String(c).replace(/"/g, '""')}"` : String(c))).join(',');

type Channel = { name: string; touch: string; campaigns: string[]; leadsPerMonth: number; winRate: number; dealSize: number; dailySpend: number };
const CHANNELS: Channel[] = [
  { name: 'Google Ads', touch: 'Paid Search', campaigns: ['Search - Brand', 'Search - Generic', 'PMax - Retail'], leadsPerMonth: 26, winRate: 0.42, dealSize: 210_000, dailySpend: 22_000 },
  { name: 'Meta Ads', touch: 'Paid Social', campaigns: ['Prospecting - Lookalike', 'Retargeting - Cart'], leadsPerMonth: 22, winRate: 0.3, dealSize: 120_000, dailySpend: 16_000 },
  { name: 'LinkedIn Ads', touch: 'LinkedIn', campaigns: ['ABM - Enterprise', 'Lead Gen - Finance'], leadsPerMonth: 9, winRate: 0.45, dealSize: 420_000, dailySpend: 18_000 },
  { name: 'Organic search', touch: 'Organic Search', campaigns: [''], leadsPerMonth: 6, winRate: 0.35, dealSize: 150_000, dailySpend: 0 },
];
const COMPANIES = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Stark', 'Wayne', 'Wonka', 'Tyrell', 'Cyberdyne', 'Soylent', 'Vandelay', 'Pied Piper', 'Dunder', 'Massive', 'Gringotts', 'Monarch', 'Oscorp', 'Nakatomi', 'Aperture'];

export type RomiDemoFiles = { googleAds: string; metaAds: string; linkedIn: string; hubspot: string; gateway: string; bank: string; erp: string };

/** The demo company's exports as CSV text, generated from a fixed seed. */
export function romiDemoFiles(): RomiDemoFiles {
  const rnd = prng(20260501);
  const days = daysBetween(ROMI_DEMO_FROM, ROMI_DEMO_TO);
  const google = [googleAdsCampaigns.profile.expectedColumns!.join(',')];
  const linkedIn = ['Date,Campaign Name,Total Spent,Currency,Clicks,Impressions'];
  for (const day of days) {
    const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
    const season = weekday === 0 || weekday === 6 ? 0.7 : 1.1;
    for (const [ci, c] of CHANNELS.entries()) {
      if (!c.dailySpend || c.name === 'Meta Ads') continue;
      for (const [k, campaign] of c.campaigns.entries()) {
        const cost = Math.round((c.dailySpend / c.campaigns.length) * season * (0.75 + rnd() * 0.5) * (k === 0 ? 1.2 : 0.9));
        const clicks = Math.round(cost / (ci === 0 ? 180 : 650));
        if (c.name === 'Google Ads') {
          google.push(csvLine([day, campaign, 'Enabled', k === 2 ? 'Performance Max' : 'Search', clicks, clicks * 18, '5.5%', 'USD', money(Math.round(cost / Math.max(1, clicks))), money(cost), Math.round(clicks / 25)]));
        } else linkedIn.push(csvLine([day, campaign, money(cost), 'USD', clicks, clicks * 60]));
      }
    }
  }
  // Meta: weekly rows per ad.
  const meta = [metaAds.profile.expectedColumns!.join(',')];
  const metaCh = CHANNELS[1]!;
  for (let i = 0; i < days.length; i += 7) {
    const start = days[i]!;
    const end = days[Math.min(i + 6, days.length - 1)]!;
    const span = Math.min(7, days.length - i);
    for (const campaign of metaCh.campaigns) {
      for (const ad of ['Video A', 'Carousel B']) {
        const cost = Math.round(((metaCh.dailySpend * span) / 4) * (0.8 + rnd() * 0.4));
        meta.push(csvLine([start, end, campaign, `${campaign} - set`, ad, money(cost), Math.round(cost / 2), Math.round(cost / 3), Math.round(cost / 90), Math.round(cost / 4000)]));
      }
    }
  }
  // Deals and payments.
  const hubspot = [csvLine([...hubspotDeals.profile.expectedColumns!, 'Campaign', 'UTM Source', 'UTM Campaign', 'Payment Reference', 'Contact Email'])];
  const gateway = ['Reference,Date,Amount,Currency,Status,Customer Email'];
  const bank = ['Reference,Date,Amount,Currency,Status,Customer Email'];
  const erp = ['Reference,Date,Amount,Currency,Status,Customer Email'];
  let dealNo = 31_000;
  let payNo = 50_000;
  const months = ['2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10'];
  const pick = <T,>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const addPayment = (day: string, amount: number, email: string, kind: 'clean' | 'bank_missing' | 'bank_failed' | 'fee' | 'erp_missing' | 'refunded') => {
    const ref = `PAY-${++payNo}`;
    const late = kind === 'bank_failed' ? addDays(day, 2) : day;
    const status = kind === 'refunded' ? 'Refunded' : 'Paid';
    gateway.push(csvLine([ref, day, money(amount), 'USD', status, email]));
    if (kind !== 'bank_missing') bank.push(csvLine([ref, late, money(kind === 'fee' ? amount - 2_500 : amount), 'USD', kind === 'bank_failed' ? 'Failed' : status, email]));
    if (kind !== 'erp_missing') erp.push(csvLine([ref, day, money(amount), 'USD', status, email]));
    return ref;
  };
  const kindOf = (): 'clean' | 'bank_missing' | 'bank_failed' | 'fee' | 'erp_missing' | 'refunded' => {
    const r = rnd();
    return r < 0.74 ? 'clean' : r < 0.8 ? 'fee' : r < 0.86 ? 'bank_failed' : r < 0.91 ? 'erp_missing' : r < 0.95 ? 'refunded' : 'bank_missing';
  };
  for (const month of months) {
    for (const c of CHANNELS) {
      for (let i = 0; i < c.leadsPerMonth; i++) {
        const created = `${month}-${String(1 + Math.floor(rnd() * 28)).padStart(2, '0')}`;
        const id = String(++dealNo);
        const company = `${pick(COMPANIES)} ${pick(['Labs', 'Corp', 'GmbH', 'Ltd', 'Group'])}`;
        const email = `buyer${id}@${company.split(' ')[0]!.toLowerCase()}.example`;
        const campaign = pick(c.campaigns);
        // A third of the paid leads first came through another channel (first touch differs from last).
        const other = rnd() < 0.3 ? pick(CHANNELS.filter((x) => x !== c)) : c;
        const firstCampaign = other === c ? campaign : pick(other.campaigns);
        const closeDay = addDays(created, 7 + Math.floor(rnd() * 35));
        const r = rnd();
        const won = r < c.winRate && closeDay <= ROMI_DEMO_TO;
        const lost = !won && r > 0.8;
        const amount = Math.round(c.dealSize * (0.6 + rnd() * 0.8) / 100) * 100;
        const stage = won ? 'closedwon' : lost ? 'closedlost' : pick(['qualifiedtobuy', 'presentationscheduled', 'contractsent']);
        const ref = won ? addPayment(closeDay, amount, email, closeDay > '2026-10-24' ? 'bank_missing' : kindOf()) : '';
        hubspot.push(csvLine([id, `${company} - ${c.name === 'LinkedIn Ads' ? 'Enterprise' : 'Team'} plan`, money(amount), stage, `${closeDay} 12:00`, 'Sam Seller', company, 'default', `${created} 09:30`, '', '', other.touch, other.touch, firstCampaign, c.touch, campaign, ref, email]));
      }
    }
  }
  // Payments with no CRM deal (self-serve sign-ups): revenue that stays unattributed.
  for (let i = 0; i < 14; i++) addPayment(addDays(ROMI_DEMO_FROM, Math.floor(rnd() * 170)), 9_900 + Math.floor(rnd() * 5) * 10_000, `self${i}@example.org`, 'clean');
  const text = (lines: string[]) => `${lines.join('\n')}\n`;
  return { googleAds: text(google), metaAds: text(meta), linkedIn: text(linkedIn), hubspot: text(hubspot), gateway: text(gateway), bank: text(bank), erp: text(erp) };
}

const PAYMENT_PROFILE: IngestProfileInput = {
  dataset: 'payments',
  format: { type: 'csv' },
  columns: { id: 'Reference', status: 'Status', date: 'Date', amount: 'Amount', currency: 'Currency' },
  amount: { decimalSeparator: '.', thousandsSeparator: ',' },
  date: { format: 'iso', timeZone: 'UTC' },
  attributes: { paymentRef: 'Reference', email: 'Customer Email' },
  expectedColumns: ['Reference', 'Date', 'Amount', 'Currency', 'Status', 'Customer Email'],
};

export const ROMI_DEMO_SOURCES = [
  { name: 'Card gateway', kind: 'gateway', file: 'card-gateway-payments.csv', part: 'gateway', description: 'Card payment gateway export (demo)', profile: PAYMENT_PROFILE, presetId: null },
  { name: 'Operating bank', kind: 'bank', file: 'operating-bank-statement.csv', part: 'bank', description: 'Operating bank account settlements (demo)', profile: PAYMENT_PROFILE, presetId: null },
  { name: 'ERP', kind: 'erp', file: 'erp-receivables.csv', part: 'erp', description: 'ERP receivables ledger (demo)', profile: PAYMENT_PROFILE, presetId: null },
  {
    name: 'HubSpot', kind: 'crm', file: 'hubspot-deals.csv', part: 'hubspot', description: 'HubSpot deals with lead source and UTM fields (demo)', presetId: 'hubspot-deals',
    profile: {
      ...hubspotDeals.profile,
      columns: { ...hubspotDeals.profile.columns, date: 'Create Date' },
      attributes: { ...hubspotDeals.profile.attributes, channel: 'Original Source', campaign: 'Campaign', utmSource: 'UTM Source', utmCampaign: 'UTM Campaign', paymentRef: 'Payment Reference', email: 'Contact Email' },
      expectedColumns: [...hubspotDeals.profile.expectedColumns!, 'Campaign', 'UTM Source', 'UTM Campaign', 'Payment Reference', 'Contact Email'],
    } as IngestProfileInput,
  },
  { name: 'Google Ads', kind: 'ads', file: 'google-ads-campaigns.csv', part: 'googleAds', description: 'Google Ads campaign report by day (demo)', profile: googleAdsCampaigns.profile, presetId: 'google-ads-campaigns' },
  { name: 'Meta Ads', kind: 'ads', file: 'meta-ads-report.csv', part: 'metaAds', description: 'Meta Ads Manager weekly ads report (demo)', profile: metaAds.profile, presetId: 'meta-ads' },
  {
    name: 'LinkedIn Ads', kind: 'ads', file: 'linkedin-campaigns.csv', part: 'linkedIn', description: 'LinkedIn Campaign Manager export, generic CSV (demo)', presetId: null,
    profile: {
      dataset: 'spend', format: { type: 'csv' }, columns: { id: 'Campaign Name', date: 'Date', amount: 'Total Spent', currency: 'Currency' }, keyColumns: ['Campaign Name', 'Date'],
      amount: { decimalSeparator: '.', thousandsSeparator: ',' }, date: { format: 'iso', timeZone: 'UTC' }, attributes: { campaign: 'Campaign Name', clicks: 'Clicks', impressions: 'Impressions' },
      expectedColumns: ['Date', 'Campaign Name', 'Total Spent', 'Currency', 'Clicks', 'Impressions'],
    } as IngestProfileInput,
  },
] as const;

/** Uploads one CSV text through the real path (stage, start with the profile, wait); a file already committed is skipped. */
export async function ingestCsvText(db: Client, spec: { name: string; kind: 'gateway' | 'bank' | 'crm' | 'erp' | 'ads' | 'other'; description: string; file: string; profile: IngestProfileInput; presetId: string | null }, text: string) {
  const existing = await db.source.findUnique({ where: { name: spec.name }, select: { id: true } });
  const id = existing?.id ?? (await createSource({ name: spec.name, kind: spec.kind, description: spec.description }, { actor: null, db })).id;
  const bytes = Buffer.from(text, 'utf8');
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (await db.ingestion.findFirst({ where: { sourceId: id, fileSha256: sha256, status: 'committed' }, select: { id: true } })) return { id, name: spec.name, ingested: false };
  const body = new ReadableStream<Uint8Array>({ start(c) { c.enqueue(new Uint8Array(bytes)); c.close(); } });
  const staged = await stageUpload({ sourceId: id, fileName: spec.file, body, actor: null, db });
  const started = await startIngestion(staged.ingestionId, { profile: spec.profile, presetId: spec.presetId, onInvalid: 'abort', actor: null, db, wait: true });
  if (started.status !== 'processing') throw new Error(`Demo data: ${spec.file} was refused: ${started.message}`);
  const result = await db.ingestion.findUnique({ where: { id: staged.ingestionId }, select: { status: true, message: true } });
  if (result?.status !== 'committed') throw new Error(`Demo data: ${spec.file} ended ${result?.status}: ${result?.message ?? ''}`);
  return { id, name: spec.name, ingested: true };
}

async function seedActor(db: Client, role: 'analyst' | 'reviewer' | 'admin'): Promise<ReviewActor> {
  const email = `${role}@demo.paidline.app`;
  const user = (await db.user.findUnique({ where: { email }, select: { id: true, email: true } }))
    ?? (await db.user.upsert({ where: { email: `demo-seed-${role}@paidline.local` }, update: {}, create: { email: `demo-seed-${role}@paidline.local`, name: `Demo seed (${role})`, role, passwordHash: '!', disabled: true }, select: { id: true, email: true } }));
  return { id: user.id, email: user.email, role };
}

/**
 * Loads the ROMI demo company, reconciles the three payment systems and settles part of the
 * backlog as a reviewer would. Idempotent: with a completed run over these sources, nothing is redone.
 */
export async function seedRomiDemo(db: Client = getPrisma()): Promise<{ sources: { id: string; name: string; ingested: boolean }[]; runId: string | null }> {
  const files = romiDemoFiles();
  // The demo company's channel list: its CRM's lead sources count as the ad platform they came through.
  await saveChannelMapping(CHANNELS.filter((c) => c.touch !== c.name).map((c) => ({ value: c.touch, channel: c.name })), null, db);
  const sources = [];
  for (const spec of ROMI_DEMO_SOURCES) sources.push(await ingestCsvText(db, spec, files[spec.part]));
  const payments = sources.slice(0, 3);
  if (!payments.some((s) => s.ingested) && (await db.romiBuild.count()) > 0) return { sources, runId: null };
  const analyst = await seedActor(db, 'analyst');
  const reviewer = await seedActor(db, 'reviewer');
  const admin = await seedActor(db, 'admin');
  // The demo company reconciles its payment systems in a ledger: new data reconciles into it by itself.
  const ruleSet = await ensureDefaultRuleSet(db);
  const existing = await db.reconciliation.findUnique({ where: { name: ROMI_DEMO_RECONCILIATION }, select: { id: true, ledgerRunId: true } });
  const reconciliation = existing ?? (await createReconciliation({ name: ROMI_DEMO_RECONCILIATION, description: 'Card gateway, operating bank and ERP receivables', sourceIds: payments.map((s) => s.id), ruleSetName: ruleSet.name }, analyst, db));
  await runLedgerPass(reconciliation.id, { keys: null, trigger: 'person', actor: analyst, db });
  const run = { id: reconciliation.ledgerRunId };
  // Settle part of the backlog: bank fees (the bank's amount stands), every other failed card payment.
  const open = await db.runResult.findMany({ where: { runId: run.id, state: 'open' }, orderBy: { key: 'asc' }, select: { id: true, version: true, reasons: true, statuses: true, key: true } });
  let failed = 0;
  let n = 0;
  for (const row of open) {
    // Two people work the backlog (the admin helps the reviewer), so the data-quality page has reviewers to compare.
    const who = n % 3 === 2 ? admin : reviewer;
    if (row.reasons.includes(';amount;') && !row.statuses.includes(':Failed')) {
      n++;
      await resolveDiscrepancy(row.id, row.version, { action: 'accept_source', source: 'Operating bank', reason: 'Bank settled net of the processing fee; the bank amount stands' }, who, db);
    } else if (row.statuses.includes('Operating bank:Failed') && failed++ % 2 === 0) {
      n++;
      await resolveDiscrepancy(row.id, row.version, { action: 'accept_source', source: 'Operating bank', reason: 'Bank returned the card payment as failed' }, who, db);
    }
  }
  await spreadDemoHistory(db, run.id);
  await seedDemoDrift(db, sources.find((s) => s.name === 'ERP')!.id);
  return { sources, runId: run.id };
}

/**
 * Demo history for the data-quality page: the run finished two weeks ago and its backlog was
 * worked over the following days (critical rows within hours, others within days), so resolution
 * times have a spread. Only timestamps of the demo's own run and decisions move; audit rows do not.
 */
async function spreadDemoHistory(db: Client, runId: string): Promise<void> {
  const rnd = prng(20261101);
  const finished = new Date(Date.now() - 14 * 86_400_000);
  await db.run.update({ where: { id: runId }, data: { createdAt: new Date(finished.getTime() - 90_000), startedAt: new Date(finished.getTime() - 80_000), finishedAt: finished } });
  const decisions = await db.resolution.findMany({ where: { runId }, orderBy: { createdAt: 'asc' }, select: { id: true, auto: true, resultId: true, result: { select: { severity: true } } } });
  for (const d of decisions) {
    const hours = d.auto ? 0.001 : d.result.severity === 'critical' ? 1 + rnd() * 30 : 4 + rnd() * 9 * 24;
    const at = new Date(finished.getTime() + Math.round(hours * 3_600_000));
    await db.resolution.update({ where: { id: d.id }, data: { createdAt: at } });
    await db.runResult.update({ where: { id: d.resultId }, data: { resolvedAt: at } });
  }
}

/**
 * A realistic schema drift for the demo: the ERP's export arrives with its status column renamed.
 * The ingestion is blocked (nothing stored) and the drift is recorded on the ERP source.
 */
async function seedDemoDrift(db: Client, erpId: string): Promise<void> {
  const text = 'Reference,Date,Amount,Currency,Payment State,Customer Email\nPAY-99001,2026-10-30,120.00,USD,Paid,late@example.org\n';
  const body = new ReadableStream<Uint8Array>({ start(c) { c.enqueue(new Uint8Array(Buffer.from(text, 'utf8'))); c.close(); } });
  const staged = await stageUpload({ sourceId: erpId, fileName: 'erp-receivables-november.csv', body, actor: null, db });
  await startIngestion(staged.ingestionId, { profile: PAYMENT_PROFILE, onInvalid: 'abort', actor: null, db, wait: true });
}
