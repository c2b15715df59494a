/** Organization API keys: the secret is shown once at creation; the list shows prefixes and use. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { CreateApiKeyBody } from '../../../../common/schemas/accounts.js';
import { API_KEY_ROLES, type ApiKeyRole } from '../../../../common/roles.js';
import { api, type ApiKeyRow, type NewApiKey } from '../../api/client';
import { keys } from '../../api/keys';
import { CopyField } from '../../components/CopyButton';
import { ConfirmDialog } from '../../components/Dialog';
import { Field } from '../../components/Field';
import { roleLabel } from '../../components/Shell';
import { useToast } from '../../components/Toasts';
import { Card, ErrorNote, Loading } from '../../components/ui';
import { formatAgo, formatFull, formatWhen } from '../../lib/format';
import { apiFieldErrors, validate, type FieldErrors } from '../../lib/forms';
import { useOrg } from '../../session';

export function ApiKeysCard() {
  const { org } = useOrg();
  const queryClient = useQueryClient();
  const toast = useToast();
  const [name, setName] = useState('');
  const [role, setRole] = useState<ApiKeyRole>('member');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [created, setCreated] = useState<NewApiKey | null>(null);
  const [revoking, setRevoking] = useState<ApiKeyRow | null>(null);
  const list = useQuery({
    queryKey: keys.apiKeys(org.id),
    queryFn: async () => (await api.apiKeys.list(org.id)).data,
  });
  const create = useMutation({
    mutationFn: (body: { name: string; role: ApiKeyRole }) => api.apiKeys.create(org.id, body),
    onSuccess: (key) => {
      setCreated(key);
      setName('');
      void queryClient.invalidateQueries({ queryKey: keys.apiKeys(org.id) });
    },
    onError: (err) => setErrors(apiFieldErrors(err)),
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api.apiKeys.revoke(org.id, id),
    onSuccess: (_, id) => {
      queryClient.setQueryData<ApiKeyRow[]>(keys.apiKeys(org.id), (rows) => rows?.filter((k) => k.id !== id));
      if (created?.id === id) setCreated(null);
      toast('API key revoked: requests with it are refused from now on');
      setRevoking(null);
    },
  });

  return (
    <Card title="API keys" id="api-keys">
      <p className="muted card-intro">
        For scripts and the CLI: send <code>Authorization: Bearer &lt;key&gt;</code>. A key acts within this
        organization only.
      </p>
      <form
        className="inline-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          const result = validate(CreateApiKeyBody, { name, role });
          setErrors(result.ok ? {} : result.errors);
          if (result.ok) create.mutate(result.data);
        }}
      >
        <Field label="Key name" error={errors.name}>
          {(p) => (
            <input
              {...p}
              className="input"
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder="CRM integration"
            />
          )}
        </Field>
        <Field label="Role">
          {(p) => (
            <select
              {...p}
              className="input"
              value={role}
              onChange={(e) => setRole(e.target.value as ApiKeyRole)}
            >
              {API_KEY_ROLES.map((r) => (
                <option key={r} value={r}>
                  {roleLabel(r)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <button type="submit" className="btn btn-primary" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create key'}
        </button>
      </form>
      <ErrorNote error={create.error} />
      {created && (
        <div className="secret-box" role="status">
          <p>
            <strong>Copy this key now.</strong> It is shown once and stored only as a hash; if you lose it,
            revoke it and create another.
          </p>
          <CopyField id="new-api-key" label={`Key “${created.name}”`} value={created.key} />
        </div>
      )}
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorNote error={list.error} />
      ) : list.data.length === 0 ? (
        <p className="muted pad">
          No API keys. Create one for each script or integration, so each can be revoked alone.
        </p>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key</th>
                <th scope="col">Role</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((k) => (
                <tr key={k.id}>
                  <td data-label="Name" className="strong">
                    {k.name}
                  </td>
                  <td data-label="Key" className="mono">
                    {k.prefix}…
                  </td>
                  <td data-label="Role">{roleLabel(k.role)}</td>
                  <td data-label="Created" className="muted nowrap">
                    {formatWhen(k.createdAt)}
                  </td>
                  <td data-label="Last used" className="muted nowrap">
                    {k.lastUsedAt ? (
                      <span title={formatFull(k.lastUsedAt)}>{formatAgo(k.lastUsedAt)}</span>
                    ) : (
                      'Never'
                    )}
                  </td>
                  <td className="actions">
                    <button className="btn btn-sm btn-ghost" onClick={() => setRevoking(k)}>
                      Revoke
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {revoking && (
        <ConfirmDialog
          title={`Revoke “${revoking.name}”?`}
          confirmLabel="Revoke key"
          onConfirm={() => revoke.mutate(revoking.id)}
          onClose={() => setRevoking(null)}
          pending={revoke.isPending}
          error={<ErrorNote error={revoke.error} />}
        >
          Anything using <span className="mono">{revoking.prefix}…</span> stops working at once, including
          open live connections.
        </ConfirmDialog>
      )}
    </Card>
  );
}
