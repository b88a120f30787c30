import type { Metadata } from 'next';
import { Link } from '@/components/ui/Link';
import { PageHeader } from '@/components/ui/PageHeader';
import { requirePage } from '@/lib/auth/guard';
import { monthOf, parseMonth } from '@/lib/features/quality/month';

export const metadata: Metadata = { title: 'Reports' };
export const dynamic = 'force-dynamic';

/** Pick a month for the monthly report: the last twelve months, newest first. */
export default async function ReportsPage() {
  await requirePage('reports:view', '/reports');
  const months: string[] = [];
  let m = parseMonth(monthOf(new Date()));
  for (let i = 0; i < 12 && m; i++) {
    months.push(m.month);
    m = parseMonth(m.prev);
  }
  return (
    <div className="report">
      <PageHeader title="Reports" description="The monthly report for executives and finance: ROMI on reconciled revenue, reconciliation health and open risks. Open a month, then print it or save it as PDF." />
      <section className="card" aria-labelledby="months-title">
        <h2 id="months-title" className="section-title">Monthly report</h2>
        <div className="report-months">
          {months.map((month) => (
            <Link key={month} className="button secondary" href={`/reports/monthly?month=${month}`}>{parseMonth(month)!.label}</Link>
          ))}
        </div>
      </section>
    </div>
  );
}
