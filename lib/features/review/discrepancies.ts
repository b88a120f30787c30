import { z } from 'zod';
import { CLASSES, REASONS, SEVERITIES } from '@/lib/reconcile';
import { currenciesByDigits, decimalToMinor, minorToDecimal } from '@/lib/domain/money';
import { csvEscapeCell } from '@/lib/server/http/csv-safe';
import type { Prisma } from '@/lib/generated/sqlite/client';
import { getPrisma } from '@/lib/server/db/client';
import { type ResultDetail } from '@/lib/reconcile/result-detail';
import { type RowState } from '@/lib/features/review/types';
import { isOpenReviewState, OPEN_REVIEW_STATES, REVIEW_STATES } from '@/lib/domain/review';
import { settlementAuditIds, settlementLines } from './settlement-audit';

type Client = ReturnType<typeof getPrisma>;

export const SORTS = ['key', 'amount', 'diff', 'date', 'severity', 'class', 'state', 'action'] as const;
export type SortField = (typeof SORTS)[number];
export const PAGE_SIZES = [25, 50, 100, 200] as const;

const list = <T extends string>(values: readonly [T, ...T[]]) =>
  z
    .string()
    .optional()
    .transform((v) => (v ? v.split(',').filter(Boolean) : []))
    .pipe(z.array(z.enum(values)));

/** An amount bound in major units ("120", "120.50"), kept as text: each row is compared in its own currency's digits. */
const moneyParam = z
  .string()
  .optional()
  .transform((v, ctx): string | undefined => {
    if (v === undefined || v.trim() === '') return undefined;
    if (!/^\s*\d{1,15}(?:\.\d{1,3})?\s*$/.test(v)) {
      ctx.addIssue({ code: 'custom', message: 'Amounts are numbers such as 120 or 120.50.' });
      return z.NEVER;
    }
    return v.trim();
  });
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional().or(z.literal('').transform(() => undefined));

/**
 * The discrepancy table's query, read from URL search params (so a filtered view is a shareable
 * link). Amounts are in major units, compared in each row's own currency (¥1,000 and $1,000.00 are both 1000).
 */
export const discrepancyQuerySchema = z.object({
  run: z.string().optional(),
  /** Class filter; empty (and no severity filter): rows at warning or above, the discrepancies; 'all': every row. */
  cls: z.string().optional().transform((v) => (v === 'all' ? ['all'] : v ? v.split(',').filter(Boolean) : [])).pipe(z.array(z.enum([...CLASSES, 'all']))),
  reason: z.enum(REASONS).optional().or(z.literal('').transform(() => undefined)),
  severity: list(SEVERITIES as unknown as readonly [string, ...string[]]),
  source: z.string().max(80).optional(),
  status: z.string().max(20).optional(),
  state: list(REVIEW_STATES),
  min: moneyParam,
  max: moneyParam,
  from: isoDate,
  to: isoDate,
  /** 'me', 'none' or a user id. */
  assignee: z.string().max(40).optional(),
  /** Recommended action id. */
  action: z.string().regex(/^[a-z0-9_]*$/).max(60).optional(),
  q: z.string().trim().max(100).optional(),
  sort: z.enum(SORTS).catch('severity'),
  dir: z.enum(['asc', 'desc']).catch('desc'),
  page: z.coerce.number().int().min(1).catch(1),
  size: z.coerce.number().int().refine((n) => (PAGE_SIZES as readonly number[]).includes(n)).catch(50),
});
export type DiscrepancyQuery = z.output<typeof discrepancyQuerySchema>;

export function parseDiscrepancyQuery(params: Record<string, string | string[] | undefined> | URLSearchParams): DiscrepancyQuery {
  const flat: Record<string, string> = {};
  if (params instanceof URLSearchParams) params.forEach((v, k) => (flat[k] = v));
  else for (const [k, v] of Object.entries(params)) if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(',') : v;
  const parsed = discrepancyQuerySchema.safeParse(flat);
  if (parsed.success) return parsed.data;
  // A hand-edited link with one bad value keeps the other filters: drop the bad fields.
  const bad = new Set(parsed.error.issues.map((i) => String(i.path[0])));
  for (const k of bad) delete flat[k];
  return discrepancyQuerySchema.parse(flat);
}

