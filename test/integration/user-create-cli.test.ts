import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createPrismaClient } from '@/lib/server/db/client';
import { checkCredentials } from '@/lib/features/users/sign-in';

const run = promisify(execFile);
const dir = mkdtempSync(path.join(os.tmpdir(), 'paidline-cli-'));
const url = `file:${path.join(dir, 'cli.db')}`;
const tsx = path.resolve('node_modules/.bin/tsx');

async function userCreate(args: string[]) {
  try {
    const { stdout, stderr } = await run(tsx, ['scripts/user-create.ts', ...args], {
      env: { ...process.env, DATABASE_URL: url },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run user:create', () => {
  it('creates a user on a fresh database with a generated password that signs in', async () => {
    const result = await userCreate(['--email', 'first.admin@example.com', '--role', 'admin', '--name', 'First Admin']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Created admin first.admin@example.com.');
    const password = /Password \(shown once\): (\S+)/.exec(result.stdout)?.[1];
    expect(password).toMatch(/^[A-Za-z0-9]{5}(-[A-Za-z0-9]{5}){3}$/);

    const prisma = createPrismaClient(url);
    try {
      const check = await checkCredentials('first.admin@example.com', password!, prisma);
      expect(check).toMatchObject({ ok: true, user: { role: 'admin', name: 'First Admin' } });
    } finally {
      await prisma.$disconnect();
    }
  });

  it('refuses an unknown role with the list of roles and creates nothing', async () => {
    const result = await userCreate(['--email', 'x@example.com', '--role', 'superuser']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Role must be one of: admin, executive, analyst, reviewer');
    const prisma = createPrismaClient(url);
    try {
      expect(await prisma.user.count({ where: { email: 'x@example.com' } })).toBe(0);
    } finally {
      await prisma.$disconnect();
    }
  });

  it('refuses a duplicate e-mail and missing flags', async () => {
    const dup = await userCreate(['--email', 'first.admin@example.com', '--role', 'analyst']);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain('already exists');
    const missing = await userCreate(['--email', 'y@example.com']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('Both --email and --role are required');
  });
});
