/**
 * Sign-in throttling without a lock a stranger can trigger, and without telling accounts apart.
 *
 * Failed sign-ins (wrong password, unknown account, wrong second-factor code) are counted in scopes,
 * each with a few free failures and then holds that double with every further failure:
 *   - pair:    this e-mail from this address (a guesser at one address stops quickly);
 *   - address: this address, any e-mail (one address trying many accounts);
 *   - account: this e-mail from anywhere (guessing spread over many addresses), except...
 *   - device:  ...a browser that has signed in to this account before (a signed cookie,
 *              lib/auth/device-cookie.ts): its attempts count only against itself, so an attack
 *              from elsewhere never holds back the account's owner on their usual device.
 * Everything is keyed on the e-mail as typed (normalized), never on whether the account exists:
 * an unknown e-mail is held back exactly like a known one. A success clears the pair, account and
 * device counts (not the address's). Counts are forgotten a day after the last failure.
 * Kept in the database, so every instance and `npm run user:unlock` see the same holds.
 */
import { createHash } from 'node:crypto';
import { getPrisma, type DbClient } from '@/lib/server/db/client';

/** Any client or transaction that reaches the throttle table. */
type ThrottleDb = Pick<DbClient, 'signInThrottle'>;

export type ThrottleScope = 'pair' | 'address' | 'account' | 'device';

export const THROTTLE_POLICY: Record<ThrottleScope, { free: number; firstHoldSeconds: number; maxHoldSeconds: number }> = {
  pair: { free: 5, firstHoldSeconds: 60, maxHoldSeconds: 60 * 60 },
  address: { free: 100, firstHoldSeconds: 15 * 60, maxHoldSeconds: 24 * 60 * 60 },
  account: { free: 20, firstHoldSeconds: 30, maxHoldSeconds: 5 * 60 },
  device: { free: 10, firstHoldSeconds: 60, maxHoldSeconds: 60 * 60 },
};

/** Failures older than this are forgotten. */
export const THROTTLE_MEMORY_MS = 24 * 60 * 60 * 1000;

export interface SignInAttempt {
  email: string;
  ip: string | null;
  /** Set when the request carries a valid device cookie for this e-mail (its random id). */
  deviceId?: string | null;
}

export const normalizeEmail = (email: string) => email.trim().toLowerCase();
const digest = (kind: string, value: string) => createHash('sha256').update(`${kind}\u0000${value}`).digest('hex').slice(0, 32);
const emailDigest = (email: string) => digest('email', normalizeEmail(email));

/** The scope rows an attempt counts against. Keys about an e-mail start with its digest (so all its holds can be lifted). */
export function throttleKeys(attempt: SignInAttempt): { scope: ThrottleScope; key: string }[] {
  const email = emailDigest(attempt.email);
  if (attempt.deviceId) return [{ scope: 'device', key: `${email}:${digest('device', attempt.deviceId)}` }];
  const ip = digest('ip', attempt.ip ?? 'unknown');
  return [
    { scope: 'pair', key: `${email}:${ip}` },
    { scope: 'address', key: ip },
    { scope: 'account', key: email },
  ];
}

/** The hold after `failures` failures in a scope, in seconds (0 while failures are still free). */
export function holdSeconds(scope: ThrottleScope, failures: number): number {
  const { free, firstHoldSeconds, maxHoldSeconds } = THROTTLE_POLICY[scope];
  if (failures < free) return 0;
  return Math.min(maxHoldSeconds, firstHoldSeconds * 2 ** Math.min(30, failures - free));
}

export type Hold = { scope: ThrottleScope; retryAfterSeconds: number };

/** The longest hold on any of the attempt's scopes right now, or null: checked before any password is tried. */
export async function currentHold(attempt: SignInAttempt, db: ThrottleDb = getPrisma(), now = new Date()): Promise<Hold | null> {
  const keys = throttleKeys(attempt);
  const rows = await db.signInThrottle.findMany({
    where: { OR: keys.map(({ scope, key }) => ({ scope, key })), blockedUntil: { gt: now } },
    select: { scope: true, blockedUntil: true },
  });
  let hold: Hold | null = null;
  for (const row of rows) {
    const seconds = Math.ceil((row.blockedUntil!.getTime() - now.getTime()) / 1000);
    if (!hold || seconds > hold.retryAfterSeconds) hold = { scope: row.scope as ThrottleScope, retryAfterSeconds: seconds };
  }
  return hold;
}

/** Counts one failure in each of the attempt's scopes; holds start once a scope's free failures are used. */
export async function recordFailure(attempt: SignInAttempt, db: DbClient = getPrisma(), now = new Date()): Promise<void> {
  const keys = throttleKeys(attempt);
  await db.$transaction(async (tx) => {
    for (const { scope, key } of keys) {
      const row = await tx.signInThrottle.findUnique({ where: { scope_key: { scope, key } } });
      const fresh = row && now.getTime() - row.lastFailureAt.getTime() < THROTTLE_MEMORY_MS;
      const failures = (fresh ? row.failures : 0) + 1;
      const seconds = holdSeconds(scope, failures);
      const blockedUntil = seconds > 0 ? new Date(now.getTime() + seconds * 1000) : null;
      await tx.signInThrottle.upsert({
        where: { scope_key: { scope, key } },
        create: { scope, key, failures, lastFailureAt: now, blockedUntil },
        update: { failures, lastFailureAt: now, blockedUntil },
      });
    }
  });
}

/** A right password (and code): the account's own counts start again; the address keeps its count. */
export async function clearFailures(attempt: SignInAttempt, db: ThrottleDb = getPrisma()): Promise<void> {
  const keys = throttleKeys(attempt).filter((k) => k.scope !== 'address');
  await db.signInThrottle.deleteMany({ where: { OR: keys.map(({ scope, key }) => ({ scope, key })) } });
}

/** Lifts every hold on an e-mail, from every address and device (`npm run user:unlock`, an admin's password reset). */
export async function clearHoldsFor(email: string, db: ThrottleDb = getPrisma()): Promise<number> {
  const key = emailDigest(email);
  const { count } = await db.signInThrottle.deleteMany({ where: { OR: [{ scope: 'account', key }, { scope: { in: ['pair', 'device'] }, key: { startsWith: `${key}:` } }] } });
  return count;
}

/** The e-mails held back from everywhere right now, with the hold's end (for the admin's user list). */
export async function heldAccounts(emails: string[], db: ThrottleDb = getPrisma(), now = new Date()): Promise<Map<string, Date>> {
  const byKey = new Map(emails.map((email) => [emailDigest(email), email]));
  const rows = await db.signInThrottle.findMany({ where: { scope: 'account', key: { in: [...byKey.keys()] }, blockedUntil: { gt: now } }, select: { key: true, blockedUntil: true } });
  return new Map(rows.map((r) => [byKey.get(r.key)!, r.blockedUntil!]));
}

/** Forgets counts nobody has added to for a day (run with the other housekeeping). */
export async function pruneThrottles(db: ThrottleDb = getPrisma(), now = new Date()): Promise<number> {
  const { count } = await db.signInThrottle.deleteMany({
    where: { lastFailureAt: { lt: new Date(now.getTime() - THROTTLE_MEMORY_MS) }, OR: [{ blockedUntil: null }, { blockedUntil: { lt: now } }] },
  });
  return count;
}
