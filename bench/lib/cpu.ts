/**
 * Where the CPU went during a phase (Linux /proc; zeros elsewhere): this process (the servers), the
 * PostgreSQL processes serving the benchmark, and the whole machine (so that other work on the same
 * machine shows), in percent of one core.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fixed } from './report.js';

let ticksPerSecond: number | undefined;
export function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

export interface CpuSnapshot {
  atMs: number;
  self: NodeJS.CpuUsage;
  /** CPU seconds of each PostgreSQL process serving the benchmark, by pid. */
  postgres: Map<number, number>;
  /** Machine-wide busy and total CPU seconds, all cores. */
  machineBusyS: number;
  machineTotalS: number;
  /** Machine-wide CPU seconds the hypervisor ran something else while this VM had work (steal). */
  machineStealS: number;
}

/** CPU seconds of each of `pids` still alive, from /proc/<pid>/stat. */
function processCpuSeconds(pids: Iterable<number>): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // After the command: state is field 3, utime 14 and stime 15 (1-based) of the whole line.
      out.set(pid, (Number(fields[11]) + Number(fields[12])) / clockTicks());
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

function machineCpuSeconds(): { busy: number; total: number; steal: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const values = line.trim().split(/\s+/).slice(1).map(Number);
    const total = values.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = (values[3] ?? 0) + (values[4] ?? 0);
    const ticks = clockTicks();
    return { busy: (total - idle) / ticks, total: total / ticks, steal: (values[7] ?? 0) / ticks };
  } catch {
    return { busy: 0, total: 0, steal: 0 };
  }
}

/** A snapshot; `postgresPids`: the PostgreSQL processes to account (the bench database's backends). */
export function cpuSnapshot(postgresPids: Iterable<number> = []): CpuSnapshot {
  const machine = machineCpuSeconds();
  return {
    atMs: performance.now(),
    self: process.cpuUsage(),
    postgres: processCpuSeconds(postgresPids),
    machineBusyS: machine.busy,
    machineTotalS: machine.total,
    machineStealS: machine.steal,
  };
}

export interface CpuShare {
  /** Percent of one core, over the interval. */
  servers: number;
  postgres: number;
  /** Every process on the machine, this one and PostgreSQL included, and the time stolen. */
  machine: number;
  /**
   * Time the hypervisor gave this VM's cores to something else while they had work (steal): no
   * process's, and every process waited meanwhile.
   */
  stolen: number;
  /** Cores in the machine (the machine can reach cores × 100 %). */
  cores: number;
}

export function cpuSince(before: CpuSnapshot, after: CpuSnapshot): CpuShare {
  const seconds = (after.atMs - before.atMs) / 1000;
  const self =
    (after.self.user - before.self.user + after.self.system - before.self.system) /
    1e6 /
    Math.max(seconds, 1e-9);
  const machineTotal = after.machineTotalS - before.machineTotalS;
  // Processes that ended during the interval are missed (an undercount); new ones count whole.
  let postgresSeconds = 0;
  for (const [pid, cpu] of after.postgres) postgresSeconds += cpu - (before.postgres.get(pid) ?? 0);
  const cores = cpus().length;
  const share = (machineSeconds: number) =>
    machineTotal > 0 ? (machineSeconds / machineTotal) * cores * 100 : 0;
  return {
    servers: self * 100,
    postgres: (postgresSeconds / Math.max(seconds, 1e-9)) * 100,
    machine: share(after.machineBusyS - before.machineBusyS),
    stolen: share(after.machineStealS - before.machineStealS),
    cores,
  };
}

/**
 * Warnings when the machine was not quiet during a benchmark's measurements: other programs busy
 * (over 25 % of a core), or the hypervisor taking the VM's cores (steal over 5 % of a core).
 */
export function noiseWarnings(shares: { other: number; stolen: number }[], during: string): string[] {
  const warnings: string[] = [];
  const other = Math.max(0, ...shares.map((s) => s.other));
  const stolen = Math.max(0, ...shares.map((s) => s.stolen));
  if (other > 25)
    warnings.push(
      `WARNING: other programs used up to ${fixed(other)} % of a core during ${during}: the machine was not quiet, numbers are pessimistic`,
    );
  if (stolen > 5)
    warnings.push(
      `WARNING: the hypervisor took up to ${fixed(stolen)} % of a core from this VM during ${during} (steal): every process waited meanwhile, numbers are pessimistic`,
    );
  return warnings;
}
