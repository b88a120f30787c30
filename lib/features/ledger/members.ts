import { z } from 'zod';

/**
 * A reconciliation's member sources, in the engine's order. Stored as JSON on Reconciliation.members.
 * `with`: the source this one plays its role with (two payment processors feeding one bank account):
 * members with the same `with` form one side of every entry, and a key needs to be in one of them only.
 */
export type Member = { sourceId: string; with?: string };

/** One side of the reconciliation: a source, or a group of sources that play one role. `key` is its first source's id. */
export type MemberGroup = { key: string; sourceIds: string[] };

const listSchema = z.array(z.object({ sourceId: z.string().min(1), with: z.string().min(1).optional() }).passthrough()).min(1);
// Reconciliations carried over from a run keep the run's resolved inputs ({ sources: [...] }).
const carriedSchema = z.object({ sources: listSchema });

export function parseMembers(json: string): Member[] {
  const value: unknown = JSON.parse(json);
  const parsed = Array.isArray(value) ? listSchema.parse(value) : carriedSchema.parse(value).sources;
  return parsed.map((m) => (m.with && m.with !== m.sourceId ? { sourceId: m.sourceId, with: m.with } : { sourceId: m.sourceId }));
}

/** The sides, in order of their first source; a `with` naming no earlier member starts its own side. */
export function memberGroups(members: readonly Member[]): MemberGroup[] {
  const groups: MemberGroup[] = [];
  const groupOf = new Map<string, MemberGroup>();
  for (const m of members) {
    const joined = m.with ? groupOf.get(m.with) : undefined;
    if (joined) {
      joined.sourceIds.push(m.sourceId);
      groupOf.set(m.sourceId, joined);
    } else {
      const g = { key: m.sourceId, sourceIds: [m.sourceId] };
      groups.push(g);
      groupOf.set(m.sourceId, g);
    }
  }
  return groups;
}

/** A side's name: its source's, or its sources' joined ("Stripe + PayPal"). */
export function groupLabel(group: MemberGroup, nameOf: (sourceId: string) => string | undefined): string {
  return group.sourceIds.map((id) => nameOf(id) ?? 'deleted source').join(' + ');
}
