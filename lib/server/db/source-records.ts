/**
 * Reads across SourceRecord that once went through its relations: the table has no foreign keys
 * (docs/data-plane.md), so a source's records are found by its id, never through a join Prisma
 * would build from a relation.
 */
import { type DbClient as Client } from './client';

/** How many records each of these sources holds (a source with none is absent from the map). */
export async function recordCountsBySource(db: Client, sourceIds: readonly string[]): Promise<Map<string, number>> {
  if (!sourceIds.length) return new Map();
  const groups = await db.sourceRecord.groupBy({ by: ['sourceId'], where: { sourceId: { in: [...sourceIds] } }, _count: { _all: true } });
  return new Map(groups.map((g) => [g.sourceId, g._count._all]));
}

/** The ids of the sources not archived (records of archived sources stay out of lists and figures). */
export async function activeSourceIds(db: Client): Promise<string[]> {
  return (await db.source.findMany({ where: { archivedAt: null }, select: { id: true } })).map((s) => s.id);
}

/**
 * Where committed records of the active sources (or of these) come from: the sources' ids and names
 * and their committed ingestions. Records count when their ingestion is one of these or when they
 * came from a webhook event (no ingestion).
 */
export async function committedOrigins(db: Client, sourceIds: readonly string[] | null = null): Promise<{ sourceIds: string[]; ingestionIds: string[]; names: Map<string, string> }> {
  const sources = await db.source.findMany({ where: { archivedAt: null, ...(sourceIds ? { id: { in: [...sourceIds] } } : {}) }, select: { id: true, name: true } });
  const ids = sources.map((s) => s.id);
  const ingestions = ids.length ? await db.ingestion.findMany({ where: { sourceId: { in: ids }, status: 'committed' }, select: { id: true } }) : [];
  return { sourceIds: ids, ingestionIds: ingestions.map((i) => i.id), names: new Map(sources.map((s) => [s.id, s.name])) };
}

/** The names of these sources, by id. */
export async function sourceNames(db: Client, sourceIds: readonly string[]): Promise<Map<string, string>> {
  const ids = [...new Set(sourceIds)];
  if (!ids.length) return new Map();
  return new Map((await db.source.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } })).map((s) => [s.id, s.name]));
}
