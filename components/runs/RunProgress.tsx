'use client';

import { useEffect, useState } from 'react';
import { useRouter } from 'next/navigation';
import { PHASE_LABELS } from './format';

type Status = { status: string; phase: string | null; progress: number; progressTotal: number; message: string | null };

/** Polls the run's status while it works; refreshes the page when it ends. */
export function RunProgress({ runId, initial }: { runId: string; initial: Status }) {
  const [s, setS] = useState(initial);
  const router = useRouter();
  useEffect(() => {
    if (s.status !== 'queued' && s.status !== 'running') return;
    const timer = setTimeout(async () => {
      const res = await fetch(`/api/runs/${runId}`, { cache: 'no-store' });
      if (!res.ok) return;
      const next = (await res.json()) as Status;
      setS(next);
      if (next.status !== 'queued' && next.status !== 'running') router.refresh();
    }, 700);
    return () => clearTimeout(timer);
  }, [s, runId, router]);
  const pct = s.progressTotal > 0 ? Math.min(100, Math.round((s.progress / s.progressTotal) * 100)) : 0;
  if (s.status !== 'queued' && s.status !== 'running') return null;
  return (
    <section className="card" aria-live="polite" data-testid="run-progress">
      <div className="progress-label">
        <span>{s.status === 'queued' ? 'Waiting to start…' : (PHASE_LABELS[s.phase ?? ''] ?? 'Working…')}</span>
        <span>{s.progressTotal ? `${s.progress.toLocaleString('en-US')} / ${s.progressTotal.toLocaleString('en-US')}` : ''}</span>
      </div>
      <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct} aria-label="Run progress">
        <span style={{ width: `${pct}%` }} />
      </div>
    </section>
  );
}
