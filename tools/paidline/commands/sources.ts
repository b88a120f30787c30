/** whoami, sources, presets. */
import { readFileSync } from 'node:fs';
import { str, UsageError, oneOf } from '../args';
import type { Me, PresetList, ProfileSaved, Source, SourceDetail, SourceList } from '../api-types';
import { Names, type Command } from '../context';
import { fields, printJson, table } from '../output';

export const SOURCE_KINDS = ['gateway', 'bank', 'crm', 'erp', 'ads', 'other'] as const;

/** A profile from a JSON file: the profile itself, or an object holding it under "profile" (what GET /sources/{id} shows). */
export function readProfileFile(path: string): { profile: Record<string, unknown>; presetId?: string | null } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`Cannot read the profile file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`The profile file ${path} is not JSON: ${(error as Error).message}.`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new UsageError(`The profile file ${path} holds no profile object.`);
  const obj = value as Record<string, unknown>;
  if (obj.profile && typeof obj.profile === 'object' && !('columns' in obj)) {
    // { profile: {...} } as GET /sources/{id} shows it (which may name its preset), or a start body.
    const inner = obj.profile as Record<string, unknown>;
    if ('profile' in inner && typeof inner.profile === 'object') return { profile: inner.profile as Record<string, unknown>, presetId: (inner.presetId as string | null) ?? null };
    return { profile: inner, presetId: (obj.presetId as string | null | undefined) ?? undefined };
  }
  return { profile: obj };
}

const sourceColumns = [
  { key: 'name' },
  { key: 'kind' },
  { key: 'id' },
  { key: 'profile', right: true },
  { key: 'preset' },
  { key: 'uploads', right: true },
  { key: 'records', right: true },
  { key: 'lastIngested' },
];

const sourceRow = (s: Source) => ({
  name: s.name,
  kind: s.kind,
  id: s.id,
  profile: s.profileVersion === null ? '-' : `v${s.profileVersion}`,
  preset: s.presetId ?? '',
  uploads: s.committedIngestions,
  records: s.records,
  lastIngested: s.lastIngestedAt?.slice(0, 19).replace('T', ' ') ?? '',
});

export const whoami: Command = {
  name: 'whoami',
  summary: 'Who the token acts for, its role and whether it is read-only',
  async run({ client, io, json }) {
    const me = await client.get<Me>('/me');
    if (json) return printJson(io, me);
    io.stdout.write(fields([
      ['User', `${me.user.name} <${me.user.email}>`],
      ['Role', me.user.role],
      ['Token', `${me.token.id}${me.token.readOnly ? ' (read-only)' : ''}`],
      ['Server', client.base],
      ['May', me.token.readOnly ? `read only (${me.permissions.length} permissions of the role, for reading)` : me.permissions.join(', ')],
    ]));
  },
};

export const sourcesList: Command = {
  name: 'sources list',
  aliases: ['source list'],
  summary: 'List the sources (not archived)',
  async run({ client, io, json }) {
    const list = await client.get<SourceList>('/sources');
    if (json) return printJson(io, list);
    if (!list.items.length) return void io.stderr.write('No sources yet: paidline sources create --name Stripe --kind gateway\n');
    io.stdout.write(table(list.items.map(sourceRow), sourceColumns));
  },
};

export const sourcesCreate: Command = {
  name: 'sources create',
  aliases: ['source create'],
  summary: 'Add a source, optionally with a preset or a profile of your own',
  usage: '--name <name> --kind gateway|bank|crm|erp|ads|other [--preset <id>] [--profile <file.json>] [--description <text>]',
  options: {
    name: { type: 'string', description: 'Its name ("Stripe", "Operating bank")', value: 'name' },
    kind: { type: 'string', description: SOURCE_KINDS.join(' | '), value: 'kind' },
    preset: { type: 'string', description: 'A preset id (paidline presets): its profile becomes version 1', value: 'id' },
    profile: { type: 'string', description: 'A profile JSON file: it becomes version 1', value: 'file' },
    description: { type: 'string', description: 'A description', value: 'text' },
  },
  async run({ client, io, values, json }) {
    const name = str(values, 'name');
    const kind = oneOf(str(values, 'kind'), SOURCE_KINDS, '--kind');
    if (!name || !kind) throw new UsageError('Both --name and --kind are required.');
    const preset = str(values, 'preset');
    const profileFile = str(values, 'profile');
    if (preset && profileFile) throw new UsageError('Give --preset or --profile, not both.');
    const body = { name, kind, ...(str(values, 'description') ? { description: str(values, 'description') } : {}), ...(preset ? { preset } : {}), ...(profileFile ? { profile: readProfileFile(profileFile).profile } : {}) };
    const created = await client.send<Source>('POST', '/sources', body, { keyed: true });
    if (json) return printJson(io, created);
    io.stdout.write(`${created.id}\n`);
    io.stderr.write(`Added the ${created.kind} source "${created.name}"${created.profileVersion ? ` with profile v${created.profileVersion}` : ''}. Upload to it: paidline upload --source "${created.name}" <file> --wait\n`);
  },
};

export const sourcesShow: Command = {
  name: 'sources show',
  aliases: ['source show'],
  summary: 'A source with its current profile and profile versions',
  usage: '<id|name>',
  positionals: { min: 1, max: 1, names: '<id|name>' },
  async run({ client, io, positionals, json }) {
    const source = await new Names(client).source(positionals[0]!);
    const detail = await client.get<SourceDetail>(`/sources/${encodeURIComponent(source.id)}`);
    if (json) return printJson(io, detail);
    io.stdout.write(fields([
      ['Name', detail.name],
      ['Id', detail.id],
      ['Kind', detail.kind],
      ['Description', detail.description],
      ['Created', detail.createdAt],
      ['Last ingested', detail.lastIngestedAt ?? 'never'],
      ['Uploads', detail.committedIngestions],
      ['Records', detail.records],
      ['Profile', detail.profile ? `v${detail.profile.version}${detail.profile.presetId ? ` (preset ${detail.profile.presetId})` : ''}` : 'none yet (the first upload makes it)'],
    ]));
    if (detail.versions.length) io.stdout.write(`\n${table(detail.versions.map((v) => ({ version: `v${v.version}`, preset: v.presetId ?? '', created: v.createdAt.slice(0, 19).replace('T', ' '), note: v.note })))}`);
    if (detail.profile) io.stdout.write(`\nCurrent profile (paidline sources show ${JSON.stringify(detail.name)} --json > profile.json saves it):\n${JSON.stringify(detail.profile.profile, null, 2)}\n`);
  },
};

export const sourcesProfile: Command = {
  name: 'sources profile',
  aliases: ['source profile'],
  summary: "Save a profile as the source's next version (PUT /sources/{id}/profile)",
  usage: '<id|name> --file <profile.json> [--note <text>] [--preset-id <id>]',
  positionals: { min: 1, max: 1, names: '<id|name>' },
  options: {
    file: { type: 'string', description: 'The profile JSON (a profile, or { "profile": ... } as sources show --json prints it)', value: 'file' },
    note: { type: 'string', description: 'A note on the version', value: 'text' },
    'preset-id': { type: 'string', description: 'The preset it derives from', value: 'id' },
  },
  async run({ client, io, values, positionals, json }) {
    const file = str(values, 'file');
    if (!file) throw new UsageError('--file is required.');
    const source = await new Names(client).source(positionals[0]!);
    const { profile, presetId } = readProfileFile(file);
    const preset = str(values, 'preset-id') ?? presetId;
    const saved = await client.send<ProfileSaved>('PUT', `/sources/${encodeURIComponent(source.id)}/profile`, { profile, ...(preset !== undefined ? { presetId: preset } : {}), ...(str(values, 'note') ? { note: str(values, 'note') } : {}) });
    if (json) return printJson(io, saved);
    io.stdout.write(saved.created ? `Saved as profile v${saved.version} of ${source.name}.\n` : `Unchanged: ${source.name} keeps profile v${saved.version}.\n`);
  },
};

export const sourcesArchive: Command = {
  name: 'sources archive',
  aliases: ['source archive'],
  summary: 'Archive a source (its records stay)',
  usage: '<id|name>',
  positionals: { min: 1, max: 1, names: '<id|name>' },
  async run({ client, io, positionals, json }) {
    const source = await new Names(client).source(positionals[0]!);
    const done = await client.send<{ ok: true }>('POST', `/sources/${encodeURIComponent(source.id)}/archive`);
    if (json) return printJson(io, done);
    io.stdout.write(`Archived ${source.name}.\n`);
  },
};

export const presets: Command = {
  name: 'presets',
  summary: 'The built-in profiles of known exports (for sources create --preset)',
  options: { kind: { type: 'string', description: 'Only this kind of source', value: 'kind' } },
  async run({ client, io, values, json }) {
    const list = await client.get<PresetList>('/presets');
    const kind = str(values, 'kind');
    const items = kind ? list.items.filter((p) => p.kind === kind) : list.items;
    if (json) return printJson(io, { items });
    io.stdout.write(table(items.map((p) => ({ id: p.id, kind: p.kind, label: p.label }))));
  },
};

export const sourceCommands = [whoami, sourcesList, sourcesCreate, sourcesShow, sourcesProfile, sourcesArchive, presets];
