import type { PrismaClient } from '@/lib/server/db/client';

/** A deterministic pseudo-random sequence (mulberry32). */
export function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STATUSES = ['Paid', 'Pending', 'Failed', 'Refunded'];

/**
 * Three sources with every case a run meets: keys missing on one side, amount and status
 * mismatches, duplicates, several snapshots per key (two gateway exports, some statuses going
 * backwards: progression violations) and webhook records.
 */
export async function seedRunData(db: PrismaClient, opts: { keys: number; seed?: number; prefix?: string }) {
  const rand = rng(opts.seed ?? 7);
  const prefix = opts.prefix ?? 'K';
  const sources: { id: string; versionId: string }[] = [];
  for (const [name, kind] of [['Gateway', 'gateway'], ['Bank', 'bank'], ['CRM', 'crm']] as const) {
    const s = await db.source.create({ data: { name, kind } });
    const v = await db.sourceProfileVersion.create({ data: { sourceId: s.id, version: 1, profile: '{}' } });
    sources.push({ id: s.id, versionId: v.id });
  }
  const [gateway, bank, crm] = sources as [(typeof sources)[0], (typeof sources)[0], (typeof sources)[0]];
  type Rec = { key: string; status: string; amount: number; currency?: string };
  const ingest = async (src: { id: string; versionId: string }, at: string, records: Rec[]) => {
    const ing = await db.ingestion.create({ data: { sourceId: src.id, profileVersionId: src.versionId, channel: 'upload', status: 'committed', createdAt: new Date(at) } });
    for (let at0 = 0; at0 < records.length; at0 += 2000) {
      await db.sourceRecord.createMany({
        data: records.slice(at0, at0 + 2000).map((r, i) => ({
          sourceId: src.id, ingestionId: ing.id, profileVersionId: src.versionId, dataset: 'payments', line: at0 + i + 2, key: r.key, txId: r.key,
          date: '2024-07-01', amountMinor: BigInt(r.amount), currency: r.currency ?? 'USD', status: r.status, code: r.status.toLowerCase(),
        })),
      });
    }
  };
  const g1: Rec[] = [];
  const g2: Rec[] = [];
  const b: Rec[] = [];
  const c: Rec[] = [];
  const hooks: Rec[] = [];
  for (let i = 0; i < opts.keys; i++) {
    const key = `${prefix}${String(i).padStart(7, '0')}`;
    const amount = 100 + Math.floor(rand() * 100_000);
    const status = STATUSES[Math.floor(rand() * STATUSES.length)]!;
    const r = rand();
    if (r < 0.9) g2.push({ key, status, amount });
    if (r < 0.3) g1.push({ key, status: rand() < 0.5 ? 'Pending' : 'Paid', amount }); // older snapshot (some go Paid -> Pending...)
    const r2 = rand();
    if (r2 < 0.85) b.push({ key, status: rand() < 0.9 ? status : 'Pending', amount: rand() < 0.9 ? amount : amount + 1 });
    if (r2 < 0.05) b.push({ key, status, amount }); // duplicate
    else if (r2 > 0.95) hooks.push({ key, status, amount });
    if (rand() < 0.5) c.push({ key, status, amount, currency: rand() < 0.98 ? 'USD' : 'EUR' });
  }
  await ingest(gateway, '2024-07-01T10:00:00Z', g1);
  await ingest(gateway, '2024-07-02T10:00:00Z', g2);
  await ingest(bank, '2024-07-02T12:00:00Z', b);
  await ingest(crm, '2024-07-02T14:00:00Z', c);
  for (const [i, h] of hooks.entries()) {
    const eventId = `evt_${h.key}`;
    await db.webhookEvent.create({ data: { sourceId: bank.id, eventId, eventType: 'payment.succeeded', eventAt: new Date(Date.UTC(2024, 6, 3, 0, 0, i)), payloadSha256: 'x' } });
    await db.sourceRecord.create({
      data: { sourceId: bank.id, ingestionId: null, eventId, profileVersionId: bank.versionId, dataset: 'payments', key: h.key, txId: h.key, date: '2024-07-01', amountMinor: BigInt(h.amount), currency: 'USD', status: h.status, code: 'succeeded' },
    });
  }
  return { sourceIds: sources.map((s) => s.id), records: g1.length + g2.length + b.length + c.length + hooks.length };
}

/** A run's rows as comparable tuples, by key (ids and run ids left out). */
export async function runRows(db: PrismaClient, runId: string) {
  const rows = await db.runResult.findMany({ where: { runId }, orderBy: { key: 'asc' } });
  return rows.map((r) => [
    r.key, r.cls, r.reasons, r.severity, r.severityRank, r.action, r.actionLabel, r.ruleId, r.missingIn, r.duplicateIn, r.statuses,
    r.amountMinor, r.currency, r.date, r.amountDiffMinor, r.detail, r.state, r.finalStatus, r.finalAmountMinor,
  ]);
}

/** The run's stored figures. */
export async function runFigures(db: PrismaClient, runId: string) {
  const run = await db.run.findUniqueOrThrow({ where: { id: runId } });
  return {
    status: run.status,
    totalKeys: run.totalKeys, matched: run.matched, mismatched: run.mismatched, missing: run.missing, duplicate: run.duplicate,
    critical: run.critical, autoResolved: run.autoResolved, summary: JSON.parse(run.summary ?? 'null') as unknown,
  };
}