function containsJoined(value: string): string {
  return `;${value};`;
}

/**
 * Key search: a prefix. LIKE 'x%' cannot use the (runId, key) index (SQLite's LIKE is
 * case-insensitive; PostgreSQL needs the C collation or a pattern opclass), so an alphanumeric prefix
 * also gets the equivalent range [prefix, prefix with its last character incremented), which can.
 * The range is only added when that successor is alphanumeric too, where every collation agrees.
 */
function keyPrefix(prefix: string): Prisma.RunResultWhereInput[] {
  const out: Prisma.RunResultWhereInput[] = [{ key: { startsWith: prefix } }];
  const last = prefix.charAt(prefix.length - 1);
  if (/^[A-Z0-9]+$/.test(prefix) && /[0-8A-Y]/.test(last)) {
    out.push({ key: { gte: prefix, lt: prefix.slice(0, -1) + String.fromCharCode(last.charCodeAt(0) + 1) } });
  }
  return out;
}

/**
 * amountMinor compared with a major-unit bound in each row's own currency: one clause per group of
 * currencies sharing their minor-unit digits (most runs have one currency, so one clause matches).
 */
function amountBound(op: 'gte' | 'lte', major: string): Prisma.RunResultWhereInput {
  const round = op === 'gte' ? 'up' : 'down';
  const groups = currenciesByDigits();
  const clauses: Prisma.RunResultWhereInput[] = [{ currency: { notIn: [...groups.values()].flat() }, amountMinor: { [op]: decimalToMinor(major, 'USD', { round })! } }];
  for (const [, currencies] of groups) clauses.push({ currency: { in: [...currencies] }, amountMinor: { [op]: decimalToMinor(major, currencies[0], { round })! } });
  return { OR: clauses };
}

export function discrepancyWhere(runId: string, q: DiscrepancyQuery, me?: string): Prisma.RunResultWhereInput {
  const and: Prisma.RunResultWhereInput[] = [];
  const where: Prisma.RunResultWhereInput = { runId };
  if (q.cls.length && !q.cls.includes('all')) where.cls = q.cls.length === 1 ? q.cls[0] : { in: q.cls };
  if (q.severity.length) where.severityRank = q.severity.length === 1 ? SEVERITIES.indexOf(q.severity[0] as never) : { in: q.severity.map((s) => SEVERITIES.indexOf(s as never)) };
  // The default view: what needs attention. Every class but matched is at least a warning, and a
  // matched key is raised to one when something is off (an impossible status progression), so
  // "warning or critical" is "the discrepancies", on the (run, severity, amount) index.
  else if (!q.cls.length) where.severityRank = { gte: 1 };
  if (q.state.length) where.state = q.state.length === 1 ? q.state[0] : { in: q.state };
  if (q.reason) and.push({ reasons: { contains: containsJoined(q.reason) } });
  if (q.source) and.push({ OR: [{ missingIn: { contains: containsJoined(q.source) } }, { duplicateIn: { contains: containsJoined(q.source) } }] });
  if (q.status) and.push({ statuses: { contains: `:${q.status};` } });
  if (q.min !== undefined) and.push(amountBound('gte', q.min));
  if (q.max !== undefined) and.push(amountBound('lte', q.max));
  if (q.from || q.to) where.date = { ...(q.from ? { gte: q.from } : {}), ...(q.to ? { lte: q.to } : {}) };
  if (q.assignee === 'none') where.assigneeId = null;
  else if (q.assignee === 'me' && me) where.assigneeId = me;
  else if (q.assignee && q.assignee !== 'me') where.assigneeId = q.assignee;
  if (q.action) where.action = q.action;
  if (q.q) and.push(...keyPrefix(q.q.toUpperCase()));
  if (and.length) where.AND = and;
  return where;
}

