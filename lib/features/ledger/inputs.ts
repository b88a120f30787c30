import { type DbClient as Client } from '@/lib/server/db/client';
import { InvalidRequestError } from '@/lib/server/core/app-error';
import { type ResolvedInputs } from '@/lib/features/runs/start-run';
import { type EngineMember } from '@/lib/features/runs/engine-members';
import { ensureDefaultRuleSet, getRuleSet, type StoredRuleSet } from '@/lib/features/runs/rulesets';
import { groupLabel, memberGroups, parseMembers } from './members';
import { engineMatch, parseMatching } from './matching';

export type LedgerScope = { id: string; name: string; ledgerRunId: string; ruleSetName: string; members: string; matching?: string };

/** The newest version of the reconciliation's rule set. */
export async function currentRuleSet(ruleSetName: string, db: Client): Promise<StoredRuleSet> {
  const row = await db.ruleSet.findFirst({ where: { name: ruleSetName }, orderBy: { version: 'desc' }, select: { id: true } });
  const ruleSet = row ? await getRuleSet(row.id, db) : await ensureDefaultRuleSet(db);
  if (!ruleSet) throw new InvalidRequestError(`The rule set "${ruleSetName}" no longer exists. Choose another one for this reconciliation.`);
  return ruleSet;
}

/**
 * What the ledger reconciles now: every committed ingestion and every webhook record of each member
 * source (the latest snapshot per key wins, as in a run), with the newest rule-set version and the
 * reconciliation's matching (tolerances and date windows, ./matching.ts).
 */
export async function ledgerInputs(scope: LedgerScope, db: Client): Promise<{ inputs: ResolvedInputs; ruleSet: StoredRuleSet }> {
  const ruleSet = await currentRuleSet(scope.ruleSetName, db);
  const sources: ResolvedInputs['sources'] = [];
  const members = parseMembers(scope.members);
  for (const member of members) {
    const source = await db.source.findUnique({ where: { id: member.sourceId }, select: { id: true, name: true, kind: true } });
    if (!source) continue; // a deleted source: its side of every entry reads as missing
    const committed = await db.ingestion.findMany({ where: { sourceId: source.id, status: 'committed' }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], select: { id: true, profileVersionId: true } });
    const webhook = await db.sourceRecord.findFirst({ where: { sourceId: source.id, ingestionId: null }, orderBy: { id: 'desc' }, select: { id: true } });
    const versionIds = [...new Set(committed.map((c) => c.profileVersionId).filter((v): v is string => Boolean(v)))];
    const versions = await db.sourceProfileVersion.findMany({ where: { id: { in: versionIds } }, select: { id: true, version: true }, orderBy: { version: 'asc' } });
    sources.push({ sourceId: source.id, name: source.name, kind: source.kind, ingestionIds: committed.map((c) => c.id), profileVersions: versions, webhookMaxRecordId: webhook?.id ?? null });
  }
  // The sides: a group of sources playing one role is one side (a deleted source drops out of its group).
  const matching = parseMatching(scope.matching);
  const index = new Map(sources.map((s, i) => [s.sourceId, i]));
  const groups = memberGroups(members).map((g) => ({ ...g, sourceIds: g.sourceIds.filter((id) => index.has(id)) })).filter((g) => g.sourceIds.length);
  if (groups.length < 2) throw new InvalidRequestError(`${scope.name} needs at least two existing sources to reconcile.`);
  const grouped = groups.some((g) => g.sourceIds.length > 1) || matching.attempts.length > 0;
  const engineSides: EngineMember[] = groups.map((g) => {
    const first = sources[index.get(g.sourceIds[0]!)!]!;
    return {
      name: groupLabel(g, (id) => sources[index.get(id)!]?.name),
      kind: first.kind,
      sourceIndexes: g.sourceIds.map((id) => index.get(id)!),
      attempts: g.sourceIds.some((id) => matching.attempts.includes(id)),
    };
  });
  const match = engineMatch(matching, groups);
  return { inputs: { sources, dateFrom: null, dateTo: null, ruleSet: { id: ruleSet.id, name: ruleSet.name, version: ruleSet.version }, match, ...(grouped ? { members: engineSides } : {}) }, ruleSet };
}
