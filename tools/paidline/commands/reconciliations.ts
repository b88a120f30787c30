/** reconciliations, reconcile, passes, wait, romi-settings, channels. */
import { bool, int, oneOf, pair, str, strs, UsageError, windowOf } from '../args';
import type { ChannelList, Pass, PassList, Reconciliation, ReconciliationList, RomiSaved, SourceList } from '../api-types';
import { CliError, type Client } from '../client';
import { Names, type Command } from '../context';
import { EXIT } from '../exit-codes';
import { fields, money, printJson, progress, table, type Io } from '../output';

const when = (iso: string | null | undefined) => (iso ? iso.slice(0, 19).replace('T', ' ') : '');

function passRow(p: Pass) {
  return {
    started: when(p.createdAt),
    trigger: p.trigger,
    scope: p.scope,
    status: p.status,
    keys: p.keysRead,
    created: p.created,
    changed: p.changed,
    reopened: p.reopened,
    autoResolved: p.autoResolved,
    ms: p.durationMs ?? '',
    by: p.actorEmail ?? '',
    message: p.message ?? '',
  };
}

function describe(r: Reconciliation, sourceNames: ReadonlyMap<string, string> = new Map()): string {
  const windows = (r.matching as { dateWindows?: Record<string, { min: number; max: number }> }).dateWindows ?? {};
  const attempts = (r.matching as { attempts?: string[] }).attempts ?? [];
  const nameOf = (id: string) => r.members.find((m) => m.sourceId === id)?.name ?? sourceNames.get(id) ?? id;
  const romi = r.romi;
  return fields([
    ['Reconciliation', r.name],
    ['Id', r.id],
    ['Ledger', r.ledgerRunId],
    ['Rule set', r.ruleSetName],
    ['Sources', r.members.map((m) => `${m.name}${m.with ? ` (beside ${nameOf(m.with)})` : ''}`).join(', ')],
    ['Date windows', Object.entries(windows).map(([id, w]) => `${nameOf(id)} ${w.min} to ${w.max} days`).join(', ') || 'same day'],
    ['Attempts folded', attempts.map(nameOf).join(', ') || 'none'],
    ['Entries', `${r.entries} (${r.open} open)`],
    ['Last pass', r.lastPass ? `${when(r.lastPass.createdAt)} ${r.lastPass.trigger} ${r.lastPass.status}` : 'none yet'],
    ['Settled', r.settled ? 'yes' : 'no: work is queued or running'],
    ...(romi
      ? ([
          ['ROMI basis', romi.basis],
          ['ROMI join', `payment ${romi.join.payment} = deal ${romi.join.deal}`],
          ['ROMI conditions', romi.dealConditions.map((c) => `${c.field} = ${c.values.join(' | ')}`).join('; ') || 'none'],
          ['ROMI deal sources', romi.dealSourceIds === null ? 'every CRM source' : romi.dealSourceIds.map(nameOf).join(', ')],
          ['ROMI spend sources', romi.spendSourceIds === null ? 'every ad source' : romi.spendSourceIds.map(nameOf).join(', ')],
        ] as const)
      : []),
  ]);
}

/**
 * Polls a reconciliation until it is settled (twice in a row, a second apart: work queued by the
 * previous request is then visible) and, when given, its newest pass is another than `passBefore`.
 */
export async function waitSettled(client: Client, io: Io, id: string, opts: { timeoutMs: number; passBefore?: string | null; sleep?: (ms: number) => Promise<void> }): Promise<Reconciliation> {
  const bar = progress(io);
  const deadline = Date.now() + opts.timeoutMs;
  const pause = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let seen = 0;
  try {
    for (;;) {
      const r = await client.get<Reconciliation>(`/reconciliations/${encodeURIComponent(id)}`);
      const newPass = opts.passBefore === undefined || (r.lastPass !== null && r.lastPass.id !== opts.passBefore && r.lastPass.status !== 'running');
      bar.update(`${r.name}: ${r.settled && newPass ? 'settled' : 'working'}, ${r.entries} entries, ${r.open} open${r.lastPass ? `, last pass ${r.lastPass.status} at ${when(r.lastPass.createdAt)}` : ''}`);
      seen = r.settled && newPass ? seen + 1 : 0;
      if (seen >= 2) return r;
      if (Date.now() > deadline) throw new CliError(`${r.name} is not settled after ${Math.round(opts.timeoutMs / 1000)} s (work is still queued or running).`, EXIT.failed);
      await pause(seen ? 1000 : 700);
    }
  } finally {
    bar.done();
  }
}

