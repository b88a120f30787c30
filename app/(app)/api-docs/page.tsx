import type { Metadata } from 'next';
import { headers } from 'next/headers';
import { Link } from '@/components/ui/Link';
import { PageHeader } from '@/components/ui/PageHeader';
import { buildOpenApi, ENDPOINTS } from '@/lib/api';
import { requirePage } from '@/lib/auth/guard';
import { can } from '@/lib/domain/permissions';

export const metadata: Metadata = { title: 'API reference' };

type Schema = { type?: string | string[]; enum?: unknown[]; const?: unknown; items?: Schema; anyOf?: Schema[]; oneOf?: Schema[]; allOf?: Schema[]; properties?: Record<string, Schema>; required?: string[]; description?: string; default?: unknown; format?: string; pattern?: string };
type Param = { name: string; in: string; required: boolean; schema: Schema; description?: string };
type Operation = { operationId: string; summary: string; description: string; tags: string[]; parameters: Param[]; requestBody?: { content: Record<string, { schema: Schema }> }; responses: Record<string, { content?: Record<string, { schema: Schema }> }>; 'x-permission': string };

/** A JSON Schema in a few words: "string", "integer", "one of a | b", "array of object". */
function typeOf(s: Schema | undefined): string {
  if (!s) return 'any';
  if (s.enum) return s.enum.map(String).join(' | ');
  if (s.const !== undefined) return JSON.stringify(s.const);
  const variants = s.anyOf ?? s.oneOf;
  if (variants) return [...new Set(variants.map(typeOf))].join(' or ');
  if (s.allOf) return s.allOf.map(typeOf).join(' and ');
  const t = Array.isArray(s.type) ? s.type.join(' or ') : s.type;
  if (t === 'array') return `array of ${typeOf(s.items)}`;
  return t ?? 'any';
}

/** An object schema's fields (one level; nested objects say "object"). */
function fieldsOf(s: Schema | undefined): { name: string; type: string; required: boolean; description?: string }[] {
  const obj = s?.properties ? s : (s?.allOf ?? s?.anyOf ?? []).find((x) => x.properties);
  if (!obj?.properties) return [];
  const required = new Set(obj.required ?? []);
  return Object.entries(obj.properties).map(([name, f]) => ({ name, type: typeOf(f), required: required.has(name), description: f.description }));
}

