/**
 * Personal access tokens: a person makes one on Account -> API tokens for a script or the CLI. It
 * acts with its owner's role through the same permission matrix, optionally read-only and with an
 * expiry; its secret is shown once and only its SHA-256 digest is kept (a 256-bit random secret
 * needs no slow hash). It stops working when revoked (by its owner or an admin), past its expiry,
 * when its owner is disabled, or once its owner's session version moves on (signed out everywhere,
 * a password, role or MFA reset): the same events that end their browser sessions.
 */
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Role } from '@/lib/domain/roles';
import { roleSchema } from '@/lib/domain/roles';
import { can } from '@/lib/domain/permissions';
import { AppError, ForbiddenError, InvalidRequestError, NotFoundError } from '@/lib/server/core/app-error';
import { getPrisma, type DbClient as Client } from '@/lib/server/db/client';
import { writeAudit } from '@/lib/server/db/audit';
import type { Actor, Meta } from './account';
import { MFA_REQUIRED_MESSAGE, mfaRequiredFor } from './totp';

export const TOKEN_PREFIX = 'pl_';
/** How many characters of the secret a list shows ("pl_" and 8 more). */
const SHOWN = TOKEN_PREFIX.length + 8;
/** At most this many live tokens per person: a leaked list stays short, and each is named. */
export const MAX_TOKENS_PER_USER = 25;
/** A token used again within this many seconds does not write its last use again. */
const LAST_USED_GRANULARITY_MS = 60_000;

export const newTokenSchema = z.object({
  name: z.string().trim().min(1, 'Name the token after what uses it ("Nightly bank upload").').max(80, 'A token name has at most 80 characters.'),
  readOnly: z.boolean().default(false),
  /** Days until it expires; null: it does not expire. */
  expiresInDays: z.number().int('Expiry is a whole number of days.').min(1, 'A token lasts at least one day.').max(3650, 'A token lasts at most 10 years; leave the expiry empty for none.').nullable().default(90),
});
export type NewToken = z.input<typeof newTokenSchema>;

export type TokenState = 'active' | 'revoked' | 'expired';

export type TokenRow = {
  id: string;
  name: string;
  prefix: string;
  readOnly: boolean;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  lastUsedIp: string | null;
  state: TokenState;
  /** Why it no longer works, in words (null while active). */
  stateReason: string | null;
  owner: { id: string; email: string; role: string };
};

export function digestOf(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

type TokenWithUser = {
  revokedAt: Date | null;
  expiresAt: Date | null;
  sessionVersion: number;
  user: { disabled: boolean; sessionVersion: number };
};

/** Whether a token works now, and why not. */
export function stateOf(t: TokenWithUser, now = new Date()): { state: TokenState; reason: string | null } {
  if (t.revokedAt) return { state: 'revoked', reason: 'Revoked.' };
  if (t.user.disabled) return { state: 'revoked', reason: 'Its owner is disabled.' };
  if (t.user.sessionVersion !== t.sessionVersion) return { state: 'revoked', reason: "Its owner's sessions were ended (sign out everywhere, a password, role or MFA change)." };
  if (t.expiresAt && t.expiresAt.getTime() <= now.getTime()) return { state: 'expired', reason: `Expired on ${t.expiresAt.toISOString().slice(0, 10)}.` };
  return { state: 'active', reason: null };
}

/** Makes a token for the actor; the secret is returned here once and never again. */
export async function createApiToken(actor: Actor, input: NewToken, meta: Meta = {}, db: Client = getPrisma()): Promise<{ secret: string; token: TokenRow }> {
  const data = newTokenSchema.parse(input);
  const secret = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const now = new Date();
  const created = await db.$transaction(async (tx) => {
    const user = await tx.user.findUnique({ where: { id: actor.id }, select: { sessionVersion: true, disabled: true } });
    if (!user || user.disabled) throw new ForbiddenError('This account cannot make tokens.');
    const live = await tx.apiToken.count({ where: { userId: actor.id, revokedAt: null, sessionVersion: user.sessionVersion, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] } });
    if (live >= MAX_TOKENS_PER_USER) throw new InvalidRequestError(`You have ${live} working tokens, the most one person may hold. Revoke one you no longer use first.`);
    const token = await tx.apiToken.create({
      data: {
        userId: actor.id,
        name: data.name,
        prefix: secret.slice(0, SHOWN),
        hash: digestOf(secret),
        readOnly: data.readOnly,
        expiresAt: data.expiresInDays === null ? null : new Date(now.getTime() + data.expiresInDays * 86_400_000),
        sessionVersion: user.sessionVersion,
      },
      include: { user: { select: { id: true, email: true, role: true, disabled: true, sessionVersion: true } } },
    });
    await writeAudit(tx, {
      actor,
      action: 'api_token.create',
      entityType: 'ApiToken',
      entityId: token.id,
      after: { name: token.name, prefix: token.prefix, readOnly: token.readOnly, expiresAt: token.expiresAt?.toISOString() ?? null },
      ...meta,
    });
    return token;
  });
  return { secret, token: rowOf(created, now) };
}

