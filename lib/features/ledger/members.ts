import { z } from 'zod';

/** A reconciliation's member sources, in the engine's order. Stored as JSON on Reconciliation.members. */
export type Member = { sourceId: string };

const listSchema = z.array(z.object({ sourceId: z.string().min(1) }).passthrough()).min(1);
// Reconciliations carried over from a run keep the run's resolved inputs ({ sources: [...] }).
const carriedSchema = z.object({ sources: listSchema });

export function parseMembers(json: string): Member[] {
  const value: unknown = JSON.parse(json);
  const parsed = Array.isArray(value) ? listSchema.parse(value) : carriedSchema.parse(value).sources;
  return parsed.map((m) => ({ sourceId: m.sourceId }));
}
