import type { Metadata } from 'next';
import { EmptyState } from '@/components/ui/EmptyState';
import { PageHeader } from '@/components/ui/PageHeader';
import { requirePage } from '@/lib/auth/guard';

export const metadata: Metadata = { title: 'Sources' };

export default async function SourcesPage() {
  await requirePage('sources:view', '/sources');
  return (
    <>
      <PageHeader title="Sources" description="The systems Paidline reads payment statuses from, each with a versioned profile." />
      <EmptyState
        title="No sources yet"
        message="A source is one system: a payment gateway, a bank account, a CRM, an ERP or an ad platform. Its profile maps columns and status codes to Paidline's glossary."
        steps={[
          { title: 'Add a source', detail: 'Choose its kind and a preset such as Stripe, PayPal, Adyen or a bank statement.' },
          { title: 'Upload an export', detail: 'CSV, XLSX or JSON; check the suggested mapping before ingesting.' },
        ]}
      />
    </>
  );
}
