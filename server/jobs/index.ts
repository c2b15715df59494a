/** The durable job runtime (pg-boss on the platform's database): start it, define jobs, send them. */
export { startJobRuntime, type JobRuntimeOptions } from './runtime.js';
export type {
  JobContext,
  JobDefinition,
  JobLogger,
  JobMap,
  JobMapOf,
  JobName,
  JobOptions,
  JobPolicy,
  JobRuntime,
  ScheduleOptions,
  SendOptions,
  StopOptions,
} from './types.js';