function Fields({ rows }: { rows: { name: string; type: string; required: boolean; description?: string; where?: string }[] }) {
  return (
    <table className="data api-fields">
      <thead>
        <tr>
          <th>Field</th>
          <th>Type</th>
          <th>Notes</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((f) => (
          <tr key={`${f.where ?? ''}${f.name}`}>
            <td>
              <code>{f.name}</code>
              {f.required ? <span className="muted"> required</span> : null}
              {f.where ? <span className="muted"> ({f.where})</span> : null}
            </td>
            <td className="api-type">{f.type}</td>
            <td className="muted"><Prose text={f.description ?? ''} /></td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Text with `code` spans, as the document writes them. */
function Prose({ text }: { text: string }) {
  return (
    <>
      {text.split(/(`[^`]+`)/g).map((part, i) => (part.startsWith('`') && part.endsWith('`') && part.length > 1 ? <code key={i}>{part.slice(1, -1)}</code> : <span key={i}>{part}</span>))}
    </>
  );
}

const METHOD_CLASS: Record<string, string> = { get: 'ok', post: 'neutral', put: 'warn', patch: 'warn', delete: 'bad' };

export default async function ApiDocsPage() {
  const user = await requirePage('account:manage', '/api-docs');
  const h = await headers();
  const origin = `${h.get('x-forwarded-proto') ?? 'http'}://${h.get('host') ?? 'localhost:3000'}`;
  const doc = buildOpenApi(ENDPOINTS) as { paths: Record<string, Record<string, Operation>>; tags: { name: string }[] };
  const ops = Object.entries(doc.paths).flatMap(([p, methods]) => Object.entries(methods).map(([method, op]) => ({ path: p, method, op })));
  return (
    <>
      <PageHeader
        title="API reference"
        description="Everything the app does, from a script: upload the morning's bank file, check what is still open, pull the ROMI figures into a board deck."
        actions={
          <div className="row-actions">
            <Link className="button secondary" href="/account/tokens">API tokens</Link>
            <a className="button secondary" href="/api/v1/openapi.json">OpenAPI 3.1 (JSON)</a>
          </div>
        }
      />
      <section className="card api-intro">
        <h2>Getting started</h2>
        <ol>
          <li>
            Make a personal access token under <Link href="/account/tokens">Account → API tokens</Link>. It acts with your role ({user.role}); a read-only token can only read.
          </li>
          <li>
            Send it on every request: <code>Authorization: Bearer pl_…</code>. Errors are <code>application/problem+json</code> (RFC 9457) with the message the app shows; every answer carries
            <code> x-request-id</code> and the token&apos;s <code>RateLimit</code>.
          </li>
          <li>Amounts are integer minor units (cents) as strings. Lists page with <code>cursor</code> and <code>limit</code>: pass the answer&apos;s <code>nextCursor</code> until it is null.</li>
          <li>
            Or use the command-line client: <code>PAIDLINE_URL={origin} PAIDLINE_TOKEN=pl_… npm run paidline -- upload --source &quot;Bank&quot; statement.csv --wait</code>
          </li>
        </ol>
        <pre className="api-example">{`curl -H "Authorization: Bearer $PAIDLINE_TOKEN" ${origin}/api/v1/romi?from=2025-01-01&to=2025-03-31`}</pre>
      </section>
      <nav className="card api-toc" aria-label="Endpoints">
        {doc.tags.map((t) => (
          <div key={t.name}>
            <h3>{t.name}</h3>
            <ul>
              {ops
                .filter((o) => o.op.tags[0] === t.name)
                .map((o) => (
                  <li key={o.op.operationId}>
                    <a href={`#${o.op.operationId}`}>
                      <span className={`pill ${METHOD_CLASS[o.method] ?? 'neutral'} api-method`}>{o.method.toUpperCase()}</span> <code>{o.path}</code>
                    </a>
                  </li>
                ))}
            </ul>
          </div>
        ))}
      </nav>
      {doc.tags.map((t) => (
        <section key={t.name} aria-labelledby={`tag-${t.name}`}>
          <h2 id={`tag-${t.name}`} className="api-tag">{t.name}</h2>
          {ops
            .filter((o) => o.op.tags[0] === t.name)
            .map(({ path, method, op }) => {
              const params = op.parameters.map((p) => ({ name: p.name, type: typeOf(p.schema), required: p.required, description: p.description, where: p.in }));
              const body = op.requestBody?.content['application/json']?.schema;
              const success = Object.entries(op.responses).find(([code]) => code.startsWith('2'));
              const answer = success?.[1].content?.['application/json']?.schema;
              const mine = can(user.role, op['x-permission'] as never);
              return (
                <details key={op.operationId} id={op.operationId} className="card api-op">
                  <summary>
                    <span className={`pill ${METHOD_CLASS[method] ?? 'neutral'} api-method`}>{method.toUpperCase()}</span> <code className="api-path">/api/v1{path}</code>
                    <span className="api-summary">{op.summary}</span>
                    {mine ? null : <span className="pill neutral" title="Your role does not allow it">not for your role</span>}
                  </summary>
                  {op.description.split('\n\n').map((para, i) => (
                    <p key={i} style={{ margin: '10px 0 0' }}><Prose text={para} /></p>
                  ))}
                  {params.length ? (
                    <>
                      <h4>Parameters</h4>
                      <Fields rows={params} />
                    </>
                  ) : null}
                  {body ? (
                    <>
                      <h4>Body (JSON)</h4>
                      <Fields rows={fieldsOf(body)} />
                    </>
                  ) : null}
                  {op.requestBody && !body ? <p className="muted">Body: the file itself (CSV, XLSX or JSON export), or multipart/form-data with one file part.</p> : null}
                  <h4>Answer {success?.[0]}</h4>
                  {fieldsOf(answer).length ? <Fields rows={fieldsOf(answer)} /> : <p className="muted">{typeOf(answer)}</p>}
                </details>
              );
            })}
        </section>
      ))}
    </>
  );
}
