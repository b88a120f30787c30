/** Ledger entries: the discrepancy table's filters and sorting with cursor pages, one entry, the review workflow. */
import { z } from 'zod';
import { discrepancyQuerySchema } from '@/lib/features/review/discrepancies';
import { commentSchema, resolveSchema } from '@/lib/features/review/resolve';
import type { ApiEndpoint } from '@/lib/server/pipeline/api';
import { entryIdParams, formatQuery, id, minor, page, pageQuery, timestamp } from '../schemas';

export const entry = z.object({
  id: z.number().int(),
  key: z.string(),
  cls: z.string().describe('matched | mismatched | missing | duplicate'),
  reasons: z.array(z.string()),
  severity: z.string(),
  action: z.string().describe('The recommended action (standard operating procedure)'),
  actionLabel: z.string(),
  missingIn: z.array(z.string()),
  statuses: z.array(z.object({ source: z.string(), status: z.string() })),
  amount: z.string().describe("Decimal in the currency's digits"),
  amountDiff: z.string(),
  amounts: z.array(z.object({ source: z.string(), amount: z.string() })),
  currency: z.string(),
  date: z.string().nullable(),
  ageDays: z.number().int().nullable(),
  state: z.string().describe('open | in_review | resolved | escalated | written_off'),
  assignee: z.string().nullable(),
  version: z.number().int().describe('Send it back when acting on the entry: a stale version is refused (409)'),
  final: z.string().nullable(),
  reopenReason: z.string().nullable(),
});

const entryQuery = discrepancyQuerySchema
  .omit({ page: true, size: true, run: true })
  .extend({ reconciliation: z.string().max(64).optional().describe('Default: the only (or first) reconciliation') })
  .extend(pageQuery.shape)
  .extend(formatQuery.shape);

export const listEntries = {
  id: 'listEntries',
  method: 'GET',
  path: '/entries',
  tag: 'Entries',
  summary: "A reconciliation's ledger entries: the discrepancy table's filters and sorting, in cursor pages",
  description:
    'Without cls or severity: the discrepancies (warning or critical); cls=all: every entry. state takes a comma list (state=open,in_review,escalated: what is still open). format=csv streams every matching entry.',
  permission: 'discrepancies:view',
  query: entryQuery,
  notes: {
    cls: 'Comma list of classes: matched, mismatched, missing, duplicate; or all. Empty: the discrepancies (warning or critical)',
    reason: 'Why they disagree: status, amount, currency, date or unknown_status',
    severity: 'Comma list: info, warning, critical',
    source: 'Entries missing or duplicated in this system (its name)',
    status: "Entries where a system's status is this canonical status (Paid, Failed...)",
    state: 'Comma list of review states: open, in_review, resolved, escalated, written_off',
    min: "Smallest amount, in major units of each entry's currency (120 or 120.50)",
    max: "Largest amount, in major units of each entry's currency",
    from: 'First transaction date, YYYY-MM-DD',
    to: 'Last transaction date, YYYY-MM-DD',
    assignee: "'me', 'none' or a user id",
    action: 'The recommended action id (standard operating procedure)',
    q: 'Key prefix',
    sort: 'key, amount, diff, date, severity (default), class, state or action',
    dir: 'asc or desc (default)',
  },
  response: page(entry).extend({ reconciliation: z.object({ id, name: z.string(), ledgerRunId: id }) }),
  csv: true,
} satisfies ApiEndpoint;

const side = z.object({
  name: z.string(),
  origin: z.string().optional(),
  present: z.boolean(),
  count: z.number().int(),
  status: z.string().nullable(),
  code: z.string().nullable(),
  amountMinor: minor.nullable(),
  currency: z.string().nullable(),
  date: z.string().nullable(),
  combined: z.number().int().optional(),
});

export const getEntry = {
  id: 'getEntry',
  method: 'GET',
  path: '/entries/{id}',
  tag: 'Entries',
  summary: 'One entry: each system\'s side, its decisions, comments and fact history',
  permission: 'discrepancies:view',
  params: entryIdParams,
  response: entry.extend({
    sides: z.array(side),
    violations: z.array(z.looseObject({})),
    resolutions: z.array(z.object({ id, when: timestamp, who: z.string().nullable(), action: z.string(), reason: z.string(), auto: z.boolean(), undone: z.boolean() })),
    comments: z.array(z.object({ id, at: timestamp, author: z.string().nullable(), body: z.string() })),
  }),
} satisfies ApiEndpoint;

const resolveBody = resolveSchema.and(z.object({ version: z.number().int().min(0) }));

export const resolveEntry = {
  id: 'resolveEntry',
  method: 'POST',
  path: '/entries/{id}/resolve',
  tag: 'Entries',
  summary: 'Resolve an entry: apply the recommendation, accept a system\'s value, correct it by hand, or write it off',
  permission: 'discrepancies:resolve',
  params: entryIdParams,
  body: resolveBody,
  response: z.object({ version: z.number().int(), resolutionId: id }),
} satisfies ApiEndpoint;

export const bulkResolveEntries = {
  id: 'bulkResolveEntries',
  method: 'POST',
  path: '/entries/bulk-resolve',
  tag: 'Entries',
  summary: 'Resolve up to 1000 entries with one action and reason, all or nothing',
  permission: 'discrepancies:resolve',
  body: z.object({ items: z.array(z.object({ id: z.number().int().positive(), version: z.number().int().min(0) })).min(1).max(1000), resolution: resolveSchema }),
  response: z.object({ resolved: z.number().int() }),
} satisfies ApiEndpoint;

export const undoEntry = {
  id: 'undoEntry',
  method: 'POST',
  path: '/entries/{id}/undo',
  tag: 'Entries',
  summary: "Undo an entry's latest decision (within the undo window)",
  permission: 'discrepancies:resolve',
  params: entryIdParams,
  response: z.object({ version: z.number().int() }),
} satisfies ApiEndpoint;

export const commentEntry = {
  id: 'commentEntry',
  method: 'POST',
  path: '/entries/{id}/comments',
  tag: 'Entries',
  summary: 'Comment on an entry',
  permission: 'discrepancies:comment',
  params: entryIdParams,
  body: z.object({ body: commentSchema }),
  response: z.object({ id }),
  status: 201,
} satisfies ApiEndpoint;

export const assignEntry = {
  id: 'assignEntry',
  method: 'POST',
  path: '/entries/{id}/assign',
  tag: 'Entries',
  summary: 'Assign an entry to a reviewer (null: unassign)',
  permission: 'discrepancies:resolve',
  params: entryIdParams,
  body: z.object({ version: z.number().int().min(0), assignee: z.string().max(200).nullable().describe('A user id or e-mail; null unassigns') }),
  response: z.object({ version: z.number().int() }),
} satisfies ApiEndpoint;
