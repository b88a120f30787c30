'use server';

import { z } from 'zod';
import { createApiToken, newTokenSchema, revokeApiToken } from '@/lib/features/users/api-tokens';
import { defineAction, defineFormAction, type ActionResult } from '@/lib/server/pipeline/action';

/** What the new-token form shows after creating one. The secret is in this answer only, never again. */
export type CreatedToken = { secret: string; name: string; prefix: string; readOnly: boolean; expiresAt: string | null };
export type CreateTokenState = ActionResult<CreatedToken> | null;

// Not open to a user still owed MFA enrolment (no allowMfaPending): a token would outlive that confinement.
// The account page counts the working tokens, so it is refreshed too.
const REVALIDATE = ['/account/tokens', '/account'];

/** The expiry select's values: a number of days, or "never". */
function expiryOf(value: FormDataEntryValue | null): number | null {
  const raw = String(value ?? '').trim();
  if (raw === 'never') return null;
  return raw === '' ? Number.NaN : Number(raw);
}

export const createApiTokenAction = defineFormAction(
  {
    name: 'account.api_token.create',
    permission: 'account:manage',
    input: newTokenSchema,
    form: (formData) => ({
      name: String(formData.get('name') ?? ''),
      readOnly: formData.get('readOnly') === 'on',
      expiresInDays: expiryOf(formData.get('expiresInDays')),
    }),
    revalidate: REVALIDATE,
  },
  async (input, { user, meta }): Promise<CreatedToken> => {
    const { secret, token } = await createApiToken(user, input, meta);
    return { secret, name: token.name, prefix: token.prefix, readOnly: token.readOnly, expiresAt: token.expiresAt?.toISOString() ?? null };
  },
);

/** Revokes one token: one's own, or (an admin) anyone's; revokeApiToken decides, and says "not found" otherwise. */
export const revokeApiTokenAction = defineAction(
  {
    name: 'account.api_token.revoke',
    permission: 'account:manage',
    input: z.tuple([z.string().trim().min(1, 'Pick a token.').max(64, 'Pick a token.')]),
    revalidate: REVALIDATE,
  },
  async ([tokenId], { user, meta }) => revokeApiToken(user, tokenId, meta),
);
