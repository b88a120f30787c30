/**
 * Escalations: a discrepancy sent to the Telegram support chat, by a reviewer or automatically for
 * critical rows. Escalating moves the row to "escalated" through the review workflow (applyChange:
 * optimistic concurrency, Resolution and audit row), stores the Escalation and writes the alert to
 * the outbox, all in one transaction. The Telegram buttons act through acknowledgeEscalation and
 * resolveEscalationAsRecommended, which reuses resolveDiscrepancy (ROMI adjusts exactly as for a
 * reviewer's resolution).
 */
import { z } from 'zod';
import { CLASS_LABELS } from '@/lib/domain/discrepancies';
import { isOpenReviewState } from '@/lib/domain/review';
import { getPrisma } from '@/lib/server/db/client';
import { writeAudit } from '@/lib/server/db/audit';
import { ageDays, money } from '../review/discrepancies';
import { raiseAlert, type AlertPayload } from '@/lib/features/alerts/raise';
import { kickDeliveries } from '@/lib/features/alerts/deliver';
import { loadNotificationSettings, type LoadedSettings } from '@/lib/features/alerts/settings';
import { applyChange, ROW_SELECT, type Tx } from '@/lib/features/review/row-change';
import { resolveDiscrepancy } from '@/lib/features/review/resolve';
import { assertCan } from '@/lib/server/authorize';
import { ConflictError, NotFoundError, InvalidRequestError as ReviewError } from '@/lib/server/core/app-error';
import { type ResultDetail } from '@/lib/reconcile/result-detail';
import { type Actor as ReviewActor } from '@/lib/domain/actor';
import { loggerFor } from '@/lib/server/observability/logger';

type Client = ReturnType<typeof getPrisma>;

export const escalateSchema = z.object({
  reason: z.string().trim().min(3, 'Say why you escalate (at least 3 characters): it goes into the audit trail and the message.').max(1000, 'Keep the reason under 1000 characters.'),
});


type FactRow = { id: number; key: string; cls: string; severity: string; actionLabel: string; action: string; date: string | null; detail: string; currency: string };

/** The key facts of a discrepancy, one line each, for the message. */
export function escalationLines(row: FactRow, reason: string, by: string, now = Date.now()): string[] {
  const detail = JSON.parse(row.detail) as ResultDetail;
  const age = ageDays(row.date, now);
  return [
    `Key: ${row.key}`,
    ...detail.sources.map((s) => `${s.name}: ${s.present ? `${s.status} ${money(BigInt(s.amountMinor ?? '0'), s.currency ?? row.currency)} ${s.currency ?? ''}`.trim() : 'no record'}`),
    `Class: ${(CLASS_LABELS as Record<string, string>)[row.cls] ?? row.cls} · severity ${row.severity}`,
    `Recommended: ${row.actionLabel || row.action.replaceAll('_', ' ')}`,
    `Age: ${age === null ? 'unknown' : `${age} day${age === 1 ? '' : 's'}`}`,
    `Escalated by ${by}: ${reason}`,
  ];
}

const ESC_SELECT = { ...ROW_SELECT, severity: true, date: true } as const;

