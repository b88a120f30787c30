/** romi, romi rows, quality, audit. */
import { bool, int, oneOf, str, UsageError } from '../args';
import type { AuditPage, Quality, RomiData, RomiFigures, RomiRows } from '../api-types';
import type { Client, RequestOptions } from '../client';
import type { Command } from '../context';
import { fields, money, percent, pipeBody, printJson, ratio, table, type Io } from '../output';

const MODELS = ['last_touch', 'first_touch', 'linear'] as const;
const KINDS = ['revenue', 'not_counted', 'deals', 'spend'] as const;

const romiFilterOptions = {
  from: { type: 'string', description: 'From this day (YYYY-MM-DD)', value: 'day' },
  to: { type: 'string', description: 'To this day (YYYY-MM-DD)', value: 'day' },
  channel: { type: 'string', description: 'Only this channel', value: 'channel' },
  campaign: { type: 'string', description: 'Only this campaign', value: 'campaign' },
  model: { type: 'string', description: `Attribution: ${MODELS.join(', ')} (default last_touch)`, value: 'model' },
  reconciliation: { type: 'string', description: "Whose figures (default: the dashboard's)", value: 'id|name' },
} as const;

function romiQuery(values: Record<string, unknown>): Record<string, string | undefined> {
  const v = values as never;
  return { from: str(v, 'from'), to: str(v, 'to'), channel: str(v, 'channel'), campaign: str(v, 'campaign'), model: oneOf(str(v, 'model'), MODELS, '--model'), reconciliation: str(v, 'reconciliation') };
}

function figureRow(f: RomiFigures) {
  return {
    currency: f.currency,
    revenue: money(f.netRevenueMinor, f.currency),
    spend: money(f.spendMinor, f.currency),
    romi: ratio(f.romi),
    roas: ratio(f.roas, 2),
    paidDeals: f.paidDeals,
    notCounted: money(f.notCountedMinor, f.currency),
  };
}

function romiTable(d: RomiData): string {
  const period = [d.filter.from ?? 'the start', d.filter.to ?? 'today'].join(' to ');
  let out = fields([
    ['Figures of', d.reconciliation ? `${d.reconciliation.name} (${d.reconciliation.id})` : d.runId],
    ['As of', d.asOf],
    ['Period', `${period}${d.filter.channel ? `, channel ${d.filter.channel}` : ''}${d.filter.campaign ? `, campaign ${d.filter.campaign}` : ''}`],
    ['Attribution', d.model],
    ...d.totals.map((f) => [`Revenue ${f.currency}`, `${money(f.netRevenueMinor, f.currency)} reconciled paid${f.refundMinor !== '0' ? ` (net of ${money(f.refundMinor, f.currency)} refunds)` : ''}, spend ${money(f.spendMinor, f.currency)}, ROMI ${ratio(f.romi)}`] as const),
    ...d.notYetCounted.map((f) => [`Not yet counted ${f.currency}`, `${money(f.notCountedMinor, f.currency)} (every period and channel)`] as const),
    ['Funnel', `${d.funnel.leads} leads, ${d.funnel.deals} deals, ${d.funnel.paid} paid`],
  ]);
  const channels = d.channels.flatMap((c) => c.figures.map((f) => ({ channel: c.channel, ...figureRow(f) })));
  if (channels.length) out += `\nBy channel:\n${table(channels)}`;
  const campaigns = d.campaigns.flatMap((c) => c.figures.map((f) => ({ channel: c.channel, campaign: c.campaign, ...figureRow(f) })));
  if (campaigns.length) out += `\nBy campaign:\n${table(campaigns)}`;
  const months = d.months.flatMap((m) => m.figures.map((f) => ({ month: m.month, ...figureRow(f) })));
  if (months.length) out += `\nBy month:\n${table(months)}`;
  if (d.fx?.missing.length) out += `\nNo exchange rate for: ${d.fx.missing.map((m) => `${m.currency} ${m.month}`).join(', ')} (those figures stay in their currency).\n`;
  return out;
}

export const romi: Command = {
  name: 'romi',
  summary: "The dashboard's ROMI figures: totals, channels, campaigns, months",
  usage: '[--from YYYY-MM-DD] [--to YYYY-MM-DD] [--channel X] [--campaign X] [--model M] [--reconciliation R] [--json | --format table|json|csv]',
  options: { ...romiFilterOptions, format: { type: 'string', description: 'table (default), json (the API\'s answer), csv (the API\'s: one line per total, channel, campaign, month; decimal amounts)', value: 'format' } },
  async run({ client, io, values, json }) {
    const format = oneOf(str(values, 'format'), ['table', 'json', 'csv'] as const, '--format') ?? (json ? 'json' : 'table');
    if (format === 'csv') return pipeBody(io, await client.raw('GET', '/romi', { query: { ...romiQuery(values), format: 'csv' }, accept: 'text/csv' }));
    const d = await client.get<RomiData>('/romi', romiQuery(values));
    if (format === 'json') return printJson(io, d);
    io.stdout.write(romiTable(d));
  },
};

async function collect<T>(client: Client, path: string, query: RequestOptions['query'], limit: number): Promise<{ items: T[]; nextCursor: string | null }> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: T[]; nextCursor: string | null } = await client.get(path, { ...query, cursor, limit: Math.min(500, limit - items.length) });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && items.length < limit);
  return { items, nextCursor: cursor };
}

function printRows(io: Io, items: Record<string, unknown>[], more: boolean) {
  if (!items.length) return void io.stderr.write('No rows.\n');
  io.stdout.write(table(items, [...new Set(items.flatMap((r) => Object.keys(r)))]));
  if (more) io.stderr.write('More rows: --all, or --format csv for every one.\n');
}

