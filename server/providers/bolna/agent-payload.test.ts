import { describe, expect, it } from 'vitest';
import { buildAgentPayload } from './agent-payload.js';
import { toBolnaAgent } from './responses.js';

describe('agent reading and building', () => {
  it('reads webhook_url at the top level or under agent_config', () => {
    expect(toBolnaAgent({ id: 'a', webhook_url: 'https://x/top' })?.webhookUrl).toBe('https://x/top');
    expect(
      toBolnaAgent({ agent_id: 'b', agent_config: { webhook_url: 'https://x/nested' } })?.webhookUrl,
    ).toBe('https://x/nested');
    expect(toBolnaAgent({ id: 'c', webhook_url: '' })?.webhookUrl).toBeNull();
    expect(toBolnaAgent({ name: 'no id' })).toBeNull();
  });

  it('builds a create body in Bolna’s shape from a simple description', () => {
    const body = buildAgentPayload({
      name: 'Sales',
      welcomeMessage: 'Hello!',
      systemPrompt: 'Be brief.',
      language: 'hi',
      voice: 'Kajal',
      llmModel: 'gpt-4.1',
      webhookUrl: 'https://example.com/hook',
    });
    const task = body.agent_config.tasks[0];
    expect(body.agent_config).toMatchObject({
      agent_name: 'Sales',
      agent_welcome_message: 'Hello!',
      agent_type: 'other',
      webhook_url: 'https://example.com/hook',
    });
    expect(task).toMatchObject({
      task_type: 'conversation',
      toolchain: { execution: 'parallel', pipelines: [['transcriber', 'llm', 'synthesizer']] },
      tools_config: {
        llm_agent: { llm_config: { model: 'gpt-4.1' } },
        synthesizer: { provider_config: { voice: 'Kajal', language: 'hi-IN' } },
        transcriber: { language: 'hi' },
      },
    });
    expect(Object.keys(task?.tools_config ?? {})).toEqual(
      expect.arrayContaining(['llm_agent', 'synthesizer', 'transcriber', 'input', 'output']),
    );
    expect(body.agent_prompts).toEqual({ task_1: { system_prompt: 'Be brief.' } });
  });
});
