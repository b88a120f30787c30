/**
 * Updates many ledger entries in one statement (inside the pass's transaction): a VALUES list joined
 * to RunResult by id, optionally only where the version is still the one read (RETURNING the ids it
 * changed, so an entry a person changed meanwhile is left to them and to the next pass). Through
 * Prisma each update was its own statement: thousands per pass.
 */
import { clientTarget } from '@/lib/server/db/client';
import { literalFor } from '@/lib/server/db/record-insert';
import { type Tx } from '@/lib/features/romi/rebuild-romi';

type Value = string | number | bigint | null;

/** RunResult's columns a pass writes that are not text, with their SQL types (PostgreSQL needs them for a VALUES list). */
const TYPES: Record<string, string> = { severityRank: 'INTEGER', amountMinor: 'BIGINT', amountDiffMinor: 'BIGINT', version: 'INTEGER', finalAmountMinor: 'BIGINT' };

export type EntryUpdate = { id: number; version?: number; set: Record<string, Value> };

export async function updateEntries(tx: Tx, rows: readonly EntryUpdate[], constant: Record<string, Value | Date>, opts: { checkVersion: boolean }): Promise<Set<number>> {
  if (!rows.length) return new Set();
  const { kind } = clientTarget(tx as object);
  const lit = literalFor(kind);
  const columns = Object.keys(rows[0]!.set);
  const values = rows.map((r) => `(${[r.id, r.version ?? 0, ...columns.map((c) => r.set[c] ?? null)].map(lit).join(', ')})`);
  const from = (c: string) => (TYPES[c] ? `CAST(v."${c}" AS ${TYPES[c]})` : `v."${c}"`);
  const sets = [...columns.map((c) => `"${c}" = ${from(c)}`), ...Object.entries(constant).map(([c, v]) => `"${c}" = ${lit(v)}`)];
  const changed: { id: number | bigint }[] = await tx.$queryRawUnsafe(
    `WITH v("id", "ver", ${columns.map((c) => `"${c}"`).join(', ')}) AS (VALUES ${values.join(', ')})
     UPDATE "RunResult" SET ${sets.join(', ')}
     FROM v WHERE "RunResult"."id" = CAST(v."id" AS INTEGER)${opts.checkVersion ? ` AND "RunResult"."version" = CAST(v."ver" AS INTEGER)` : ''}
     RETURNING "RunResult"."id" AS "id"`,
  );
  return new Set(changed.map((c) => Number(c.id)));
}
