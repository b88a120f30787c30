/**
 * Where alerts come from. Event hooks run inside the transaction of the event (run completed or
 * failed, ingestion failed, drift recorded), so the alert commits with it; the sweeps (stale
 * sources, webhook signature failures) run from the alert loop (loop.ts).
 */
import type { getPrisma } from '@/lib/server/db/client';
import { type ResultDetail } from '@/lib/reconcile/result-detail';
import type { Prisma } from '@/lib/generated/sqlite/client';
import { emitWebhookEvent } from './outgoing/emit';
import { raiseAlert, type AlertDb, type RaiseResult } from './raise';
import { loadNotificationSettings, type LoadedSettings } from './settings';
import { sourceFreshness } from './source-freshness';

type Client = ReturnType<typeof getPrisma>;

type ReadDb = Pick<Client, 'runResult' | 'source' | 'webhookAttempt' | 'ingestion' | 'webhookEvent'>;

/** The critical case the issue names: a gateway says Paid while the bank says Failed or has no record. */
export function isGatewayPaidBankNot(detail: ResultDetail): boolean {
  const gateways = detail.sources.filter((s) => s.kind === 'gateway');
  const banks = detail.sources.filter((s) => s.kind === 'bank');
  if (!gateways.length || !banks.length) return false;
  return gateways.some((g) => g.present && g.status === 'Paid') && banks.some((b) => !b.present || b.status === 'Failed');
}

