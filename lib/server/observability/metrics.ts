/**
 * Prometheus metrics (prom-client). Two parts:
 * - process-wide: the latency histograms that route handlers and server actions feed through
 *   their pipelines (lib/server/pipeline), plus Node's default process metrics. One per process (lib/server/core/process-state.ts), so a Next.js reload or a second copy
 *   of this module never registers a metric twice;
 * - per scrape: gauges read from the database at scrape time (runs by status, rows ingested,
 *   the latest run's keys and open discrepancies by class, alert deliveries by state), built in a
 *   fresh registry each time and merged, so concurrent scrapes never share half-set values.
 */
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { processSlot } from '@/lib/server/core/process-state';

type State = {
  registry: Registry;
  httpDuration: Histogram<'route' | 'method' | 'status'>;
  actionDuration?: Histogram<'action' | 'outcome'>;
};
const slot = processSlot<State>('metrics');

export function metricsState(): State {
  const existing = slot.get();
  if (existing) return existing;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const httpDuration = new Histogram({
    name: 'paidline_http_request_duration_seconds',
    help: 'Route handler latency in seconds, by route, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const state = { registry, httpDuration };
  slot.set(state);
  return state;
}

/** The server-action histogram; created on first use (a state kept from an older module copy may lack it). */
function actionDuration(): Histogram<'action' | 'outcome'> {
  const state = metricsState();
  state.actionDuration ??= new Histogram({
    name: 'paidline_action_duration_seconds',
    help: 'Server action latency in seconds, by action and outcome (ok, or the error code).',
    labelNames: ['action', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [state.registry],
  });
  return state.actionDuration;
}

/** Records one server action call. */
export function recordAction(action: string, outcome: string, seconds: number): void {
  actionDuration().observe({ action, outcome }, seconds);
}

/** Records one handled request. */
export function recordRequest(route: string, method: string, status: number, seconds: number): void {
  metricsState().httpDuration.observe({ route, method, status: String(status) }, seconds);
}

/** The database gauges of one scrape, in their own registry. */
/** What the operational gauges show (read by lib/features/quality operationalCounts). */
export type OperationalCounts = {
  runsByStatus: { status: string; count: number }[];
  rowsIngested: { channel: string; rows: number }[];
  latestRun: { runId: string; keysByClass: { cls: string; count: number }[]; openByClass: { cls: string; count: number }[] } | null;
  alertDeliveries: { state: string; count: number }[];
};

export function countsRegistry(c: OperationalCounts): Registry {
  const registry = new Registry();
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]) => new Gauge<L>({ name, help, labelNames, registers: [registry] });
  const runs = gauge('paidline_runs', 'Reconciliation runs by status.', ['status']);
  for (const r of c.runsByStatus) runs.set({ status: r.status }, r.count);
  const rows = gauge('paidline_rows_ingested_total', 'Rows stored from committed uploads and pulls and from accepted webhooks, by channel.', ['channel']);
  for (const r of c.rowsIngested) rows.set({ channel: r.channel }, r.rows);
  const keys = gauge('paidline_latest_run_keys', 'Keys of the newest completed run by class (matched, mismatched, missing, duplicate).', ['class']);
  const open = gauge('paidline_latest_run_open_discrepancies', 'Open, in-review and escalated discrepancies of the newest completed run by class.', ['class']);
  for (const k of c.latestRun?.keysByClass ?? []) keys.set({ class: k.cls }, k.count);
  for (const k of c.latestRun?.openByClass ?? []) open.set({ class: k.cls }, k.count);
  const alerts = gauge('paidline_alert_deliveries', 'Alert deliveries by state (pending, retrying, sent, failed, suppressed).', ['state']);
  for (const a of c.alertDeliveries) alerts.set({ state: a.state }, a.count);
  return registry;
}

/** The Prometheus text exposition of everything. */
export async function renderMetrics(c: OperationalCounts): Promise<{ body: string; contentType: string }> {
  const merged = Registry.merge([metricsState().registry, countsRegistry(c)]);
  return { body: await merged.metrics(), contentType: merged.contentType };
}
