export type Step = { title: string; detail: string };

export function EmptyState({ title, message, steps }: { title: string; message: string; steps?: Step[] }) {
  return (
    <section className="card empty" aria-labelledby="empty-title">
      <h2 id="empty-title">{title}</h2>
      <p>{message}</p>
      {steps?.length ? (
        <ol className="steps">
          {steps.map((s, i) => (
            <li key={s.title}>
              <span className="step-no" aria-hidden="true">{i + 1}</span>
              <div>
                <strong>{s.title}</strong>
                <span>{s.detail}</span>
              </div>
            </li>
          ))}
        </ol>
      ) : null}
    </section>
  );
}