async function escalateInTx(
  tx: Tx,
  id: number,
  expectedVersion: number,
  reason: string,
  actor: ReviewActor | null,
  settings: LoadedSettings,
  now: Date,
): Promise<{ escalationId: string; version: number; delivered: boolean }> {
  const row = await tx.runResult.findUnique({ where: { id }, select: ESC_SELECT });
  if (!row) throw new NotFoundError('This discrepancy no longer exists (its run may have been deleted).');
  if (row.version !== expectedVersion) {
    throw new ConflictError(`${row.key} was changed by someone else after you opened it (it is now ${row.state.replace('_', ' ')}). Reload it, then escalate again.`);
  }
  if (!isOpenReviewState(row.state)) {
    throw new ReviewError(`${row.key} is already ${row.state.replace('_', ' ')}; only open discrepancies are escalated.`);
  }
  let version = row.version;
  if (row.state !== 'escalated') {
    version = (await applyChange(tx, row, expectedVersion, { state: 'escalated' }, { action: 'escalate', reason, params: { channel: 'telegram' }, auto: actor === null, actor })).version;
  }
  const escalation = await tx.escalation.create({
    data: { resultId: row.id, runId: row.runId, key: row.key, auto: actor === null, reason, state: 'open', createdById: actor?.id ?? null, createdByEmail: actor?.email ?? null, createdAt: now },
    select: { id: true },
  });
  const payload: AlertPayload = {
    lines: escalationLines(row, reason, actor?.email ?? 'automatic rule', now.getTime()),
    link: `/discrepancies/${row.id}`,
    escalationId: escalation.id,
  };
  const alert = await raiseAlert(
    tx,
    { rule: 'escalation', dedupKey: `escalation:${escalation.id}`, severity: row.severity === 'critical' ? 'critical' : 'warning', title: `Escalated: ${row.key}`, payload, entityType: 'RunResult', entityId: String(row.id) },
    { now, settings },
  );
  const alertId = 'alertId' in alert ? alert.alertId : null;
  if (alertId) await tx.escalation.update({ where: { id: escalation.id }, data: { alertId } });
  await writeAudit(tx, {
    actor,
    action: 'discrepancy.escalate',
    entityType: 'RunResult',
    entityId: String(row.id),
    after: { key: row.key, runId: row.runId, escalationId: escalation.id, alertId, reason, auto: actor === null, telegram: alert.outcome === 'created' && alert.status === 'delivering' },
  });
  return { escalationId: escalation.id, version, delivered: alert.outcome === 'created' && alert.status === 'delivering' };
}

/** A reviewer (or admin) escalates a discrepancy to the support chat. */
export async function escalateDiscrepancy(
  id: number,
  expectedVersion: number,
  rawInput: { reason: string },
  actor: ReviewActor,
  opts: { db?: Client; now?: Date; deliver?: boolean } = {},
): Promise<{ escalationId: string; version: number; delivered: boolean }> {
  assertCan(actor, 'discrepancies:escalate');
  const { reason } = escalateSchema.parse(rawInput);
  const db = opts.db ?? getPrisma();
  const settings = await loadNotificationSettings(db);
  const out = await db.$transaction((tx) => escalateInTx(tx, id, expectedVersion, reason, actor, settings, opts.now ?? new Date()));
  if (opts.deliver !== false) kickDeliveries(db);
  return out;
}

/**
 * The automatic rule: open critical rows where the gateway says Paid and the bank says Failed or has
 * no record are escalated, at most `autoEscalateLimit` per run. Returns how many were escalated.
 */
export async function autoEscalateCritical(runId: string, rowIds: readonly number[], db: Client, settings: LoadedSettings): Promise<number> {
  if (!settings.config.autoEscalateCritical) return 0;
  let n = 0;
  for (const id of rowIds.slice(0, settings.config.autoEscalateLimit)) {
    const row = await db.runResult.findUnique({ where: { id }, select: { version: true, state: true, runId: true } });
    if (!row || row.runId !== runId || row.state !== 'open') continue;
    await db.$transaction((tx) => escalateInTx(tx, id, row.version, 'Critical: the gateway says Paid while the bank does not', null, settings, new Date()));
    n++;
  }
  return n;
}

export type EscalationView = Awaited<ReturnType<typeof listEscalations>>[number];

/** A discrepancy's escalations with their message delivery state, newest first. */
export async function listEscalations(resultId: number, db: Client = getPrisma()) {
  return db.escalation.findMany({
    where: { resultId },
    orderBy: { createdAt: 'desc' },
    include: { alert: { select: { id: true, status: true, deliveries: { select: { channel: true, state: true, attempts: true, lastError: true, sentAt: true } } } } },
  });
}

