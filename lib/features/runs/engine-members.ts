import { type ResolvedInputs } from './start-run';

/** One side of the engine: its name and kind, its sources, and whether their rows of one key are attempts of one payment. */
export type EngineMember = { name: string; kind: string; sourceIndexes: number[]; attempts: boolean };

/** Each source with the name of the side it is on (a group's sources share it). */
export function sidesOfSources(inputs: Pick<ResolvedInputs, 'sources' | 'members'>): { sourceId: string; name: string }[] {
  const names = new Map<number, string>();
  for (const m of engineMembers(inputs)) for (const i of m.sourceIndexes) names.set(i, m.name);
  return inputs.sources.map((s, i) => ({ sourceId: s.sourceId, name: names.get(i) ?? s.name }));
}

/** The engine's sides of these inputs. */
export function engineMembers(inputs: Pick<ResolvedInputs, 'sources' | 'members'>): EngineMember[] {
  return inputs.members ?? inputs.sources.map((s, i) => ({ name: s.name, kind: s.kind, sourceIndexes: [i], attempts: false }));
}
