'use client';

import * as Toast from '@radix-ui/react-toast';
import { setNonce } from 'get-nonce';
import { createContext, useCallback, useContext, useState } from 'react';

type ToastItem = { id: number; title: string; description?: string; tone: 'success' | 'error' | 'info' };
type Notify = (t: Omit<ToastItem, 'id'>) => void;

const ToastContext = createContext<Notify>(() => undefined);

/** Announces the outcome of an action ("37 discrepancies resolved"): a polite live region, dismissable, gone after a few seconds. */
export function useToast(): Notify {
  return useContext(ToastContext);
}

/**
 * The app's UI primitives' context: Radix toasts, and the request's CSP nonce for the style tags Radix's
 * dialogs insert (scroll lock): without it the policy (style-src 'nonce-…') would refuse them.
 */
export function UiProvider({ nonce, children }: { nonce: string | null; children: React.ReactNode }) {
  if (nonce) setNonce(nonce);
  const [items, setItems] = useState<ToastItem[]>([]);
  const notify = useCallback<Notify>((t) => setItems((xs) => [...xs.slice(-3), { ...t, id: Date.now() + Math.random() }]), []);
  return (
    <ToastContext.Provider value={notify}>
      <Toast.Provider swipeDirection="right" duration={6000} label="Notifications">
        {children}
        {items.map((t) => (
          <Toast.Root key={t.id} className={`toast ${t.tone}`} type={t.tone === 'error' ? 'foreground' : 'background'} onOpenChange={(open) => { if (!open) setItems((xs) => xs.filter((x) => x.id !== t.id)); }} data-testid="toast">
            <Toast.Title className="toast-title">{t.title}</Toast.Title>
            {t.description ? <Toast.Description className="toast-description">{t.description}</Toast.Description> : null}
            <Toast.Close className="toast-close" aria-label="Dismiss">×</Toast.Close>
          </Toast.Root>
        ))}
        <Toast.Viewport className="toast-viewport" />
      </Toast.Provider>
    </ToastContext.Provider>
  );
}
