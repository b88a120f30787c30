export default function Loading() {
  return (
    <div aria-busy="true" aria-live="polite" className="romi-loading">
      <p className="muted">Loading the figures…</p>
      <div className="grid-cards">{[0, 1, 2, 3].map((i) => <div key={i} className="card skeleton" />)}</div>
    </div>
  );
}