export function discrepancyOrder(q: DiscrepancyQuery): Prisma.RunResultOrderByWithRelationInput[] {
  const dir = q.dir;
  const by: Record<SortField, Prisma.RunResultOrderByWithRelationInput[]> = {
    key: [{ key: dir }],
    amount: [{ amountMinor: dir }],
    diff: [{ amountDiffMinor: dir }],
    date: [{ date: dir }],
    severity: [{ severityRank: dir }, { amountMinor: dir }],
    class: [{ cls: dir }],
    state: [{ state: dir }],
    action: [{ action: dir }],
  };
  // The row id breaks ties (a stable order, so pages never overlap), in the same direction: an index
  // on the sort columns then serves the whole ORDER BY (SQLite's indexes end with the rowid).
  return [...by[q.sort], ...(q.sort === 'key' ? [] : [{ id: dir }])];
}

export const LIST_SELECT = {
  id: true,
  key: true,
  cls: true,
  reasons: true,
  severity: true,
  action: true,
  actionLabel: true,
  ruleId: true,
  missingIn: true,
  duplicateIn: true,
  statuses: true,
  detail: true,
  amountMinor: true,
  amountDiffMinor: true,
  currency: true,
  date: true,
  state: true,
  assigneeId: true,
  version: true,
  finalStatus: true,
  finalAmountMinor: true,
  finalCurrency: true,
  reopenReason: true,
} as const;

/** A row as the table shows it: plain JSON (amounts as strings). */
export type DiscrepancyRow = {
  id: number;
  key: string;
  cls: string;
  reasons: string[];
  severity: string;
  action: string;
  actionLabel: string;
  missingIn: string[];
  statuses: { source: string; status: string }[];
  amount: string;
  amountDiff: string;
  /** Each system's amount, when they differ (empty when they agree). */
  amounts: { source: string; amount: string }[];
  currency: string;
  date: string | null;
  ageDays: number | null;
  state: string;
  assignee: string | null;
  version: number;
  final: string | null;
  /** Why new data reopened a settled entry (ledger entries), while it is open again. */
  reopenReason: string | null;
};

/** Minor units as a decimal string in the currency's digits ("388.00"). */
/** An amount as an exact decimal in the currency's own digits ("209232.00", "1000" for JPY): tables and CSV. */
export function money(value: bigint | number, currency: string): string {
  return minorToDecimal(value, currency);
}

function split(joined: string): string[] {
  return joined ? joined.slice(1, -1).split(';') : [];
}

export function ageDays(date: string | null, now = Date.now()): number | null {
  if (!date) return null;
  const t = Date.parse(`${date}T00:00:00Z`);
  return Number.isNaN(t) ? null : Math.max(0, Math.floor((now - t) / 86_400_000));
}

function toRow(r: Prisma.RunResultGetPayload<{ select: typeof LIST_SELECT }>, emails: Map<string, string>): DiscrepancyRow {
  return {
    id: r.id,
    key: r.key,
    cls: r.cls,
    reasons: split(r.reasons),
    severity: r.severity,
    action: r.action,
    actionLabel: r.actionLabel,
    missingIn: split(r.missingIn),
    statuses: split(r.statuses).map((s) => {
      const i = s.lastIndexOf(':');
      return { source: s.slice(0, i), status: s.slice(i + 1) };
    }),
    amount: money(r.amountMinor, r.currency),
    amountDiff: r.amountDiffMinor === 0n ? '' : money(r.amountDiffMinor, r.currency),
    // When amounts differ, each system's (the reviewer sees the other side without opening the row).
    amounts: r.amountDiffMinor === 0n ? [] : (JSON.parse(r.detail) as ResultDetail).sources.filter((x) => x.present && x.amountMinor !== null).map((x) => ({ source: x.origin ?? x.name, amount: money(BigInt(x.amountMinor!), x.currency || r.currency) })),
    currency: r.currency,
    date: r.date,
    ageDays: isOpenReviewState(r.state) ? ageDays(r.date) : null,
    state: r.state,
    assignee: r.assigneeId ? (emails.get(r.assigneeId) ?? r.assigneeId) : null,
    version: r.version,
    final: r.finalStatus ? `${r.finalStatus} ${money(r.finalAmountMinor ?? 0n, r.finalCurrency ?? r.currency)} ${r.finalCurrency ?? r.currency}` : null,
    reopenReason: r.reopenReason && isOpenReviewState(r.state) ? r.reopenReason : null,
  };
}

