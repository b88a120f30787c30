import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAudit } from '@/lib/server/db/audit';
import { backupDatabase, inventory, manifestPath, restoreDatabase } from '@/lib/server/db/backup';
import { createPrismaClient } from '@/lib/server/db/client';
import { migrateDatabase } from '@/lib/server/db/migrate';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from './databases';
import { copyPrismaDir, throwawayPgDatabase, tmpDir } from './db-helpers';

describe.each(DATABASE_KINDS)('backup and restore on %s', (kind) => {
  let db: TestDatabase;
  const dir = tmpDir('paidline-backup-');
  const file = path.join(dir, kind === 'sqlite' ? 'backup.db' : 'backup.dump');
  const cleanups: (() => Promise<void>)[] = [];

  /** A fresh, empty target of the same kind (nothing created yet for SQLite). */
  async function emptyTarget(): Promise<string> {
    if (kind === 'sqlite') return `file:${path.join(tmpDir('paidline-restore-'), 'restored.db')}`;
    const t = await throwawayPgDatabase();
    cleanups.push(t.drop);
    return t.url;
  }

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    const ana = await db.prisma.user.create({ data: { email: 'ana@example.com', name: 'Ana', role: 'analyst', passwordHash: 'argon-hash' } });
    for (let i = 0; i < 25; i++) await writeAudit(db.prisma, { actor: ana, action: 'ingestion.commit', entityType: 'Ingestion', entityId: `ing-${i}`, after: { rows: i, note: "it's \"quoted\"; ünïcode" } });
  });
  afterAll(async () => {
    await db?.drop();
    for (const c of cleanups) await c();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('backs up with a manifest, then restores into an empty database with every row and the audit guard', async () => {
    const m = await backupDatabase(db.url, file);
    expect(m.kind).toBe(kind);
    expect(m.tables.User).toBe(1);
    expect(m.tables.AuditLog).toBe(25);
    expect(m.migrations.length).toBeGreaterThan(5);
    expect(JSON.parse(fs.readFileSync(manifestPath(file), 'utf8')).sha256).toMatch(/^[0-9a-f]{64}$/);
    await expect(backupDatabase(db.url, file)).rejects.toThrow(/already exists/);

    const target = await emptyTarget();
    const r = await restoreDatabase(file, target);
    expect(r.verified).toBe(true);
    expect(r.upgraded).toEqual([]);
    const restored = createPrismaClient(target);
    try {
      const order = { orderBy: { entityId: 'asc' } } as const;
      expect(await restored.user.findMany()).toEqual(await db.prisma.user.findMany());
      expect(await restored.auditLog.findMany(order)).toEqual(await db.prisma.auditLog.findMany(order));
      // The append-only triggers came back with the data.
      await expect(restored.auditLog.deleteMany({})).rejects.toThrow(/append-only/);
    } finally {
      await restored.$disconnect();
    }
    expect((await inventory(target)).migrations).toEqual(m.migrations);
  });

  it('refuses a target that holds data unless forced, and then replaces it', async () => {
    const target = await emptyTarget();
    await restoreDatabase(file, target);
    const other = createPrismaClient(target);
    try {
      await other.user.create({ data: { email: 'intruder@example.com', name: 'X', role: 'admin', passwordHash: 'x' } });
      await expect(restoreDatabase(file, target)).rejects.toThrow(kind === 'sqlite' ? /exists: stop the app and pass --force/ : /not empty/);
      expect(await other.user.count()).toBe(2);
    } finally {
      await other.$disconnect();
    }
    const r = await restoreDatabase(file, target, { force: true });
    expect(r.tables.User).toBe(1);
    const after = createPrismaClient(target);
    try {
      expect((await after.user.findMany()).map((u) => u.email)).toEqual(['ana@example.com']);
    } finally {
      await after.$disconnect();
    }
  });

  it('refuses a damaged backup, a foreign file and the other database kind, restoring nothing', async () => {
    const damaged = path.join(dir, `damaged${path.extname(file)}`);
    const bytes = fs.readFileSync(file);
    const mid = Math.floor(bytes.length / 2);
    bytes[mid] = (bytes[mid] ?? 0) ^ 0xff;
    fs.writeFileSync(damaged, bytes);
    fs.copyFileSync(manifestPath(file), manifestPath(damaged));
    const target = await emptyTarget();
    await expect(restoreDatabase(damaged, target)).rejects.toThrow(/does not match its manifest/);

    const foreign = path.join(dir, 'notes.txt');
    fs.writeFileSync(foreign, 'id,amount\n1,2\n');
    await expect(restoreDatabase(foreign, target)).rejects.toThrow(/neither a SQLite database nor a pg_dump archive/);
    await expect(restoreDatabase(path.join(dir, 'missing.db'), target)).rejects.toThrow(/does not exist/);

    const otherKind = kind === 'sqlite' ? 'postgresql://postgres@127.0.0.1:1/none' : `file:${path.join(dir, 'x.db')}`;
    await expect(restoreDatabase(file, otherKind)).rejects.toThrow(/backup but DATABASE_URL points at/);

    if (kind === 'sqlite') expect(fs.existsSync(target.slice('file:'.length))).toBe(false);
    else expect(Object.keys((await inventory(target)).tables)).toEqual([]);
  });

  it('restores a backup from an older version and brings it up to date with the newer migrations', async () => {
    // An "older version": the same prisma folder without its last two migrations.
    const olderPrisma = copyPrismaDir();
    const migrations = path.join(olderPrisma, kind, 'migrations');
    const names = fs.readdirSync(migrations).filter((n) => /^\d{14}_/.test(n)).sort();
    const newer = names.slice(-2);
    for (const n of newer) fs.rmSync(path.join(migrations, n), { recursive: true });
    const old = await emptyTarget();
    await migrateDatabase(old, { prismaDir: olderPrisma });
    const oldFile = path.join(dir, `older${path.extname(file)}`);
    const m = await backupDatabase(old, oldFile);
    expect(m.migrations).toEqual(names.slice(0, -2));

    const target = await emptyTarget();
    const r = await restoreDatabase(oldFile, target);
    expect(r.verified).toBe(true);
    expect(r.upgraded).toEqual(newer);
    expect((await inventory(target)).migrations).toEqual(names);
  });
});