const timeoutOption = { timeout: { type: 'string', description: 'Give up after this many seconds (default 900)', value: 'seconds' } } as const;
const timeoutOf = (values: Record<string, unknown>) => (int(typeof values.timeout === 'string' ? values.timeout : undefined, '--timeout', { min: 1 }) ?? 900) * 1000;

export const reconciliationsList: Command = {
  name: 'reconciliations list',
  aliases: ['reconciliation list'],
  summary: 'List the reconciliations with entry counts and their newest pass',
  async run({ client, io, json }) {
    const list = await client.get<ReconciliationList>('/reconciliations');
    if (json) return printJson(io, list);
    if (!list.items.length) return void io.stderr.write('No reconciliations yet: paidline reconciliation create --name X --source A --source B\n');
    io.stdout.write(
      table(
        list.items.map((r) => ({ name: r.name, id: r.id, sources: r.members.map((m) => m.name).join(', '), entries: r.entries, open: r.open, lastPass: when(r.lastPassAt), settled: r.settled ? 'yes' : 'no' })),
      ),
    );
  },
};

export const reconciliationCreate: Command = {
  name: 'reconciliation create',
  aliases: ['reconciliations create'],
  summary: 'Create a reconciliation (its first full pass is queued)',
  usage: '--name <name> --source <A> --source <B> [...] [--with "PayPal=Stripe"] [--window "Operating bank=0:5"] [--attempts Stripe,PayPal]',
  options: {
    name: { type: 'string', description: 'Its name', value: 'name' },
    description: { type: 'string', description: 'A description', value: 'text' },
    source: { type: 'string', multiple: true, description: 'A source (id or name), in order: the first is the reference for date windows', value: 'id|name' },
    with: { type: 'string', multiple: true, description: '"B=A": source B plays its role beside A (two processors feeding one bank)', value: 'B=A' },
    window: { type: 'string', multiple: true, description: '"Bank=0:5": the source\'s dates fall 0 to 5 days after the first source\'s', value: 'S=min:max' },
    attempts: { type: 'string', multiple: true, description: 'Sources (comma list) whose rows of one key are one payment\'s attempts and refunds: folded before matching', value: 'A,B' },
    'tolerance-minor': { type: 'string', description: 'Amounts may differ by this many minor units (cents)', value: 'N' },
    'tolerance-percent': { type: 'string', description: '...or by this percentage of the larger amount', value: 'P' },
    'rule-set': { type: 'string', description: 'The rule set (default: the newest)', value: 'name' },
    wait: { type: 'boolean', description: 'Wait until its first pass is done' },
    ...timeoutOption,
  },
  async run({ client, io, values, json }) {
    const name = str(values, 'name');
    const refs = strs(values, 'source');
    if (!name) throw new UsageError('--name is required.');
    if (refs.length < 2) throw new UsageError('Give at least two --source (the first is the reference the others are matched against).');
    const names = new Names(client);
    const ids = await names.sourceIds(refs);
    const idOf = async (ref: string, flag: string) => {
      const id = (await names.source(ref)).id;
      if (!ids.includes(id)) throw new UsageError(`${flag} names "${ref}", which is not one of the --source.`);
      return id;
    };
    const withMap: Record<string, string> = {};
    for (const w of strs(values, 'with')) {
      const [b, a] = pair(w, '--with', 'PayPal=Stripe');
      withMap[await idOf(b, '--with')] = await idOf(a, '--with');
    }
    const dateWindows: Record<string, { min: number; max: number }> = {};
    for (const w of strs(values, 'window')) {
      const { name: ref, min, max } = windowOf(w);
      dateWindows[await idOf(ref, '--window')] = { min, max };
    }
    const attempts: string[] = [];
    for (const list of strs(values, 'attempts')) for (const ref of list.split(',').map((s) => s.trim()).filter(Boolean)) attempts.push(await idOf(ref, '--attempts'));
    const tolMinor = int(str(values, 'tolerance-minor'), '--tolerance-minor', { min: 0 });
    const tolPctText = str(values, 'tolerance-percent');
    const tolPct = tolPctText === undefined ? undefined : Number(tolPctText);
    if (tolPct !== undefined && (!Number.isFinite(tolPct) || tolPct < 0 || tolPct > 100)) throw new UsageError(`--tolerance-percent is a number from 0 to 100 (not "${tolPctText}").`);
    const matching = {
      ...(tolMinor !== undefined ? { amountToleranceMinor: tolMinor } : {}),
      ...(tolPct !== undefined ? { amountTolerancePercent: tolPct } : {}),
      ...(Object.keys(dateWindows).length ? { dateWindows } : {}),
      ...(attempts.length ? { attempts: [...new Set(attempts)] } : {}),
    };
    const body = {
      name,
      ...(str(values, 'description') ? { description: str(values, 'description') } : {}),
      sourceIds: ids,
      with: withMap,
      ...(str(values, 'rule-set') ? { ruleSetName: str(values, 'rule-set') } : {}),
      ...(Object.keys(matching).length ? { matching } : {}),
    };
    const created = await client.send<Reconciliation>('POST', '/reconciliations', body, { keyed: true });
    const final = bool(values, 'wait') ? await waitSettled(client, io, created.id, { timeoutMs: timeoutOf(values) }) : created;
    if (json) return printJson(io, final);
    io.stdout.write(`${created.id}\n`);
    io.stderr.write(`Created "${created.name}"; its first pass is ${bool(values, 'wait') ? 'done' : 'queued (paidline wait ' + JSON.stringify(created.name) + ')'}.\n`);
  },
};

