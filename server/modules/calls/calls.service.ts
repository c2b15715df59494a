/** Calls: starting one at Bolna, and reading or deleting an organization's call history. */
import type { z } from 'zod';
import type { ListCallsQuery, StartCallBody } from '../../../common/schemas/calls.js';
import type { AppContext } from '../../context.js';
import { Conflict, NotFound, ValidationFailed } from '../../errors.js';
import { BolnaError } from '../../providers/bolna/index.js';
import type { OrgAccess } from '../auth/principal.js';
import { findAgent } from '../agents/agents.repository.js';
import {
  deleteCall,
  findCall,
  insertCall,
  listCalls,
  toApiCall,
  updateCallOwnFields,
  type CallCursor,
} from './calls.repository.js';
import { placeCall } from './place-call.js';
import { adoptOrphans } from '../webhooks/apply-event.js';

/**
 * Creates the call (status `initiated`) before Bolna is asked, then places it. Bolna's execution id
 * becomes `providerCallId`; a refusal marks the call `failed` with Bolna's reason in words.
 */
export async function startCall(ctx: AppContext, access: OrgAccess, input: z.output<typeof StartCallBody>) {
  const agent = await findAgent(ctx.db, access.organizationId, input.agentId);
  if (!agent) throw ValidationFailed.field('agentId', 'no such agent in this organization');
  if (!agent.providerAgentId) {
    throw new Conflict(
      `Agent "${agent.name}" is not on Bolna yet (sync ${agent.syncStatus}${agent.syncError ? `: ${agent.syncError}` : ''}). Sync it, then start the call.`,
    );
  }
  const fromNumber = input.fromNumber ?? agent.fromNumber ?? null;
  const call = await insertCall(ctx.db, {
    organizationId: access.organizationId,
    agentId: agent.id,
    status: 'initiated',
    direction: 'outbound',
    toNumber: input.toNumber,
    fromNumber,
    metadata: {
      ...(input.userData ? { userData: input.userData } : {}),
      startedBy: access.userId ? { userId: access.userId } : { apiKeyId: access.apiKeyId },
    },
  });
  ctx.realtime.callCreated(toApiCall(call));
  try {
    const executionId = await placeCall(
      ctx.bolna,
      call.id,
      {
        agentId: agent.providerAgentId,
        recipientPhoneNumber: input.toNumber,
        ...(fromNumber ? { fromPhoneNumber: fromNumber } : {}),
        ...(input.userData ? { userData: input.userData } : {}),
      },
      { now: ctx.now },
    );
    const placed = await updateCallOwnFields(
      ctx.db,
      access.organizationId,
      call.id,
      { providerCallId: executionId },
      ctx.now(),
    );
    await ctx.jobs.send(
      'call.poll',
      { callId: call.id, organizationId: access.organizationId },
      { startAfter: Math.ceil(ctx.config.polling.intervalMs / 1000) },
    );
    // A webhook may have beaten Bolna's answer here: apply what waited for this execution.
    await adoptOrphans(ctx, access.organizationId, { providerCallId: executionId });
    const current = toApiCall((await findCall(ctx.db, access.organizationId, call.id)) ?? placed ?? call);
    ctx.realtime.callUpdated(current, ['providerCallId']);
    return current;
  } catch (err) {
    if (!(err instanceof BolnaError)) throw err;
    const failed = await updateCallOwnFields(
      ctx.db,
      access.organizationId,
      call.id,
      { status: 'failed', errorMessage: err.message, endedAt: ctx.now() },
      ctx.now(),
    );
    const result = toApiCall(failed ?? call);
    ctx.realtime.callUpdated(result, ['status', 'errorMessage', 'endedAt']);
    return result;
  }
}

export async function getCall(ctx: AppContext, organizationId: string, callId: string) {
  const row = await findCall(ctx.db, organizationId, callId);
  if (!row) throw new NotFound('Call');
  return toApiCall(row);
}

export async function removeCall(ctx: AppContext, organizationId: string, callId: string): Promise<void> {
  if (!(await deleteCall(ctx.db, organizationId, callId))) throw new NotFound('Call');
  ctx.realtime.callDeleted(organizationId, callId);
}

export async function getCalls(
  ctx: AppContext,
  organizationId: string,
  query: z.output<typeof ListCallsQuery>,
) {
  const { rows, last, hasMore } = await listCalls(
    ctx.db,
    organizationId,
    {
      status: query.status,
      agentId: query.agentId,
      from: query.from ? new Date(query.from) : undefined,
      to: query.to ? new Date(query.to) : undefined,
      providerCallId: query.providerCallId,
      number: query.number,
    },
    query.cursor ? decodeCursor(query.cursor) : null,
    query.limit,
  );
  return { data: rows.map(toApiCall), nextCursor: hasMore && last ? encodeCursor(last) : null };
}

export function encodeCursor(cursor: CallCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString('base64url');
}

export function decodeCursor(value: string): CallCursor {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      typeof parsed[0] === 'string' &&
      !Number.isNaN(Date.parse(parsed[0])) &&
      typeof parsed[1] === 'string' &&
      /^[0-9a-f-]{36}$/i.test(parsed[1])
    ) {
      return { createdAt: parsed[0], id: parsed[1] };
    }
  } catch {
    // fall through to the error below
  }
  throw ValidationFailed.field('cursor', 'is not a cursor this API returned');
}
