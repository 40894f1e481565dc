import type { JobRecord } from '../../api/contract.ts';
import { safeOptions } from '../../engine/project/log.ts';
import { formatDuration } from '../progress.ts';
import { print, UsageError, withProject, type Command, type CommandContext } from '../shared.ts';

export const jobsCommand: Command = {
  usage: 'jobs PROJECT [--limit N]',
  summary: 'the job history: what ran, when, with which options, and how it ended',
  positionals: [1, 1],
  options: { limit: { type: 'string', default: '50', help: 'how many of the newest jobs (default 50)' } },
  run: jobs,
};

async function jobs(ctx: CommandContext): Promise<void> {
  const limit = Number(ctx.values.limit);
  if (!Number.isInteger(limit) || limit < 1)
    throw new UsageError('--limit must be a whole number of at least 1');
  await withProject(ctx.args[0]!, async (engine) => {
    const history = await engine.invoke('jobs.history', { limit });
    const text =
      history.length === 0 ? 'No jobs have run in this project yet.' : history.map(jobLine).join('\n');
    print(ctx, { jobs: history }, text);
  });
}

/**
 * One job in one line: start, kind, outcome, duration, counts, options, then its message. Options as in the
 * project log (paths and texts as "(given)"): stdout often ends up in a log; --json has them in full.
 */
function jobLine(j: JobRecord): string {
  const duration = j.durationMs === null ? 'running' : formatDuration(j.durationMs / 1000);
  const counts = `${j.done}/${j.total}${j.errors > 0 ? `, ${j.errors} errors` : ''}`;
  return [j.startedAt, j.kind, j.state, duration, counts, safeOptions(j.options), j.message]
    .filter(Boolean)
    .join('  ');
}