export const reconciliationShow: Command = {
  name: 'reconciliation show',
  aliases: ['reconciliations show'],
  summary: 'A reconciliation: sources, matching, ROMI settings, entries, its newest pass, settled',
  usage: '<id|name>',
  positionals: { min: 1, max: 1, names: '<id|name>' },
  async run({ client, io, positionals, json }) {
    const rec = await new Names(client).reconciliation(positionals[0]!);
    const [r, sources] = await Promise.all([client.get<Reconciliation>(`/reconciliations/${encodeURIComponent(rec.id)}`), client.get<SourceList>('/sources')]);
    if (json) return printJson(io, r);
    io.stdout.write(describe(r, new Map(sources.items.map((s) => [s.id, s.name]))));
  },
};

export const reconcile: Command = {
  name: 'reconcile',
  summary: 'Reconcile every key again (a full pass, queued); decisions on unchanged facts stay',
  usage: '<reconciliation> [--wait] [--timeout <seconds>]',
  positionals: { min: 1, max: 1, names: '<reconciliation>' },
  options: { wait: { type: 'boolean', description: 'Wait until the pass is done and everything is settled' }, ...timeoutOption },
  async run({ client, io, positionals, values, json }) {
    const rec = await new Names(client).reconciliation(positionals[0]!);
    const before = await client.get<Reconciliation>(`/reconciliations/${encodeURIComponent(rec.id)}`);
    await client.send('POST', `/reconciliations/${encodeURIComponent(rec.id)}/passes`);
    if (!bool(values, 'wait')) {
      if (json) return printJson(io, { queued: true });
      return void io.stdout.write(`A full pass of ${rec.name} is queued (paidline wait ${JSON.stringify(rec.name)}).\n`);
    }
    const r = await waitSettled(client, io, rec.id, { timeoutMs: timeoutOf(values), passBefore: before.lastPass?.id ?? null });
    if (json) return printJson(io, r);
    io.stdout.write(describe(r));
    return r.lastPass?.status === 'failed' ? EXIT.failed : EXIT.ok;
  },
};

