/**
 * The company's channel list (Settings -> Channels): each value a CRM field or an ad source gives
 * ("Google Ads", "google / cpc", "Paid Search") counts as the channel the company chose for it. A value
 * nobody mapped counts as written: names are never rewritten silently. Known spellings of one platform
 * are offered as suggestions (lib/domain/channels.ts), applied only when a person accepts them.
 */
import { z } from 'zod';
import { getPrisma, type DbClient as Client } from '@/lib/server/db/client';
import { writeAudit } from '@/lib/server/db/audit';
import { activeSourceIds } from '@/lib/server/db/source-records';
import { assertCan } from '@/lib/server/authorize';
import { type Actor } from '@/lib/domain/actor';
import { channelFamily } from '@/lib/domain/channels';
import { parseAttrs } from './attrs';

const norm = (v: string) => v.trim().toLowerCase();

/** The mapping as a function over values as written (case and spaces around them do not matter). */
export async function loadChannelMap(db: Client = getPrisma()): Promise<(raw: string) => string> {
  const rows = await db.channelAlias.findMany({ select: { value: true, channel: true } });
  const map = new Map(rows.map((r) => [norm(r.value), r.channel]));
  return (raw: string) => map.get(norm(raw)) ?? raw.trim();
}

export type ChannelValue = {
  /** The value as written. */
  value: string;
  /** Where it comes from: CRM deals (a channel or lead-source field) or an ad-spend source. */
  origin: 'deals' | 'spend';
  /** Deals carrying it, or spend rows under it. */
  rows: number;
  /** The channel it counts as (itself when unmapped). */
  channel: string;
  mapped: boolean;
  /** A channel of the other side that looks like the same platform (never applied by itself). */
  suggestion: string | null;
};

/**
 * Every channel value the data holds, with what it counts as and a suggestion: spend sources name
 * their platform ("Google Ads"), CRM deals their lead source ("Paid Search"); a spend value whose
 * platform family matches a CRM value's is suggested to count as that CRM value (deals carry the revenue).
 */
export async function channelValues(db: Client = getPrisma()): Promise<ChannelValue[]> {
  const active = await activeSourceIds(db);
  const [aliases, deals, spend] = await Promise.all([
    db.channelAlias.findMany({ select: { value: true, channel: true } }),
    db.sourceRecord.groupBy({ by: ['attrs'], where: { dataset: 'deals', sourceId: { in: active } }, _count: { _all: true } }),
    db.sourceRecord.groupBy({ by: ['sourceId', 'attrs'], where: { dataset: 'spend', sourceId: { in: active } }, _count: { _all: true } }),
  ]);
  const sourceNames = new Map((await db.source.findMany({ where: { id: { in: [...new Set(spend.map((g) => g.sourceId))] } }, select: { id: true, name: true } })).map((x) => [x.id, x.name]));
  const mapped = new Map(aliases.map((a) => [norm(a.value), a.channel]));
  const counts = new Map<string, { value: string; origin: 'deals' | 'spend'; rows: number }>();
  const add = (value: string | undefined, origin: 'deals' | 'spend', n: number) => {
    const v = (value ?? '').trim();
    if (!v) return;
    const k = `${origin}\u0000${norm(v)}`;
    const c = counts.get(k) ?? { value: v, origin, rows: 0 };
    c.rows += n;
    counts.set(k, c);
  };
  for (const g of deals) {
    const a = parseAttrs(g.attrs);
    add(a.channel ?? a.leadSource, 'deals', g._count._all);
    if (a.utmSource) add(a.utmSource, 'deals', g._count._all);
  }
  for (const g of spend) add(parseAttrs(g.attrs).channel ?? sourceNames.get(g.sourceId), 'spend', g._count._all);
  const dealValues = [...counts.values()].filter((c) => c.origin === 'deals');
  return [...counts.values()]
    .map((c) => {
      const channel = mapped.get(norm(c.value)) ?? c.value;
      const family = channelFamily(c.value);
      const twin = c.origin === 'spend' && family ? dealValues.find((d) => channelFamily(d.value) === family && norm(d.value) !== norm(c.value)) : undefined;
      return { ...c, channel, mapped: mapped.has(norm(c.value)), suggestion: twin && twin.value !== channel ? twin.value : null };
    })
    .sort((a, b) => (a.origin === b.origin ? b.rows - a.rows || a.value.localeCompare(b.value) : a.origin === 'deals' ? -1 : 1));
}

export const channelMappingSchema = z
  .array(
    z.object({
      value: z.string().trim().min(1, 'A channel value is empty.').max(200, 'Channel values are at most 200 characters.'),
      /** The channel it counts as; empty: as written (the mapping is removed). */
      channel: z.string().trim().max(80, 'Channel names are at most 80 characters.'),
    }),
  )
  .max(500, 'At most 500 channel values at once.');
export type ChannelMappingInput = z.input<typeof channelMappingSchema>;

/**
 * Saves how channel values count (one change per value; an empty or identical channel removes the
 * mapping), audited in the same transaction. Returns how many mappings changed; the caller rebuilds
 * the ROMI figures when any did.
 */
export async function saveChannelMapping(raw: ChannelMappingInput, actor: Actor | null, db: Client = getPrisma()): Promise<number> {
  if (actor) assertCan(actor, 'reconciliations:manage');
  const changes = channelMappingSchema.parse(raw);
  return db.$transaction(async (tx) => {
    const before = new Map((await tx.channelAlias.findMany({ where: { value: { in: changes.map((c) => c.value) } } })).map((a) => [a.value, a.channel]));
    const done: { value: string; before: string | null; after: string | null }[] = [];
    for (const c of changes) {
      const was = before.get(c.value) ?? null;
      const now = c.channel && c.channel !== c.value ? c.channel : null;
      if (was === now) continue;
      if (now) await tx.channelAlias.upsert({ where: { value: c.value }, create: { value: c.value, channel: now, updatedById: actor?.id ?? null }, update: { channel: now, updatedById: actor?.id ?? null } });
      else await tx.channelAlias.deleteMany({ where: { value: c.value } });
      done.push({ value: c.value, before: was, after: now });
    }
    if (done.length) await writeAudit(tx, { actor, action: 'channels.map', entityType: 'ChannelAlias', entityId: null, before: Object.fromEntries(done.map((d) => [d.value, d.before])), after: Object.fromEntries(done.map((d) => [d.value, d.after])) });
    return done.length;
  });
}
