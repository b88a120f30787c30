/**
 * Where a ledger pass runs. On PostgreSQL the driver is asynchronous, so a pass shares the process
 * (the job queue's worker) with requests without holding them up. On the embedded SQLite each query
 * is a synchronous call: a pass in the web server's process would keep every request waiting until
 * it finished (seconds to minutes), so there it runs in a child process (scripts/ledger-pass.ts) with
 * its own connection, and SQLite's WAL mode lets the server read while it writes.
 *
 * PAIDLINE_LEDGER_PASSES: auto (default: child on SQLite, here on PostgreSQL), child, inline.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { databaseKindOf, resolveDatabaseUrl } from '@/lib/server/db/config';
import { type DbClient as Client } from '@/lib/server/db/client';
import { runLedgerPass, type PassResult, type PassTrigger } from './pass';

export type PassRequest = { reconciliationId: string; keys: string[] | null; trigger: PassTrigger; triggerRef: string | null; actorEmail: string | null };

export function passPlacement(url: string = resolveDatabaseUrl(), setting = process.env.PAIDLINE_LEDGER_PASSES?.trim() || 'auto'): 'child' | 'inline' {
  if (setting === 'child' || setting === 'inline') return setting;
  if (setting !== 'auto') throw new Error(`PAIDLINE_LEDGER_PASSES="${setting}" is not one of auto, child, inline.`);
  return databaseKindOf(url) === 'sqlite' ? 'child' : 'inline';
}

/** Runs the pass where passPlacement says; `db` is used inline only (the child opens DATABASE_URL). */
export async function runPassPlaced(request: PassRequest, db: Client, url: string = resolveDatabaseUrl()): Promise<PassResult> {
  if (passPlacement(url) === 'inline') {
    return runLedgerPass(request.reconciliationId, { keys: request.keys, trigger: request.trigger, triggerRef: request.triggerRef, actorEmail: request.actorEmail, db });
  }
  return runPassInChild(request, url);
}

/** The pass in a child process: `node --import tsx scripts/ledger-pass.ts`, the request on stdin. */
export function runPassInChild(request: PassRequest, url: string): Promise<PassResult> {
  const root = process.env.PAIDLINE_ROOT?.trim() || process.cwd();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/ledger-pass.ts')], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: url, NODE_ENV: process.env.NODE_ENV ?? 'production' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-8000)));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (code === 0 && line) return resolve(JSON.parse(line.slice(7)) as PassResult);
      const error = stdout.split('\n').find((l) => l.startsWith('ERROR '));
      const why = error ? (JSON.parse(error.slice(6)) as string) : stderr.trim().split('\n').slice(-1)[0] || `exit code ${code}`;
      reject(new Error(`The ledger pass process failed: ${why}`));
    });
    child.stdin.end(JSON.stringify(request));
  });
}