export const passes: Command = {
  name: 'passes',
  summary: "A reconciliation's pass journal, newest first",
  usage: '<reconciliation> [--limit N]',
  positionals: { min: 1, max: 1, names: '<reconciliation>' },
  options: { limit: { type: 'string', description: 'How many (default 30, at most 200)', value: 'N' } },
  async run({ client, io, positionals, values, json }) {
    const rec = await new Names(client).reconciliation(positionals[0]!);
    const list = await client.get<PassList>(`/reconciliations/${encodeURIComponent(rec.id)}/passes`, { limit: int(str(values, 'limit'), '--limit', { min: 1, max: 200 }) });
    if (json) return printJson(io, list);
    if (!list.items.length) return void io.stderr.write('No passes yet.\n');
    io.stdout.write(table(list.items.map(passRow)));
  },
};

export const wait: Command = {
  name: 'wait',
  summary: 'Wait until a reconciliation is settled: no upload being read, no pass or figures rebuild queued',
  usage: '<reconciliation> [--timeout <seconds>]',
  positionals: { min: 1, max: 1, names: '<reconciliation>' },
  options: timeoutOption,
  async run({ client, io, positionals, values, json }) {
    const rec = await new Names(client).reconciliation(positionals[0]!);
    const r = await waitSettled(client, io, rec.id, { timeoutMs: timeoutOf(values) });
    if (json) return printJson(io, r);
    io.stdout.write(`${r.name} is settled: ${r.entries} entries, ${r.open} open.\n`);
  },
};

/** "Payment Status=Invoice Paid|Paid" (values split on |), repeated conditions on one field merged. */
export function conditionsOf(texts: readonly string[]): { field: string; values: string[] }[] {
  const out = new Map<string, string[]>();
  for (const t of texts) {
    const [field, list] = pair(t, '--condition', 'Payment Status=Invoice Paid');
    const values = list.split('|').map((v) => v.trim()).filter(Boolean);
    out.set(field, [...new Set([...(out.get(field) ?? []), ...values])]);
  }
  return [...out].map(([field, values]) => ({ field, values }));
}

