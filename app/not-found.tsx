import { Link } from '@/components/ui/Link';

export default function NotFound() {
  return (
    <div className="status-page">
      <div>
        <div className="status-code">404 · NOT FOUND</div>
        <h1>There is nothing at this address</h1>
        <p>The link may be old, or the item may have been removed.</p>
        <Link className="button secondary" href="/">Back to your start page</Link>
      </div>
    </div>
  );
}
