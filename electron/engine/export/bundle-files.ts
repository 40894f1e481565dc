/**
 * The files of a bundle being written, each hashed as its bytes go to disk, so the manifest never reads a
 * file back and no file is ever held whole in memory by this layer.
 */
import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ByteWriter } from 'hyparquet-writer';

export interface ManifestFile {
  path: string;
  sha256: string;
  size: number;
}

/** One file open for writing: appended to synchronously, hashed on the way. */
export class HashedFile {
  private readonly files: BundleFiles;
  readonly rel: string;
  private readonly fd: number;
  private readonly hash: Hash = createHash('sha256');
  private size = 0;

  constructor(files: BundleFiles, rel: string) {
    this.files = files;
    this.rel = rel;
    const abs = path.join(files.root, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    this.fd = fs.openSync(abs, 'w');
  }

  write(chunk: Uint8Array | string): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let at = 0;
    while (at < bytes.length) at += fs.writeSync(this.fd, bytes, at, bytes.length - at);
    this.hash.update(bytes);
    this.size += bytes.length;
  }

  get bytesWritten(): number {
    return this.size;
  }

  /** Closes the file and records it under `rel` (or under `as`, where it is renamed). */
  close(as = this.rel): ManifestFile {
    fs.closeSync(this.fd);
    if (as !== this.rel) {
      const dest = path.join(this.files.root, as);
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.renameSync(path.join(this.files.root, this.rel), dest);
    }
    return this.files.record({ path: as, sha256: this.hash.digest('hex'), size: this.size });
  }
}

export class BundleFiles {
  readonly root: string;
  private readonly written = new Map<string, ManifestFile>();

  constructor(root: string) {
    this.root = root;
  }

  open(rel: string): HashedFile {
    return new HashedFile(this, rel);
  }

  write(rel: string, data: Uint8Array | string): ManifestFile {
    const file = this.open(rel);
    file.write(data);
    return file.close();
  }

  record(entry: ManifestFile): ManifestFile {
    this.written.set(entry.path, entry);
    return entry;
  }

  /** Every file written, in byte order of path (the manifest's order). */
  list(): ManifestFile[] {
    return [...this.written.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }
}

/**
 * A hyparquet-writer Writer that sends each finished row group to a HashedFile: the Parquet writer calls
 * flush() after every row group, so memory holds one row group at most.
 */
export class ParquetFileWriter extends ByteWriter {
  private readonly file: HashedFile;

  constructor(file: HashedFile) {
    super(1 << 20);
    this.file = file;
  }

  flush(): void {
    this.file.write(new Uint8Array(this.buffer, 0, this.index));
    this.index = 0;
  }

  override finish(): void {
    this.flush();
  }
}
