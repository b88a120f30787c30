/**
 * `npm run worker`: a background worker process. It works the job queue (runs, run partitions and
 * merges, pulls), recovers runs whose worker died, times scheduled pulls and sends alerts. Start as
 * many as you like next to the app instances (pg-boss on PostgreSQL shares the jobs safely); set
 * PAIDLINE_WORKER=off on the app instances to leave the jobs to the workers.
 *
 * SIGTERM / SIGINT: stop taking jobs, let the running ones finish (PAIDLINE_WORKER_SHUTDOWN_SECONDS,
 * default 60), exit. A worker killed harder leaves its run to be taken over by another worker once
 * its heartbeat is stale (PAIDLINE_RUN_STALE_SECONDS).
 */
import { databaseKindOf, resolveDatabaseUrl, redactUrl } from '../lib/server/db/config';
import { queueKindFor } from '../lib/server/jobs';
import { startBackground } from '../lib/server/bootstrap/background';

async function main() {
  const url = resolveDatabaseUrl();
  const kind = queueKindFor(url);
  if (kind === 'in-process' && databaseKindOf(url) === 'sqlite') {
    console.warn('[worker] SQLite: jobs are in-process, so this worker only works runs and pulls it finds in the database (recovery) and its own schedule. Use PostgreSQL to share jobs between processes.');
  }
  const background = await startBackground({
    scheduler: process.env.PAIDLINE_SCHEDULER !== 'off',
    alerts: process.env.PAIDLINE_ALERT_LOOP !== 'off',
  });
  console.warn(`[worker] working ${kind} jobs on ${redactUrl(url)} (pid ${process.pid}).`);
  // The background timers are unref'd (they must not keep an app instance from exiting), and on
  // SQLite no socket is open either: without this the worker would exit as soon as it started.
  const keepAlive = setInterval(() => {}, 60_000);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const seconds = Number(process.env.PAIDLINE_WORKER_SHUTDOWN_SECONDS) || 60;
    console.warn(`[worker] ${signal}: finishing running jobs (up to ${seconds} s)...`);
    try {
      clearInterval(keepAlive);
      await background.stop(seconds * 1000);
      const { getPrisma } = await import('../lib/server/db/client');
      await getPrisma().$disconnect();
      process.exit(0);
    } catch (e) {
      console.error(`[worker] shutdown: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((e) => {
  console.error(`[worker] ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
