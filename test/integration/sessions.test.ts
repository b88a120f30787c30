/**
 * Session revocation and expiry, on SQLite and PostgreSQL: the guard (requirePage, and authorize for actions and routes)
 * treats a session whose version is not the user's, or whose user is disabled, as signed out; every event
 * that must end sessions bumps the version with its audit row; users whose role requires MFA and who have
 * not enrolled are confined to enrolment; idle and old tokens expire.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { authConfig, sessionExpired } from '@/lib/auth/config';
import { MFA_REQUIRED_MESSAGE } from '@/lib/features/users/totp';
import * as guard from '@/lib/auth/guard';
import * as users from '@/lib/features/users';
import type { PublicUser } from '@/lib/features/users/queries';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';
import { fromPeer } from '@/test/peer';

const session = vi.hoisted(() => ({ user: null as null | Record<string, unknown> }));
vi.mock('@/lib/auth/auth', () => ({
  auth: async () => (session.user ? { user: session.user } : null),
  signIn: async () => undefined,
  signOut: async () => undefined,
  handlers: {},
}));
vi.mock('next/headers', () => ({ headers: async () => new Headers(fromPeer('198.51.100.7')) }));


const PASSWORD = 'correct horse battery staple';
const meta = { ip: '198.51.100.7', userAgent: 'vitest' };

function signInAs(u: PublicUser, sessionVersion: number, sessionId: string = crypto.randomUUID()) {
  session.user = { id: u.id, email: u.email, name: u.name, role: u.role, sessionVersion, sessionId };
}

async function version(db: TestDatabase, id: string) {
  return (await db.prisma.user.findUniqueOrThrow({ where: { id } })).sessionVersion;
}

/** What a page guard does: the user, or where it redirected. */
async function pageOutcome(): Promise<string> {
  try {
    const u = await guard.requirePage('dashboard:view', '/dashboard');
    return `ok:${u.email}`;
  } catch (error) {
    const digest = String((error as { digest?: string }).digest ?? error);
    const target = /NEXT_REDIRECT;[^;]*;([^;]+);/.exec(digest)?.[1];
    return target ? `redirect:${target}` : `error:${digest}`;
  }
}

