/** The organization's webhook URL for Bolna (with its token), token rotation, and the IP allow-list. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api/client';
import { keys } from '../../api/keys';
import { CopyButton, CopyField } from '../../components/CopyButton';
import { ConfirmDialog } from '../../components/Dialog';
import { Icon } from '../../components/Icon';
import { useToast } from '../../components/Toasts';
import { Card, ErrorNote, Loading } from '../../components/ui';
import { formatFull } from '../../lib/format';
import { useOrg } from '../../session';

/** The addresses Bolna sends webhooks from (Bolna's documentation). */
export const BOLNA_WEBHOOK_IPS = ['13.203.39.153', '13.126.9.249', '13.202.133.53'];

export function WebhookCard() {
  const { org } = useOrg();
  const queryClient = useQueryClient();
  const toast = useToast();
  const [confirming, setConfirming] = useState(false);
  const webhook = useQuery({ queryKey: keys.webhook(org.id), queryFn: () => api.webhook.get(org.id) });
  const rotate = useMutation({
    mutationFn: () => api.webhook.rotate(org.id),
    onSuccess: (settings) => {
      queryClient.setQueryData(keys.webhook(org.id), settings);
      void queryClient.invalidateQueries({ queryKey: keys.agents(org.id) });
      toast('New webhook token: agents are being re-pushed to Bolna');
      setConfirming(false);
    },
  });
  return (
    <Card title="Bolna webhook" id="webhook">
      <p className="muted card-intro">
        Every agent pushed from here already points at this URL. Use it for agents you set up in Bolna's
        dashboard. The token in it is the credential: Bolna signs nothing.
      </p>
      {webhook.isPending ? (
        <Loading />
      ) : webhook.isError ? (
        <ErrorNote error={webhook.error} />
      ) : (
        <div className="stack">
          <CopyField id="webhook-url" label="Webhook URL" value={webhook.data.url} />
          <div className="row-between">
            <span className="muted small">Token last rotated {formatFull(webhook.data.rotatedAt)}</span>
            <button className="btn" onClick={() => setConfirming(true)}>
              <Icon name="refresh" />
              Rotate token
            </button>
          </div>
        </div>
      )}
      {confirming && (
        <ConfirmDialog
          title="Rotate the webhook token?"
          confirmLabel="Rotate token"
          onConfirm={() => rotate.mutate()}
          onClose={() => setConfirming(false)}
          pending={rotate.isPending}
          error={<ErrorNote error={rotate.error} />}
        >
          The current URL stops working at once. Agents managed here are re-pushed to Bolna with the new URL;
          agents set up by hand in Bolna need the new URL pasted in. Polling keeps calls up to date meanwhile.
        </ConfirmDialog>
      )}
    </Card>
  );
}

export function AllowListCard() {
  return (
    <Card title="IP allow-list" id="allow-list">
      <p className="muted card-intro">
        On top of the token, the server can accept webhooks only from Bolna's addresses. It is a server
        setting shared by every organization, so the operator sets it when starting the platform.
      </p>
      <ul className="ip-list">
        {BOLNA_WEBHOOK_IPS.map((ip) => (
          <li key={ip} className="mono">
            {ip}
          </li>
        ))}
      </ul>
      <div className="code-line">
        <code>WEBHOOK_IP_ALLOWLIST={BOLNA_WEBHOOK_IPS.join(',')}</code>
        <CopyButton value={`WEBHOOK_IP_ALLOWLIST=${BOLNA_WEBHOOK_IPS.join(',')}`} />
      </div>
      <p className="muted small">
        Behind a proxy or load balancer, also set <code>TRUST_PROXY</code> so the server sees Bolna's address
        rather than the proxy's. Webhooks from other addresses are refused with 403.
      </p>
    </Card>
  );
}