/** Open rows of a run that are gateway-Paid / bank-Failed-or-absent, in key order. */
export async function criticalRows(db: Pick<Client, 'runResult'>, runId: string, pageSize = 1000): Promise<{ id: number; key: string }[]> {
  const out: { id: number; key: string }[] = [];
  // Keyset pages over the (runId, severityRank, amountMinor) index, in (amount, key) order: each
  // page starts where the last one ended and reads critical rows only. Paging by id > last had no
  // index to start from (every page re-read and sorted all critical rows: quadratic, 298 s at 3M
  // keys); paging by key over the (runId, key) index visited every row of the run to test its
  // severity (at 10M keys, 10M table reads for 1M critical rows).
  let last: { amountMinor: bigint; key: string } | null = null;
  for (;;) {
    const after: Prisma.RunResultWhereInput =
      last === null ? {} : { amountMinor: { gte: last.amountMinor }, OR: [{ amountMinor: { gt: last.amountMinor } }, { amountMinor: last.amountMinor, key: { gt: last.key } }] };
    const rows: { id: number; key: string; state: string; detail: string; amountMinor: bigint }[] = await db.runResult.findMany({
      where: { runId, severityRank: 2, ...after },
      orderBy: [{ amountMinor: 'asc' }, { key: 'asc' }],
      take: pageSize,
      select: { id: true, key: true, state: true, detail: true, amountMinor: true },
    });
    for (const r of rows) if (r.state === 'open' && isGatewayPaidBankNot(JSON.parse(r.detail) as ResultDetail)) out.push({ id: r.id, key: r.key });
    if (rows.length < pageSize) break;
    const end = rows[rows.length - 1]!;
    last = { amountMinor: end.amountMinor, key: end.key };
  }
  // In key order, as the alert lists them.
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * Run completed: one critical_discrepancy alert for the run (count and the first keys; deduplicated
 * per run) and a discrepancy_rate alert when the share of unmatched keys is above the threshold.
 * Returns the critical rows so the caller can escalate them automatically after the commit.
 */
export async function alertsForCompletedRun(
  db: AlertDb & Pick<Client, 'runResult'>,
  run: { id: string; totalKeys: number; matched: number; critical?: number },
  settings?: LoadedSettings,
): Promise<{ critical: { id: number; key: string }[] }> {
  const s = settings ?? (await loadNotificationSettings(db));
  const critical = await criticalRows(db, run.id);
  if (critical.length) {
    const shown = critical.slice(0, 10).map((c) => c.key);
    await raiseAlert(db, {
      rule: 'critical_discrepancy',
      dedupKey: `run:${run.id}`,
      severity: 'critical',
      // The run counts every critical row; the alert those where money may have been promised but never arrived.
      title: `${run.critical !== undefined && run.critical > critical.length ? `${critical.length} of ${run.critical}` : critical.length} critical discrepanc${(run.critical ?? critical.length) === 1 ? 'y' : 'ies'}: gateway Paid, bank Failed or missing`,
      payload: {
        lines: [`Run ${run.id}`, `Keys: ${shown.join(', ')}${critical.length > shown.length ? ` and ${critical.length - shown.length} more` : ''}`, 'The gateway must wait for the bank: review these at once.'],
        link: `/discrepancies?run=${run.id}&severity=critical`,
      },
      entityType: 'Run',
      entityId: run.id,
    }, { settings: s });
  }
  if (run.totalKeys > 0) {
    const unmatched = run.totalKeys - run.matched;
    const rate = (unmatched / run.totalKeys) * 100;
    if (rate > s.config.thresholds.discrepancyRatePercent) {
      await raiseAlert(db, {
        rule: 'discrepancy_rate',
        dedupKey: `run:${run.id}`,
        severity: 'warning',
        title: `Discrepancy rate ${rate.toFixed(1)}% is above ${s.config.thresholds.discrepancyRatePercent}%`,
        payload: { lines: [`Run ${run.id}: ${unmatched} of ${run.totalKeys} keys are not matched.`], link: `/runs/${run.id}` },
        entityType: 'Run',
        entityId: run.id,
      }, { settings: s });
    }
  }
  return { critical };
}

export async function alertRunFailed(db: AlertDb, runId: string, message: string): Promise<RaiseResult> {
  return raiseAlert(db, {
    rule: 'run_failed',
    dedupKey: `run:${runId}`,
    severity: 'warning',
    title: 'A reconciliation run failed',
    payload: { lines: [message.slice(0, 500), 'Nothing of it was kept; start it again once the cause is fixed.'], link: `/runs/${runId}` },
    entityType: 'Run',
    entityId: runId,
  });
}

export async function alertIngestionFailed(db: AlertDb & Pick<Client, 'webhookSubscription' | 'webhookDelivery'>, ingestion: { id: string; sourceId: string; sourceName?: string }, message: string): Promise<RaiseResult> {
  // Subscribers hear of every failure (the alert below is deduplicated per source and cause).
  await emitWebhookEvent(db, 'ingestion.failed', { ingestionId: ingestion.id, sourceId: ingestion.sourceId, message: message.slice(0, 500) });
  return raiseAlert(db, {
    rule: 'ingestion_failed',
    dedupKey: `source:${ingestion.sourceId}:${message.slice(0, 120)}`,
    severity: 'warning',
    title: `Ingestion failed${ingestion.sourceName ? ` for ${ingestion.sourceName}` : ''}`,
    payload: { lines: [message.slice(0, 500), `Ingestion ${ingestion.id}: rolled back, nothing was kept.`], link: `/sources/${ingestion.sourceId}` },
    entityType: 'Ingestion',
    entityId: ingestion.id,
  });
}

export async function alertDrift(
  db: AlertDb,
  ingestion: { id: string; sourceId: string },
  findings: readonly { kind: string; severity: string; message: string }[],
): Promise<void> {
  for (const kind of [...new Set(findings.map((f) => f.kind))]) {
    const mine = findings.filter((f) => f.kind === kind);
    const blocking = mine.some((f) => f.severity === 'blocking');
    await raiseAlert(db, {
      rule: 'schema_drift',
      dedupKey: `source:${ingestion.sourceId}:${kind}`,
      severity: blocking ? 'critical' : 'warning',
      title: `Schema drift (${kind.replaceAll('_', ' ')})${blocking ? ': ingestion blocked' : ''}`,
      payload: { lines: mine.slice(0, 5).map((f) => f.message.slice(0, 300)), link: `/sources/${ingestion.sourceId}` },
      entityType: 'Ingestion',
      entityId: ingestion.id,
    });
  }
}

/** Sweep: sources that ingested before but nothing for `staleHours`. One alert per stale spell (dedup). */
export async function checkStaleSources(db: AlertDb & ReadDb, now = new Date(), settings?: LoadedSettings): Promise<number> {
  const s = settings ?? (await loadNotificationSettings(db));
  const hours = s.config.thresholds.staleHours;
  // The same figures as the dashboard and the data-quality page (a source that never delivered is not alerted).
  const stale = (await sourceFreshness({ db, now, staleAfterHours: hours })).filter((src) => src.status === 'stale');
  for (const src of stale) {
    const age = Math.floor(src.ageHours!);
    await raiseAlert(db, {
      rule: 'source_stale',
      dedupKey: `source:${src.id}`,
      severity: 'warning',
      title: `${src.name} is stale: nothing delivered for ${age} h`,
      payload: { lines: [`Last delivery ${src.last!.toISOString()} (threshold ${hours} h).`, 'Check the pull schedule, the webhook sender or upload a fresh export.'], link: `/sources/${src.id}` },
      entityType: 'Source',
      entityId: src.id,
    }, { now, settings: s });
  }
  return stale.length;
}

/** Sweep: refused webhook signatures (bad or expired) per source within the window, at or above the threshold. */
export async function checkSignatureFailures(db: AlertDb & ReadDb, now = new Date(), settings?: LoadedSettings): Promise<number> {
  const s = settings ?? (await loadNotificationSettings(db));
  const { signatureFailures, signatureWindowMinutes } = s.config.thresholds;
  const groups = await db.webhookAttempt.groupBy({
    by: ['sourceName'],
    where: { outcome: { in: ['bad_signature', 'expired'] }, receivedAt: { gte: new Date(now.getTime() - signatureWindowMinutes * 60_000) } },
    _count: { _all: true },
  });
  let fired = 0;
  for (const g of groups) {
    if (g._count._all < signatureFailures) continue;
    fired++;
    await raiseAlert(db, {
      rule: 'signature_failures',
      dedupKey: `source:${g.sourceName}`,
      severity: 'critical',
      title: `${g._count._all} webhook signature failures for ${g.sourceName} in ${signatureWindowMinutes} min`,
      payload: { lines: [`At least ${signatureFailures} refused signatures within ${signatureWindowMinutes} minutes: a misconfigured sender after a secret rotation, or someone forging events.`], link: '/sources' },
      entityType: 'Source',
      entityId: g.sourceName,
    }, { now, settings: s });
  }
  return fired;
}