async function emailsFor(db: Client, ids: (string | null)[]): Promise<Map<string, string>> {
  const wanted = [...new Set(ids.filter((x): x is string => Boolean(x)))];
  if (!wanted.length) return new Map();
  const users = await db.user.findMany({ where: { id: { in: wanted } }, select: { id: true, email: true } });
  return new Map(users.map((u) => [u.id, u.email]));
}

/**
 * Counting stops here: past it the table says "10,000+". Counting every one of a million matching
 * rows would cost more than the page itself, and nobody pages that far (filters narrow it down).
 */
export const COUNT_CAP = 10_000;

/** One page of a run's discrepancies, filtered and sorted in the database, plus the filtered total (capped). */
export async function listDiscrepancies(runId: string, q: DiscrepancyQuery, opts: { db?: Client; me?: string; countCap?: number } = {}) {
  const db = opts.db ?? getPrisma();
  const cap = opts.countCap ?? COUNT_CAP;
  const where = discrepancyWhere(runId, q, opts.me);
  const [rows, counted] = await Promise.all([
    db.runResult.findMany({ where, orderBy: discrepancyOrder(q), skip: (q.page - 1) * q.size, take: q.size, select: LIST_SELECT }),
    db.runResult.count({ where, take: cap + 1 }),
  ]);
  const capped = counted > cap;
  // Past the cap the total is a lower bound: at least the rows up to this page.
  const total = capped ? Math.max(cap, (q.page - 1) * q.size + rows.length) : counted;
  const emails = await emailsFor(db, rows.map((r) => r.assigneeId));
  return { rows: rows.map((r) => toRow(r, emails)), total, capped, page: q.page, size: q.size, pages: Math.max(1, Math.ceil(total / q.size)) };
}

/**
 * A page of a run's discrepancies after a row (the API's cursor pages): the same filters and order
 * as the table, continued from the last row's id (the database compares the sort columns of that
 * row, so pages never overlap or skip when rows change between them).
 */
export async function discrepancyPageAfter(runId: string, q: DiscrepancyQuery, opts: { db?: Client; me?: string; after?: number; limit: number }) {
  const db = opts.db ?? getPrisma();
  const rows = await db.runResult.findMany({
    where: discrepancyWhere(runId, q, opts.me),
    orderBy: discrepancyOrder(q),
    ...(opts.after ? { cursor: { id: opts.after }, skip: 1 } : {}),
    take: opts.limit + 1,
    select: LIST_SELECT,
  });
  const page = rows.slice(0, opts.limit);
  const emails = await emailsFor(db, page.map((r) => r.assigneeId));
  return { rows: page.map((r) => toRow(r, emails)), next: rows.length > opts.limit ? page[page.length - 1]!.id : null };
}

/** One row as the table shows it (null: no such row). */
export async function discrepancyRow(id: number, db: Client = getPrisma()): Promise<DiscrepancyRow | null> {
  const row = await db.runResult.findUnique({ where: { id }, select: LIST_SELECT });
  return row ? toRow(row, await emailsFor(db, [row.assigneeId])) : null;
}

