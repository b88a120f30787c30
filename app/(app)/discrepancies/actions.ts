'use server';

import { z } from 'zod';
import type { SessionUser } from '@/lib/auth/session-schema';
import { addComment, assignDiscrepancy, bulkResolve, resolveDiscrepancy, undoResolution, type ResolveInput } from '@/lib/features/review/resolve';
import { type Actor as ReviewActor } from '@/lib/domain/actor';
import { defineAction, issueMessages } from '@/lib/server/pipeline/action';

/*
 * Every action checks the permission matrix first (a forged request from a role without it gets
 * 403, whatever the page showed), then calls one domain function, which checks it again.
 */
const idSchema = z.coerce.number().int().positive();
const versionSchema = z.coerce.number().int().min(0);
const resolveInput = z.custom<ResolveInput>(); // the domain function validates it
const REVIEW = { revalidate: { path: '/discrepancies', type: 'layout' as const }, invalidMessage: issueMessages.plain() };

function actorOf(user: SessionUser): ReviewActor {
  return { id: user.id, email: user.email, role: user.role };
}

export const resolveAction = defineAction(
  { name: 'discrepancies.resolve', permission: 'discrepancies:resolve', input: z.tuple([idSchema, versionSchema, resolveInput]), ...REVIEW },
  async ([id, version, input], { user }) => resolveDiscrepancy(id, version, input, actorOf(user)),
);

export const bulkResolveAction = defineAction(
  {
    name: 'discrepancies.bulk_resolve',
    permission: 'discrepancies:resolve',
    input: z.tuple([z.array(z.object({ id: idSchema, version: versionSchema })).max(1000), resolveInput]),
    ...REVIEW,
  },
  async ([items, input], { user }) => bulkResolve(items, input, actorOf(user)),
);

export const assignAction = defineAction(
  {
    name: 'discrepancies.assign',
    permission: 'discrepancies:resolve',
    input: z.tuple([idSchema, versionSchema, z.string().max(40).nullable().transform((v) => v || null)]),
    ...REVIEW,
  },
  async ([id, version, assigneeId], { user }) => assignDiscrepancy(id, version, assigneeId, actorOf(user)),
);

export const undoAction = defineAction(
  { name: 'discrepancies.undo', permission: 'discrepancies:resolve', input: z.tuple([idSchema]), ...REVIEW },
  async ([id], { user }) => undoResolution(id, actorOf(user)),
);

export const commentAction = defineAction(
  { name: 'discrepancies.comment', permission: 'discrepancies:comment', input: z.tuple([idSchema, z.string({ error: 'A comment is text: type it in the box.' })]), ...REVIEW },
  async ([id, body], { user }) => addComment(id, body, actorOf(user)),
);
