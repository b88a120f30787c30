import { Link } from '@/components/ui/Link';
import type { FirstRunStep } from '@/lib/features/romi/first-run';

/** The first-run path: the steps from an empty workspace to the ROMI dashboard, ticked off as they are done. */
export function GettingStarted({ steps }: { steps: FirstRunStep[] }) {
  const next = steps.find((s) => !s.done);
  const done = steps.filter((s) => s.done).length;
  return (
    <section className="card empty getting-started" aria-labelledby="start-title" data-testid="getting-started">
      <h2 id="start-title">Getting started</h2>
      <p>{done === 0 ? 'From your own exports to a ROMI dashboard built only on reconciled, paid revenue, in five steps.' : `${done} of ${steps.length} steps done.`}</p>
      <ol className="steps">
        {steps.map((s, i) => (
          <li key={s.id} className={s.done ? 'done' : s === next ? 'next' : ''}>
            <span className="step-no" aria-hidden="true">{s.done ? '✓' : i + 1}</span>
            <div>
              <strong>{s.done ? <>{s.title} <span className="sr-only">(done)</span></> : <Link href={s.href}>{s.title}</Link>}</strong>
              <span>{s.detail}</span>
            </div>
          </li>
        ))}
      </ol>
      {next ? <p><Link className="button" href={next.href}>{next.title}</Link></p> : <p className="muted">Every step is done: the figures appear as soon as the ledger has reconciled.</p>}
    </section>
  );
}
