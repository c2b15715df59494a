/** Voice agents: what each is, whether Bolna has its latest version, and whether its webhook is ours. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { api, type Agent } from '../../api/client';
import { useAgents } from '../../api/hooks';
import { keys } from '../../api/keys';
import { ConfirmDialog } from '../../components/Dialog';
import { Icon } from '../../components/Icon';
import { useNewCall } from '../../components/Shell';
import { useToast } from '../../components/Toasts';
import { Badge, EmptyState, ErrorNote, Loading, PageHeader } from '../../components/ui';
import { formatAgo, formatFull, formatPhone } from '../../lib/format';
import { useOrg } from '../../session';
import { AgentForm } from './AgentForm';

export function AgentsPage() {
  const { org, can } = useOrg();
  const agents = useAgents(org.id);
  const [params, setParams] = useSearchParams();
  const [editing, setEditing] = useState<Agent | 'new' | null>(params.get('new') ? 'new' : null);
  const [deleting, setDeleting] = useState<Agent | null>(null);
  const canEdit = can('member');

  function closeForm() {
    setEditing(null);
    if (params.has('new')) setParams({}, { replace: true });
  }

  return (
    <div className="page">
      <PageHeader
        title="Agents"
        description="Each agent is a Bolna voice agent: its voice, prompt and number. Changes are pushed to Bolna on save."
        actions={
          canEdit && (
            <button className="btn btn-primary" onClick={() => setEditing('new')}>
              <Icon name="plus" />
              New agent
            </button>
          )
        }
      />
      {agents.isPending ? (
        <Loading label="Loading agents…" />
      ) : agents.isError ? (
        <ErrorNote error={agents.error} title="The agents could not be loaded." />
      ) : agents.data.length === 0 ? (
        <EmptyState
          icon="agent"
          title="No agents yet"
          action={
            canEdit && (
              <button className="btn btn-primary" onClick={() => setEditing('new')}>
                <Icon name="plus" />
                Create your first agent
              </button>
            )
          }
        >
          {canEdit
            ? 'An agent holds the welcome message, the prompt, the voice and the number it calls from. Create one, then start a call with it.'
            : 'An admin or member of this organization can create one.'}
        </EmptyState>
      ) : (
        <div className="card card-flush">
          <div className="table-wrap">
            <table className="table table-agents">
              <thead>
                <tr>
                  <th scope="col">Agent</th>
                  <th scope="col">From number</th>
                  <th scope="col">Bolna sync</th>
                  <th scope="col">Webhook</th>
                  <th scope="col">Updated</th>
                  {canEdit && (
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  )}
                </tr>
              </thead>
              <tbody>
                {agents.data.map((agent) => (
                  <AgentRow
                    key={agent.id}
                    agent={agent}
                    canEdit={canEdit}
                    onEdit={() => setEditing(agent)}
                    onDelete={() => setDeleting(agent)}
                  />
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
      {editing && <AgentForm agent={editing === 'new' ? undefined : editing} onClose={closeForm} />}
      {deleting && <DeleteAgentDialog agent={deleting} onClose={() => setDeleting(null)} />}
    </div>
  );
}

function AgentRow({
  agent,
  canEdit,
  onEdit,
  onDelete,
}: {
  agent: Agent;
  canEdit: boolean;
  onEdit: () => void;
  onDelete: () => void;
}) {
  const { org } = useOrg();
  const queryClient = useQueryClient();
  const toast = useToast();
  const newCall = useNewCall();
  const sync = useMutation({
    mutationFn: () => api.agents.sync(org.id, agent.id),
    onSuccess: (saved) => {
      queryClient.setQueryData<Agent[]>(keys.agents(org.id), (list) =>
        list?.map((a) => (a.id === saved.id ? saved : a)),
      );
      toast(
        saved.syncStatus === 'synced'
          ? `${saved.name} is up to date on Bolna`
          : `Sync ${saved.syncStatus}: ${saved.syncError ?? 'try again'}`,
        saved.syncStatus === 'synced' ? 'success' : 'danger',
      );
    },
    onError: () => void queryClient.invalidateQueries({ queryKey: keys.agents(org.id) }),
  });
  const details = [agent.language, agent.voice ?? 'default voice', agent.llmModel ?? 'default model'].join(
    ' · ',
  );
  return (
    <tr>
      <td data-label="Agent">
        <div className="strong">{agent.name}</div>
        <div className="sub">{details}</div>
      </td>
      <td data-label="From number" className="tabular nowrap">
        {agent.fromNumber ? formatPhone(agent.fromNumber) : <span className="muted">Bolna default</span>}
      </td>
      <td data-label="Bolna sync">
        <SyncState agent={agent} />
        {sync.error && <p className="small text-danger">{sync.error.message}</p>}
      </td>
      <td data-label="Webhook">
        <WebhookState agent={agent} />
      </td>
      <td data-label="Updated" className="nowrap muted">
        <time dateTime={agent.updatedAt} title={formatFull(agent.updatedAt)}>
          {formatAgo(agent.updatedAt)}
        </time>
      </td>
      {canEdit && (
        <td className="actions">
          <div className="row-actions">
            <button
              className="btn btn-sm"
              onClick={() => newCall(agent.id)}
              disabled={!agent.providerAgentId}
              title={agent.providerAgentId ? undefined : 'Sync the agent to Bolna first'}
            >
              <Icon name="phone" />
              Call
            </button>
            <button className="btn btn-sm" onClick={() => sync.mutate()} disabled={sync.isPending}>
              <Icon name="sync" />
              {sync.isPending ? 'Syncing…' : 'Sync to Bolna'}
            </button>
            <button
              className="btn btn-ghost btn-icon btn-sm"
              onClick={onEdit}
              aria-label={`Edit ${agent.name}`}
              title="Edit"
            >
              <Icon name="edit" />
            </button>
            <button
              className="btn btn-ghost btn-icon btn-sm"
              onClick={onDelete}
              aria-label={`Delete ${agent.name}`}
              title="Delete"
            >
              <Icon name="trash" />
            </button>
          </div>
        </td>
      )}
    </tr>
  );
}

function SyncState({ agent }: { agent: Agent }) {
  if (agent.syncStatus === 'synced') {
    return (
      <div>
        <Badge tone="success">Synced</Badge>
        {agent.lastSyncedAt && <div className="sub">{formatAgo(agent.lastSyncedAt)}</div>}
      </div>
    );
  }
  if (agent.syncStatus === 'pending') {
    return (
      <div>
        <Badge tone="info">Pending</Badge>
        <div className="sub">Retrying in the background{agent.syncError ? `: ${agent.syncError}` : ''}</div>
      </div>
    );
  }
  return (
    <div>
      <Badge tone="danger">Sync failed</Badge>
      <div className="sub text-danger">
        {agent.syncError ?? 'Bolna refused the agent. Check it and sync again.'}
      </div>
    </div>
  );
}

function WebhookState({ agent }: { agent: Agent }) {
  if (agent.webhookOk)
    return (
      <Badge tone="success" title={agent.webhookUrl ?? undefined}>
        Receiving
      </Badge>
    );
  if (!agent.webhookUrl) {
    return (
      <div>
        <Badge tone="neutral">Not set</Badge>
        <div className="sub">Sync to set it; polling covers calls meanwhile</div>
      </div>
    );
  }
  return (
    <div>
      <Badge tone="warning" title={agent.webhookUrl}>
        Other URL
      </Badge>
      <div className="sub">Bolna sends this agent's webhooks elsewhere. Sync to fix it.</div>
    </div>
  );
}

function DeleteAgentDialog({ agent, onClose }: { agent: Agent; onClose: () => void }) {
  const { org } = useOrg();
  const queryClient = useQueryClient();
  const toast = useToast();
  const remove = useMutation({
    mutationFn: () => api.agents.remove(org.id, agent.id),
    onSuccess: () => {
      queryClient.setQueryData<Agent[]>(keys.agents(org.id), (list) =>
        list?.filter((a) => a.id !== agent.id),
      );
      toast(`${agent.name} deleted`);
      onClose();
    },
  });
  return (
    <ConfirmDialog
      title={`Delete ${agent.name}?`}
      confirmLabel="Delete agent"
      onConfirm={() => remove.mutate()}
      onClose={onClose}
      pending={remove.isPending}
      error={<ErrorNote error={remove.error} />}
    >
      The agent is deleted here and at Bolna. Its past calls stay in the history.
    </ConfirmDialog>
  );
}
