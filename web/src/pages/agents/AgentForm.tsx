/** Create or edit an agent; checked with the API's own schema before it is sent. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { CreateAgentBody } from '../../../../common/schemas/agents.js';
import { api, type Agent } from '../../api/client';
import { keys } from '../../api/keys';
import { Dialog } from '../../components/Dialog';
import { Field } from '../../components/Field';
import { useToast } from '../../components/Toasts';
import { ErrorNote } from '../../components/ui';
import { apiFieldErrors, validate, type FieldErrors } from '../../lib/forms';
import { useOrg } from '../../session';
import { normalizeNumber } from '../calls/NewCallDialog';

const LANGUAGES = [
  'en',
  'en-IN',
  'en-US',
  'en-GB',
  'hi',
  'hi-IN',
  'ta-IN',
  'te-IN',
  'mr-IN',
  'bn-IN',
  'es',
  'fr',
  'de',
];
const MODELS = ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1-mini', 'gpt-4.1'];

interface FormValues {
  name: string;
  welcomeMessage: string;
  systemPrompt: string;
  language: string;
  voice: string;
  llmModel: string;
  fromNumber: string;
}

function initialValues(agent?: Agent): FormValues {
  return {
    name: agent?.name ?? '',
    welcomeMessage: agent?.welcomeMessage ?? '',
    systemPrompt: agent?.systemPrompt ?? '',
    language: agent?.language ?? 'en',
    voice: agent?.voice ?? '',
    llmModel: agent?.llmModel ?? '',
    fromNumber: agent?.fromNumber ?? '',
  };
}

export function AgentForm({ agent, onClose }: { agent?: Agent; onClose: () => void }) {
  const { org } = useOrg();
  const queryClient = useQueryClient();
  const toast = useToast();
  const [values, setValues] = useState(() => initialValues(agent));
  const [errors, setErrors] = useState<FieldErrors>({});
  const set = (field: keyof FormValues) => (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => {
    setValues((v) => ({ ...v, [field]: e.target.value }));
    setErrors(({ [field]: _, ...rest }) => rest);
  };

  const save = useMutation({
    mutationFn: (body: ReturnType<typeof toBody>) =>
      agent ? api.agents.update(org.id, agent.id, body) : api.agents.create(org.id, body),
    onSuccess: (saved) => {
      queryClient.setQueryData<Agent[]>(keys.agents(org.id), (list) =>
        list ? (agent ? list.map((a) => (a.id === saved.id ? saved : a)) : [saved, ...list]) : list,
      );
      void queryClient.invalidateQueries({ queryKey: keys.agents(org.id) });
      toast(
        saved.syncStatus === 'synced'
          ? `${saved.name} saved and pushed to Bolna`
          : `${saved.name} saved; Bolna sync is ${saved.syncStatus}`,
        saved.syncStatus === 'failed' ? 'danger' : 'success',
      );
      onClose();
    },
    onError: (err) => setErrors(apiFieldErrors(err)),
  });

  function toBody(v: FormValues) {
    return {
      name: v.name,
      welcomeMessage: v.welcomeMessage,
      systemPrompt: v.systemPrompt,
      language: v.language,
      voice: v.voice.trim() || null,
      llmModel: v.llmModel.trim() || null,
      fromNumber: normalizeNumber(v.fromNumber) || null,
    };
  }

  function submit() {
    const body = toBody(values);
    const result = validate(CreateAgentBody, body);
    setErrors(result.ok ? {} : result.errors);
    if (result.ok) save.mutate(body);
  }

  return (
    <Dialog
      title={agent ? `Edit ${agent.name}` : 'New agent'}
      description="Saved here, then pushed to Bolna with this organization's webhook URL."
      onClose={onClose}
      onSubmit={submit}
      size="lg"
      footer={
        <>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={save.isPending}>
            {save.isPending ? 'Saving…' : agent ? 'Save changes' : 'Create agent'}
          </button>
        </>
      }
    >
      <div className="form">
        <ErrorNote error={save.error} />
        <Field label="Name" error={errors.name}>
          {(p) => (
            <input
              {...p}
              className="input"
              value={values.name}
              onChange={set('name')}
              placeholder="Receptionist"
              autoFocus
            />
          )}
        </Field>
        <Field
          label="Welcome message"
          error={errors.welcomeMessage}
          hint="The first thing the agent says. Variables such as {name} are filled in per call."
        >
          {(p) => (
            <textarea
              {...p}
              className="input"
              rows={2}
              value={values.welcomeMessage}
              onChange={set('welcomeMessage')}
              placeholder="Hello {name}, this is Asha from Acme Clinic."
            />
          )}
        </Field>
        <Field
          label="System prompt"
          error={errors.systemPrompt}
          hint="Who the agent is, what it should achieve, and how it should speak."
        >
          {(p) => (
            <textarea
              {...p}
              className="input"
              rows={6}
              value={values.systemPrompt}
              onChange={set('systemPrompt')}
              placeholder="You are a friendly receptionist. Confirm the caller's appointment time and answer questions briefly."
            />
          )}
        </Field>
        <div className="form-row">
          <Field label="Language" error={errors.language} hint="A code such as en or hi-IN.">
            {(p) => (
              <>
                <input
                  {...p}
                  className="input"
                  list="agent-languages"
                  value={values.language}
                  onChange={set('language')}
                />
                <datalist id="agent-languages">
                  {LANGUAGES.map((l) => (
                    <option key={l} value={l} />
                  ))}
                </datalist>
              </>
            )}
          </Field>
          <Field label="Voice" optional error={errors.voice}>
            {(p) => (
              <input
                {...p}
                className="input"
                value={values.voice}
                onChange={set('voice')}
                placeholder="Bolna's default"
              />
            )}
          </Field>
        </div>
        <div className="form-row">
          <Field label="LLM model" optional error={errors.llmModel}>
            {(p) => (
              <>
                <input
                  {...p}
                  className="input"
                  list="agent-models"
                  value={values.llmModel}
                  onChange={set('llmModel')}
                  placeholder="Bolna's default"
                />
                <datalist id="agent-models">
                  {MODELS.map((m) => (
                    <option key={m} value={m} />
                  ))}
                </datalist>
              </>
            )}
          </Field>
          <Field
            label="Default from-number"
            optional
            error={errors.fromNumber}
            hint="E.164, e.g. +14155550100."
          >
            {(p) => (
              <input
                {...p}
                className="input mono"
                type="tel"
                value={values.fromNumber}
                onChange={set('fromNumber')}
                placeholder="+14155550100"
              />
            )}
          </Field>
        </div>
      </div>
    </Dialog>
  );
}
