/**
 * Every server action, discovered from the code ('use server' files) and read through the
 * access it declares to the pipeline (lib/server/pipeline/access.ts), called signed out and as
 * each role with input it cannot use: a role the matrix does not allow must be refused (before
 * any validation message), and an allowed role must not be. An export that did not go through
 * the pipeline declares nothing and fails here.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { can, type Action } from '@/lib/domain/permissions';
import { ROLES, type Role } from '@/lib/domain/roles';
import { mfaRequiredFor } from '@/lib/features/users/totp';
import type { TestDatabase } from './databases';
import { APP, appFiles, databaseWithRoleUsers, declaredExports } from './access-helpers';

const session = vi.hoisted(() => ({ role: null as string | null, id: null as string | null }));
vi.mock('@/lib/auth/auth', () => ({
  auth: async () =>
    session.role
      ? { user: { id: session.id ?? `user-${session.role}`, email: `${session.role}@example.com`, name: session.role, role: session.role, sessionVersion: 0, sessionId: 'test-session' } }
      : null,
  signIn: async () => undefined,
  signOut: async () => undefined,
  handlers: {},
}));
// The sign-in action's Auth.js error classes (the real package does not load outside Next.js).
vi.mock('next-auth', () => ({ AuthError: class AuthError extends Error {}, CredentialsSignin: class CredentialsSignin extends Error {} }));
vi.mock('next/headers', () => ({ headers: async () => new Headers(), cookies: async () => ({ get: () => undefined }) }));
vi.mock('next/cache', () => ({ revalidatePath: () => undefined, revalidateTag: () => undefined }));

/** Actions open to anyone on purpose, and why. */
const PUBLIC_ACTIONS: Record<string, string> = {
  'login/actions.ts#login': 'The sign-in form: it is how a session starts.',
  '(app)/actions.ts#signOutAction': 'Ending one\'s own session needs no permission.',
};


type ActionCase = { id: string; file: string; name: string; declared: boolean; permission: Action | null; publicReason: string | null; allowMfaPending: boolean };
const SERVER_FILES = appFiles(APP, (name) => /\.tsx?$/.test(name)).filter((f) => /^\s*['"]use server['"]/.test(readFileSync(f, 'utf8')));
const CASES: ActionCase[] = (await Promise.all(SERVER_FILES.map((file) => declaredExports(file)))).flatMap((exports, i) =>
  exports.map(({ name, access }) => ({
    id: `${path.relative(APP, SERVER_FILES[i]!).split(path.sep).join('/')}#${name}`,
    file: SERVER_FILES[i]!,
    name,
    declared: access?.kind === 'action',
    permission: access?.permission ?? null,
    publicReason: access?.publicReason ?? null,
    allowMfaPending: access?.allowMfaPending ?? false,
  })),
);

const DENIED = /Your session has ended|Your role does not allow|does not allow this action|requires two-factor authentication/;

async function outcome(file: string, name: string): Promise<'denied' | 'allowed'> {
  const mod = (await import(/* @vite-ignore */ file)) as Record<string, (...args: unknown[]) => Promise<unknown>>;
  try {
    const result = await mod[name]!({ status: 'idle', error: null, email: '' }, new FormData());
    return DENIED.test(JSON.stringify(result ?? null)) ? 'denied' : 'allowed';
  } catch (error) {
    const status = (error as { status?: number }).status;
    return status === 401 || status === 403 || DENIED.test(String((error as Error).message)) ? 'denied' : 'allowed';
  }
}

let db: TestDatabase;
beforeAll(async () => {
  db = await databaseWithRoleUsers();
});
afterAll(async () => db?.drop());
// "Sign out everywhere" really ends the mocked user's sessions (version 0); start each case from version 0 again.
afterEach(async () => {
  await db.prisma.user.updateMany({ data: { sessionVersion: 0 } });
});

describe('server actions and the permission matrix', () => {
  it('finds the actions', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(10);
  });

  for (const c of CASES) {
    it(`${c.id} goes through the action pipeline`, () => {
      expect(c.declared, `${c.file}: ${c.name} is not made by defineAction/defineFormAction/defineSubmitAction`).toBe(true);
    });
    if (PUBLIC_ACTIONS[c.id]) {
      it(`${c.id} is public on purpose`, () => {
        expect(c.permission).toBeNull();
        expect(c.publicReason).toBeTruthy();
      });
      continue;
    }
    it(`${c.id} checks a permission from the matrix`, () => {
      expect(c.permission, `${c.file}: ${c.name} declares no permission and is not listed as public`).not.toBeNull();
    });
    if (!c.permission) continue;
    for (const role of [null, ...ROLES] as (Role | null)[]) {
      const expected = role !== null && can(role, c.permission) ? 'allowed' : 'denied';
      it(`${c.id} as ${role ?? 'signed out'} -> ${expected}`, async () => {
        session.role = role;
        session.id = null;
        expect(await outcome(c.file, c.name)).toBe(expected);
      });
    }
  }
});

describe('server actions for a user whose role requires MFA and who has not enrolled', () => {
  it('only the account actions that enrol the user are open to them', () => {
    const open = CASES.filter((c) => c.allowMfaPending).map((c) => c.id).sort();
    expect(open).toEqual([
      '(app)/account/actions.ts#beginMfaAction',
      '(app)/account/actions.ts#cancelMfaAction',
      '(app)/account/actions.ts#changePasswordAction',
      '(app)/account/actions.ts#confirmMfaAction',
      '(app)/account/actions.ts#disableMfaAction',
      '(app)/account/actions.ts#regenerateRecoveryCodesAction',
      '(app)/account/actions.ts#signOutEverywhereAction',
    ]);
  });

  for (const c of CASES) {
    if (PUBLIC_ACTIONS[c.id] || !c.permission) continue;
    for (const role of ROLES) {
      const expected = can(role, c.permission) && (c.allowMfaPending || !mfaRequiredFor(role)) ? 'allowed' : 'denied';
      it(`${c.id} as ${role} without MFA -> ${expected}`, async () => {
        session.role = role;
        session.id = `user-${role}-nomfa`;
        const confinements = () => db.prisma.auditLog.count({ where: { action: 'auth.mfa.enrolment_required', actorId: session.id } });
        const before = await confinements();
        expect(await outcome(c.file, c.name)).toBe(expected);
        // Refusing a user for missing MFA (checked before the permission) is audited.
        const refusedForMfa = mfaRequiredFor(role) && !c.allowMfaPending;
        expect(await confinements()).toBe(before + (refusedForMfa ? 1 : 0));
      });
    }
  }
});
