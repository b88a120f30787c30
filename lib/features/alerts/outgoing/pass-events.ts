/**
 * The webhook events of a completed ledger pass: pass.completed always; entry.reopened with the
 * entries new facts reopened; discrepancy.critical with the critical entries the pass created,
 * changed or reopened that are still open. Each lists at most 200 entries (and says how many in all).
 */
import type { DbClient as Client } from '@/lib/server/db/client';
import { emitWebhookEvent } from './emit';

const LISTED = 200;

export type CompletedPass = {
  reconciliationId: string;
  passId: string;
  trigger: string;
  triggerRef: string | null;
  durationMs: number;
  keysRead: number;
  created: number;
  changed: number;
  reopened: number;
  unchanged: number;
  autoResolved: number;
};

export async function emitPassEvents(pass: CompletedPass, db: Client): Promise<void> {
  if (!(await db.webhookSubscription.count({ where: { active: true } }))) return;
  const rec = await db.reconciliation.findUnique({ where: { id: pass.reconciliationId }, select: { name: true, ledgerRunId: true } });
  if (!rec) return;
  const reconciliation = { id: pass.reconciliationId, name: rec.name };
  const { reconciliationId: _r, passId, ...counts } = pass;
  await emitWebhookEvent(db, 'pass.completed', { reconciliation, passId, ...counts });

  if (pass.reopened > 0) {
    const rows = await db.entryHistory.findMany({ where: { passId, change: 'reopened' }, orderBy: { id: 'asc' }, take: LISTED, select: { reason: true, result: { select: { id: true, key: true, cls: true, severity: true, amountMinor: true, currency: true } } } });
    await emitWebhookEvent(db, 'entry.reopened', {
      reconciliation,
      passId,
      total: pass.reopened,
      entries: rows.map((r) => ({ id: r.result.id, key: r.result.key, class: r.result.cls, severity: r.result.severity, amountMinor: r.result.amountMinor.toString(), currency: r.result.currency, reason: r.reason })),
    });
  }

  if (pass.created + pass.changed + pass.reopened > 0) {
    const where = { runId: rec.ledgerRunId, severity: 'critical', state: { in: ['open', 'in_review', 'escalated'] }, history: { some: { passId } } };
    const [total, rows] = await Promise.all([
      db.runResult.count({ where }),
      db.runResult.findMany({ where, orderBy: { amountMinor: 'desc' }, take: LISTED, select: { id: true, key: true, cls: true, reasons: true, amountMinor: true, currency: true, action: true } }),
    ]);
    if (total > 0) {
      await emitWebhookEvent(db, 'discrepancy.critical', {
        reconciliation,
        passId,
        total,
        entries: rows.map((r) => ({ id: r.id, key: r.key, class: r.cls, reasons: r.reasons.split(';').filter(Boolean), amountMinor: r.amountMinor.toString(), currency: r.currency, recommendedAction: r.action })),
      });
    }
  }
}
