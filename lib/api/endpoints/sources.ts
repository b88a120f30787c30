/** Sources, their profiles and their uploads. */
import { z } from 'zod';
import { SOURCE_KINDS, IngestProfileSchema } from '@/lib/features/ingestion/profile';
import { newSourceSchema } from '@/lib/features/ingestion/sources';
import type { ApiEndpoint } from '@/lib/server/pipeline/api';
import { id, idParams, ok, timestamp } from '../schemas';

const source = z.object({
  id,
  name: z.string(),
  kind: z.enum(SOURCE_KINDS),
  description: z.string(),
  createdAt: timestamp,
  lastIngestedAt: timestamp.nullable(),
  profileVersion: z.number().int().nullable().describe('The current profile version (null: none yet; the first upload makes it)'),
  presetId: z.string().nullable(),
  committedIngestions: z.number().int(),
  records: z.number().int(),
});

const profileVersion = z.object({ version: z.number().int(), presetId: z.string().nullable(), note: z.string(), createdAt: timestamp });

const sourceDetail = source.extend({
  archivedAt: timestamp.nullable(),
  profile: z.object({ version: z.number().int(), presetId: z.string().nullable(), profile: z.looseObject({}).describe('The profile (IngestProfile)') }).nullable(),
  versions: z.array(profileVersion),
});

const presetList = z.object({
  items: z.array(z.object({ id: z.string(), label: z.string(), kind: z.string(), profile: z.looseObject({}) })),
});

export const listSources = {
  id: 'listSources',
  method: 'GET',
  path: '/sources',
  tag: 'Sources',
  summary: 'List the sources (not archived)',
  permission: 'sources:view',
  response: z.object({ items: z.array(source) }),
} satisfies ApiEndpoint;

export const createSource = {
  id: 'createSource',
  method: 'POST',
  path: '/sources',
  tag: 'Sources',
  summary: 'Add a source',
  description: 'Optionally with a preset (its profile becomes version 1) or a profile of your own. Without either, the first upload is mapped with POST /ingestions/{id}/start.',
  permission: 'sources:manage',
  body: newSourceSchema.extend({
    preset: z.string().max(80).optional().describe('A preset id from GET /presets'),
    profile: IngestProfileSchema.optional(),
  }),
  response: source,
  status: 201,
  idempotent: true,
} satisfies ApiEndpoint;

export const getSource = {
  id: 'getSource',
  method: 'GET',
  path: '/sources/{id}',
  tag: 'Sources',
  summary: 'Read a source with its current profile and versions',
  permission: 'sources:view',
  params: idParams,
  response: sourceDetail,
} satisfies ApiEndpoint;

export const updateSourceProfile = {
  id: 'updateSourceProfile',
  method: 'PUT',
  path: '/sources/{id}/profile',
  tag: 'Sources',
  summary: 'Save a profile as the next version',
  description: 'Uploads read with it from now on; an unchanged profile keeps its version (created: false). Ingested uploads keep the version they were read with (POST /ingestions/{id}/reprocess reads one again).',
  permission: 'sources:manage',
  params: idParams,
  body: z.object({ profile: IngestProfileSchema, presetId: z.string().max(80).nullable().optional(), note: z.string().max(200).optional() }),
  response: z.object({ version: z.number().int(), created: z.boolean() }),
} satisfies ApiEndpoint;

export const archiveSource = {
  id: 'archiveSource',
  method: 'POST',
  path: '/sources/{id}/archive',
  tag: 'Sources',
  summary: 'Archive a source (its records stay)',
  permission: 'sources:manage',
  params: idParams,
  response: ok,
} satisfies ApiEndpoint;

export const listPresets = {
  id: 'listPresets',
  method: 'GET',
  path: '/presets',
  tag: 'Sources',
  summary: 'The built-in profiles of known exports (Stripe, PayPal, banks, CRMs, ad platforms)',
  permission: 'sources:view',
  response: presetList,
} satisfies ApiEndpoint;
