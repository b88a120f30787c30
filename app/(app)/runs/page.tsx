import type { Metadata } from 'next';
import { EmptyState } from '@/components/ui/EmptyState';
import { PageHeader } from '@/components/ui/PageHeader';
import { requirePage } from '@/lib/auth/guard';

export const metadata: Metadata = { title: 'Runs' };

export default async function RunsPage() {
  await requirePage('runs:view', '/runs');
  return (
    <>
      <PageHeader title="Reconciliation runs" description="Each run matches transactions across the chosen sources and records every discrepancy." />
      <EmptyState
        title="No runs yet"
        message="A run compares two or more sources by transaction id, amount and date, then classifies each key as matched, mismatched, missing or duplicated."
        steps={[
          { title: 'Upload data', detail: 'Add exports from the gateway and the bank under Sources.' },
          { title: 'Start a run', detail: 'Pick the sources and the rule set; the run works in the background.' },
        ]}
      />
    </>
  );
}
