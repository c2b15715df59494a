/**
 * Building Bolna agent bodies. Bolna's agent format is deep and provider-specific; the platform only needs
 * a handful of choices, so this turns a simple description into a complete, plausible v2 create body.
 */

/** The `{agent_config, agent_prompts}` body of POST /v2/agent and PUT /v2/agent/{id}. */
export interface BolnaAgentPayload {
  agent_config: {
    agent_name: string;
    tasks: BolnaAgentTask[];
    agent_welcome_message?: string;
    agent_type?: string;
    webhook_url?: string | null;
    [key: string]: unknown;
  };
  agent_prompts?: Record<string, { system_prompt: string; [key: string]: unknown }>;
}

/** One entry of `agent_config.tasks`. */
export interface BolnaAgentTask {
  task_type: string;
  tools_config: Record<string, unknown>;
  toolchain: { execution: string; pipelines: string[][] };
  task_config?: Record<string, unknown>;
  [key: string]: unknown;
}

/**
 * The body of PATCH /v2/agent/{id}: Bolna accepts only these `agent_config` keys in a partial update
 * (e.g. `{agent_config: {webhook_url}}` to point an existing agent at us).
 */
export interface BolnaAgentPatch {
  agent_config?: {
    agent_name?: string;
    agent_welcome_message?: string;
    webhook_url?: string | null;
    synthesizer?: Record<string, unknown>;
    ingest_source_config?: Record<string, unknown>;
    telephony_provider?: string;
  };
  agent_prompts?: Record<string, { system_prompt: string }>;
}

/** What the platform lets a user choose for an agent. */
export interface AgentDescription {
  name: string;
  welcomeMessage: string;
  systemPrompt: string;
  /** BCP 47-ish language: `en`, `hi`, `en-IN`… Defaults to `en`. */
  language?: string;
  /** Amazon Polly voice name (`Matthew`, `Kajal`…). Defaults by language. */
  voice?: string;
  /** OpenAI model name. Defaults to `gpt-4.1-mini`. */
  llmModel?: string;
  /** Where Bolna should POST status webhooks; null or omitted leaves the agent without one. */
  webhookUrl?: string | null;
  /** Telephony provider for input/output. Defaults to `plivo`. */
  telephonyProvider?: 'plivo' | 'twilio' | 'exotel' | 'vobiz';
}

const POLLY_LOCALE: Record<string, string> = {
  en: 'en-US',
  hi: 'hi-IN',
  es: 'es-ES',
  fr: 'fr-FR',
  de: 'de-DE',
};
const DEFAULT_VOICE: Record<string, string> = {
  en: 'Matthew',
  hi: 'Kajal',
  es: 'Lucia',
  fr: 'Lea',
  de: 'Vicki',
};

/**
 * Builds a complete create-agent body: one `conversation` task with a streaming LLM agent (OpenAI),
 * Deepgram transcription, Amazon Polly synthesis and telephony input/output, in the parallel
 * transcriber → llm → synthesizer pipeline Bolna expects.
 */
export function buildAgentPayload(agent: AgentDescription): BolnaAgentPayload {
  const language = agent.language?.trim() || 'en';
  const base = language.split('-')[0]?.toLowerCase() ?? 'en';
  const locale = language.includes('-') ? language : (POLLY_LOCALE[base] ?? 'en-US');
  const telephony = agent.telephonyProvider ?? 'plivo';
  return {
    agent_config: {
      agent_name: agent.name,
      agent_welcome_message: agent.welcomeMessage,
      agent_type: 'other',
      webhook_url: agent.webhookUrl ?? null,
      tasks: [
        {
          task_type: 'conversation',
          tools_config: {
            llm_agent: {
              agent_type: 'simple_llm_agent',
              agent_flow_type: 'streaming',
              llm_config: {
                provider: 'openai',
                family: 'openai',
                model: agent.llmModel ?? 'gpt-4.1-mini',
                max_tokens: 150,
                temperature: 0.2,
                request_json: false,
              },
            },
            synthesizer: {
              provider: 'polly',
              provider_config: {
                voice: agent.voice ?? DEFAULT_VOICE[base] ?? 'Matthew',
                engine: 'generative',
                language: locale,
              },
              stream: true,
              buffer_size: 150,
              audio_format: 'wav',
            },
            transcriber: {
              provider: 'deepgram',
              model: 'nova-3',
              language: base,
              stream: true,
              sampling_rate: 16000,
              encoding: 'linear16',
              endpointing: 250,
            },
            input: { provider: telephony, format: 'wav' },
            output: { provider: telephony, format: 'wav' },
            api_tools: null,
          },
          toolchain: { execution: 'parallel', pipelines: [['transcriber', 'llm', 'synthesizer']] },
          task_config: {
            hangup_after_silence: 10,
            incremental_delay: 400,
            number_of_words_for_interruption: 2,
            backchanneling: false,
            call_terminate: 300,
            voicemail: false,
            ambient_noise: false,
          },
        },
      ],
    },
    agent_prompts: { task_1: { system_prompt: agent.systemPrompt } },
  };
}