export const romiSettings: Command = {
  name: 'romi-settings',
  summary: 'Set how ROMI reads a reconciliation: deal and spend sources, the payment-deal join, the revenue basis',
  usage: '<reconciliation> [--deals <source>] [--spend <source> ...] [--join <payment field>=<deal field>] [--basis deal|payment] [--condition "Field=Value|Value"] [--preview]',
  positionals: { min: 1, max: 1, names: '<reconciliation>' },
  options: {
    deals: { type: 'string', multiple: true, description: 'A CRM source whose deals count (default: every one)', value: 'source' },
    spend: { type: 'string', multiple: true, description: 'An ad-spend source (default: every one)', value: 'source' },
    join: { type: 'string', description: 'How a payment finds its deal: "key=Order Number" (the payment\'s key equals the deal\'s Order Number)', value: 'p=d' },
    basis: { type: 'string', description: 'deal: the deal\'s amount in its close month once paid; payment: the reconciled payment\'s amount on its date', value: 'basis' },
    condition: { type: 'string', multiple: true, description: 'Deal basis: the deal\'s field must be one of the values ("Payment Status=Invoice Paid")', value: 'F=V|V' },
    'any-amount': { type: 'boolean', description: 'Deal basis: count a deal even when its payment\'s amount differs' },
    preview: { type: 'boolean', description: 'Show what the settings would count, without saving' },
    wait: { type: 'boolean', description: 'Wait until the figures are rebuilt' },
    ...timeoutOption,
  },
  async run({ client, io, positionals, values, json }) {
    const names = new Names(client);
    const rec = await names.reconciliation(positionals[0]!);
    const deals = strs(values, 'deals');
    const spend = strs(values, 'spend');
    const joinText = str(values, 'join');
    const join = joinText ? pair(joinText, '--join', 'key=Order Number') : null;
    const basis = oneOf(str(values, 'basis'), ['deal', 'payment'] as const, '--basis');
    // What is not given stays as it is.
    const current = rec.romi;
    const body = {
      dealSourceIds: deals.length ? await names.sourceIds(deals) : (current?.dealSourceIds ?? null),
      spendSourceIds: spend.length ? await names.sourceIds(spend) : (current?.spendSourceIds ?? null),
      ...(join ? { join: { payment: join[0], deal: join[1] } } : current ? { join: current.join } : {}),
      ...(basis ? { basis } : current ? { basis: current.basis } : {}),
      ...(strs(values, 'condition').length ? { dealConditions: conditionsOf(strs(values, 'condition')) } : current ? { dealConditions: current.dealConditions } : {}),
      sameAmount: bool(values, 'any-amount') ? false : (current?.sameAmount ?? true),
      preview: bool(values, 'preview'),
    };
    const saved = await client.send<RomiSaved>('PUT', `/reconciliations/${encodeURIComponent(rec.id)}/romi`, body);
    if (saved.preview) {
      if (json) return printJson(io, saved);
      const p = saved.preview;
      const amounts = (xs: { currency: string; amountMinor: string }[]) => xs.map((x) => money(x.amountMinor, x.currency)).join(' + ') || money(0, 'USD');
      io.stdout.write(fields([
        ['Won deals', p.wonDeals],
        ['Linked to a payment', `${p.linked} of ${p.wonDeals}`],
        ['Paid', p.paid],
        ['Count', `${p.counted} deals: ${amounts(p.countedMinor)}`],
        ['Refunded', `${p.refunded} deals (count nothing)`],
        ['Not yet counted', `${p.waiting} deals: ${amounts(p.waitingMinor)}`],
        ['Payments linked', `${p.paymentsLinked} of ${p.payments}`],
        ['Unlinked deals', p.unlinked.length],
      ]));
      if (!rec.settled) io.stderr.write(`Note: ${rec.name} is not settled yet: the preview reads the ledger as it is now (paidline wait ${JSON.stringify(rec.name)} first for the final picture).\n`);
      io.stderr.write('Preview only: nothing was saved (run it again without --preview).\n');
      return;
    }
    const after = bool(values, 'wait') && saved.changed ? await waitSettled(client, io, rec.id, { timeoutMs: timeoutOf(values) }) : null;
    if (json) return printJson(io, after ? { ...saved, reconciliation: after } : saved);
    io.stdout.write(saved.changed ? `Saved the ROMI settings of ${rec.name}; ${after ? 'the figures are rebuilt' : `the figures are being rebuilt (paidline wait ${JSON.stringify(rec.name)})`}.\n` : `No change: ${rec.name} already has these ROMI settings.\n`);
  },
};

export const channelsList: Command = {
  name: 'channels list',
  aliases: ['channel list'],
  summary: 'Every channel value the deals and spend hold, with the channel it counts as',
  async run({ client, io, json }) {
    const list = await client.get<ChannelList>('/channels');
    if (json) return printJson(io, list);
    if (!list.items.length) return void io.stderr.write('No channel values yet: upload deals or spend first.\n');
    io.stdout.write(table(list.items.map((c) => ({ value: c.value, from: c.origin, rows: c.rows, countsAs: c.channel, mapped: c.mapped ? 'yes' : '', suggestion: c.suggestion ?? '' }))));
  },
};

export const channelsMap: Command = {
  name: 'channels map',
  aliases: ['channel map'],
  summary: 'Say which channel values count as which channel ("Google Ads=Paid Search"; "Value=" removes a mapping)',
  usage: '"<value>=<channel>" ...',
  positionals: { min: 1, max: 500, names: '"<value>=<channel>"' },
  async run({ client, io, positionals, json }) {
    const mappings = positionals.map((p) => {
      const at = p.indexOf('=');
      if (at <= 0) throw new UsageError(`A mapping is written "Google Ads=Paid Search" (not "${p}").`);
      return { value: p.slice(0, at).trim(), channel: p.slice(at + 1).trim() };
    });
    const saved = await client.send<{ changed: number }>('PUT', '/channels', { mappings });
    if (json) return printJson(io, saved);
    io.stdout.write(saved.changed ? `Saved ${saved.changed} change${saved.changed === 1 ? '' : 's'}; the figures are being rebuilt.\n` : 'No change.\n');
  },
};

export const reconciliationCommands = [reconciliationsList, reconciliationCreate, reconciliationShow, reconcile, passes, wait, romiSettings, channelsList, channelsMap];
