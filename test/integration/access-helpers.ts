import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ROLES } from '@/lib/domain/roles';
import { declaredAccess, type DeclaredAccess } from '@/lib/server/pipeline/access';
import { createTestDatabase, type TestDatabase } from './databases';

export const APP = path.resolve('app');

/** Files below a folder whose name passes the test, recursively. */
export function appFiles(dir: string, keep: (name: string) => boolean): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? appFiles(full, keep) : keep(name) ? [full] : [];
  });
}

/**
 * A fresh SQLite database made the app's DATABASE_URL, with one user per role whose id
 * matches the mocked session (`user-<role>`): denials and exports are audited against them.
 * They have enrolled in MFA (so the roles that require it are not confined to enrolment), and
 * `user-<role>-nomfa` are the same roles before enrolling.
 */
export async function databaseWithRoleUsers(): Promise<TestDatabase> {
  const db = await createTestDatabase('sqlite');
  process.env.DATABASE_URL = db.url;
  delete process.env.PAIDLINE_MFA_REQUIRED_ROLES; // the production default: admin, reviewer
  for (const role of ROLES) {
    await db.prisma.user.create({ data: { id: `user-${role}`, email: `${role}@example.com`, name: role, role, passwordHash: 'x', mfaEnabled: true } });
    await db.prisma.user.create({ data: { id: `user-${role}-nomfa`, email: `${role}-nomfa@example.com`, name: role, role, passwordHash: 'x' } });
  }
  return db;
}

/** The functions a module exports, each with the access it declared to the pipeline (null: it declared none). */
export async function declaredExports(file: string): Promise<{ name: string; access: DeclaredAccess | null }[]> {
  const mod = (await import(/* @vite-ignore */ file)) as Record<string, unknown>;
  return Object.entries(mod)
    .filter(([, value]) => typeof value === 'function')
    .map(([name, value]) => ({ name, access: declaredAccess(value) }));
}
