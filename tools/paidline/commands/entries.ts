/** discrepancies, entry show, resolve, undo, comment, assign. */
import { bool, int, oneOf, str, strs, UsageError } from '../args';
import type { Entry, EntryDetail, EntryPage } from '../api-types';
import type { Client } from '../client';
import type { Command } from '../context';
import { fields, money, pipeBody, printJson, table } from '../output';

const OPEN_STATES = ['open', 'in_review', 'escalated'];
const SORTS = ['key', 'amount', 'diff', 'date', 'severity', 'class', 'state', 'action'] as const;
const ACTIONS = ['apply_recommended', 'accept_source', 'manual', 'timing_difference', 'write_off', 'escalate'] as const;
const STATUSES = ['Pending', 'Authorized', 'Paid', 'Failed', 'Refunded', 'Cancelled'] as const;

const list = (values: Record<string, unknown>, name: string) => strs(values as never, name).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);

/** The query of GET /entries from the command's options. */
export function entryQuery(values: Record<string, unknown>): Record<string, string | undefined> {
  const v = values as never;
  const states = [...(bool(v, 'open') ? OPEN_STATES : []), ...list(values, 'state')];
  return {
    reconciliation: str(v, 'reconciliation'),
    state: states.length ? [...new Set(states)].join(',') : undefined,
    cls: list(values, 'cls').join(',') || undefined,
    severity: list(values, 'severity').join(',') || undefined,
    reason: str(v, 'reason'),
    source: str(v, 'source'),
    status: str(v, 'status'),
    assignee: str(v, 'assignee'),
    q: str(v, 'q'),
    from: str(v, 'from'),
    to: str(v, 'to'),
    min: str(v, 'min'),
    max: str(v, 'max'),
    sort: oneOf(str(v, 'sort'), SORTS, '--sort'),
    dir: oneOf(str(v, 'dir'), ['asc', 'desc'] as const, '--dir'),
  };
}

const entryRow = (e: Entry) => ({
  id: e.id,
  key: e.key,
  class: e.cls,
  reasons: e.reasons.join(', '),
  severity: e.severity,
  state: e.state,
  amount: e.amount,
  diff: e.amountDiff === '0' || e.amountDiff === '0.00' ? '' : e.amountDiff,
  currency: e.currency,
  date: e.date ?? '',
  missingIn: e.missingIn.join(', '),
  action: e.actionLabel || e.action,
  assignee: e.assignee ?? '',
});

export const discrepancies: Command = {
  name: 'discrepancies',
  aliases: ['entries list'],
  summary: "A reconciliation's discrepancies (ledger entries) with the table's filters; CSV streams every one",
  usage: '[--reconciliation <id|name>] [--open] [--state ...] [--cls ...] [--severity ...] [--sort <col> --dir asc|desc] [--limit N] [--all] [--format table|json|csv]',
  options: {
    reconciliation: { type: 'string', description: 'Which reconciliation (default: the only or first one)', value: 'id|name' },
    open: { type: 'boolean', description: 'Only what is still open: state open, in_review or escalated' },
    state: { type: 'string', multiple: true, description: 'open, in_review, resolved, escalated, written_off (comma list)', value: 'states' },
    cls: { type: 'string', multiple: true, description: 'matched, mismatched, missing, duplicate, or all (default: the discrepancies, warning or worse)', value: 'classes' },
    severity: { type: 'string', multiple: true, description: 'info, warning, critical (comma list)', value: 'levels' },
    reason: { type: 'string', description: 'A reason (amount, status, date...)', value: 'reason' },
    source: { type: 'string', description: 'Entries with this source involved', value: 'name' },
    status: { type: 'string', description: 'Entries with this status on a side', value: 'status' },
    assignee: { type: 'string', description: 'me, none, or a user id', value: 'who' },
    q: { type: 'string', description: 'Search keys', value: 'text' },
    from: { type: 'string', description: 'Dated on or after (YYYY-MM-DD)', value: 'day' },
    to: { type: 'string', description: 'Dated on or before (YYYY-MM-DD)', value: 'day' },
    min: { type: 'string', description: 'Amount at least (major units)', value: 'amount' },
    max: { type: 'string', description: 'Amount at most (major units)', value: 'amount' },
    sort: { type: 'string', description: SORTS.join(', '), value: 'column' },
    dir: { type: 'string', description: 'asc or desc', value: 'dir' },
    limit: { type: 'string', description: 'At most this many entries (default 50; table and json)', value: 'N' },
    all: { type: 'boolean', description: 'Every matching entry (follows the pages)' },
    format: { type: 'string', description: 'table (default), json, or csv (every matching entry, streamed)', value: 'format' },
  },
  async run({ client, io, values, json }) {
    const format = oneOf(str(values, 'format'), ['table', 'json', 'csv'] as const, '--format') ?? (json ? 'json' : 'table');
    const query = entryQuery(values);
    if (format === 'csv') return pipeBody(io, await client.raw('GET', '/entries', { query: { ...query, format: 'csv' }, accept: 'text/csv' }));
    const limit = bool(values, 'all') ? Infinity : (int(str(values, 'limit'), '--limit', { min: 1 }) ?? 50);
    const items: Entry[] = [];
    let cursor: string | null = null;
    let rec: EntryPage['reconciliation'] | null = null;
    do {
      const page: EntryPage = await client.get<EntryPage>('/entries', { ...query, cursor, limit: Math.min(500, limit - items.length) });
      rec = page.reconciliation;
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor && items.length < limit);
    if (format === 'json') return printJson(io, { reconciliation: rec, items, nextCursor: cursor });
    io.stderr.write(`${rec?.name ?? ''}: ${items.length}${cursor ? '+' : ''} entr${items.length === 1 ? 'y' : 'ies'}${cursor ? ' (more: --all, or --format csv)' : ''}\n`);
    if (items.length) io.stdout.write(table(items.map(entryRow)));
  },
};

