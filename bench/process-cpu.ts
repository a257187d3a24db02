/**
 * CPU time a process and its descendants have used, from /proc (Linux). The bench's servers run
 * under `tsx`, which runs the real Node process as its child, so a process's own counters are not
 * enough. Resolution is one clock tick (10 ms): read it around thousands of calls.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

const TICKS_PER_SECOND = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;

interface Stat {
  pid: number;
  ppid: number;
  userTicks: number;
  systemTicks: number;
}

function readStat(pid: string): Stat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name is in parentheses and may hold spaces: fields count from after it.
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    const ppid = Number(fields[1]);
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return { pid: Number(pid), ppid, userTicks: utime, systemTicks: stime };
  } catch {
    return null;
  }
}

/** CPU milliseconds used so far by a process tree, split as the kernel counts it. */
export interface CpuMs {
  /** User + system. */
  total: number;
  /** In the kernel on the process' behalf: syscalls, and the loopback TCP work they start. */
  system: number;
}

/** CPU used so far by `rootPid` and every live descendant. */
export function processTreeCpuMs(rootPid: number): CpuMs {
  const stats = readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .flatMap((pid) => readStat(pid) ?? []);
  const children = new Map<number, Stat[]>();
  for (const stat of stats) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), stat]);
  let user = 0;
  let system = 0;
  const root = stats.find((stat) => stat.pid === rootPid);
  const pending = root ? [root] : [];
  while (pending.length > 0) {
    const stat = pending.pop();
    if (!stat) break;
    user += stat.userTicks;
    system += stat.systemTicks;
    pending.push(...(children.get(stat.pid) ?? []));
  }
  const ms = (ticks: number) => (ticks * 1000) / TICKS_PER_SECOND;
  return { total: ms(user + system), system: ms(system) };
}

/** Resident set size of one process in MB, from /proc (Linux). */
export function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
    return kb / 1024;
  } catch {
    return Number.NaN;
  }
}