export const romiRows: Command = {
  name: 'romi rows',
  summary: 'The rows behind a figure: reconciled revenue, not yet counted, deals or spend',
  usage: '--kind revenue|not_counted|deals|spend [filters] [--format table|json|csv] [--limit N] [--all]',
  options: {
    kind: { type: 'string', description: KINDS.join(', '), value: 'kind' },
    ...romiFilterOptions,
    format: { type: 'string', description: 'table (default), json, or csv (every row, streamed)', value: 'format' },
    limit: { type: 'string', description: 'At most this many rows (default 100)', value: 'N' },
    all: { type: 'boolean', description: 'Every row' },
  },
  async run({ client, io, values, json }) {
    const kind = oneOf(str(values, 'kind'), KINDS, '--kind');
    if (!kind) throw new UsageError(`--kind is required: ${KINDS.join(', ')}.`);
    const format = oneOf(str(values, 'format'), ['table', 'json', 'csv'] as const, '--format') ?? (json ? 'json' : 'table');
    const query = { ...romiQuery(values), kind };
    if (format === 'csv') return pipeBody(io, await client.raw('GET', '/romi/rows', { query: { ...query, format: 'csv' }, accept: 'text/csv' }));
    const page = await collect<RomiRows['items'][number]>(client, '/romi/rows', query, bool(values, 'all') ? Infinity : (int(str(values, 'limit'), '--limit', { min: 1 }) ?? 100));
    if (format === 'json') return printJson(io, page);
    printRows(io, page.items, page.nextCursor !== null);
  },
};

export const quality: Command = {
  name: 'quality',
  summary: 'Data quality: automatic share, backlog by age, reasons, drift, source freshness',
  usage: '[--period 30|90|365|all] [--json]',
  options: { period: { type: 'string', description: 'Days (30, 90, 365) or all (default 90)', value: 'period' } },
  async run({ client, io, values, json }) {
    const period = oneOf(str(values, 'period'), ['30', '90', '365', 'all'] as const, '--period');
    const q = await client.get<Quality>('/quality', { period });
    if (json) return printJson(io, q);
    io.stdout.write(fields([
      ['Since', q.since ?? 'the start'],
      ['Passes and runs', q.runs.length],
      ['Resolved automatically', `${q.automatic.automatic} of ${q.automatic.automatic + q.automatic.manual} (${percent(q.automatic.share)})`],
      ['Drift findings', q.drift.total],
    ]));
    if (q.backlog.length) io.stdout.write(`\nOpen backlog by age:\n${table(q.backlog.map((b) => ({ age: b.label, entries: b.count })))}`);
    if (q.reasons.length) io.stdout.write(`\nReasons:\n${table(q.reasons)}`);
    if (q.unmapped.length) io.stdout.write(`\nUnmapped status codes:\n${table(q.unmapped)}`);
    if (q.freshness.length) {
      const rows = (q.freshness as { name?: string; kind?: string; last?: string | null; ageHours?: number | null; staleAfterHours?: number | null; status?: string }[]).map((f) => ({
        source: f.name ?? '',
        kind: f.kind ?? '',
        lastData: f.last ? f.last.slice(0, 19).replace('T', ' ') : 'never',
        ageHours: typeof f.ageHours === 'number' ? f.ageHours.toFixed(1) : '',
        staleAfterHours: f.staleAfterHours ?? '',
        status: f.status ?? '',
      }));
      io.stdout.write(`\nSource freshness:\n${table(rows)}`);
    }
  },
};

export const audit: Command = {
  name: 'audit',
  summary: 'The audit log, newest first (admins)',
  usage: '[--action <prefix>] [--actor <e-mail prefix>] [--entity <type or id>] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--format table|json|csv] [--limit N] [--all]',
  options: {
    action: { type: 'string', description: 'Action prefix ("discrepancy." matches every review action)', value: 'prefix' },
    actor: { type: 'string', description: 'Actor e-mail prefix', value: 'prefix' },
    entity: { type: 'string', description: 'Entity type or id', value: 'entity' },
    from: { type: 'string', description: 'From this day', value: 'day' },
    to: { type: 'string', description: 'To this day', value: 'day' },
    format: { type: 'string', description: 'table (default), json, or csv (the filtered log, streamed; the export is audited)', value: 'format' },
    limit: { type: 'string', description: 'At most this many rows (default 50)', value: 'N' },
    all: { type: 'boolean', description: 'Every row' },
  },
  async run({ client, io, values, json }) {
    const format = oneOf(str(values, 'format'), ['table', 'json', 'csv'] as const, '--format') ?? (json ? 'json' : 'table');
    const query = { action: str(values, 'action'), actor: str(values, 'actor'), entity: str(values, 'entity'), from: str(values, 'from'), to: str(values, 'to') };
    if (format === 'csv') return pipeBody(io, await client.raw('GET', '/audit', { query: { ...query, format: 'csv' }, accept: 'text/csv' }));
    const page = await collect<AuditPage['items'][number]>(client, '/audit', query, bool(values, 'all') ? Infinity : (int(str(values, 'limit'), '--limit', { min: 1 }) ?? 50));
    if (format === 'json') return printJson(io, page);
    printRows(
      io,
      page.items.map((r) => ({ time: r.createdAt.slice(0, 19).replace('T', ' '), actor: r.actorEmail ?? '', token: r.tokenId ?? '', action: r.action, entity: `${r.entityType}${r.entityId ? ` ${r.entityId}` : ''}`, ip: r.ip ?? '' })),
      page.nextCursor !== null,
    );
  },
};

export const reportCommands = [romi, romiRows, quality, audit];
