/**
 * Start a call: an agent, a number checked as E.164 before it leaves the browser (the rule the API
 * applies, from common/phone.ts), optional variables for the agent's prompt (`userData`). The new
 * call is written into the history at once; its statuses follow live.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Link } from 'react-router';
import { E164_MESSAGE, isE164 } from '../../../../common/phone.js';
import { api, type StartCallInput } from '../../api/client';
import { useAgents } from '../../api/hooks';
import { Dialog } from '../../components/Dialog';
import { Field } from '../../components/Field';
import { Icon } from '../../components/Icon';
import { useToast } from '../../components/Toasts';
import { ErrorNote, Loading } from '../../components/ui';
import { formatPhone } from '../../lib/format';
import { apiFieldErrors, sentence, type FieldErrors } from '../../lib/forms';
import { createCacheWriter } from '../../realtime/apply-events';
import { useOrg } from '../../session';

interface VariableRow {
  id: number;
  key: string;
  value: string;
}

/** Spaces, dashes, dots and brackets people type in numbers are dropped before checking. */
export function normalizeNumber(input: string): string {
  return input.replace(/[\s\-().]/g, '');
}

let rowId = 1;

export function NewCallDialog({ initialAgentId, onClose }: { initialAgentId?: string; onClose: () => void }) {
  const { org } = useOrg();
  const agents = useAgents(org.id);
  const queryClient = useQueryClient();
  const toast = useToast();
  const writer = useMemo(() => createCacheWriter(queryClient), [queryClient]);
  const ready = (agents.data ?? []).filter((a) => a.providerAgentId);
  const [agentId, setAgentId] = useState(initialAgentId ?? '');
  const chosenAgentId = agentId || ready[0]?.id || '';
  const agent = agents.data?.find((a) => a.id === chosenAgentId);
  const [toNumber, setToNumber] = useState('');
  const [fromNumber, setFromNumber] = useState('');
  const [variables, setVariables] = useState<VariableRow[]>([]);
  const [errors, setErrors] = useState<FieldErrors>({});

  const start = useMutation({
    mutationFn: (body: StartCallInput) => api.calls.start(org.id, body),
    onSuccess: (call) => {
      writer.applyCall(call);
      toast(`Calling ${formatPhone(call.toNumber)}`);
      onClose();
    },
    onError: (err) => setErrors(apiFieldErrors(err)),
  });

  function submit() {
    const found: FieldErrors = {};
    const to = normalizeNumber(toNumber);
    const from = normalizeNumber(fromNumber);
    if (!chosenAgentId) found.agentId = 'Choose the agent that makes the call.';
    if (!to) found.toNumber = 'Enter the number to call.';
    else if (!isE164(to)) found.toNumber = sentence(E164_MESSAGE);
    if (from && !isE164(from)) found.fromNumber = sentence(E164_MESSAGE);
    const userData: Record<string, string> = {};
    variables.forEach((row, i) => {
      const key = row.key.trim();
      if (!key && !row.value.trim()) return;
      if (!key) found[`var-${i}`] = 'Give this variable a name.';
      else if (key.length > 64) found[`var-${i}`] = 'Names are at most 64 characters.';
      else if (key in userData) found[`var-${i}`] = `“${key}” is used twice.`;
      else userData[key] = row.value;
    });
    setErrors(found);
    if (Object.keys(found).length) return;
    start.mutate({
      agentId: chosenAgentId,
      toNumber: to,
      ...(from ? { fromNumber: from } : {}),
      ...(Object.keys(userData).length ? { userData } : {}),
    });
  }

  const noAgents = agents.isSuccess && agents.data.length === 0;

  return (
    <Dialog
      title="New call"
      description="The agent calls the number now; you can follow the call live."
      onClose={onClose}
      onSubmit={noAgents ? undefined : submit}
      footer={
        noAgents ? undefined : (
          <>
            <button type="button" className="btn" onClick={onClose}>
              Cancel
            </button>
            <button
              type="submit"
              className="btn btn-primary"
              disabled={start.isPending || ready.length === 0}
            >
              <Icon name="phone" />
              {start.isPending ? 'Calling…' : 'Start call'}
            </button>
          </>
        )
      }
    >
      {agents.isPending ? (
        <Loading label="Loading agents…" />
      ) : noAgents ? (
        <div className="stack">
          <p>
            You need an agent before you can call: it holds the voice, the prompt and the number it calls
            from.
          </p>
          <Link className="btn btn-primary" to="/agents?new=1" onClick={onClose}>
            Create an agent
          </Link>
        </div>
      ) : (
        <div className="form">
          <ErrorNote error={start.error} />
          <Field
            label="Agent"
            error={errors.agentId}
            hint={
              ready.length === 0 ? 'No agent is on Bolna yet: sync one on the Agents page first.' : undefined
            }
          >
            {(p) => (
              <select
                {...p}
                className="input"
                value={chosenAgentId}
                onChange={(e) => setAgentId(e.target.value)}
              >
                {(agents.data ?? []).map((a) => (
                  <option key={a.id} value={a.id} disabled={!a.providerAgentId}>
                    {a.name}
                    {a.providerAgentId ? '' : ' (not on Bolna yet)'}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field
            label="Phone number"
            error={errors.toNumber}
            hint="International format with the country code, e.g. +919876543210."
          >
            {(p) => (
              <input
                {...p}
                className="input mono"
                type="tel"
                inputMode="tel"
                autoComplete="off"
                placeholder="+919876543210"
                value={toNumber}
                onChange={(e) => {
                  setToNumber(e.target.value);
                  setErrors(({ toNumber: _, ...rest }) => rest);
                }}
                onBlur={() => {
                  const to = normalizeNumber(toNumber);
                  setErrors((x) => ({ ...x, toNumber: to && !isE164(to) ? sentence(E164_MESSAGE) : '' }));
                }}
                autoFocus
              />
            )}
          </Field>
          <Field
            label="Call from"
            optional
            error={errors.fromNumber}
            hint={
              agent?.fromNumber
                ? `Default: the agent's number, ${formatPhone(agent.fromNumber)}.`
                : "Default: Bolna's number for this agent."
            }
          >
            {(p) => (
              <input
                {...p}
                className="input mono"
                type="tel"
                inputMode="tel"
                placeholder={agent?.fromNumber ?? '+14155550100'}
                value={fromNumber}
                onChange={(e) => {
                  setFromNumber(e.target.value);
                  setErrors(({ fromNumber: _, ...rest }) => rest);
                }}
              />
            )}
          </Field>
          <fieldset className="variables">
            <legend>
              Variables <span className="optional">(optional)</span>
            </legend>
            <p className="field-hint">Values the agent can use in its prompt, such as {'{name}'}.</p>
            {variables.map((row, i) => (
              <div className="variable-row" key={row.id}>
                <input
                  className="input mono"
                  aria-label={`Variable ${i + 1} name`}
                  placeholder="name"
                  value={row.key}
                  aria-invalid={errors[`var-${i}`] ? true : undefined}
                  onChange={(e) =>
                    setVariables((v) => v.map((r) => (r.id === row.id ? { ...r, key: e.target.value } : r)))
                  }
                />
                <input
                  className="input"
                  aria-label={`Variable ${i + 1} value`}
                  placeholder="Asha"
                  value={row.value}
                  onChange={(e) =>
                    setVariables((v) => v.map((r) => (r.id === row.id ? { ...r, value: e.target.value } : r)))
                  }
                />
                <button
                  type="button"
                  className="btn btn-ghost btn-icon"
                  aria-label={`Remove variable ${i + 1}`}
                  onClick={() => setVariables((v) => v.filter((r) => r.id !== row.id))}
                >
                  <Icon name="close" />
                </button>
                {errors[`var-${i}`] && <p className="field-error variable-error">{errors[`var-${i}`]}</p>}
              </div>
            ))}
            <button
              type="button"
              className="btn btn-sm"
              onClick={() => setVariables((v) => [...v, { id: rowId++, key: '', value: '' }])}
            >
              <Icon name="plus" />
              Add variable
            </button>
          </fieldset>
        </div>
      )}
    </Dialog>
  );
}
