import type { PrismaClient } from '@/lib/server/db/client';
import { ensureDefaultRuleSet } from '@/lib/features/runs/rulesets';
import { emptySummary } from '@/lib/reconcile';

/**
 * Fixed data for the data-quality and metrics tests. Every expected value in those tests is
 * worked out by hand from what is written here; change one and the other must change.
 */
export const NOW = new Date('2026-03-31T12:00:00Z');
export const RUN_A_END = new Date('2026-03-01T00:00:00Z');
const min = 60_000;
const hour = 60 * min;
export const at = (ms: number) => new Date(RUN_A_END.getTime() + ms);

export type QualityFixture = { runA: string; runB: string; runC: string; runFailed: string; alice: string; bob: string; sources: Record<string, string> };

export async function seedQualityFixture(db: PrismaClient): Promise<QualityFixture> {
  const ruleSet = await ensureDefaultRuleSet(db);
  const alice = await db.user.create({ data: { email: 'alice@q.test', name: 'Alice', role: 'reviewer', passwordHash: 'x' } });
  const bob = await db.user.create({ data: { email: 'bob@q.test', name: 'Bob', role: 'reviewer', passwordHash: 'x' } });

  const summaryA = emptySummary([{ name: 'Gateway', kind: 'gateway' }, { name: 'Bank', kind: 'bank' }]);
  summaryA.reasons = { status: 3, amount: 2, currency: 0, date: 1, unknown_status: 4 };
  summaryA.unknownStatuses = { Gateway: { X9: 3 }, Bank: { ZZ: 1, AB: 1 } };
  const run = (over: Record<string, unknown>) =>
    db.run.create({ data: { ruleSetId: ruleSet.id, inputsHash: 'h', status: 'completed', inputs: '{}', ...over } as never });
  const inputs = (...names: string[]) => JSON.stringify({ sources: names.map((name) => ({ name })) });
  // A: Gateway vs Bank, 20 keys, 15 matched -> rate 5/20 = 0.25.
  const runA = await run({ createdAt: new Date('2026-02-28T23:00:00Z'), finishedAt: RUN_A_END, inputs: inputs('Gateway', 'Bank'), totalKeys: 20, matched: 15, mismatched: 3, missing: 1, duplicate: 1, critical: 4, summary: JSON.stringify(summaryA) });
  // B: the same pair named the other way round, 8 keys, 2 matched -> 0.75.
  const runB = await run({ createdAt: new Date('2026-03-10T00:00:00Z'), finishedAt: new Date('2026-03-10T00:05:00Z'), inputs: inputs('Bank', 'Gateway'), totalKeys: 8, matched: 2, mismatched: 6 });
  // C: three other systems, everything matched -> 0.
  const runC = await run({ createdAt: new Date('2026-03-15T00:00:00Z'), finishedAt: new Date('2026-03-15T00:01:00Z'), inputs: inputs('Operating bank', 'Card gateway', 'ERP'), totalKeys: 5, matched: 5 });
  const runFailed = await run({ createdAt: new Date('2026-03-20T00:00:00Z'), status: 'failed', inputs: inputs('Gateway', 'Bank'), totalKeys: 0 });

  let n = 0;
  const row = (runId: string, severity: 'info' | 'warning' | 'critical', state: string, date: string | null, cls = 'mismatched') =>
    db.runResult.create({
      data: { runId, key: `K${++n}`, cls, reasons: ';status;', severity, severityRank: { info: 0, warning: 1, critical: 2 }[severity], action: 'review', actionLabel: 'Review', missingIn: '', duplicateIn: '', statuses: '', amountMinor: 1000n, currency: 'USD', date, detail: '{}', state },
    });
  const decide = (resultId: number, runId: string, ms: number, who: { id: string; email: string } | 'auto', action = 'accept_source', undone = false) =>
    db.resolution.create({
      data: {
        resultId, runId, action: who === 'auto' ? 'auto' : action, reason: 'r', auto: who === 'auto', actorId: who === 'auto' ? null : who.id, actorEmail: who === 'auto' ? null : who.email,
        before: '{}', after: '{}', version: 1, createdAt: at(ms), undoneAt: undone ? at(ms + min) : null,
      },
    });
  const A = runA.id;
  // Settled rows: critical 1h (alice), 2h (alice), 4h (bob), 10h (bob, written off);
  // warning 5 min (automatic), 30 min (alice), 90 min (bob).
  await decide((await row(A, 'critical', 'resolved', '2026-02-01')).id, A, 1 * hour, alice);
  await decide((await row(A, 'critical', 'resolved', '2026-02-01')).id, A, 2 * hour, alice);
  await decide((await row(A, 'critical', 'resolved', '2026-02-01')).id, A, 4 * hour, bob);
  await decide((await row(A, 'critical', 'written_off', '2026-02-01')).id, A, 10 * hour, bob, 'write_off');
  await decide((await row(A, 'warning', 'resolved', '2026-02-01', 'matched')).id, A, 5 * min, 'auto');
  await decide((await row(A, 'warning', 'resolved', '2026-02-01')).id, A, 30 * min, alice);
  await decide((await row(A, 'warning', 'resolved', '2026-02-01')).id, A, 90 * min, bob);
  // The backlog at NOW (2026-03-31): 1 day and 7 days old (0-7), 30 days (8-30), 120 days (over 90), no date.
  const inReview = await row(A, 'critical', 'in_review', '2026-03-30');
  await decide(inReview.id, A, 20 * min, alice, 'assign'); // an assignment settles nothing
  const escalated = await row(A, 'warning', 'escalated', '2026-03-01');
  await decide(escalated.id, A, 25 * min, bob, 'escalate'); // nor does an escalation
  const reopened = await row(A, 'warning', 'open', null);
  await decide(reopened.id, A, 1 * min, bob, 'accept_source', true); // undone: does not count
  await row(A, 'info', 'open', '2025-12-01');
  await row(A, 'warning', 'open', '2026-03-24');
  // Another run's open row is not run A's backlog.
  await row(runB.id, 'warning', 'open', '2026-03-30');

  // Sources: Gateway uploads, Bank pulls, Stripe webhooks, Quiet nothing, Old archived.
  const source = (name: string, kind: string, over: Record<string, unknown> = {}) => db.source.create({ data: { name, kind, ...over } as never });
  const gateway = await source('Gateway', 'gateway');
  const bank = await source('Bank', 'bank', { lastPulledAt: new Date('2026-03-29T06:00:00Z') });
  const stripe = await source('Stripe', 'gateway');
  const quiet = await source('Quiet', 'erp');
  await source('Old', 'bank', { archivedAt: new Date('2026-01-01T00:00:00Z') });
  const ingestion = (sourceId: string, channel: string, status: string, finishedAt: string) =>
    db.ingestion.create({ data: { sourceId, channel, status, finishedAt: new Date(finishedAt), rowsValid: 10 } });
  await ingestion(gateway.id, 'upload', 'committed', '2026-03-01T00:00:00Z');
  await ingestion(gateway.id, 'upload', 'committed', '2026-03-31T00:00:00Z');
  await ingestion(gateway.id, 'upload', 'failed', '2026-03-31T11:00:00Z');
  await ingestion(bank.id, 'pull', 'committed', '2026-03-28T12:00:00Z');
  for (const [i, t] of ['2026-03-31T09:00:00Z', '2026-03-31T10:00:00Z'].entries()) {
    await db.webhookEvent.create({ data: { sourceId: stripe.id, eventId: `evt_${i}`, eventType: 'charge.succeeded', eventAt: new Date(t), receivedAt: new Date(t), payloadSha256: 'x' } });
  }
  // Drift: Gateway 2 unknown-status warnings and 1 blocking missing-columns in March; Bank 1 new-columns warning in February.
  const version = (sourceId: string) => db.sourceProfileVersion.create({ data: { sourceId, version: 1, profile: '{}' } });
  const gv = await version(gateway.id);
  const bv = await version(bank.id);
  const drift = (sourceId: string, profileVersionId: string, kind: string, severity: string, createdAt: string) =>
    db.driftEvent.create({ data: { sourceId, profileVersionId, kind, severity, message: `${kind} found`, createdAt: new Date(createdAt) } });
  await drift(gateway.id, gv.id, 'unknown_status', 'warning', '2026-03-05T00:00:00Z');
  await drift(gateway.id, gv.id, 'unknown_status', 'warning', '2026-03-06T00:00:00Z');
  await drift(gateway.id, gv.id, 'missing_columns', 'blocking', '2026-03-07T00:00:00Z');
  await drift(bank.id, bv.id, 'new_columns', 'warning', '2026-02-01T00:00:00Z');

  return { runA: A, runB: runB.id, runC: runC.id, runFailed: runFailed.id, alice: alice.email, bob: bob.email, sources: { gateway: gateway.id, bank: bank.id, stripe: stripe.id, quiet: quiet.id } };
}