function rowOf(t: Parameters<typeof stateOf>[0] & { id: string; name: string; prefix: string; readOnly: boolean; createdAt: Date; lastUsedAt: Date | null; lastUsedIp: string | null; user: { id: string; email: string; role: string } }, now: Date): TokenRow {
  const { state, reason } = stateOf(t, now);
  return {
    id: t.id,
    name: t.name,
    prefix: t.prefix,
    readOnly: t.readOnly,
    createdAt: t.createdAt,
    expiresAt: t.expiresAt,
    lastUsedAt: t.lastUsedAt,
    lastUsedIp: t.lastUsedIp,
    state,
    stateReason: reason,
    owner: { id: t.user.id, email: t.user.email, role: t.user.role },
  };
}

/** A person's tokens, or everyone's (an admin's list), newest first. */
export async function listApiTokens(scope: { userId: string } | 'all', db: Client = getPrisma()): Promise<TokenRow[]> {
  const now = new Date();
  const rows = await db.apiToken.findMany({
    where: scope === 'all' ? {} : { userId: scope.userId },
    orderBy: [{ createdAt: 'desc' }],
    take: 500,
    include: { user: { select: { id: true, email: true, role: true, disabled: true, sessionVersion: true } } },
  });
  return rows.map((r) => rowOf(r, now));
}

/** Revokes a token: its owner may revoke their own, an admin anyone's. Audited; revoking twice is a no-op. */
export async function revokeApiToken(actor: Actor & { role: Role }, tokenId: string, meta: Meta = {}, db: Client = getPrisma()): Promise<{ revoked: boolean }> {
  return db.$transaction(async (tx) => {
    const token = await tx.apiToken.findUnique({ where: { id: tokenId }, select: { id: true, userId: true, name: true, prefix: true, revokedAt: true } });
    // Someone else's token is "not found" to a non-admin: its existence is not theirs to learn.
    if (!token || (token.userId !== actor.id && !can(actor.role, 'users:manage'))) throw new NotFoundError('No such token.');
    if (token.revokedAt) return { revoked: false };
    await tx.apiToken.update({ where: { id: tokenId }, data: { revokedAt: new Date(), revokedById: actor.id } });
    await writeAudit(tx, {
      actor,
      action: 'api_token.revoke',
      entityType: 'ApiToken',
      entityId: tokenId,
      after: { name: token.name, prefix: token.prefix, owner: token.userId === actor.id ? 'self' : token.userId },
      ...meta,
    });
    return { revoked: true };
  });
}

export type TokenUser = { id: string; email: string; name: string; role: Role; tokenId: string; readOnly: boolean };

const BAD_TOKEN = 'This API token is not valid. Make a new one under Account -> API tokens and set PAIDLINE_TOKEN to it.';

/**
 * The user a bearer secret acts for, or an AppError: 401 for a secret that is unknown, revoked or
 * expired (with why, for a token that exists); 403 when the owner's role requires MFA they have not set up.
 */
export async function authenticateApiToken(secret: string, meta: Meta = {}, db: Client = getPrisma()): Promise<TokenUser> {
  if (!secret.startsWith(TOKEN_PREFIX) || secret.length > 200) throw new AppError('unauthenticated', BAD_TOKEN);
  const token = await db.apiToken.findUnique({
    where: { hash: digestOf(secret) },
    include: { user: { select: { id: true, email: true, name: true, role: true, disabled: true, sessionVersion: true, mfaEnabled: true } } },
  });
  if (!token) throw new AppError('unauthenticated', BAD_TOKEN);
  const now = new Date();
  const { state, reason } = stateOf(token, now);
  if (state !== 'active') throw new AppError('unauthenticated', `This API token no longer works: ${reason} Make a new one under Account -> API tokens.`);
  const role = roleSchema.safeParse(token.user.role);
  if (!role.success) throw new AppError('unauthenticated', BAD_TOKEN);
  if (mfaRequiredFor(role.data) && !token.user.mfaEnabled) throw new AppError('mfa_required', MFA_REQUIRED_MESSAGE);
  if (!token.lastUsedAt || now.getTime() - token.lastUsedAt.getTime() > LAST_USED_GRANULARITY_MS || token.lastUsedIp !== (meta.ip ?? null)) {
    await db.apiToken.update({ where: { id: token.id }, data: { lastUsedAt: now, lastUsedIp: meta.ip?.slice(0, 64) ?? null } });
  }
  return { id: token.user.id, email: token.user.email, name: token.user.name, role: role.data, tokenId: token.id, readOnly: token.readOnly };
}
