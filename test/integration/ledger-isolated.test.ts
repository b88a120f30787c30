/**
 * Where ledger passes run: on SQLite in a child process (scripts/ledger-pass.ts), so the server's
 * event loop is not held while a pass works; the child's pass does exactly what an inline pass does,
 * and its failure comes back as an error with the reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReconciliation } from '@/lib/features/ledger';
import { passPlacement, runPassInChild, runPassPlaced } from '@/lib/features/ledger/isolated';
import { deferIndexes, hasDeferredIndexes } from '@/lib/server/db/deferred-indexes';
import { createTestDatabase, type TestDatabase } from './databases';
import { makeActor, seedSources } from './review-fixtures';

describe('ledger pass placement', () => {
  it('runs passes in a child process on SQLite and inline on PostgreSQL unless told otherwise', () => {
    expect(passPlacement('file:./data/x.db', 'auto')).toBe('child');
    expect(passPlacement('postgresql://u@h/db', 'auto')).toBe('inline');
    expect(passPlacement('file:./data/x.db', 'inline')).toBe('inline');
    expect(passPlacement('postgresql://u@h/db', 'child')).toBe('child');
    expect(() => passPlacement('file:x.db', 'thread')).toThrow(/PAIDLINE_LEDGER_PASSES="thread" is not one of auto, child, inline/);
  });
});

describe('a ledger pass in a child process on SQLite', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
  });
  afterAll(async () => db?.drop());

  it('fills the ledger as an inline pass would, journaled, and reports a failure with its reason', async () => {
    const analyst = await makeActor(db.prisma, 'analyst');
    const ids = await seedSources(db.prisma);
    const rec = await createReconciliation({ name: 'Card payments', sourceIds: [ids.gatewayId, ids.bankId], ruleSetName: 'gateway-vs-bank' }, analyst, db.prisma);
    const pass = await runPassPlaced({ reconciliationId: rec.id, keys: null, trigger: 'person', triggerRef: null, actorEmail: 'analyst@example.org' }, db.prisma, db.url);
    // The same figures as the inline first pass in ledger.test.ts.
    expect(pass).toMatchObject({ keysRead: 25, created: 25, changed: 0, reopened: 0, autoResolved: 4 });
    expect(await db.prisma.runResult.count({ where: { runId: rec.ledgerRunId } })).toBe(25);
    expect(await db.prisma.reconciliationPass.findUniqueOrThrow({ where: { id: pass.passId } })).toMatchObject({ status: 'completed', actorEmail: 'analyst@example.org', scope: 'full' });
    expect(await db.prisma.romiBuild.count({ where: { runId: rec.ledgerRunId } })).toBe(1);

    await expect(runPassInChild({ reconciliationId: 'no-such-reconciliation', keys: null, trigger: 'person', triggerRef: null, actorEmail: null }, db.url)).rejects.toThrow(
      /^The ledger pass process failed: .*(No record was found|not found|NotFound)/i,
    );
  });

  it('builds again the indexes a pass process set aside when it failed', async () => {
    // A fill's process that died with the ledger's indexes set aside (the fill builds them in a finally,
    // which a killed process never reaches): the server builds them when the pass's failure comes back.
    const names = await deferIndexes(db.prisma, 'RunResult');
    expect(names.length).toBe(9);
    await expect(runPassPlaced({ reconciliationId: 'no-such-reconciliation', keys: null, trigger: 'person', triggerRef: null, actorEmail: null }, db.prisma, db.url)).rejects.toThrow(/ledger pass process failed/);
    expect(await hasDeferredIndexes(db.prisma)).toBe(false);
    const built: { name: string }[] = await db.prisma.$queryRawUnsafe(`SELECT "name" FROM sqlite_master WHERE "type" = 'index' AND "tbl_name" = 'RunResult'`);
    expect(names.every((n) => built.some((b) => b.name === n))).toBe(true);
  });
});
