import type { getPrisma } from '@/lib/db/client';
import { finalFromRecommendation } from './final-state';
import { applyChange, ROW_SELECT, type ReviewRow } from './row-change';
import type { ResultDetail } from './types';

type Client = ReturnType<typeof getPrisma>;

const BATCH = 200;

/**
 * Resolves the open rows of a run whose rule is marked automatic, so people handle only the
 * exceptions. Each decision is a Resolution (action 'auto', no actor) with its audit row, written
 * in the same transaction as the row's state change. Returns how many rows were resolved.
 */
export async function autoResolveRun(runId: string, autoRules: readonly string[], db: Client): Promise<number> {
  if (!autoRules.length) return 0;
  let resolved = 0;
  let lastId = 0;
  for (;;) {
    const rows: ReviewRow[] = await db.runResult.findMany({
      where: { runId, state: 'open', ruleId: { in: [...autoRules] }, id: { gt: lastId } },
      orderBy: { id: 'asc' },
      take: BATCH,
      select: ROW_SELECT,
    });
    if (!rows.length) break;
    lastId = rows[rows.length - 1]!.id;
    resolved += await db.$transaction(async (tx) => {
      let n = 0;
      for (const row of rows) {
        const detail = JSON.parse(row.detail) as ResultDetail;
        // A key whose snapshots broke the state machine is left to a person, whatever the rule says.
        if (detail.violations.length) continue;
        const final = finalFromRecommendation(detail, row.ruleId, row.currency);
        if (!final) continue;
        await applyChange(tx, row, row.version, { state: 'resolved', final }, {
          action: 'auto',
          reason: `Automatic rule ${row.ruleId}: ${row.actionLabel || row.action}`,
          params: { rule: row.ruleId, recommended: row.action },
          auto: true,
          actor: null,
        });
        n++;
      }
      return n;
    });
    if (rows.length < BATCH) break;
  }
  return resolved;
}
