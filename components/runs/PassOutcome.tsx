import { Link } from '@/components/ui/Link';

type Counts = { created: number; changed: number; reopened: number; unchanged: number; autoResolved: number; status: string };

/** What a ledger pass did, in a line: "1 reopened · 3 new · 2 settled by rules · 40 unchanged". */
export function PassOutcome({ pass, reopenedHref }: { pass: Counts; reopenedHref?: string }) {
  const n = (v: number) => v.toLocaleString('en-US');
  const parts: React.ReactNode[] = [];
  if (pass.reopened) {
    const pill = <span className="pill warn">{n(pass.reopened)} reopened</span>;
    parts.push(reopenedHref ? <Link key="r" href={reopenedHref}>{pill}</Link> : <span key="r">{pill}</span>);
  }
  if (pass.created) parts.push(<span key="c">{n(pass.created)} new</span>);
  if (pass.changed) parts.push(<span key="ch">{n(pass.changed)} changed</span>);
  if (pass.autoResolved) parts.push(<span key="a">{n(pass.autoResolved)} settled by rules</span>);
  if (pass.unchanged) parts.push(<span key="u" className="muted">{n(pass.unchanged)} unchanged</span>);
  if (!parts.length) return <span className="muted">{pass.status === 'completed' ? 'nothing to do' : '—'}</span>;
  return <span className="pass-outcome">{parts.map((p, i) => <span key={i}>{i ? ' · ' : ''}{p}</span>)}</span>;
}
