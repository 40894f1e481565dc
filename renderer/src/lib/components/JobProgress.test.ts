import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { jobEvent } from '../../../../test/support/job-event.ts';
import JobProgress from './JobProgress.svelte';

afterEach(() => cleanup());

describe('the import progress panel', () => {
  it('shows rate and ETA from a job event', () => {
    render(JobProgress, {
      props: {
        job: jobEvent({ done: 1200, total: 5000, totalKnown: true, rate: 84.37, eta: 45.2, errors: 3 }),
      },
    });
    expect(screen.getByTestId('job-count')).toHaveTextContent('1,200 / 5,000');
    expect(screen.getByTestId('job-rate')).toHaveTextContent('84.4 files/s');
    expect(screen.getByTestId('job-eta')).toHaveTextContent('0:45');
    expect(screen.getByTestId('job-errors')).toHaveTextContent('3');
    expect(screen.getByTestId('job-message')).toHaveTextContent('reading files');
    const bar = screen.getByRole('progressbar', { name: 'Import progress' });
    expect(bar).toHaveAttribute('aria-valuenow', '1200');
    expect(bar).toHaveAttribute('aria-valuemax', '5000');
  });

  it('is indeterminate while the walk is still counting files', () => {
    render(JobProgress, { props: { job: jobEvent({ done: 40, total: 90, totalKnown: false, rate: 12 }) } });
    const bar = screen.getByRole('progressbar');
    expect(bar).not.toHaveAttribute('aria-valuenow');
    expect(bar).toHaveAttribute('aria-valuetext', '40 files so far');
    expect(screen.getByTestId('job-count')).toHaveTextContent('40 / 90+');
    expect(screen.getByTestId('job-eta')).toHaveTextContent('—');
  });

  it('offers Cancel while running and calls back once pressed', async () => {
    const oncancel = vi.fn();
    render(JobProgress, { props: { job: jobEvent({}), oncancel } });
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel import' }));
    expect(oncancel).toHaveBeenCalledOnce();
  });

  it('shows the final state without Cancel, and a failure as an alert', async () => {
    const { rerender } = render(JobProgress, {
      props: {
        job: jobEvent({ state: 'cancelled', message: 'cancelled after 10 of 90 files' }),
        oncancel: () => {},
      },
    });
    expect(screen.getByTestId('job-state')).toHaveTextContent('Cancelled');
    expect(screen.queryByRole('button', { name: 'Cancel import' })).not.toBeInTheDocument();

    await rerender({ job: jobEvent({ state: 'failed', message: 'Source /x does not exist.' }) });
    expect(screen.getByTestId('job-state')).toHaveTextContent('Failed');
    expect(screen.getByRole('alert')).toHaveTextContent('Source /x does not exist.');
  });
});
