import { createHash } from 'node:crypto';
import { z } from 'zod';
import { getPrisma, type DbClient as Client } from '@/lib/server/db/client';
import { writeAudit } from '@/lib/server/db/audit';
import { assertCan } from '@/lib/server/authorize';
import { ConflictError, InvalidRequestError } from '@/lib/server/core/app-error';
import { type Actor } from '@/lib/domain/actor';
import { parseMembers, type Member } from './members';
import { currentRuleSet } from './inputs';

export const reconciliationInputSchema = z.object({
  name: z.string().trim().min(1, 'Give the reconciliation a name.').max(100, 'Names are at most 100 characters.'),
  description: z.string().trim().max(1000).default(''),
  sourceIds: z.array(z.string().min(1)).min(2, 'Choose at least two sources to reconcile.').max(30, 'At most 30 sources.')
    .refine((ids) => new Set(ids).size === ids.length, 'Choose each source once.'),
  ruleSetName: z.string().trim().min(1, 'Choose a rule set.'),
});
export type ReconciliationInput = z.input<typeof reconciliationInputSchema>;

export type ReconciliationSummary = {
  id: string;
  name: string;
  description: string;
  ledgerRunId: string;
  ruleSetName: string;
  members: Member[];
  ledgerVersion: number;
  lastPassAt: Date | null;
};

/**
 * Creates a reconciliation and its (empty) ledger; the caller runs the first full pass. The
 * ledger is a permanent Run of kind 'ledger' so the review workflow works on its entries unchanged.
 */
export async function createReconciliation(raw: ReconciliationInput, actor: Actor | null, db: Client = getPrisma()): Promise<ReconciliationSummary> {
  if (actor) assertCan(actor, 'runs:start');
  const input = reconciliationInputSchema.parse(raw);
  const sources = await db.source.findMany({ where: { id: { in: input.sourceIds }, archivedAt: null }, select: { id: true, name: true, kind: true } });
  if (sources.length !== input.sourceIds.length) throw new InvalidRequestError('One of the chosen sources no longer exists. Reload the page.');
  const ruleSet = await currentRuleSet(input.ruleSetName, db);
  const members: Member[] = input.sourceIds.map((sourceId) => ({ sourceId }));
  const byId = new Map(sources.map((s) => [s.id, s]));
  const inputs = { sources: input.sourceIds.map((id) => ({ sourceId: id, name: byId.get(id)!.name, kind: byId.get(id)!.kind, ingestionIds: [], profileVersions: [], webhookMaxRecordId: null })), dateFrom: null, dateTo: null, ruleSet: { id: ruleSet.id, name: ruleSet.name, version: ruleSet.version } };
  if (await db.reconciliation.findUnique({ where: { name: input.name }, select: { id: true } })) {
    throw new ConflictError(`A reconciliation named "${input.name}" exists already. Choose another name.`);
  }
  return db.$transaction(async (tx) => {
    const now = new Date();
    const run = await tx.run.create({
      data: {
        kind: 'ledger',
        status: 'completed',
        phase: 'done',
        ruleSetId: ruleSet.id,
        inputs: JSON.stringify(inputs),
        inputsHash: createHash('sha256').update(`ledger:${input.name}:${now.toISOString()}`).digest('hex'),
        createdById: actor?.id ?? null,
        createdByEmail: actor?.email ?? null,
        startedAt: now,
        finishedAt: now,
      },
    });
    const row = await tx.reconciliation.create({
      data: { name: input.name, description: input.description, ledgerRunId: run.id, ruleSetName: ruleSet.name, members: JSON.stringify(members), createdById: actor?.id ?? null },
    });
    await writeAudit(tx, { actor, action: 'reconciliation.create', entityType: 'Reconciliation', entityId: row.id, after: { name: row.name, sources: sources.map((s) => s.name), ruleSet: ruleSet.name } });
    return toSummary(row);
  });
}

function toSummary(row: { id: string; name: string; description: string; ledgerRunId: string; ruleSetName: string; members: string; ledgerVersion: number; lastPassAt: Date | null }): ReconciliationSummary {
  return { id: row.id, name: row.name, description: row.description, ledgerRunId: row.ledgerRunId, ruleSetName: row.ruleSetName, members: parseMembers(row.members), ledgerVersion: row.ledgerVersion, lastPassAt: row.lastPassAt };
}

export async function listReconciliations(db: Client = getPrisma()): Promise<ReconciliationSummary[]> {
  const rows = await db.reconciliation.findMany({ where: { archivedAt: null }, orderBy: { createdAt: 'asc' } });
  return rows.map(toSummary);
}

/** The live reconciliations that have this source as a member (the ones a new ingestion of it touches). */
export async function reconciliationsWithSource(sourceId: string, db: Client = getPrisma()): Promise<ReconciliationSummary[]> {
  return (await listReconciliations(db)).filter((r) => r.members.some((m) => m.sourceId === sourceId));
}
