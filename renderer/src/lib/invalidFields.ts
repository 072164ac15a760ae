/**
 * The forms are `novalidate`: no browser bubbles, each field shows our own message beside it
 * (NumberField). On submit, a form with a field marked invalid is not sent: the first such field
 * gets the focus, and its message (aria-describedby) is read out.
 */
export function focusFirstInvalid(form: HTMLFormElement): boolean {
  const field = form.querySelector<HTMLElement>('[aria-invalid="true"]');
  if (!field) return false;
  field.focus();
  return true;
}
