import { z } from 'zod';
import { IngestProfileSchema, SOURCE_KINDS, type IngestProfile, type IngestProfileInput, type SourceKind } from '@/lib/features/ingestion/profile';
import { getPrisma } from '@/lib/server/db/client';
import { writeAudit } from '@/lib/server/db/audit';
import { AppError } from '@/lib/server/core/app-error';

type Client = ReturnType<typeof getPrisma>;
type Actor = { id: string; email: string } | null;

export const newSourceSchema = z.object({
  name: z
    .string()
    .trim()
    .min(1, 'Give the source a name, such as "Stripe EU" or "Bank – checking".')
    .max(80, 'Source names are at most 80 characters.')
    .regex(/^[\p{L}\p{N} _.\-–()&/]+$/u, 'Use letters, digits, spaces and . - _ ( ) & / only.'),
  kind: z.enum(SOURCE_KINDS, { error: () => `Kind must be one of: ${SOURCE_KINDS.join(', ')}` }),
  description: z.string().trim().max(500).default(''),
});

/** 409: the name is taken (the form highlights the name field). */
function sourceNameTakenError(name: string): AppError {
  const message = `A source named "${name}" already exists. Pick another name.`;
  return new AppError('conflict', message, { fields: { name: message } });
}

export type SourceSummary = {
  id: string;
  name: string;
  kind: SourceKind;
  description: string;
  createdAt: Date;
  lastIngestedAt: Date | null;
  currentVersion: number | null;
  presetId: string | null;
  committedIngestions: number;
  records: number;
};

export async function createSource(
  input: z.input<typeof newSourceSchema>,
  opts: { actor: Actor; profile?: IngestProfileInput; presetId?: string | null; db?: Client },
): Promise<{ id: string }> {
  const data = newSourceSchema.parse(input);
  const profile = opts.profile ? IngestProfileSchema.parse(opts.profile) : null;
  const db = opts.db ?? getPrisma();
  return db.$transaction(async (tx) => {
    if (await tx.source.findUnique({ where: { name: data.name }, select: { id: true } })) throw sourceNameTakenError(data.name);
    const source = await tx.source.create({ data: { ...data, createdById: opts.actor?.id ?? null } });
    await writeAudit(tx, { actor: opts.actor, action: 'source.create', entityType: 'Source', entityId: source.id, after: data });
    if (profile) {
      const version = await tx.sourceProfileVersion.create({
        data: { sourceId: source.id, version: 1, profile: JSON.stringify(profile), presetId: opts.presetId ?? null, createdById: opts.actor?.id ?? null, note: 'Initial profile' },
      });
      await writeAudit(tx, { actor: opts.actor, action: 'profile.version.create', entityType: 'SourceProfileVersion', entityId: version.id, after: { sourceId: source.id, version: 1, presetId: opts.presetId ?? null } });
    }
    return { id: source.id };
  });
}

export async function listSources(db: Client = getPrisma()): Promise<SourceSummary[]> {
  const sources = await db.source.findMany({
    where: { archivedAt: null },
    orderBy: { name: 'asc' },
    include: { versions: { orderBy: { version: 'desc' }, take: 1, select: { version: true, presetId: true } } },
  });
  const ingestions = await db.ingestion.groupBy({
    by: ['sourceId'],
    where: { status: 'committed' },
    _count: { _all: true },
    _sum: { rowsValid: true },
  });
  const bySource = new Map(ingestions.map((i) => [i.sourceId, i]));
  return sources.map((s) => ({
    id: s.id,
    name: s.name,
    kind: s.kind as SourceKind,
    description: s.description,
    createdAt: s.createdAt,
    lastIngestedAt: s.lastIngestedAt,
    currentVersion: s.versions[0]?.version ?? null,
    presetId: s.versions[0]?.presetId ?? null,
    committedIngestions: bySource.get(s.id)?._count._all ?? 0,
    records: bySource.get(s.id)?._sum.rowsValid ?? 0,
  }));
}

export async function getSource(id: string, db: Client = getPrisma()) {
  return db.source.findUnique({
    where: { id },
    select: { id: true, name: true, kind: true, description: true, createdAt: true, lastIngestedAt: true, archivedAt: true },
  });
}

export type ProfileVersion = { id: string; version: number; profile: IngestProfile; presetId: string | null; note: string; createdAt: Date };

export async function currentProfileVersion(sourceId: string, db: Client = getPrisma()): Promise<ProfileVersion | null> {
  const row = await db.sourceProfileVersion.findFirst({ where: { sourceId }, orderBy: { version: 'desc' } });
  if (!row) return null;
  return { ...row, profile: IngestProfileSchema.parse(JSON.parse(row.profile)) };
}

export async function listProfileVersions(sourceId: string, db: Client = getPrisma()) {
  return db.sourceProfileVersion.findMany({
    where: { sourceId },
    orderBy: { version: 'desc' },
    select: { id: true, version: true, presetId: true, note: true, createdAt: true, createdById: true },
  });
}

/** Stable JSON for comparing profiles regardless of key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Returns the version to use for a profile: the current one when nothing changed,
 * otherwise a new, immutable version (audited in the same transaction).
 */
export async function ensureProfileVersion(
  sourceId: string,
  input: IngestProfileInput,
  opts: { actor: Actor; presetId?: string | null; note?: string; db?: Client },
): Promise<{ id: string; version: number; created: boolean }> {
  const profile = IngestProfileSchema.parse(input);
  const db = opts.db ?? getPrisma();
  return db.$transaction(async (tx) => {
    const current = await tx.sourceProfileVersion.findFirst({ where: { sourceId }, orderBy: { version: 'desc' } });
    if (current && canonicalJson(JSON.parse(current.profile)) === canonicalJson(profile)) {
      return { id: current.id, version: current.version, created: false };
    }
    const version = (current?.version ?? 0) + 1;
    const row = await tx.sourceProfileVersion.create({
      data: {
        sourceId,
        version,
        profile: JSON.stringify(profile),
        presetId: opts.presetId ?? current?.presetId ?? null,
        note: opts.note ?? (current ? 'Edited mapping' : 'Initial profile'),
        createdById: opts.actor?.id ?? null,
      },
    });
    await writeAudit(tx, {
      actor: opts.actor,
      action: 'profile.version.create',
      entityType: 'SourceProfileVersion',
      entityId: row.id,
      before: current ? { version: current.version, profile: JSON.parse(current.profile) } : null,
      after: { sourceId, version, profile },
    });
    return { id: row.id, version, created: true };
  });
}