async function versionOf(client: Client, id: number, given: string | undefined): Promise<number> {
  const v = int(given, '--version', { min: 0 });
  if (v !== undefined) return v;
  return (await client.get<EntryDetail>(`/entries/${id}`)).version;
}

function entryId(text: string): number {
  const id = int(text.replace(/^#/, ''), 'The entry id', { min: 1 });
  return id!;
}

export const entryShow: Command = {
  name: 'entry show',
  aliases: ['entries show'],
  summary: "One entry: each system's side, its decisions, comments",
  usage: '<id>',
  positionals: { min: 1, max: 1, names: '<id>' },
  async run({ client, io, positionals, json }) {
    const e = await client.get<EntryDetail>(`/entries/${entryId(positionals[0]!)}`);
    if (json) return printJson(io, e);
    io.stdout.write(fields([
      ['Entry', `#${e.id} ${e.key}`],
      ['Class', `${e.cls}${e.reasons.length ? ` (${e.reasons.join(', ')})` : ''}`],
      ['Severity', e.severity],
      ['State', `${e.state}${e.final ? `, final ${e.final}` : ''}${e.reopenReason ? ` (reopened: ${e.reopenReason})` : ''}`],
      ['Amount', `${e.amount} ${e.currency}${e.amountDiff && !/^0(\.0+)?$/.test(e.amountDiff) ? ` (difference ${e.amountDiff})` : ''}`],
      ['Date', e.date ?? ''],
      ['Recommended', e.actionLabel || e.action],
      ['Assignee', e.assignee ?? ''],
      ['Version', e.version],
    ]));
    io.stdout.write(`\n${table(e.sides.map((s) => ({ side: s.name, origin: s.origin ?? '', present: s.present ? 'yes' : 'no', rows: s.count, status: s.status ?? '', code: s.code ?? '', amount: money(s.amountMinor, s.currency), date: s.date ?? '' })))}`);
    if (e.resolutions.length) io.stdout.write(`\nDecisions:\n${table(e.resolutions.map((r) => ({ when: r.when.slice(0, 19).replace('T', ' '), who: r.auto ? 'automatic' : (r.who ?? ''), action: r.action, reason: r.reason, undone: r.undone ? 'undone' : '' })))}`);
    if (e.comments.length) io.stdout.write(`\nComments:\n${e.comments.map((c) => `  ${c.at.slice(0, 19).replace('T', ' ')} ${c.author ?? ''}: ${c.body}`).join('\n')}\n`);
  },
};

export const resolve: Command = {
  name: 'resolve',
  summary: "Resolve an entry: apply the recommendation, accept a system's value, correct it by hand, or write it off",
  usage: '<id> --action apply_recommended|accept_source|manual|write_off|timing_difference|escalate --reason "..." [--source <side>] [--status Paid --amount-minor 123 --currency USD]',
  positionals: { min: 1, max: 1, names: '<id>' },
  options: {
    action: { type: 'string', description: ACTIONS.join(', '), value: 'action' },
    reason: { type: 'string', description: 'Why (kept in the audit log)', value: 'text' },
    source: { type: 'string', description: 'accept_source: the side whose value stands (as entry show names it)', value: 'side' },
    status: { type: 'string', description: `manual: the corrected status (${STATUSES.join(', ')})`, value: 'status' },
    'amount-minor': { type: 'string', description: 'manual: the corrected amount in minor units (cents)', value: 'N' },
    currency: { type: 'string', description: 'manual: the currency', value: 'ISO' },
    version: { type: 'string', description: 'The entry version you decided on (default: read it now)', value: 'N' },
  },
  async run({ client, io, positionals, values, json }) {
    const id = entryId(positionals[0]!);
    const action = oneOf(str(values, 'action'), ACTIONS, '--action');
    const reason = str(values, 'reason');
    if (!action || !reason) throw new UsageError('Both --action and --reason are required.');
    if (action === 'accept_source' && !str(values, 'source')) throw new UsageError('accept_source needs --source: the side whose value stands.');
    const status = oneOf(str(values, 'status'), STATUSES, '--status');
    const amountMinor = str(values, 'amount-minor');
    if (action === 'manual' && (!status || amountMinor === undefined)) throw new UsageError('manual needs --status and --amount-minor.');
    if (amountMinor !== undefined && !/^\d{1,18}$/.test(amountMinor)) throw new UsageError(`--amount-minor is a whole number of minor units (cents), not "${amountMinor}".`);
    const version = await versionOf(client, id, str(values, 'version'));
    const body = { version, action, reason, ...(str(values, 'source') ? { source: str(values, 'source') } : {}), ...(status ? { status } : {}), ...(amountMinor !== undefined ? { amountMinor } : {}), ...(str(values, 'currency') ? { currency: str(values, 'currency') } : {}) };
    const done = await client.send<{ version: number; resolutionId: string }>('POST', `/entries/${id}/resolve`, body);
    if (json) return printJson(io, done);
    io.stdout.write(`Entry #${id}: ${action.replace(/_/g, ' ')} (version ${done.version}). Undo within the undo window: paidline undo ${id}\n`);
  },
};

export const undo: Command = {
  name: 'undo',
  summary: "Undo an entry's latest decision (within the undo window)",
  usage: '<id>',
  positionals: { min: 1, max: 1, names: '<id>' },
  async run({ client, io, positionals, json }) {
    const id = entryId(positionals[0]!);
    const done = await client.send<{ version: number }>('POST', `/entries/${id}/undo`);
    if (json) return printJson(io, done);
    io.stdout.write(`Entry #${id}: the latest decision is undone (version ${done.version}).\n`);
  },
};

export const comment: Command = {
  name: 'comment',
  summary: 'Comment on an entry',
  usage: '<id> "<text>"',
  positionals: { min: 2, max: 2, names: '<id> "<text>"' },
  async run({ client, io, positionals, json }) {
    const id = entryId(positionals[0]!);
    const done = await client.send<{ id: string }>('POST', `/entries/${id}/comments`, { body: positionals[1] });
    if (json) return printJson(io, done);
    io.stdout.write(`Commented on entry #${id}.\n`);
  },
};

export const assign: Command = {
  name: 'assign',
  summary: 'Assign an entry to a reviewer (an e-mail or user id), or "none" to unassign',
  usage: '<id> <email|none>',
  positionals: { min: 2, max: 2, names: '<id> <email|none>' },
  options: { version: { type: 'string', description: 'The entry version (default: read it now)', value: 'N' } },
  async run({ client, io, positionals, values, json }) {
    const id = entryId(positionals[0]!);
    const who = positionals[1]!;
    const version = await versionOf(client, id, str(values, 'version'));
    const done = await client.send<{ version: number }>('POST', `/entries/${id}/assign`, { version, assignee: who === 'none' ? null : who });
    if (json) return printJson(io, done);
    io.stdout.write(who === 'none' ? `Entry #${id} is unassigned.\n` : `Entry #${id} is assigned to ${who}.\n`);
  },
};

export const entryCommands = [discrepancies, entryShow, resolve, undo, comment, assign];
