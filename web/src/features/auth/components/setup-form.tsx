import { useRef, useState, type FormEvent } from 'react';
import { PASSWORD_RULES, setupInput } from '../../../../../lib/contracts/auth';
import { Button } from '../../../components/ui/button';
import { Field } from '../../../components/ui/field';
import { contractErrors, toFormErrors, type FormErrors } from '../../../lib/field-errors';
import { isAlreadySetUp, useSetup } from '../api/session';

type SetupField = 'setupCode' | 'password' | 'confirm';
const FIELDS: readonly SetupField[] = ['setupCode', 'password', 'confirm'];
const noErrors: FormErrors<SetupField> = { fields: {} };

/**
 * The first visit of an instance reachable from elsewhere: whoever can read the server's log (the operator) proves
 * it with the setup code printed there, and chooses the admin password.
 */
export function SetupForm({ onAlreadySetUp }: { onAlreadySetUp?: (message: string) => void }) {
  const [setupCode, setSetupCode] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [errors, setErrors] = useState(noErrors);
  const inputs = {
    setupCode: useRef<HTMLInputElement>(null),
    password: useRef<HTMLInputElement>(null),
    confirm: useRef<HTMLInputElement>(null),
  };
  const setup = useSetup();

  function show(found: FormErrors<SetupField>) {
    setErrors(found);
    const first = FIELDS.find((f) => found.fields[f]);
    if (first) inputs[first].current?.focus();
  }

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    // What the API would refuse (no setup code, a short password) is shown at once, without a request.
    const refused = contractErrors(setupInput, { setupCode, password }, FIELDS);
    if (refused) return show(refused);
    if (password !== confirm) return show({ fields: { confirm: 'The two passwords differ: type the same one twice' } });
    setErrors(noErrors);
    setup.mutate(
      { setupCode, password },
      {
        onError: (error) => {
          // Someone else chose the password first: the gate turns to the login and says so.
          if (isAlreadySetUp(error) && onAlreadySetUp) onAlreadySetUp(error.message);
          else show(toFormErrors(error, FIELDS));
        },
      },
    );
  }

  return (
    <form onSubmit={onSubmit} noValidate className="form">
      <Field
        label="Setup code"
        error={errors.fields.setupCode}
        hint="Printed in the server log and in the terminal that runs Isengard, on the line that mentions the setup code."
      >
        {(control) => (
          <input
            {...control}
            ref={inputs.setupCode}
            name="setupCode"
            type="text"
            required
            autoComplete="off"
            spellCheck={false}
            autoCapitalize="off"
            value={setupCode}
            onChange={(e) => setSetupCode(e.target.value)}
          />
        )}
      </Field>
      <Field label="New admin password" error={errors.fields.password} hint={`At least ${PASSWORD_RULES.minLength} characters.`}>
        {(control) => (
          <input
            {...control}
            ref={inputs.password}
            name="password"
            type="password"
            required
            autoComplete="new-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        )}
      </Field>
      <Field label="The same password again" error={errors.fields.confirm}>
        {(control) => (
          <input
            {...control}
            ref={inputs.confirm}
            name="confirm"
            type="password"
            required
            autoComplete="new-password"
            value={confirm}
            onChange={(e) => setConfirm(e.target.value)}
          />
        )}
      </Field>
      {errors.form && (
        <p role="alert" className="form-error">
          {errors.form}
        </p>
      )}
      <div className="actions">
        <Button type="submit" variant="primary" disabled={setup.isPending}>
          {setup.isPending ? 'Saving…' : 'Set the password and continue'}
        </Button>
      </div>
    </form>
  );
}
