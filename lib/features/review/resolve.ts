import { z } from 'zod';
import { ASSIGNEE_ACTION, can, rolesThatCan } from '@/lib/domain/permissions';
import { isRole } from '@/lib/domain/roles';
import { isOpenReviewState, RESOLUTION_ACTIONS } from '@/lib/domain/review';
import { getPrisma } from '@/lib/server/db/client';
import { writeAudit } from '@/lib/server/db/audit';
import { CANONICAL_STATUSES } from '@/lib/reconcile';
import { finalForTimingDifference, finalFromManual, finalFromRecommendation, finalFromSource, type FinalState } from './final-state';
import { applyRomiRowChange } from '@/lib/features/romi/apply-row-change';
import { applyChange, ROW_SELECT, rowState, type ReviewRow, type Tx } from './row-change';
import { assertCan } from '@/lib/server/authorize';
import { ConflictError, NotFoundError, InvalidRequestError as ReviewError } from '@/lib/server/core/app-error';
import { type ResultDetail } from '@/lib/reconcile/result-detail';
import { type Actor as ReviewActor } from '@/lib/domain/actor';
import { type ReviewState } from '@/lib/domain/review';
import { type RowState } from '@/lib/features/review/types';

type Client = ReturnType<typeof getPrisma>;

export { RESOLUTION_ACTIONS, RESOLUTION_LABELS, type ResolutionAction } from '@/lib/domain/review';

const reasonSchema = z.string().trim().min(3, 'Give a reason (at least 3 characters): it goes into the audit trail.').max(1000, 'Keep the reason under 1000 characters.');

export const resolveSchema = z
  .object({
    action: z.enum(RESOLUTION_ACTIONS, { error: () => 'Choose how to resolve it.' }),
    reason: reasonSchema,
    /** accept_source: the source whose value stands. */
    source: z.string().min(1).optional(),
    /** manual: the corrected status and amount (minor units, as a string of digits). */
    status: z.enum(CANONICAL_STATUSES).optional(),
    amountMinor: z.string().regex(/^\d{1,18}$/, 'The amount is a whole number of minor units (cents).').optional(),
    currency: z.string().regex(/^[A-Za-z]{3}$/).optional(),
  })
  .superRefine((v, ctx) => {
    if (v.action === 'accept_source' && !v.source) ctx.addIssue({ code: 'custom', path: ['source'], message: 'Choose the source whose value stands.' });
    if (v.action === 'manual' && (!v.status || v.amountMinor === undefined)) ctx.addIssue({ code: 'custom', path: ['status'], message: 'A manual correction needs a status and an amount.' });
  });
export type ResolveInput = z.input<typeof resolveSchema>;

/** Undo is possible for this long after a resolution (PAIDLINE_UNDO_WINDOW_MINUTES, default 15). */
export function undoWindowMs(): number {
  const minutes = Number(process.env.PAIDLINE_UNDO_WINDOW_MINUTES);
  return (Number.isFinite(minutes) && minutes > 0 ? minutes : 15) * 60_000;
}

async function loadRow(tx: Tx | Client, id: number): Promise<ReviewRow> {
  const row = await tx.runResult.findUnique({ where: { id }, select: ROW_SELECT });
  if (!row) throw new NotFoundError('This discrepancy no longer exists (its run may have been deleted).');
  return row;
}

function outcome(row: ReviewRow, input: z.output<typeof resolveSchema>): { state: ReviewState; final?: FinalState | null } {
  const detail = JSON.parse(row.detail) as ResultDetail;
  switch (input.action) {
    case 'apply_recommended': {
      const final = finalFromRecommendation(detail, row.ruleId, row.currency);
      if (!final) throw new ReviewError(`The procedure recommends "${row.actionLabel || row.action}" for ${row.key}, which sets no final status. Accept a source's value, enter a manual correction or escalate.`);
      return { state: 'resolved', final };
    }
    case 'accept_source':
      return { state: 'resolved', final: finalFromSource(detail, input.source!, row.currency) };
    case 'manual':
      return { state: 'resolved', final: finalFromManual({ status: input.status!, amountMinor: BigInt(input.amountMinor!), currency: input.currency }, row.currency) };
    case 'timing_difference':
      return { state: 'resolved', final: finalForTimingDifference(detail, row.currency) };
    case 'write_off':
      // Written off: nothing was collected. Not Paid, so ROMI does not count it.
      return { state: 'written_off', final: { status: 'Failed', amountMinor: 0n, currency: row.currency } };
    case 'escalate':
      return { state: 'escalated' };
  }
}

