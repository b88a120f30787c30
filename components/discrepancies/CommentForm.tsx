'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import { commentAction } from '@/app/(app)/discrepancies/actions';

export function CommentForm({ id }: { id: number }) {
  const router = useRouter();
  const [body, setBody] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [pending, start] = useTransition();
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        start(async () => {
          const res = await commentAction(id, body);
          if (!res.ok) setError(res.error);
          else {
            setError(null);
            setBody('');
            router.refresh();
          }
        });
      }}
    >
      {error ? <div className="alert error" role="status">{error}</div> : null}
      <div className="field">
        <label htmlFor="comment-body">Add a comment</label>
        <textarea id="comment-body" rows={2} value={body} onChange={(e) => setBody(e.target.value)} />
      </div>
      <button className="button secondary" type="submit" disabled={pending || !body.trim()}>{pending ? 'Posting…' : 'Post comment'}</button>
    </form>
  );
}
