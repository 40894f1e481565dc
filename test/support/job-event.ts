import type { JobInfo } from '../../electron/api/contract.ts';

/** A job event as the engine pushes it (the shape of `job.updated`): a running import, changed by `overrides`. */
export function jobEvent(overrides: Partial<JobInfo>): JobInfo {
  return {
    id: 'job-1',
    kind: 'import',
    state: 'running',
    done: 0,
    total: 0,
    totalKnown: false,
    rate: 0,
    eta: null,
    errors: 0,
    message: 'reading files',
    startedAt: '2026-01-01T10:00:00.000Z',
    finishedAt: null,
    ...overrides,
  };
}
