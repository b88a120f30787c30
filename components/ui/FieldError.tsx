/** The message under a field, tied to it with aria-describedby (id = `${fieldId}-err`). */
export function FieldError({ id, message }: { id: string; message?: string }) {
  return message ? <span id={`${id}-err`} className="hint error-text">{message}</span> : null;
}

/** Props that mark a field invalid and point at its message. */
export function invalidProps(id: string, message?: string) {
  return message ? { 'aria-invalid': true as const, 'aria-describedby': `${id}-err` } : {};
}
