/** ROMI: the dashboard's figures and the rows behind them; data quality; the audit log; who the token is. */
import { z } from 'zod';
import { ATTRIBUTION_MODELS } from '@/lib/romi/attribution';
import { ROLES } from '@/lib/domain/roles';
import type { ApiEndpoint } from '@/lib/server/pipeline/api';
import { day, formatQuery, id, minor, page, pageQuery, timestamp } from '../schemas';

const figures = z.object({
  currency: z.string(),
  revenueMinor: minor,
  refundMinor: minor,
  netRevenueMinor: minor.describe('Reconciled Paid revenue minus refunds: what ROMI is computed on'),
  notCountedMinor: minor.describe('Revenue of deals or payments not yet reconciled Paid'),
  spendMinor: minor,
  leads: z.number(),
  deals: z.number(),
  paidDeals: z.number(),
  paidTx: z.number().int(),
  romi: z.number().nullable().describe('(net revenue - spend) / spend; null without spend'),
  roas: z.number().nullable(),
  costPerLeadMinor: z.number().nullable(),
  costPerCustomerMinor: z.number().nullable(),
  revenuePerLeadMinor: z.number().nullable(),
});

export const romiQuery = z.object({
  from: day.optional().describe('First day, YYYY-MM-DD'),
  to: day.optional().describe('Last day, YYYY-MM-DD'),
  channel: z.string().trim().min(1).max(200).optional().describe('One channel (as the dashboard names it)'),
  campaign: z.string().trim().min(1).max(200).optional().describe('One campaign'),
  model: z.enum(ATTRIBUTION_MODELS).default('last_touch').describe('Attribution model'),
  reconciliation: z.string().max(64).optional().describe("Default: the dashboard's (the reconciliation whose figures link payments to deals)"),
});

export const getRomi = {
  id: 'getRomi',
  method: 'GET',
  path: '/romi',
  tag: 'ROMI',
  summary: "The dashboard's figures for a period, channel, campaign and attribution model",
  description:
    'Amounts are integer minor units per currency (with a reporting currency set, converted with the monthly rates; months without a rate stay apart, listed in fx.missing). asOf is when the figures were last built. ' +
    'format=csv gives one row per total, channel, campaign and month (level, channel, campaign, month, currency, then the figures in decimal amounts) for a spreadsheet or a BI tool.',
  permission: 'dashboard:view',
  query: romiQuery.extend(formatQuery.shape),
  csv: true,
  response: z.object({
    asOf: timestamp,
    reconciliation: z.object({ id, name: z.string(), lastPassAt: timestamp.nullable() }).nullable(),
    runId: id,
    model: z.enum(ATTRIBUTION_MODELS),
    filter: z.object({ from: z.string().nullable(), to: z.string().nullable(), channel: z.string().nullable(), campaign: z.string().nullable() }),
    totals: z.array(figures),
    notYetCounted: z.array(figures).describe('Across every channel and period'),
    channels: z.array(z.object({ channel: z.string(), figures: z.array(figures) })),
    campaigns: z.array(z.object({ channel: z.string(), campaign: z.string(), figures: z.array(figures) })),
    months: z.array(z.object({ month: z.string(), figures: z.array(figures) })),
    funnel: z.object({ leads: z.number(), deals: z.number(), paid: z.number(), leadToDeal: z.number().nullable(), dealToPaid: z.number().nullable(), leadToPaid: z.number().nullable() }),
    fx: z.object({ base: z.string(), used: z.array(z.object({ month: z.string(), currency: z.string(), rate: z.string() })), missing: z.array(z.object({ month: z.string(), currency: z.string() })) }).nullable(),
  }),
} satisfies ApiEndpoint;

export const romiRows = {
  id: 'romiRows',
  method: 'GET',
  path: '/romi/rows',
  tag: 'ROMI',
  summary: 'The rows behind a figure: reconciled revenue, not yet counted, deals or spend',
  permission: 'dashboard:view',
  query: romiQuery.extend({ kind: z.enum(['revenue', 'not_counted', 'deals', 'spend']) }).extend(pageQuery.shape).extend(formatQuery.shape),
  response: page(z.looseObject({})),
  csv: true,
} satisfies ApiEndpoint;

export const getQuality = {
  id: 'getQuality',
  method: 'GET',
  path: '/quality',
  tag: 'Quality',
  summary: 'Data quality figures: match rates per pass or run, resolution times, automatic share, backlog by age, drift, source freshness',
  permission: 'quality:view',
  query: z.object({ period: z.enum(['30', '90', '365', 'all']).default('90') }),
  response: z.object({
    since: timestamp.nullable(),
    runs: z.array(z.looseObject({})),
    reasons: z.array(z.object({ reason: z.string(), count: z.number().int() })),
    unmapped: z.array(z.object({ source: z.string(), code: z.string(), count: z.number().int() })),
    resolutionTimes: z.object({ bySeverity: z.array(z.looseObject({})), byReviewer: z.array(z.looseObject({})) }),
    automatic: z.object({ automatic: z.number().int(), manual: z.number().int(), share: z.number().nullable() }),
    backlog: z.array(z.object({ id: z.string(), label: z.string(), count: z.number().int() })),
    drift: z.object({
      counts: z.array(z.object({ source: z.string(), kind: z.string(), severity: z.string(), count: z.number().int() })),
      events: z.array(z.object({ id, createdAt: timestamp, source: z.string(), kind: z.string(), severity: z.string(), message: z.string() })),
      total: z.number().int(),
    }),
    freshness: z.array(z.looseObject({})),
  }),
} satisfies ApiEndpoint;

export const listAudit = {
  id: 'listAudit',
  method: 'GET',
  path: '/audit',
  tag: 'Admin',
  summary: 'The audit log, newest first (admins)',
  description: 'Every row names its actor and, for changes made through the API, the token (tokenId). format=csv streams the filtered log (the export is itself audited).',
  permission: 'audit:view',
  query: z
    .object({
      action: z.string().trim().max(100).optional().describe('Prefix: "discrepancy." matches every review action'),
      actor: z.string().trim().max(254).optional().describe('E-mail prefix'),
      entity: z.string().trim().max(100).optional().describe('Entity type or id'),
      from: day.optional(),
      to: day.optional(),
    })
    .extend(pageQuery.shape)
    .extend(formatQuery.shape),
  response: page(
    z.object({
      id,
      createdAt: timestamp,
      actorEmail: z.string().nullable(),
      tokenId: z.string().nullable(),
      action: z.string(),
      entityType: z.string(),
      entityId: z.string().nullable(),
      before: z.unknown(),
      after: z.unknown(),
      ip: z.string().nullable(),
    }),
  ),
  csv: true,
} satisfies ApiEndpoint;

export const getMe = {
  id: 'getMe',
  method: 'GET',
  path: '/me',
  tag: 'Account',
  summary: 'Who the token acts for, and what it may do',
  permission: 'account:manage',
  response: z.object({
    user: z.object({ id, email: z.string(), name: z.string(), role: z.enum(ROLES) }),
    token: z.object({ id, readOnly: z.boolean() }),
    permissions: z.array(z.string()),
  }),
} satisfies ApiEndpoint;
