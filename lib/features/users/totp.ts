/**
 * Two-factor authentication with TOTP (RFC 6238: SHA-1, 6 digits, 30 s, what every authenticator app speaks)
 * and single-use recovery codes. Pure functions: storage lives in lib/features/users/mfa.ts.
 *
 * - A code is accepted within one step either side of now (clock drift), and only once: the step it
 *   matched must be later than the last accepted step (`mfaLastStep`), so a code seen over a shoulder
 *   or replayed from a log is refused.
 * - Recovery codes: 10, shown once, stored as SHA-256 hashes (they are random, 60 bits each, so a slow
 *   hash adds nothing); each one works once.
 * - Secrets are stored encrypted (lib/server/crypto/secrets.ts) and never logged.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { generateSecret, generateURI, verify } from 'otplib';
import type { Role } from '@/lib/domain/roles';
import { isRole } from '@/lib/domain/roles';

export const TOTP_PERIOD_SECONDS = 30;
export const RECOVERY_CODE_COUNT = 10;
const ISSUER = 'Paidline';

/** A new base32 secret (20 random bytes, 160 bits, the RFC's recommendation). */
export function newTotpSecret(): string {
  return generateSecret({ length: 20 });
}

/** The otpauth:// URI an authenticator app scans from the QR code. */
export function totpUri(email: string, secret: string): string {
  return generateURI({ issuer: ISSUER, label: email, secret });
}

/** The secret grouped by 4 for typing by hand (authenticator apps ignore the spaces). */
export function formatSecretForDisplay(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, '$1 ');
}

/** What the user typed, reduced to digits (spaces and dashes are common when copying). */
export function normalizeTotp(input: string): string {
  return input.replace(/[\s-]/g, '');
}

export function looksLikeTotp(input: string): boolean {
  return /^\d{6}$/.test(normalizeTotp(input));
}

export type TotpCheck = { ok: true; step: number } | { ok: false; reason: 'malformed' | 'wrong' | 'replayed' };

/**
 * Checks a 6-digit code against the secret at `now` (ms), one step either side, refusing any step at or
 * before `lastStep`. On success the caller must store `step` as the new last step (atomically: see
 * lib/features/users/mfa.ts acceptTotpStep).
 */
export async function checkTotp(secret: string, input: string, lastStep: number | null, now: number = Date.now()): Promise<TotpCheck> {
  const token = normalizeTotp(input);
  if (!/^\d{6}$/.test(token)) return { ok: false, reason: 'malformed' };
  const epoch = Math.floor(now / 1000);
  const result = await verify({ secret, token, epoch, epochTolerance: TOTP_PERIOD_SECONDS, period: TOTP_PERIOD_SECONDS });
  if (!result.valid || !('timeStep' in result)) return { ok: false, reason: 'wrong' };
  if (lastStep !== null && result.timeStep <= lastStep) return { ok: false, reason: 'replayed' };
  return { ok: true, step: result.timeStep };
}

const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789'; // no 0/o, 1/l/i

/** 10 fresh recovery codes such as `k7mq-x2rt-9vhn` (12 characters from 31, about 59 bits each). */
export function newRecoveryCodes(count: number = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: count }, () => {
    const bytes = randomBytes(12);
    let code = '';
    for (let i = 0; i < 12; i++) {
      if (i > 0 && i % 4 === 0) code += '-';
      code += RECOVERY_ALPHABET[bytes[i]! % RECOVERY_ALPHABET.length];
    }
    return code;
  });
}

/** Case, spaces and dashes do not matter when a recovery code is typed. */
export function normalizeRecoveryCode(input: string): string {
  return input.toLowerCase().replace(/[^a-z0-9]/g, '');
}

export function looksLikeRecoveryCode(input: string): boolean {
  return normalizeRecoveryCode(input).length === 12;
}

export function hashRecoveryCode(code: string): string {
  return createHash('sha256').update(`paidline-recovery:${normalizeRecoveryCode(code)}`).digest('hex');
}

/** The stored form: a JSON array of hashes. */
export function serializeRecoveryHashes(codes: string[]): string {
  return JSON.stringify(codes.map(hashRecoveryCode));
}

export function parseRecoveryHashes(stored: string | null): string[] {
  if (!stored) return [];
  try {
    const parsed: unknown = JSON.parse(stored);
    return Array.isArray(parsed) ? parsed.filter((h): h is string => typeof h === 'string' && /^[0-9a-f]{64}$/.test(h)) : [];
  } catch {
    return [];
  }
}

/**
 * Looks a typed recovery code up in the stored hashes. On a match, returns the hashes left (the code is
 * used up); otherwise null. Every stored hash is compared in constant time.
 */
export function consumeRecoveryCode(stored: string | null, input: string): { remaining: string[] } | null {
  if (!looksLikeRecoveryCode(input)) return null;
  const candidate = Buffer.from(hashRecoveryCode(input), 'hex');
  const hashes = parseRecoveryHashes(stored);
  let matched = -1;
  hashes.forEach((h, i) => {
    if (timingSafeEqual(Buffer.from(h, 'hex'), candidate) && matched < 0) matched = i;
  });
  if (matched < 0) return null;
  return { remaining: hashes.filter((_, i) => i !== matched) };
}

/** Roles that must use MFA: PAIDLINE_MFA_REQUIRED_ROLES (comma-separated; empty = none), default admin and reviewer. */
export function mfaRequiredRoles(env: Record<string, string | undefined> = process.env): Role[] {
  const raw = env.PAIDLINE_MFA_REQUIRED_ROLES ?? 'admin,reviewer';
  return raw
    .split(',')
    .map((r) => r.trim().toLowerCase())
    .filter(isRole);
}

export function mfaRequiredFor(role: Role, env: Record<string, string | undefined> = process.env): boolean {
  return mfaRequiredRoles(env).includes(role);
}

/** Where a user whose role requires MFA, and who has not enrolled, is confined. */
export const MFA_ENROLMENT_PATH = '/account/security';
export const MFA_REQUIRED_MESSAGE =
  'Your role requires two-factor authentication. Set it up under Account → Security (/account/security) first.';
