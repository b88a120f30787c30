import type { Metadata } from 'next';
import { EmptyState } from '@/components/ui/EmptyState';
import { PageHeader } from '@/components/ui/PageHeader';
import { requirePage } from '@/lib/auth/guard';

export const metadata: Metadata = { title: 'Discrepancies' };

export default async function DiscrepanciesPage() {
  await requirePage('discrepancies:view', '/discrepancies');
  return (
    <>
      <PageHeader title="Discrepancies" description="Transactions on which the systems disagree, with the action the procedure recommends." />
      <EmptyState
        title="Nothing to review"
        message="When a run finds a transaction the systems disagree on, it appears here for finance to resolve, with a full audit trail."
      />
    </>
  );
}
