/** Reconciliations (living ledgers), their passes and ROMI settings; the channel list. */
import { z } from 'zod';
import { MatchingSchema } from '@/lib/features/ledger/matching';
import { reconciliationInputSchema } from '@/lib/features/ledger/reconciliations';
import { channelMappingSchema } from '@/lib/features/romi/channel-map';
import { RomiSettingsSchema } from '@/lib/features/romi/settings';
import type { ApiEndpoint } from '@/lib/server/pipeline/api';
import { id, idParams, minor, page, pageQuery, timestamp } from '../schemas';

const pass = z.object({
  id,
  trigger: z.string().describe('ingestion | webhook | pull | rules | person | upgrade'),
  triggerRef: z.string().nullable(),
  scope: z.enum(['incremental', 'full']),
  status: z.string().describe('running | completed | failed'),
  keysRead: z.number().int(),
  created: z.number().int(),
  changed: z.number().int(),
  reopened: z.number().int(),
  unchanged: z.number().int(),
  autoResolved: z.number().int(),
  message: z.string().nullable(),
  actorEmail: z.string().nullable(),
  createdAt: timestamp,
  finishedAt: timestamp.nullable(),
  durationMs: z.number().int().nullable(),
});

export const reconciliation = z.object({
  id,
  name: z.string(),
  description: z.string(),
  ledgerRunId: id.describe('The ledger (a permanent run): entries, ROMI figures and exports are keyed by it'),
  ruleSetName: z.string(),
  members: z.array(z.object({ sourceId: id, name: z.string(), with: id.optional().describe('The member it plays its role with') })),
  matching: z.looseObject({}),
  romi: RomiSettingsSchema.nullable(),
  entries: z.number().int(),
  open: z.number().int(),
  lastPassAt: timestamp.nullable(),
  lastPass: pass.nullable(),
  /** Nothing queued or running: the ledger and its figures reflect every upload so far. */
  settled: z.boolean().describe('True when no pass or figures rebuild is queued or running: the ledger and its ROMI figures reflect every upload so far'),
});

export const listReconciliations = {
  id: 'listReconciliations',
  method: 'GET',
  path: '/reconciliations',
  tag: 'Reconciliations',
  summary: 'List the reconciliations with entry counts and their newest pass',
  permission: 'runs:view',
  response: z.object({ items: z.array(reconciliation) }),
} satisfies ApiEndpoint;

export const createReconciliation = {
  id: 'createReconciliation',
  method: 'POST',
  path: '/reconciliations',
  tag: 'Reconciliations',
  summary: 'Create a reconciliation (its first full pass is queued)',
  description: '`with` puts a source beside another on one side (two processors feeding one bank); `matching` sets tolerances, date windows and attempt folding; `ruleSetName` defaults to the newest rule set.',
  permission: 'reconciliations:manage',
  body: reconciliationInputSchema.extend({ ruleSetName: reconciliationInputSchema.shape.ruleSetName.optional(), matching: MatchingSchema.optional() }),
  response: reconciliation,
  status: 201,
  idempotent: true,
} satisfies ApiEndpoint;

export const getReconciliation = {
  id: 'getReconciliation',
  method: 'GET',
  path: '/reconciliations/{id}',
  tag: 'Reconciliations',
  summary: 'Read a reconciliation (settled says whether work is still queued)',
  permission: 'runs:view',
  params: idParams,
  response: reconciliation,
} satisfies ApiEndpoint;

export const updateReconciliation = {
  id: 'updateReconciliation',
  method: 'PATCH',
  path: '/reconciliations/{id}',
  tag: 'Reconciliations',
  summary: 'Rename, change the rule set or matching, add sources (a full pass is queued when needed)',
  permission: 'reconciliations:manage',
  params: idParams,
  body: z.object({
    name: z.string().optional(),
    description: z.string().optional(),
    ruleSetName: z.string().optional(),
    addSourceIds: z.array(z.string().min(1)).max(30).optional(),
    with: z.record(z.string().min(1), z.string().min(1)).optional(),
    matching: MatchingSchema.optional(),
  }),
  response: reconciliation.extend({ fullPassQueued: z.boolean() }),
} satisfies ApiEndpoint;

