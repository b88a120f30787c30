import type { getPrisma } from '@/lib/server/db/client';
import { writeAudit } from '@/lib/server/db/audit';
import { applyRomiRowChange } from '@/lib/features/romi/apply-row-change';
import { ConflictError } from '@/lib/server/core/app-error';
import { type RowState } from '@/lib/features/review/types';
import { type ReviewState } from '@/lib/domain/review';
import type { FinalState } from './final-state';

type Client = ReturnType<typeof getPrisma>;
export type Tx = Parameters<Parameters<Client['$transaction']>[0]>[0];

export const ROW_SELECT = {
  id: true,
  runId: true,
  key: true,
  cls: true,
  state: true,
  assigneeId: true,
  finalStatus: true,
  finalAmountMinor: true,
  finalCurrency: true,
  version: true,
  detail: true,
  ruleId: true,
  action: true,
  actionLabel: true,
  currency: true,
} as const;

export type ReviewRow = {
  id: number;
  runId: string;
  key: string;
  cls: string;
  state: string;
  assigneeId: string | null;
  finalStatus: string | null;
  finalAmountMinor: bigint | null;
  finalCurrency: string | null;
  version: number;
  detail: string;
  ruleId: string | null;
  action: string;
  actionLabel: string;
  currency: string;
};

export function rowState(r: Pick<ReviewRow, 'state' | 'assigneeId' | 'finalStatus' | 'finalAmountMinor' | 'version'>): RowState {
  return {
    state: r.state as ReviewState,
    assigneeId: r.assigneeId,
    finalStatus: r.finalStatus,
    finalAmountMinor: r.finalAmountMinor === null ? null : String(r.finalAmountMinor),
    version: r.version,
  };
}

export type Change = {
  state: ReviewState;
  assigneeId?: string | null;
  /** undefined: leave the reconciled state as it is; null: clear it. */
  final?: FinalState | null;
};

export type ChangeRecord = { action: string; reason: string; params?: unknown; auto?: boolean; actor: { id: string; email: string } | null };

/**
 * What a change writes besides the row: the row's state before and after, the Resolution's
 * fields and the audit row's `after` (given the resolution's id). One place, so the per-row path
 * (applyChange) and the bulk automatic path (auto-resolve.ts) write the same records.
 */
export function changeRecords(row: ReviewRow, expectedVersion: number, change: Change, record: ChangeRecord) {
  const before = rowState(row);
  const after: RowState = {
    state: change.state,
    assigneeId: change.assigneeId !== undefined ? change.assigneeId : row.assigneeId,
    finalStatus: change.final !== undefined ? (change.final?.status ?? null) : row.finalStatus,
    finalAmountMinor: change.final !== undefined ? (change.final ? String(change.final.amountMinor) : null) : before.finalAmountMinor,
    version: expectedVersion + 1,
  };
  const resolution = {
    resultId: row.id,
    runId: row.runId,
    action: record.action,
    params: record.params === undefined ? null : JSON.stringify(record.params),
    reason: record.reason,
    auto: record.auto ?? false,
    actorId: record.actor?.id ?? null,
    actorEmail: record.actor?.email ?? null,
    before: JSON.stringify(before),
    after: JSON.stringify(after),
    version: expectedVersion + 1,
  };
  const audit = (resolutionId: string) => ({
    actor: record.actor,
    action: record.action === 'assign' ? 'discrepancy.assign' : 'discrepancy.resolve',
    entityType: 'RunResult',
    entityId: String(row.id),
    before,
    after: { ...after, key: row.key, runId: row.runId, action: record.action, reason: record.reason, params: record.params ?? null, auto: record.auto ?? false, resolutionId },
  });
  return { before, after, resolution, audit };
}

/**
 * Applies one change to a result row inside the caller's transaction: the row update (refused
 * when the row moved past `expectedVersion`), the Resolution record and the audit row commit together.
 */
export async function applyChange(
  tx: Tx,
  row: ReviewRow,
  expectedVersion: number,
  change: Change,
  record: ChangeRecord,
): Promise<{ version: number; resolutionId: string }> {
  const resolved = change.state === 'resolved' || change.state === 'written_off';
  const data = {
    state: change.state,
    version: expectedVersion + 1,
    updatedAt: new Date(),
    resolvedAt: resolved ? new Date() : null,
    ...(change.assigneeId !== undefined ? { assigneeId: change.assigneeId } : {}),
    ...(change.final !== undefined
      ? { finalStatus: change.final?.status ?? null, finalAmountMinor: change.final?.amountMinor ?? null, finalCurrency: change.final?.currency ?? null }
      : {}),
  };
  const updated = await tx.runResult.updateMany({ where: { id: row.id, version: expectedVersion }, data });
  if (updated.count !== 1) {
    const now = await tx.runResult.findUnique({ where: { id: row.id }, select: { state: true, version: true } });
    throw new ConflictError(
      `${row.key} was changed by someone else after you opened it (it is now ${now?.state.replace('_', ' ') ?? 'gone'}). Reload it to see the change, then decide again.`,
    );
  }
  const records = changeRecords(row, expectedVersion, change, record);
  if (change.final !== undefined || change.state !== row.state) {
    // ROMI's pre-aggregate follows the reconciled state in the same transaction.
    await applyRomiRowChange(tx, row.runId, row.id, row, {
      state: change.state,
      finalStatus: records.after.finalStatus,
      finalAmountMinor: change.final !== undefined ? (change.final?.amountMinor ?? null) : row.finalAmountMinor,
      finalCurrency: change.final !== undefined ? (change.final?.currency ?? null) : row.finalCurrency,
    });
  }
  const resolution = await tx.resolution.create({ data: records.resolution, select: { id: true } });
  await writeAudit(tx, records.audit(resolution.id));
  return { version: expectedVersion + 1, resolutionId: resolution.id };
}
