/**
 * Runs once when a server instance starts (Node.js runtime only): roll back ingestions
 * interrupted by a crash or restart, so nothing half-written is left, then start the background
 * work (lib/server/bootstrap/background.ts) unless PAIDLINE_WORKER=off.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { bootstrap } = await import('@/lib/server/bootstrap');
  bootstrap();
  const { recoverUploads } = await import('@/lib/features/ingestion/recover-uploads');
  const log = (await import('@/lib/server/observability/logger')).loggerFor('startup');
  const { PEER_TOKEN_ENV, parseTrustedProxies } = await import('@/lib/server/http/client-ip');
  if (!process.env[PEER_TOKEN_ENV]) {
    log.warn('Not started by scripts/serve.mjs (npm start, npm run dev, npm run demo): client addresses are unknown, so every client shares one rate-limit budget and the audit log has no IP.');
  }
  // A wrong PAIDLINE_TRUSTED_PROXIES stops the start with its message, not the first request.
  parseTrustedProxies(process.env.PAIDLINE_TRUSTED_PROXIES);
  try {
    // Only ingestions that stopped moving are rolled back (another instance may be processing its own).
    const recovered = await recoverUploads();
    if (recovered.ingestions) log.warn({ recovered: recovered.ingestions }, `Rolled back ${recovered.ingestions} ingestion(s) interrupted by the last shutdown.`);
  } catch (error) {
    log.error({ err: error }, 'Start-up recovery failed');
  }
  // Jobs (runs, pulls), heartbeat-based run recovery, the pull schedule (PAIDLINE_SCHEDULER=off)
  // and the alert loop; with PAIDLINE_WORKER=off they are left to `npm run worker` processes.
  const { workerEnabled } = await import('@/lib/server/jobs');
  if (!workerEnabled()) return;
  try {
    const { startBackground } = await import('@/lib/server/bootstrap/background');
    await startBackground({ log: (m) => log.warn(m) });
  } catch (error) {
    log.error({ err: error }, 'Background jobs not started');
  }
}