/** Acknowledge: someone took it. Recorded on the escalation and in the audit log. */
export async function acknowledgeEscalation(escalationId: string, actor: ReviewActor, opts: { db?: Client; via?: string } = {}): Promise<{ outcome: string }> {
  assertCan(actor, 'discrepancies:escalate');
  const db = opts.db ?? getPrisma();
  return db.$transaction(async (tx) => {
    const esc = await tx.escalation.findUnique({ where: { id: escalationId } });
    if (!esc) throw new NotFoundError('This escalation no longer exists.');
    if (esc.state !== 'open') throw new ReviewError(`This escalation is already ${esc.state}${esc.outcome ? ` (${esc.outcome})` : ''}.`);
    const now = new Date();
    const outcome = `Acknowledged by ${actor.email} at ${now.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
    const updated = await tx.escalation.updateMany({ where: { id: escalationId, state: 'open' }, data: { state: 'acknowledged', acknowledgedAt: now, acknowledgedByEmail: actor.email, outcome, outcomeAt: now } });
    if (updated.count !== 1) throw new ConflictError('Someone else acted on this escalation just now.');
    await writeAudit(tx, { actor, action: 'escalation.acknowledge', entityType: 'Escalation', entityId: escalationId, before: { state: esc.state }, after: { state: 'acknowledged', key: esc.key, resultId: esc.resultId, via: opts.via ?? 'app' } });
    return { outcome };
  });
}

/**
 * "Resolve as recommended": the reviewer's resolution (resolveDiscrepancy, apply_recommended) on the
 * row's current version, then the escalation is marked resolved with its audit row.
 */
export async function resolveEscalationAsRecommended(escalationId: string, actor: ReviewActor, opts: { db?: Client; via?: string } = {}): Promise<{ outcome: string }> {
  assertCan(actor, 'discrepancies:resolve');
  const db = opts.db ?? getPrisma();
  const esc = await db.escalation.findUnique({ where: { id: escalationId } });
  if (!esc) throw new NotFoundError('This escalation no longer exists.');
  if (esc.state === 'resolved') throw new ReviewError(`This escalation is already resolved (${esc.outcome ?? ''}).`);
  const row = await db.runResult.findUnique({ where: { id: esc.resultId }, select: { version: true } });
  if (!row) throw new NotFoundError('This discrepancy no longer exists.');
  await resolveDiscrepancy(esc.resultId, row.version, { action: 'apply_recommended', reason: `Resolved as recommended from the escalation${opts.via ? ` (${opts.via})` : ''}` }, actor, db);
  const now = new Date();
  const final = await db.runResult.findUnique({ where: { id: esc.resultId }, select: { finalStatus: true, finalAmountMinor: true, finalCurrency: true } });
  const outcome = `Resolved as recommended by ${actor.email} at ${now.toISOString().slice(0, 16).replace('T', ' ')} UTC${final?.finalStatus ? `: final ${final.finalStatus} ${money(final.finalAmountMinor ?? 0n, final.finalCurrency ?? '')} ${final.finalCurrency ?? ''}`.trimEnd() : ''}`;
  await db.$transaction(async (tx) => {
    await tx.escalation.update({ where: { id: escalationId }, data: { state: 'resolved', outcome, outcomeAt: now } });
    await writeAudit(tx, { actor, action: 'escalation.resolve', entityType: 'Escalation', entityId: escalationId, before: { state: esc.state }, after: { state: 'resolved', key: esc.key, resultId: esc.resultId, via: opts.via ?? 'app' } });
  });
  return { outcome };
}

/** After a run completed: the automatic escalation of its critical rows. Never throws (logs instead). */
export async function autoEscalateAfterRun(runId: string, critical: readonly { id: number }[], db: Client): Promise<number> {
  if (!critical.length) return 0;
  try {
    const settings = await loadNotificationSettings(db);
    const n = await autoEscalateCritical(runId, critical.map((c) => c.id), db, settings);
    if (n) kickDeliveries(db);
    return n;
  } catch (e) {
    loggerFor('alerts', { runId }).error({ err: e }, 'automatic escalation failed');
    return 0;
  }
}