function assertOpen(row: ReviewRow): void {
  if (!isOpenReviewState(row.state)) {
    throw new ReviewError(`${row.key} is already ${row.state.replace('_', ' ')}. Undo that decision first if it was wrong.`);
  }
}

async function resolveInTx(tx: Tx, id: number, expectedVersion: number, input: z.output<typeof resolveSchema>, actor: ReviewActor) {
  const row = await loadRow(tx, id);
  if (row.version !== expectedVersion) {
    throw new ConflictError(`${row.key} was changed by someone else after you opened it (it is now ${row.state.replace('_', ' ')}). Reload it to see the change, then decide again.`);
  }
  assertOpen(row);
  const change = outcome(row, input);
  const params = { source: input.source, status: input.status, amountMinor: input.amountMinor, currency: input.currency };
  return applyChange(tx, row, expectedVersion, change, { action: input.action, reason: input.reason, params, actor });
}

/** Resolves one discrepancy (reviewers and admins). The change and its audit row commit together. */
export async function resolveDiscrepancy(
  id: number,
  expectedVersion: number,
  rawInput: ResolveInput,
  actor: ReviewActor,
  db: Client = getPrisma(),
): Promise<{ version: number; resolutionId: string }> {
  assertCan(actor, 'discrepancies:resolve');
  const input = resolveSchema.parse(rawInput);
  return db.$transaction((tx) => resolveInTx(tx, id, expectedVersion, input, actor));
}

/**
 * Resolves several rows with one action and reason, all or nothing: one stale or
 * already-resolved row refuses the whole batch, naming it.
 */
export async function bulkResolve(
  items: readonly { id: number; version: number }[],
  rawInput: ResolveInput,
  actor: ReviewActor,
  db: Client = getPrisma(),
): Promise<{ resolved: number }> {
  assertCan(actor, 'discrepancies:resolve');
  const input = resolveSchema.parse(rawInput);
  if (input.action === 'manual') throw new ReviewError('A manual correction sets values for one transaction; open it to correct it.');
  if (!items.length) throw new ReviewError('Select at least one row.');
  if (items.length > 1000) throw new ReviewError('Resolve at most 1000 rows at a time.');
  await db.$transaction(async (tx) => {
    for (const item of items) await resolveInTx(tx, item.id, item.version, input, actor);
  }, { timeout: 60_000 });
  return { resolved: items.length };
}

/** Assigns a discrepancy to a reviewer (or takes it): it moves to "in review". */
export async function assignDiscrepancy(
  id: number,
  expectedVersion: number,
  assigneeId: string | null,
  actor: ReviewActor,
  db: Client = getPrisma(),
): Promise<{ version: number }> {
  assertCan(actor, 'discrepancies:resolve');
  return db.$transaction(async (tx) => {
    const row = await loadRow(tx, id);
    assertOpen(row);
    let email: string | null = null;
    if (assigneeId) {
      const user = await tx.user.findUnique({ where: { id: assigneeId }, select: { role: true, email: true, disabled: true } });
      if (!user || user.disabled || !isRole(user.role) || !can(user.role, ASSIGNEE_ACTION)) throw new ReviewError('Assign to an active finance reviewer or admin.');
      email = user.email;
    }
    const state: ReviewState = assigneeId ? (row.state === 'escalated' ? 'escalated' : 'in_review') : 'open';
    return applyChange(tx, row, expectedVersion, { state, assigneeId }, { action: 'assign', reason: assigneeId ? `Assigned to ${email}` : 'Unassigned', params: { assigneeId }, actor });
  });
}

