/**
 * Runs once when a server instance starts (Node.js runtime only): roll back
 * ingestions and runs interrupted by a crash or restart, so nothing half-written is left,
 * then start the in-process pull scheduler (PAIDLINE_SCHEDULER=off disables it).
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { recoverInterruptedIngestions } = await import('@/lib/db/ingestions');
  const { recoverInterruptedRuns } = await import('@/lib/db/runs');
  const log = (await import('@/lib/observability/logger')).loggerFor('startup');
  try {
    const recovered = await recoverInterruptedIngestions();
    if (recovered) log.warn({ recovered }, `Rolled back ${recovered} ingestion(s) interrupted by the last shutdown.`);
    const runs = await recoverInterruptedRuns();
    if (runs) log.warn({ runs }, `Marked ${runs} run(s) interrupted by the last shutdown as failed; start them again.`);
  } catch (error) {
    log.error({ err: error }, 'Start-up recovery failed');
  }
  const { startSchedulerOnce } = await import('@/lib/ingest/scheduler');
  await startSchedulerOnce();
  // Alerts: send due deliveries (with retries) and run the stale-source / signature sweeps.
  const { startAlertLoop } = await import('@/lib/alerts/loop');
  startAlertLoop();
}