describe.each(DATABASE_KINDS)('sessions on %s', (kind) => {
  let db: TestDatabase;
  let ana: PublicUser;
  let admin: PublicUser;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    process.env.DATABASE_URL = db.url; // the guard reads through getPrisma()
    delete process.env.PAIDLINE_MFA_REQUIRED_ROLES;
    ana = await users.createUser({ email: 'ana@example.com', name: 'Ana', role: 'analyst', password: PASSWORD }, { db: db.prisma });
    admin = await users.createUser({ email: 'root@example.com', name: 'Root', role: 'admin', password: PASSWORD }, { db: db.prisma });
    await db.prisma.user.update({ where: { id: admin.id }, data: { mfaEnabled: true } });
  });
  afterAll(async () => db?.drop());
  beforeEach(() => {
    session.user = null;
  });

  it('accepts a session carrying the user\'s current version, and refuses one without a version', async () => {
    signInAs(ana, await version(db, ana.id));
    expect(await guard.currentUser()).toMatchObject({ id: ana.id, role: 'analyst' });
    session.user = { id: ana.id, email: ana.email, name: ana.name, role: 'analyst' };
    expect(await guard.currentUser()).toBeNull();
    // Nor one without its session id (issued before sign-out ended sessions on the server).
    session.user = { id: ana.id, email: ana.email, name: ana.name, role: 'analyst', sessionVersion: await version(db, ana.id) };
    expect(await guard.currentUser()).toBeNull();
  });

  it('"Sign out" ends that session on the server: a copy of its cookie is refused, the user\'s other sessions go on', async () => {
    const { authOptions } = await import('@/lib/auth/options');
    const v = await version(db, ana.id);
    const now = Math.floor(Date.now() / 1000);
    signInAs(ana, v, 'session-on-laptop');
    expect(await pageOutcome()).toBe(`ok:${ana.email}`);
    await authOptions.events.signOut({ token: { uid: ana.id, email: ana.email, sid: 'session-on-laptop', authTime: now, lastSeen: now } } as never);
    // The same token (a copied cookie) no longer opens a page, an action or an API.
    expect(await pageOutcome()).toBe('redirect:/login?callbackUrl=%2Fdashboard');
    await expect(guard.authorize('dashboard:view', 'api')).rejects.toMatchObject({ code: 'unauthenticated' });
    const row = await db.prisma.revokedSession.findUniqueOrThrow({ where: { id: 'session-on-laptop' } });
    expect(row.userId).toBe(ana.id);
    expect(Math.abs(row.expiresAt.getTime() - (now + 8 * 3600) * 1000)).toBeLessThan(2000);
    expect(await db.prisma.auditLog.count({ where: { action: 'auth.signout', entityId: ana.id } })).toBe(1);
    // Another session of the same user is untouched (that is what "sign out everywhere" is for).
    signInAs(ana, v, 'session-on-phone');
    expect(await pageOutcome()).toBe(`ok:${ana.email}`);
  });

  it('"sign out everywhere" ends every session: pages, actions and APIs see it as signed out', async () => {
    const v = await version(db, ana.id);
    signInAs(ana, v);
    expect(await pageOutcome()).toBe(`ok:${ana.email}`);
    await users.signOutEverywhere(ana, meta, db.prisma);
    expect(await version(db, ana.id)).toBe(v + 1);
    expect(await db.prisma.auditLog.count({ where: { action: 'auth.signout.everywhere', entityId: ana.id } })).toBe(1);
    // The old session (version v) is now refused everywhere.
    expect(await guard.currentUser()).toBeNull();
    expect(await pageOutcome()).toBe('redirect:/login?callbackUrl=%2Fdashboard');
    await expect(guard.authorize('dashboard:view', 'action')).rejects.toMatchObject({ code: 'unauthenticated', status: 401 });
    await expect(guard.authorize('dashboard:view', 'api')).rejects.toMatchObject({ code: 'unauthenticated', status: 401, message: 'Sign in to use this API.' });
    // A session signed in after that (version v + 1) works.
    signInAs(ana, v + 1);
    expect(await guard.currentUser()).not.toBeNull();
  });

  it('a password change, an admin password reset, a role change, disabling and an MFA reset each end the sessions, audited', async () => {
    const cases: [string, () => Promise<unknown>][] = [
      ['user.password.change', () => users.changePassword(ana, PASSWORD, 'another long password', meta, db.prisma)],
      ['user.password.reset', () => users.adminResetPassword(admin, ana.id, meta, db.prisma)],
      ['user.role.change', () => users.adminSetRole(admin, ana.id, 'executive', meta, db.prisma)],
      ['mfa.reset', () => users.adminResetMfa(admin, ana.id, meta, db.prisma)],
      ['user.disable', () => users.adminSetDisabled(admin, ana.id, true, meta, db.prisma)],
    ];
    for (const [action, change] of cases) {
      const v = await version(db, ana.id);
      const row = await db.prisma.user.findUniqueOrThrow({ where: { id: ana.id } });
      signInAs({ ...ana, role: row.role as PublicUser['role'] }, v);
      expect(await guard.currentUser(), action).not.toBeNull();
      await change();
      expect(await version(db, ana.id), action).toBe(v + 1);
      expect(await db.prisma.auditLog.count({ where: { action, entityId: ana.id } }), action).toBe(1);
      expect(await guard.currentUser(), action).toBeNull();
    }
    // Disabled: even a token with the current version is refused.
    const row = await db.prisma.user.findUniqueOrThrow({ where: { id: ana.id } });
    signInAs({ ...ana, role: row.role as PublicUser['role'] }, row.sessionVersion);
    expect(await guard.currentUser()).toBeNull();
    await users.adminSetDisabled(admin, ana.id, false, meta, db.prisma);
    signInAs({ ...ana, role: row.role as PublicUser['role'] }, row.sessionVersion + 1);
    expect(await guard.currentUser()).not.toBeNull();
  });

  it('refuses a wrong current password and a weak new one, changing nothing', async () => {
    const before = await db.prisma.user.findUniqueOrThrow({ where: { id: admin.id } });
    await expect(users.changePassword(admin, 'not my password', 'a brand new password', meta, db.prisma)).rejects.toThrow(/current password is not right/);
    await expect(users.changePassword(admin, PASSWORD, 'short', meta, db.prisma)).rejects.toThrow(/at least 12 characters/);
    const after = await db.prisma.user.findUniqueOrThrow({ where: { id: admin.id } });
    expect(after.passwordHash).toBe(before.passwordHash);
    expect(after.sessionVersion).toBe(before.sessionVersion);
  });

  it('confines a user whose role requires MFA and who has not enrolled, audited; the setting decides who', async () => {
    const rev = await users.createUser({ email: 'rev@example.com', name: 'Rev', role: 'reviewer', password: PASSWORD }, { db: db.prisma });
    signInAs(rev, 0);
    const confined = () => db.prisma.auditLog.count({ where: { action: 'auth.mfa.enrolment_required', actorId: rev.id } });
    expect(await pageOutcome()).toBe('redirect:/account/security');
    await expect(guard.authorize('discrepancies:resolve', 'action')).rejects.toMatchObject({ code: 'mfa_required', status: 403, message: MFA_REQUIRED_MESSAGE });
    await expect(guard.authorize('discrepancies:view', 'api')).rejects.toMatchObject({ code: 'mfa_required', status: 403, message: MFA_REQUIRED_MESSAGE });
    expect(await confined()).toBe(3);
    // The enrolment actions stay open, and the shell still knows who is signed in.
    expect(await guard.authorize('account:manage', 'action', { allowMfaPending: true })).toMatchObject({ id: rev.id });
    expect(await guard.currentSession()).toMatchObject({ user: { id: rev.id }, mfaPending: true });
    // Not required for this role: nothing confined.
    process.env.PAIDLINE_MFA_REQUIRED_ROLES = 'admin';
    expect(await pageOutcome()).toBe(`ok:${rev.email}`);
    process.env.PAIDLINE_MFA_REQUIRED_ROLES = '';
    expect(await guard.currentSession()).toMatchObject({ mfaPending: false });
    delete process.env.PAIDLINE_MFA_REQUIRED_ROLES;
    // Enrolled (the flag is what the guard reads): free to go.
    await db.prisma.user.update({ where: { id: rev.id }, data: { mfaEnabled: true } });
    expect(await pageOutcome()).toBe(`ok:${rev.email}`);
    expect(await confined()).toBe(3);
  });
});

