import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ROLES } from '@/lib/auth/roles';
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
 */
export async function databaseWithRoleUsers(): Promise<TestDatabase> {
  const db = await createTestDatabase('sqlite');
  process.env.DATABASE_URL = db.url;
  for (const role of ROLES) {
    await db.prisma.user.create({ data: { id: `user-${role}`, email: `${role}@example.com`, name: role, role, passwordHash: 'x' } });
  }
  return db;
}
