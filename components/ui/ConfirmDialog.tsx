'use client';

import * as AlertDialog from '@radix-ui/react-alert-dialog';

/**
 * Asks before a destructive or bulk action (Radix AlertDialog: focus trapped, Escape cancels, the
 * cancel button has focus first so Enter never confirms by accident).
 */
export function ConfirmDialog({
  trigger,
  title,
  description,
  confirmLabel,
  onConfirm,
  danger = false,
  disabled = false,
}: {
  trigger: React.ReactNode;
  title: string;
  description: React.ReactNode;
  confirmLabel: string;
  onConfirm: () => void | Promise<void>;
  danger?: boolean;
  disabled?: boolean;
}) {
  return (
    <AlertDialog.Root>
      <AlertDialog.Trigger asChild disabled={disabled}>{trigger}</AlertDialog.Trigger>
      <AlertDialog.Portal>
        <AlertDialog.Overlay className="dialog-overlay" />
        <AlertDialog.Content className="dialog-content">
          <AlertDialog.Title className="dialog-title">{title}</AlertDialog.Title>
          <AlertDialog.Description asChild><div className="dialog-description">{description}</div></AlertDialog.Description>
          <div className="row-actions dialog-actions">
            <AlertDialog.Cancel asChild><button type="button" className="button secondary">Cancel</button></AlertDialog.Cancel>
            <AlertDialog.Action asChild><button type="button" className={`button${danger ? ' danger' : ''}`} onClick={() => void onConfirm()}>{confirmLabel}</button></AlertDialog.Action>
          </div>
        </AlertDialog.Content>
      </AlertDialog.Portal>
    </AlertDialog.Root>
  );
}
