import { createHash } from 'node:crypto';
import { z } from 'zod';
import { getPrisma, type DbClient as Client } from '@/lib/server/db/client';
import { writeAudit } from '@/lib/server/db/audit';
import { assertCan } from '@/lib/server/authorize';
import { ConflictError, InvalidRequestError } from '@/lib/server/core/app-error';
import { type Actor } from '@/lib/domain/actor';
import { memberGroups, parseMembers, type Member } from './members';
import { MatchingSchema, parseMatching, type Matching } from './matching';
import { currentRuleSet } from './inputs';

export const reconciliationInputSchema = z.object({
  name: z.string().trim().min(1, 'Give the reconciliation a name.').max(100, 'Names are at most 100 characters.'),
  description: z.string().trim().max(1000).default(''),
  sourceIds: z.array(z.string().min(1)).min(2, 'Choose at least two sources to reconcile.').max(30, 'At most 30 sources.')
    .refine((ids) => new Set(ids).size === ids.length, 'Choose each source once.'),
  ruleSetName: z.string().trim().min(1, 'Choose a rule set.'),
  /** Source id -> the earlier chosen source it plays its role with (two processors feeding one bank). */
  with: z.record(z.string().min(1), z.string().min(1)).default({}),
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
  if (actor) assertCan(actor, 'reconciliations:manage');
  const input = reconciliationInputSchema.parse(raw);
  const sources = await db.source.findMany({ where: { id: { in: input.sourceIds }, archivedAt: null }, select: { id: true, name: true, kind: true } });
  if (sources.length !== input.sourceIds.length) throw new InvalidRequestError('One of the chosen sources no longer exists. Reload the page.');
  const ruleSet = await currentRuleSet(input.ruleSetName, db);
  const members = membersWith(input.sourceIds, input.with, []);
  if (memberGroups(members).length < 2) throw new InvalidRequestError('Two or more sides are needed: at least one source must play its own role (the bank, for instance).');
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

/** Members for these source ids in order, each joining the earlier source it plays its role with (a `with` naming a later or unknown source is ignored). */
function membersWith(sourceIds: readonly string[], withOf: Record<string, string>, earlier: readonly Member[]): Member[] {
  const seen = new Set(earlier.map((m) => m.sourceId));
  const out: Member[] = [];
  for (const sourceId of sourceIds) {
    const w = withOf[sourceId];
    out.push(w && seen.has(w) && w !== sourceId ? { sourceId, with: w } : { sourceId });
    seen.add(sourceId);
  }
  return out;
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

export const reconciliationEditSchema = z.object({
  id: z.string().min(1),
  name: reconciliationInputSchema.shape.name,
  description: reconciliationInputSchema.shape.description,
  /** Sources to add; members stay (their entries and decisions belong to the ledger). */
  addSourceIds: z.array(z.string().min(1)).max(30).default([]),
  /** An added source id -> the member it plays its role with. */
  with: z.record(z.string().min(1), z.string().min(1)).default({}),
  ruleSetName: reconciliationInputSchema.shape.ruleSetName,
  /** How entries match; absent: unchanged. */
  matching: MatchingSchema.optional(),
});
export type ReconciliationEdit = z.input<typeof reconciliationEditSchema>;

/** The matching with windows only for sides after the first (the first side is the windows' anchor; a side's window is kept under its first source), attempts only for members. */
function withoutStrayWindows(matching: Matching, members: Member[]): Matching {
  const later = new Set(memberGroups(members).slice(1).map((g) => g.key));
  const ids = new Set(members.map((m) => m.sourceId));
  return {
    ...matching,
    dateWindows: Object.fromEntries(Object.entries(matching.dateWindows).filter(([id, w]) => later.has(id) && (w.min !== 0 || w.max !== 0))),
    attempts: [...new Set(matching.attempts)].filter((id) => ids.has(id)),
  };
}

/**
 * Renames a reconciliation, changes its rule set or matching (tolerances, date windows) or adds member sources, with the audit row in the
 * same transaction. Members are never removed: their side of every entry and the decisions taken on
 * it belong to the ledger (archive it and create another to drop a source). Returns whether the
 * ledger needs a full pass (a new rule set, new matching or a new source changes how every key is reconciled).
 */
export async function updateReconciliation(raw: ReconciliationEdit, actor: Actor | null, db: Client = getPrisma()): Promise<{ summary: ReconciliationSummary; fullPass: 'rules' | 'person' | null }> {
  if (actor) assertCan(actor, 'reconciliations:manage');
  const input = reconciliationEditSchema.parse(raw);
  const current = await db.reconciliation.findUnique({ where: { id: input.id } });
  if (!current || current.archivedAt) throw new InvalidRequestError('This reconciliation no longer exists or was archived. Reload the page.');
  const members = parseMembers(current.members);
  const adding = [...new Set(input.addSourceIds)].filter((id) => !members.some((m) => m.sourceId === id));
  if (members.length + adding.length > 30) throw new InvalidRequestError('A reconciliation has at most 30 sources.');
  const added = adding.length ? await db.source.findMany({ where: { id: { in: adding }, archivedAt: null }, select: { id: true, name: true, kind: true } }) : [];
  if (added.length !== adding.length) throw new InvalidRequestError('One of the chosen sources no longer exists. Reload the page.');
  const ruleSet = await currentRuleSet(input.ruleSetName, db);
  if (input.name !== current.name && (await db.reconciliation.findUnique({ where: { name: input.name }, select: { id: true } }))) {
    throw new ConflictError(`A reconciliation named "${input.name}" exists already. Choose another name.`);
  }
  const nextMembers: Member[] = [...members, ...membersWith(adding, input.with, members)];
  const matchingBefore = parseMatching(current.matching);
  const matching = input.matching ? withoutStrayWindows(input.matching, nextMembers) : matchingBefore;
  const matchingChanged = JSON.stringify(matching) !== JSON.stringify(matchingBefore);
  const rulesChanged = ruleSet.name !== current.ruleSetName || matchingChanged;
  const fullPass = rulesChanged ? 'rules' : adding.length ? 'person' : null;
  const row = await db.$transaction(async (tx) => {
    const updated = await tx.reconciliation.update({
      where: { id: current.id },
      data: { name: input.name, description: input.description, ruleSetName: ruleSet.name, members: JSON.stringify(nextMembers), matching: JSON.stringify(matching) },
    });
    // The ledger's Run row describes its sources and rule set for the pages that show it.
    const run = await tx.run.findUniqueOrThrow({ where: { id: current.ledgerRunId }, select: { inputs: true } });
    const inputs = JSON.parse(run.inputs) as { sources: unknown[]; ruleSet: unknown };
    inputs.sources.push(...added.map((s) => ({ sourceId: s.id, name: s.name, kind: s.kind, ingestionIds: [], profileVersions: [], webhookMaxRecordId: null })));
    inputs.ruleSet = { id: ruleSet.id, name: ruleSet.name, version: ruleSet.version };
    await tx.run.update({ where: { id: current.ledgerRunId }, data: { ruleSetId: ruleSet.id, inputs: JSON.stringify(inputs) } });
    await writeAudit(tx, {
      actor,
      action: 'reconciliation.update',
      entityType: 'Reconciliation',
      entityId: current.id,
      before: { name: current.name, description: current.description, ruleSet: current.ruleSetName, members: members.map((m) => m.sourceId), matching: matchingBefore },
      after: { name: updated.name, description: updated.description, ruleSet: updated.ruleSetName, members: nextMembers.map((m) => m.sourceId), added: added.map((s) => s.name), matching },
    });
    return updated;
  });
  return { summary: toSummary(row), fullPass };
}

/**
 * Archives a reconciliation: new data no longer reconciles into it and the dashboard stops reading it.
 * Its entries, decisions and passes stay readable (the Runs pages) and in the audit trail.
 */
export async function archiveReconciliation(id: string, actor: Actor | null, db: Client = getPrisma()): Promise<void> {
  if (actor) assertCan(actor, 'reconciliations:manage');
  await db.$transaction(async (tx) => {
    const n = await tx.reconciliation.updateMany({ where: { id, archivedAt: null }, data: { archivedAt: new Date() } });
    if (n.count !== 1) throw new InvalidRequestError('This reconciliation no longer exists or was archived already. Reload the page.');
    await writeAudit(tx, { actor, action: 'reconciliation.archive', entityType: 'Reconciliation', entityId: id, after: { archived: true } });
  });
}
