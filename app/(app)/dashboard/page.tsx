import type { Metadata } from 'next';
import { EmptyState } from '@/components/ui/EmptyState';
import { PageHeader } from '@/components/ui/PageHeader';
import { requirePage } from '@/lib/auth/guard';

export const metadata: Metadata = { title: 'Dashboard' };

export default async function DashboardPage() {
  await requirePage('dashboard:view', '/dashboard');
  return (
    <>
      <PageHeader
        title="Return on marketing investment"
        description="Built only on reconciled, paid revenue. Pending and disputed amounts are shown apart and never counted."
      />
      <div className="grid-cards" aria-label="Key figures">
        {[
          ['ROMI', 'No reconciled revenue yet'],
          ['Reconciled paid revenue', 'Waiting for a reconciliation run'],
          ['Marketing spend', 'No spend imported yet'],
          ['Not yet counted', 'Pending or disputed amounts'],
        ].map(([label, note]) => (
          <div className="card" key={label}>
            <div className="kpi-label">{label}</div>
            <div className="kpi-value">—</div>
            <div className="kpi-note">{note}</div>
          </div>
        ))}
      </div>
      <EmptyState
        title="No figures to show yet"
        message="ROMI appears here once payments are reconciled and marketing spend is imported."
        steps={[
          { title: 'Connect the systems', detail: 'An analyst adds the gateway, bank, CRM and ad-platform sources.' },
          { title: 'Reconcile', detail: 'A run matches every transaction across systems and flags what disagrees.' },
          { title: 'Review', detail: 'Finance resolves the discrepancies; only reconciled Paid revenue counts.' },
        ]}
      />
    </>
  );
}
