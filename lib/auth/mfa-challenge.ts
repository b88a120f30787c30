/**
 * The sign-in challenge between the password step and the code step: after a correct password for an
 * account with MFA, the server hands back this short-lived token instead of a session. On its own it
 * grants nothing; with a valid TOTP or recovery code it completes the sign-in, so the password is never
 * the only factor. It is signed (HMAC-SHA256 with a key derived from AUTH_SECRET), names the user and the
 * session version (a password change or "sign out everywhere" voids it), and expires after 5 minutes.
 * It is redeemed once: its nonce is kept on the user's row and cleared by the sign-in it completes.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

export const CHALLENGE_TTL_SECONDS = 5 * 60;

const payloadSchema = z.object({ u: z.string().min(1), v: z.number().int(), e: z.number().int(), n: z.string() });
export type Challenge = { userId: string; sessionVersion: number; nonce: string };

function key(): Buffer {
  const secret = process.env.AUTH_SECRET;
  if (!secret) throw new Error('AUTH_SECRET is not set: it signs sessions and sign-in challenges.');
  return createHmac('sha256', secret).update('paidline-mfa-challenge-v1').digest();
}

function sign(body: string): string {
  return createHmac('sha256', key()).update(body).digest('base64url');
}

/** A fresh nonce for a challenge: the server keeps it (User.mfaChallengeNonce) so the challenge can be redeemed once. */
export function newChallengeNonce(): string {
  return randomBytes(12).toString('base64url');
}

export function createChallenge(c: Omit<Challenge, 'nonce'> & { nonce?: string }, now: number = Date.now()): string {
  const body = Buffer.from(
    JSON.stringify({ u: c.userId, v: c.sessionVersion, e: Math.floor(now / 1000) + CHALLENGE_TTL_SECONDS, n: c.nonce ?? newChallengeNonce() }),
  ).toString('base64url');
  return `${body}.${sign(body)}`;
}

/** The challenge's user and session version, or null when it is forged, altered or expired. */
export function readChallenge(token: string, now: number = Date.now()): Challenge | null {
  const [body, mac, extra] = token.split('.');
  if (!body || !mac || extra !== undefined || token.length > 512) return null;
  const expected = Buffer.from(sign(body));
  const given = Buffer.from(mac);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  const parsed = payloadSchema.safeParse(json);
  if (!parsed.success || parsed.data.e < Math.floor(now / 1000)) return null;
  return { userId: parsed.data.u, sessionVersion: parsed.data.v, nonce: parsed.data.n };
}
