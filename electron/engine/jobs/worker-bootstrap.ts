// Every pool worker starts here: Node's compile cache on (in the OS temp folder; it holds compiled code of our
// own modules, nothing else), then the worker's own script. A thread does not inherit the cache from its
// parent, and a module's static imports load before its body runs, so the switch comes first, in a module of
// its own. A file rather than an evaluated string: Node runs `--import` preloads only in file workers.
import module from 'node:module';
import { workerData } from 'node:worker_threads';

module.enableCompileCache?.();
await import((workerData as { script: string }).script);
