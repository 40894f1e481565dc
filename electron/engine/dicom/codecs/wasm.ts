/**
 * Load an Emscripten-built codec from node_modules synchronously. Decoding runs inside a worker
 * thread's synchronous per-frame loop, so the module is compiled and instantiated in place instead
 * of through Emscripten's own (async, fetch-capable) loader; the .wasm is read from disk, never
 * fetched.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

type EmscriptenFactory = (module: Record<string, unknown>) => Promise<unknown>;
type Receive = (instance: WebAssembly.Instance) => void;

export function loadWasmCodec<T>(glueSpecifier: string, wasmSpecifier: string): T {
  const factory = require(glueSpecifier) as EmscriptenFactory;
  const binary = readFileSync(require.resolve(wasmSpecifier));
  const module: Record<string, unknown> = {
    instantiateWasm(imports: WebAssembly.Imports, receive: Receive) {
      const instance = new WebAssembly.Instance(new WebAssembly.Module(binary), imports);
      receive(instance);
      return instance.exports;
    },
    // Codec chatter (libjpeg warnings) must not reach the app's logs.
    print: () => undefined,
    printErr: () => undefined,
  };
  // With a synchronous instantiateWasm the runtime is ready when the factory returns; the promise
  // only matters if it fails, and then the classes below are missing.
  factory(module).catch(() => undefined);
  return module as T;
}

/** Embind objects live in the wasm heap and must be freed by hand. */
export interface Deletable {
  delete(): void;
}

/**
 * A lazily loaded codec module, one per worker thread, reused for every frame. A decoder that
 * failed may have left the wasm runtime aborted, so after an error the next use loads it afresh.
 */
export class LazyCodec<T> {
  private module: T | undefined;
  private readonly load: () => T;

  constructor(load: () => T) {
    this.load = load;
  }

  use<R>(run: (module: T) => R): R {
    this.module ??= this.load();
    try {
      return run(this.module);
    } catch (err) {
      this.module = undefined;
      throw err;
    }
  }
}
