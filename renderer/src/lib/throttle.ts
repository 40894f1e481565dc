export interface Throttled {
  /** Runs now if the last run is at least `ms` old, otherwise once when it is. */
  call(): void;
  /** Runs now whatever the timing (for a final state that must show at once). */
  flush(): void;
  cancel(): void;
}

/** At most one run per `ms`, never dropping the last request: refreshes follow fast events without flooding. */
export function throttle(fn: () => void, ms: number): Throttled {
  let last = -Infinity;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const run = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    last = Date.now();
    fn();
  };
  return {
    call() {
      const wait = last + ms - Date.now();
      if (wait <= 0) run();
      else timer ??= setTimeout(run, wait);
    },
    flush: run,
    cancel() {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
