/**
 * Health: the database answers, and the migrations applied to it are exactly the ones this build
 * ships (prisma/<kind>/migrations). Anything else is "not ready": a load balancer should not send
 * traffic to an instance whose code and schema disagree.
 */
import { clientTarget, type PrismaClient } from '@/lib/server/db/client';
import { migrationsDir } from '@/lib/server/db/config';
import { readMigrationList } from '@/lib/server/db/migrations';

export type HealthReport = {
  status: 'ok' | 'error';
  database: 'sqlite' | 'postgres';
  checks: {
    database: { ok: boolean; latencyMs?: number; error?: string };
    migrations: { ok: boolean; shipped?: number; applied?: number; pending?: string[]; unknown?: string[]; error?: string };
  };
};

/** Migration folders shipped with this build. */
export function shippedMigrations(kind: 'sqlite' | 'postgres', prismaDir?: string): string[] {
  return readMigrationList(migrationsDir(kind, prismaDir)).migrationDirectories.map((d) => d.path);
}

export async function checkHealth(db: PrismaClient, opts: { prismaDir?: string } = {}): Promise<HealthReport> {
  const kind = clientTarget(db).kind;
  const report: HealthReport = { status: 'error', database: kind, checks: { database: { ok: false }, migrations: { ok: false } } };
  const started = performance.now();
  try {
    await db.$queryRawUnsafe('SELECT 1');
    report.checks.database = { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch {
    report.checks.database = { ok: false, error: 'The database does not answer. Check DATABASE_URL and that the database server is running.' };
    report.checks.migrations = { ok: false, error: 'Not checked: the database does not answer.' };
    return report;
  }
  try {
    const shipped = shippedMigrations(kind, opts.prismaDir);
    let applied: string[] = [];
    try {
      const rows = await db.$queryRawUnsafe<{ migration_name: string }[]>(
        'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
      );
      applied = rows.map((r) => r.migration_name);
    } catch {
      applied = []; // no migrations table yet: every shipped migration is pending
    }
    const appliedSet = new Set(applied);
    const shippedSet = new Set(shipped);
    const pending = shipped.filter((m) => !appliedSet.has(m));
    const unknown = [...appliedSet].filter((m) => !shippedSet.has(m)).sort();
    const ok = pending.length === 0 && unknown.length === 0;
    report.checks.migrations = {
      ok,
      shipped: shipped.length,
      applied: appliedSet.size,
      ...(pending.length ? { pending } : {}),
      ...(unknown.length ? { unknown } : {}),
      ...(ok
        ? {}
        : {
            error: pending.length
              ? `${pending.length} migration(s) not applied: run \`npm run db:migrate\` (npm start applies them) and check again.`
              : `The database has ${unknown.length} migration(s) this build does not ship: it was migrated by a newer version. Deploy that version.`,
          }),
    };
  } catch (e) {
    report.checks.migrations = { ok: false, error: `Cannot read the shipped migrations: ${(e as Error).message}` };
  }
  report.status = report.checks.database.ok && report.checks.migrations.ok ? 'ok' : 'error';
  return report;
}
