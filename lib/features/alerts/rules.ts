/**
 * The alert rules: one source of truth for their ids, labels, the team they concern (which picks a
 * Telegram chat when the severity has none of its own) and the default channels.
 */
export const ALERT_RULES = [
  'critical_discrepancy',
  'discrepancy_rate',
  'run_failed',
  'ingestion_failed',
  'schema_drift',
  'source_stale',
  'signature_failures',
] as const;
export type AlertRule = (typeof ALERT_RULES)[number];

/** Rules plus the alerts that are not threshold rules: escalations and test messages. */
export type AlertKind = AlertRule | 'escalation' | 'test';

export const CHANNELS = ['telegram', 'email', 'webhook'] as const;
export type Channel = (typeof CHANNELS)[number];

export const TEAMS = ['finance', 'data'] as const;
export type Team = (typeof TEAMS)[number];

export const ALERT_SEVERITIES = ['info', 'warning', 'critical'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

export const RULE_INFO: Record<AlertKind, { label: string; team: Team; description: string }> = {
  critical_discrepancy: { label: 'Critical discrepancy', team: 'finance', description: 'A run finds the gateway saying Paid while the bank says Failed or has no record.' },
  discrepancy_rate: { label: 'Discrepancy rate', team: 'finance', description: "A run's share of discrepancies (keys not matched) is above the threshold." },
  run_failed: { label: 'Run failed', team: 'finance', description: 'A reconciliation run failed (nothing of it was kept).' },
  ingestion_failed: { label: 'Ingestion failed', team: 'data', description: 'An upload or API pull failed and was rolled back.' },
  schema_drift: { label: 'Schema drift', team: 'data', description: 'An ingestion found missing, new or renamed columns or unknown status codes.' },
  source_stale: { label: 'Stale source', team: 'data', description: 'A source has not ingested anything for longer than the threshold.' },
  signature_failures: { label: 'Webhook signature failures', team: 'data', description: 'More refused webhook signatures than the threshold within the window.' },
  escalation: { label: 'Escalation', team: 'finance', description: 'A discrepancy escalated to the support chat.' },
  test: { label: 'Test', team: 'finance', description: 'A test message sent from the settings page.' },
};

/**
 * AlertDelivery.state values (a plain string column so monitoring can count by it):
 * - pending: waiting for its first attempt
 * - retrying: an attempt failed; the next one is due at nextAttemptAt
 * - sent: delivered
 * - failed: gave up after the last attempt (stays visible; an admin can retry it)
 * - suppressed: throttled, never sent (the alert is kept in the history)
 */
export const DELIVERY_STATES = ['pending', 'retrying', 'sent', 'failed', 'suppressed'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];