/** Open rows of a run per age bucket (days since the transaction date). */
export async function backlogBuckets(runId: string, opts: { db?: Client; now?: Date } = {}) {
  const db = opts.db ?? getPrisma();
  const now = opts.now ?? new Date();
  const dayAgo = (d: number) => new Date(now.getTime() - d * 86_400_000).toISOString().slice(0, 10);
  const open = { runId, state: { in: [...OPEN_REVIEW_STATES] } };
  const buckets = [
    { label: '0–7 days', where: { date: { gte: dayAgo(7) } } },
    { label: '8–30 days', where: { date: { lt: dayAgo(7), gte: dayAgo(30) } } },
    { label: '31–90 days', where: { date: { lt: dayAgo(30), gte: dayAgo(90) } } },
    { label: 'Over 90 days', where: { date: { lt: dayAgo(90) } } },
    { label: 'No date', where: { date: null } },
  ];
  const counts = await Promise.all(buckets.map((b) => db.runResult.count({ where: { ...open, ...b.where } })));
  return buckets.map((b, i) => ({ label: b.label, count: counts[i]! }));
}

const EXPORT_HEADER = ['key', 'class', 'reasons', 'severity', 'recommended_action', 'rule', 'missing_in', 'statuses', 'amount', 'amount_difference', 'currency', 'date', 'state', 'assignee', 'final_status', 'final_amount'];

/**
 * The filtered rows as CSV, streamed in pages (keyset on the sort order would be faster for huge
 * exports; offset pages of 1000 keep the code one query). Every cell is escaped against formula injection.
 */
export async function* exportDiscrepanciesCsv(runId: string, q: DiscrepancyQuery, opts: { db?: Client; me?: string } = {}): AsyncGenerator<string> {
  const db = opts.db ?? getPrisma();
  const where = discrepancyWhere(runId, q, opts.me);
  const orderBy = discrepancyOrder(q);
  yield `${EXPORT_HEADER.join(',')}\n`;
  for (let skip = 0; ; skip += 1000) {
    const rows = await db.runResult.findMany({ where, orderBy, skip, take: 1000, select: { ...LIST_SELECT, ruleId: true } });
    const emails = await emailsFor(db, rows.map((r) => r.assigneeId));
    let chunk = '';
    for (const r of rows) {
      const cells = [
        r.key, r.cls, split(r.reasons).join(';'), r.severity, r.action, r.ruleId ?? '', split(r.missingIn).join(';'), split(r.statuses).join(';'),
        money(r.amountMinor, r.currency), r.amountDiffMinor === 0n ? '' : money(r.amountDiffMinor, r.currency), r.currency, r.date ?? '', r.state,
        r.assigneeId ? (emails.get(r.assigneeId) ?? r.assigneeId) : '', r.finalStatus ?? '', r.finalAmountMinor === null ? '' : money(r.finalAmountMinor, r.finalCurrency ?? r.currency),
      ];
      chunk += `${cells.map(csvEscapeCell).join(',')}\n`;
    }
    if (chunk) yield chunk;
    if (rows.length < 1000) return;
  }
}

export type HistoryEntry = { id: string; when: Date; who: string | null; action: string; reason: string; before: RowState; after: RowState; auto: boolean; undone: boolean; params: Record<string, unknown> | null };

