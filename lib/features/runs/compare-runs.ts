import { getPrisma, type DbClient as Client } from '@/lib/server/db/client';
import { NotFoundError } from '@/lib/server/core/app-error';

export type RunChange = {
  key: string;
  kind: 'new' | 'gone' | 'changed';
  before: { cls: string; severity: string; action: string; state: string } | null;
  after: { cls: string; severity: string; action: string; state: string } | null;
  fields: string[];
};

/**
 * What changed between two runs, key by key (merge join in key order over the (runId, key) index):
 * keys new in `to`, gone from `from`, and keys whose class, severity, action or state changed.
 */
export async function compareRuns(fromId: string, toId: string, opts: { db?: Client; limit?: number } = {}) {
  const db = opts.db ?? getPrisma();
  const limit = opts.limit ?? 500;
  const [a, b] = await Promise.all([db.run.findUnique({ where: { id: fromId } }), db.run.findUnique({ where: { id: toId } })]);
  if (!a || !b) throw new NotFoundError('One of the runs to compare does not exist.');
  const select = { key: true, cls: true, severity: true, action: true, state: true } as const;
  type Row = { key: string; cls: string; severity: string; action: string; state: string };
  async function* stream(runId: string): AsyncGenerator<Row> {
    let last: string | null = null;
    for (;;) {
      const rows: Row[] = await db.runResult.findMany({ where: { runId, ...(last !== null ? { key: { gt: last } } : {}) }, orderBy: { key: 'asc' }, take: 5000, select });
      yield* rows;
      if (rows.length < 5000) return;
      last = rows[rows.length - 1]!.key;
    }
  }
  const counts = { new: 0, gone: 0, changed: 0, unchanged: 0 };
  const changes: RunChange[] = [];
  const push = (c: RunChange) => {
    counts[c.kind]++;
    if (changes.length < limit) changes.push(c);
  };
  const pick = (r: Row) => ({ cls: r.cls, severity: r.severity, action: r.action, state: r.state });
  const ia = stream(fromId);
  const ib = stream(toId);
  let ra = await ia.next();
  let rb = await ib.next();
  // Keys compare in the database's order; JS compares code units, the same as SQLite and PostgreSQL's C collation for ASCII keys.
  while (!ra.done || !rb.done) {
    if (rb.done || (!ra.done && ra.value.key < rb.value.key)) {
      push({ key: ra.value!.key, kind: 'gone', before: pick(ra.value!), after: null, fields: [] });
      ra = await ia.next();
    } else if (ra.done || rb.value.key < ra.value.key) {
      push({ key: rb.value.key, kind: 'new', before: null, after: pick(rb.value), fields: [] });
      rb = await ib.next();
    } else {
      const fields = (['cls', 'severity', 'action', 'state'] as const).filter((f) => ra.value![f] !== rb.value![f]);
      if (fields.length) push({ key: rb.value.key, kind: 'changed', before: pick(ra.value), after: pick(rb.value), fields });
      else counts.unchanged++;
      ra = await ia.next();
      rb = await ib.next();
    }
  }
  return { from: { id: a.id, createdAt: a.createdAt, inputsHash: a.inputsHash }, to: { id: b.id, createdAt: b.createdAt, inputsHash: b.inputsHash }, counts, changes, truncated: changes.length < counts.new + counts.gone + counts.changed };
}
