/** Queries used by several pages. */
import { useQuery } from '@tanstack/react-query';
import { api } from './client';
import { keys } from './keys';

export function useAgents(orgId: string) {
  return useQuery({
    queryKey: keys.agents(orgId),
    queryFn: async () => (await api.agents.list(orgId)).data,
    staleTime: 30_000,
  });
}

/** Agent names by id, for tables of calls. */
export function useAgentNames(orgId: string): Map<string, string> {
  const agents = useAgents(orgId);
  return new Map((agents.data ?? []).map((a) => [a.id, a.name]));
}