/**
 * Undoes the row's latest decision within the undo window, restoring the state before it. Refused
 * when the row changed since (someone acted on top of it) or the window has passed.
 */
export async function undoResolution(
  id: number,
  actor: ReviewActor,
  opts: { db?: Client; now?: Date } = {},
): Promise<{ version: number }> {
  assertCan(actor, 'discrepancies:resolve');
  const db = opts.db ?? getPrisma();
  const now = opts.now ?? new Date();
  return db.$transaction(async (tx) => {
    const row = await loadRow(tx, id);
    const last = await tx.resolution.findFirst({ where: { resultId: id, undoneAt: null }, orderBy: [{ createdAt: 'desc' }, { version: 'desc' }] });
    if (!last || last.action === 'assign') throw new ReviewError(`${row.key} has no decision to undo.`);
    if (last.version !== row.version) throw new ConflictError(`${row.key} changed after that decision; undo the later change first.`);
    const age = now.getTime() - last.createdAt.getTime();
    if (age > undoWindowMs()) {
      throw new ReviewError(`The undo window (${Math.round(undoWindowMs() / 60_000)} minutes) has passed for ${row.key}. Reopen it with a new decision instead.`);
    }
    const before = JSON.parse(last.before) as RowState;
    const restored = {
      state: before.state,
      assigneeId: before.assigneeId,
      finalStatus: before.finalStatus,
      finalAmountMinor: before.finalAmountMinor === null ? null : BigInt(before.finalAmountMinor),
      finalCurrency: before.finalStatus === null ? null : row.finalCurrency,
      version: row.version + 1,
      resolvedAt: null,
      updatedAt: now,
    };
    const updated = await tx.runResult.updateMany({ where: { id, version: row.version }, data: restored });
    if (updated.count !== 1) throw new ConflictError(`${row.key} was changed by someone else just now. Reload it.`);
    await applyRomiRowChange(tx, row.runId, row.id, row, restored);
    await tx.resolution.update({ where: { id: last.id }, data: { undoneAt: now, undoneById: actor.id } });
    const after: RowState = { ...before, version: row.version + 1 };
    await tx.resolution.create({
      data: {
        resultId: id,
        runId: row.runId,
        action: 'undo',
        params: JSON.stringify({ undid: last.id }),
        reason: `Undid "${last.action}" of ${last.createdAt.toISOString()}`,
        actorId: actor.id,
        actorEmail: actor.email,
        before: JSON.stringify(rowState(row)),
        after: JSON.stringify(after),
        version: row.version + 1,
        undoneAt: now,
      },
    });
    await writeAudit(tx, {
      actor,
      action: 'discrepancy.undo',
      entityType: 'RunResult',
      entityId: String(id),
      before: rowState(row),
      after: { ...after, key: row.key, runId: row.runId, undid: last.id, undidAction: last.action },
    });
    return { version: row.version + 1 };
  });
}

export const commentSchema = z.string().trim().min(1, 'Write a comment first.').max(4000, 'Keep comments under 4000 characters.');

/** Analysts, reviewers and admins comment; executives read. */
export async function addComment(id: number, body: string, actor: ReviewActor, db: Client = getPrisma()): Promise<{ id: string }> {
  assertCan(actor, 'discrepancies:comment');
  const text = commentSchema.parse(body);
  return db.$transaction(async (tx) => {
    const row = await loadRow(tx, id);
    const comment = await tx.comment.create({ data: { resultId: id, authorId: actor.id, authorEmail: actor.email, body: text }, select: { id: true } });
    await writeAudit(tx, { actor, action: 'discrepancy.comment', entityType: 'RunResult', entityId: String(id), after: { key: row.key, commentId: comment.id, length: text.length } });
    return comment;
  });
}

/** The people a discrepancy can be assigned to: active users whose role may resolve (the permission matrix says which). */
export async function listAssignees(db: Client = getPrisma()): Promise<{ id: string; email: string }[]> {
  return db.user.findMany({ where: { role: { in: rolesThatCan(ASSIGNEE_ACTION) }, disabled: false }, select: { id: true, email: true }, orderBy: { email: 'asc' } });
}
