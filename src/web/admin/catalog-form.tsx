// Form fields of the catalog pages: a label, the control, and the message of that field when it was refused.
// The submitted values come back in the controls, so a refused form loses nothing.
import type { FieldErrors, FormValues } from '../../catalog/edit.js';

export interface FormState {
  values: FormValues;
  errors: FieldErrors;
}

export const emptyForm = (values: FormValues = {}): FormState => ({ values, errors: {} });

export function Field(props: {
  form: FormState;
  name: string;
  label: string;
  id?: string;
  hint?: string;
  multiline?: boolean;
  rows?: number;
  required?: boolean;
  type?: 'text' | 'url';
}) {
  const id = props.id ?? `f-${props.name}`;
  const error = props.form.errors[props.name];
  const describedBy = [error ? `${id}-error` : null, props.hint ? `${id}-hint` : null].filter(Boolean).join(' ') || undefined;
  const common = {
    id,
    name: props.name,
    defaultValue: props.form.values[props.name] ?? '',
    'aria-invalid': error ? true : undefined,
    'aria-describedby': describedBy,
    required: props.required,
  };
  return (
    <div className={error ? 'field invalid' : 'field'}>
      <label htmlFor={id}>{props.label}</label>
      {props.multiline ? <textarea {...common} rows={props.rows ?? 3} /> : <input {...common} type={props.type ?? 'text'} />}
      {props.hint ? (
        <small id={`${id}-hint`} className="muted">
          {props.hint}
        </small>
      ) : null}
      <FieldError id={id} error={error} />
    </div>
  );
}

export function Select(props: { form: FormState; name: string; label: string; id?: string; options: Array<{ value: string; label: string }> }) {
  const id = props.id ?? `f-${props.name}`;
  const error = props.form.errors[props.name];
  return (
    <div className={error ? 'field invalid' : 'field'}>
      <label htmlFor={id}>{props.label}</label>
      <select id={id} name={props.name} defaultValue={props.form.values[props.name] ?? ''} aria-invalid={error ? true : undefined} aria-describedby={error ? `${id}-error` : undefined}>
        <option value="">Choose…</option>
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <FieldError id={id} error={error} />
    </div>
  );
}

function FieldError({ id, error }: { id: string; error: string | undefined }) {
  return error ? (
    <small id={`${id}-error`} className="error">
      {error}
    </small>
  ) : null;
}

/** A message for the whole form (e.g. the tool vanished meanwhile). */
export function FormError({ form }: { form: FormState }) {
  const n = Object.keys(form.errors).length;
  if (n === 0) return null;
  return (
    <div className="flash error" role="alert">
      {form.errors.form ?? `Not saved: ${n === 1 ? 'one field needs' : `${n} fields need`} a change (marked below). Nothing was stored.`}
    </div>
  );
}