/** Everything the detail page shows for one result row. */
export async function getDiscrepancy(id: number, db: Client = getPrisma()) {
  const row = await db.runResult.findUnique({ where: { id }, include: { run: { select: { id: true, createdAt: true, status: true, inputs: true, ruleSetId: true } } } });
  if (!row) return null;
  const detail = JSON.parse(row.detail) as ResultDetail;
  const inputs = JSON.parse(row.run.inputs) as { sources: { sourceId: string; ingestionIds: string[] }[] };
  // The record each source's side came from, raw row included.
  const recordIds = detail.sources.map((s) => s.recordId).filter((x): x is number => x !== null);
  const bare = await db.sourceRecord.findMany({
    where: { id: { in: recordIds } },
    select: { id: true, sourceId: true, ingestionId: true, eventId: true, line: true, raw: true, attrs: true, txId: true, occurredAt: true, fileSha256: true, profileVersionId: true },
  });
  const versions = new Map((await db.sourceProfileVersion.findMany({ where: { id: { in: [...new Set(bare.map((r) => r.profileVersionId))] } }, select: { id: true, version: true } })).map((v) => [v.id, { version: v.version }]));
  const records = bare.map((r) => ({ ...r, profileVersion: versions.get(r.profileVersionId) ?? null }));
  // Status history: every committed ingestion's (and webhook's) record of this key, per source.
  const keyed = await db.sourceRecord.findMany({
    where: { key: row.key, sourceId: { in: inputs.sources.map((s) => s.sourceId) } },
    orderBy: [{ id: 'asc' }],
    select: { id: true, sourceId: true, ingestionId: true, status: true, code: true, amountMinor: true, currency: true, date: true, line: true, eventId: true },
  });
  const ingestionIds = [...new Set(keyed.map((h) => h.ingestionId).filter((x): x is string => x !== null))];
  const committed = new Map(
    (await db.ingestion.findMany({ where: { id: { in: ingestionIds }, status: 'committed' }, select: { id: true, fileName: true, createdAt: true, channel: true } })).map((i) => [i.id, i]),
  );
  const history = keyed
    .filter((h) => h.ingestionId === null || committed.has(h.ingestionId))
    .map(({ ingestionId, ...h }) => ({ ...h, ingestion: ingestionId === null ? null : committed.get(ingestionId)! }));
  const [resolutions, comments, ownAudit, run] = await Promise.all([
    db.resolution.findMany({ where: { resultId: id }, orderBy: [{ createdAt: 'asc' }, { version: 'asc' }] }),
    db.comment.findMany({ where: { resultId: id }, orderBy: { createdAt: 'asc' } }),
    db.auditLog.findMany({ where: { entityType: 'RunResult', entityId: String(id) }, orderBy: { createdAt: 'asc' } }),
    db.ruleSet.findUnique({ where: { id: row.run.ruleSetId }, select: { name: true, version: true, definition: true, autoRules: true } }),
  ]);
  // An automatic settlement's audit row covers a thousand entries: this entry's line of it.
  const settlementIds = settlementAuditIds(resolutions);
  const settlementAudit = settlementIds.length ? await db.auditLog.findMany({ where: { id: { in: settlementIds } } }) : [];
  const audit = [
    ...ownAudit.map((a) => ({ ...a, covers: 1 })),
    ...settlementAudit.map((a) => {
      const s = settlementLines(a.action, a.after);
      const line = s?.lines.find((l) => l.resultId === id) ?? null;
      return { ...a, after: JSON.stringify({ ...line, rules: s?.rules }), covers: s?.count ?? 1 };
    }),
  ].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  const assignee = row.assigneeId ? await db.user.findUnique({ where: { id: row.assigneeId }, select: { email: true, name: true } }) : null;
  const rule = run ? (JSON.parse(run.definition) as { rules: { id: string; description?: string; when: unknown }[] }).rules.find((r) => r.id === row.ruleId) ?? null : null;
  return {
    row,
    detail,
    assignee,
    records: new Map(records.map((r) => [r.id, r])),
    history,
    resolutions: resolutions.map((r): HistoryEntry => ({
      id: r.id,
      when: r.createdAt,
      who: r.actorEmail,
      action: r.action,
      reason: r.reason,
      before: JSON.parse(r.before) as RowState,
      after: JSON.parse(r.after) as RowState,
      auto: r.auto,
      undone: r.undoneAt !== null && r.action !== 'undo',
      params: r.params ? (JSON.parse(r.params) as Record<string, unknown>) : null,
    })),
    comments,
    audit,
    ruleSet: run ? { name: run.name, version: run.version, autoRules: JSON.parse(run.autoRules) as string[] } : null,
    rule,
  };
}