export const startPass = {
  id: 'startPass',
  method: 'POST',
  path: '/reconciliations/{id}/passes',
  tag: 'Reconciliations',
  summary: 'Reconcile every key again (a full pass, queued); decisions on unchanged facts stay',
  permission: 'runs:start',
  params: idParams,
  response: z.object({ queued: z.literal(true) }),
  status: 202,
} satisfies ApiEndpoint;

export const listPasses = {
  id: 'listPasses',
  method: 'GET',
  path: '/reconciliations/{id}/passes',
  tag: 'Reconciliations',
  summary: "The pass journal, newest first: what each pass read, created, changed, reopened and settled",
  permission: 'runs:view',
  params: idParams,
  query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(30) }),
  response: z.object({ items: z.array(pass) }),
} satisfies ApiEndpoint;

export const getPass = {
  id: 'getPass',
  method: 'GET',
  path: '/reconciliations/{id}/passes/{passId}',
  tag: 'Reconciliations',
  summary: "A pass's journal: its counts, and each entry it created, changed or reopened with the facts before and after and why",
  permission: 'runs:view',
  params: z.object({ id, passId: id }),
  query: pageQuery.extend({ change: z.enum(['created', 'changed', 'reopened']).optional().describe('Only entries the pass created, changed or reopened') }),
  response: pass.extend({
    entries: page(
      z.object({
        entryId: z.number().int(),
        key: z.string(),
        change: z.enum(['created', 'changed', 'reopened']),
        reason: z.string().nullable(),
        factsBefore: z.array(z.looseObject({})).nullable().describe("Each system's facts before the pass (null: the entry was new)"),
        factsAfter: z.array(z.looseObject({})),
        at: timestamp,
      }),
    ),
  }),
} satisfies ApiEndpoint;

export const putRomiSettings = {
  id: 'putRomiSettings',
  method: 'PUT',
  path: '/reconciliations/{id}/romi',
  tag: 'Reconciliations',
  summary: "Set how ROMI reads this reconciliation: deal and spend sources, the payment-deal join, the revenue basis",
  description: 'The figures are rebuilt in the background (GET /reconciliations/{id} says settled when done). Send preview: true to see what the settings would count without saving.',
  permission: 'reconciliations:manage',
  params: idParams,
  body: RomiSettingsSchema.extend({ preview: z.boolean().default(false) }),
  response: z.object({
    changed: z.boolean(),
    preview: z
      .object({
        wonDeals: z.number().int(),
        linked: z.number().int(),
        paid: z.number().int(),
        counted: z.number().int(),
        countedMinor: z.array(z.object({ currency: z.string(), amountMinor: minor })),
        refunded: z.number().int(),
        waiting: z.number().int(),
        waitingMinor: z.array(z.object({ currency: z.string(), amountMinor: minor })),
        paymentsLinked: z.number().int(),
        payments: z.number().int(),
        unlinked: z.array(z.looseObject({})),
      })
      .nullable(),
  }),
} satisfies ApiEndpoint;

export const listChannels = {
  id: 'listChannels',
  method: 'GET',
  path: '/channels',
  tag: 'Reconciliations',
  summary: 'Every channel value the deals and spend hold, with the channel it counts as',
  permission: 'dashboard:view',
  response: z.object({
    items: z.array(z.object({ value: z.string(), origin: z.enum(['deals', 'spend']), rows: z.number().int(), channel: z.string(), mapped: z.boolean(), suggestion: z.string().nullable() })),
  }),
} satisfies ApiEndpoint;

export const mapChannels = {
  id: 'mapChannels',
  method: 'PUT',
  path: '/channels',
  tag: 'Reconciliations',
  summary: "Say which channel values count as which channel (the company's channel list); an empty channel removes a mapping",
  permission: 'reconciliations:manage',
  body: z.object({ mappings: channelMappingSchema }),
  response: z.object({ changed: z.number().int() }),
} satisfies ApiEndpoint;