describe('session expiry', () => {
  const now = Date.UTC(2026, 0, 5, 12, 0, 0);
  const s = Math.floor(now / 1000);

  it('ends a session idle longer than PAIDLINE_SESSION_IDLE_MINUTES (default 60), and any older than the maximum age', () => {
    delete process.env.PAIDLINE_SESSION_IDLE_MINUTES;
    expect(sessionExpired({ authTime: s - 600, lastSeen: s - 59 * 60 }, now)).toBe(false);
    expect(sessionExpired({ authTime: s - 600, lastSeen: s - 61 * 60 }, now)).toBe(true);
    process.env.PAIDLINE_SESSION_IDLE_MINUTES = '15';
    expect(sessionExpired({ authTime: s - 600, lastSeen: s - 16 * 60 }, now)).toBe(true);
    delete process.env.PAIDLINE_SESSION_IDLE_MINUTES;
    // Active all along, but signed in more than 8 hours ago.
    expect(sessionExpired({ authTime: s - 8 * 3600 - 5, lastSeen: s - 5 }, now)).toBe(true);
    // A token without the timestamps (issued before they existed, or forged) is expired.
    expect(sessionExpired({}, now)).toBe(true);
  });

  it('the JWT callback stamps sign-in, moves last-seen on activity, and drops an idle token', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(now);
      const jwt = authConfig.callbacks.jwt as (p: { token: Record<string, unknown>; user?: Record<string, unknown> }) => Record<string, unknown> | null;
      const token = jwt({ token: {}, user: { id: 'u1', role: 'analyst', sessionVersion: 4 } })!;
      expect(token).toMatchObject({ uid: 'u1', role: 'analyst', sv: 4, authTime: s, lastSeen: s });
      vi.setSystemTime(now + 30 * 60_000);
      expect(jwt({ token: { ...token } })).toMatchObject({ lastSeen: s + 30 * 60, authTime: s });
      vi.setSystemTime(now + 30 * 60_000 + 61 * 60_000);
      expect(jwt({ token: { ...token, lastSeen: s + 30 * 60 } })).toBeNull();
      const sessionCb = authConfig.callbacks.session as unknown as (p: { session: Record<string, unknown>; token: Record<string, unknown> }) => { user: Record<string, unknown> };
      expect(sessionCb({ session: { user: {} }, token }).user).toMatchObject({ id: 'u1', role: 'analyst', sessionVersion: 4 });
    } finally {
      vi.useRealTimers();
    }
  });
});
