import { useRef, useState, type FormEvent } from 'react';
import { Button } from '../../../components/ui/button';
import { Field } from '../../../components/ui/field';
import { loginInput } from '../../../../../lib/contracts/auth';
import { contractErrors, toFormErrors, type FormErrors } from '../../../lib/field-errors';
import { useLogin } from '../api/session';

const noErrors: FormErrors<'password'> = { fields: {} };

/** The admin password, once: the browser keeps a session cookie for 14 days (SESSION_DAYS). */
export function LoginForm({ notice }: { notice?: string | null }) {
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState(noErrors);
  const input = useRef<HTMLInputElement>(null);
  const login = useLogin();

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    // An empty password is refused at once, without a request (it would count as a failed login).
    const refused = contractErrors(loginInput, { password }, ['password']);
    if (refused) {
      setErrors(refused);
      input.current?.focus();
      return;
    }
    setErrors(noErrors);
    login.mutate(
      { password },
      {
        onError: (error) => {
          // A wrong password lands next to the field; a lock-out or an unreachable server on the whole form.
          setErrors(toFormErrors(error, ['password']));
          setPassword('');
          input.current?.focus();
        },
      },
    );
  }

  return (
    <form onSubmit={onSubmit} noValidate className="form">
      {notice && (
        <p role="alert" className="form-error">
          {notice}
        </p>
      )}
      <Field label="Password" error={errors.fields.password} hint="The admin password of this Isengard.">
        {(control) => (
          <input
            {...control}
            ref={input}
            name="password"
            type="password"
            required
            autoComplete="current-password"
            // eslint-disable-next-line jsx-a11y/no-autofocus -- the only thing to do on this page
            autoFocus
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        )}
      </Field>
      {errors.form && (
        <p role="alert" className="form-error">
          {errors.form}
        </p>
      )}
      <div className="actions">
        <Button type="submit" variant="primary" disabled={login.isPending}>
          {login.isPending ? 'Logging in…' : 'Log in'}
        </Button>
      </div>
    </form>
  );
}
