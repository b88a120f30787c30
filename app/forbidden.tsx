import { Link } from '@/components/ui/Link';

export default function Forbidden() {
  return (
    <div className="status-page">
      <div>
        <div className="status-code">403 · NOT ALLOWED</div>
        <h1>Your role cannot open this page</h1>
        <p>Ask an administrator if you need access. The attempt has been recorded in the audit log.</p>
        <Link className="button secondary" href="/">Back to your start page</Link>
      </div>
    </div>
  );
}
