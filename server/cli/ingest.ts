// `astri ingest`: registers a real dataset: a folder of class folders (Keras's layout), or the ASTRI
// gamma and proton folders, with labels and energies from a manifest or a metadata database.
// PATH may also be a .zip, .tar.gz or .tar: it then goes through the upload pipeline (server/uploads/).
// Exit code: 0 when the run completed, even if some files were rejected (each is listed);
// 1 with --strict when any file is rejected (then nothing is written), when no image at all is
// usable, or when the input cannot be used (missing folder, manifest without the needed columns).
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { Config } from '../config.ts';
import type { DatasetSummary } from '../data/dataset-catalog.ts';
import type { DatasetUploads, UploadOptions } from '../uploads/dataset-uploads.ts';
import { configFrom } from './global-options.ts';
import { ProgressLine } from './progress.ts';

interface IngestFlags {
  gammaDir?: string;
  protonDir?: string;
  manifest?: string;
  metadata?: string;
  metadataTable: string;
  map?: string;
  dataset?: string;
  size?: string;
  resize?: string;
  signalClass?: string;
  strict?: boolean;
  dryRun?: boolean;
  prune?: boolean;
}

export class IngestRejectedError extends Error {
  override name = 'IngestRejectedError';
}

export function registerIngestCommand(program: Command): void {
  program
    .command('ingest')
    .description('register labelled images: PATH is a folder with one folder per class, a .zip/.tar.gz/.tar of one, or s3://bucket/prefix; or --gamma-dir and --proton-dir (ASTRI)')
    .argument('[path]', 'folder holding one folder of PNG images per class (an events.csv or manifest.csv inside adds energies), an archive of such a folder (PNG or JPEG), or s3://bucket/prefix holding one (endpoint and credentials: config storage, AWS_* environment)')
    .option('--gamma-dir <dir>', 'folder of gamma images (searched recursively); with --proton-dir, a binary dataset with gamma as the signal')
    .option('--proton-dir <dir>', 'folder of proton images (searched recursively)')
    .option('--manifest <csv>', 'CSV with columns file,label[,energy_tev] (file relative to the CSV; "particle" is read as label); default: events.csv next to the folders')
    .option('--metadata <sqlite>', 'take energies from a table of an existing SQLite file instead of a manifest')
    .option('--metadata-table <name>', 'table of --metadata holding one row per image', 'events')
    .option('--map <key=column,...>', 'columns of the metadata table: file=COL,energy=COL[,label=COL] (energy in TeV)')
    .option('--dataset <name>', 'dataset name (default: the name of the folder holding the data)')
    .option('--size <WxH>', 'expected image size, e.g. 56x56 (default: the most common size)')
    .option('--resize <WxH>', 'archives: resize every image to this size (images of mixed sizes are refused without it)')
    .option('--signal-class <name>', 'archives: the signal class of a two-class dataset (ASTRI: gamma)')
    .option('--strict', 'register nothing and exit 1 if any file is rejected')
    .option('--dry-run', 'check and report, write nothing')
    .option('--prune', "also remove this dataset's events that this run does not list")
    .addHelpText(
      'after',
      '\nEvery file that cannot be registered is listed with its reason (missing, unreadable, not a PNG, wrong size,\n' +
        'bad manifest row). Re-running is safe: unchanged events are left as they are.\n' +
        'Exit code 0 when the run completed (rejections included), 1 with --strict and any rejection,\n' +
        'when no image is usable, or when the input itself is unusable.',
    )
    .action(async (dataPath: string | undefined, flags: IngestFlags) => {
      const config = configFrom(program);
      const { openDatabase } = await import('../data/db.ts');
      const { configuredDatabase } = await import('../data/database-url.ts');
      const { ingestDataset, parseColumnMap, parseImageSize, IngestInputError } = await import('../data/ingest.ts');
      if (!dataPath && !flags.gammaDir && !flags.protonDir && !flags.manifest) {
        throw new IngestInputError('nothing to ingest: give a folder of class folders, --gamma-dir and --proton-dir, or --manifest');
      }
      if (dataPath && (flags.gammaDir || flags.protonDir)) throw new IngestInputError('give either PATH or --gamma-dir/--proton-dir, not both');
      if (dataPath && /^s3:\/\//i.test(dataPath)) {
        await ingestThroughUploads(config, flags, dataPath, (uploads, options) => uploads.startFromBucket(dataPath, options));
        return;
      }
      if (dataPath && isFile(dataPath)) {
        const archive = path.resolve(dataPath);
        await ingestThroughUploads(config, flags, path.basename(archive), (uploads, options) => uploads.startFromFile(archive, options));
        return;
      }
      const astri = Boolean(flags.gammaDir || flags.protonDir);
      const classFolders = dataPath
        ? classFoldersIn(path.resolve(dataPath), IngestInputError)
        : [
            ...(flags.protonDir ? [{ label: 'proton', dir: flags.protonDir }] : []),
            ...(flags.gammaDir ? [{ label: 'gamma', dir: flags.gammaDir }] : []),
          ];
      const manifest = flags.manifest ?? (dataPath ? manifestIn(path.resolve(dataPath)) : undefined);
      if (flags.map && !flags.metadata) throw new IngestInputError('--map only applies with --metadata');
      const size = flags.size ? parseImageSize(flags.size) : undefined;
      const metadata = flags.metadata
        ? { file: path.resolve(flags.metadata), table: flags.metadataTable, columns: parseColumnMap(flags.map ?? 'file=file,energy=energy') }
        : undefined;
      const db = await openDatabase(configuredDatabase(config));
      try {
        const progress = new ProgressLine('checking images');
        const report = await ingestDataset(db, {
          classFolders,
          signalClass: flags.signalClass ?? (astri ? 'gamma' : null),
          requireEnergies: astri,
          energyEdgesTeV: [...config.energyBins.edgesTeV],
          manifest,
          metadata,
          dataset: flags.dataset ?? (dataPath ? path.basename(path.resolve(dataPath)) : undefined),
          size,
          strict: flags.strict,
          dryRun: flags.dryRun,
          prune: flags.prune,
          onProgress: progress.follow('writing the database'),
        });
        progress.done();

        const out: string[] = [];
        for (const note of report.notes) out.push(`note: ${note}`);
        const sizeText = report.expectedSize ? `${report.expectedSize.width}x${report.expectedSize.height}` : 'none';
        out.push(`dataset "${report.dataset}" in ${report.rootDir} (image size ${sizeText})${report.written ? '' : flags.dryRun ? ' [dry run: nothing written]' : ' [nothing written]'}`);
        if (report.removed > 0) out.push(`removed ${report.removed} events no longer listed (--prune)`);
        if (report.rejected.length > 0) {
          out.push('rejected:');
          for (const rejection of report.rejected) {
            out.push(`  ${display(rejection.file)}${rejection.origin ? ` [${rejection.origin}]` : ''}: ${rejection.reason}`);
          }
        }
        out.push(`registered ${report.registered} (${report.inserted} new, ${report.updated} updated), unchanged ${report.unchanged}, rejected ${report.rejected.length}`);
        process.stdout.write(`${out.join('\n')}\n`);

        if (flags.strict && report.rejected.length > 0) {
          throw new IngestRejectedError(`${report.rejected.length} file(s) rejected and --strict given: nothing was registered`);
        }
        if (report.registered + report.unchanged === 0 && report.rejected.length > 0) {
          throw new IngestRejectedError(`no usable image: all ${report.rejected.length} were rejected`);
        }
        if (report.registered + report.unchanged === 0) throw new IngestRejectedError('no image found to register');
      } finally {
        await db.$disconnect();
      }
    });
}

/**
 * An archive or a bucket prefix through the upload pipeline: unpacked (or fetched) into data/datasets/, JPEGs
 * converted, events registered. `what` names the input in the final message.
 */
async function ingestThroughUploads(
  config: Config,
  flags: IngestFlags,
  what: string,
  start: (uploads: DatasetUploads, options: UploadOptions) => Promise<DatasetSummary>,
): Promise<void> {
  const { openDatabase } = await import('../data/db.ts');
  const { configuredDatabase } = await import('../data/database-url.ts');
  const { DatasetCatalog } = await import('../data/dataset-catalog.ts');
  const { parseImageSize, IngestInputError } = await import('../data/ingest.ts');
  const { DatasetUploads } = await import('../uploads/dataset-uploads.ts');
  let resizeTo = null;
  try {
    resizeTo = flags.resize ? parseImageSize(flags.resize) : null;
  } catch {
    throw new IngestInputError(`--resize must look like WIDTHxHEIGHT, e.g. 56x56, got "${flags.resize}"`);
  }
  const db = await openDatabase(configuredDatabase(config));
  try {
    // The server, if one runs, owns the pixel store's index: this process leaves the store alone.
    const uploads = new DatasetUploads(db, new DatasetCatalog(db), config, { fillPixelStore: false });
    const started = await start(uploads, { name: flags.dataset ?? null, resizeTo, signalClass: flags.signalClass ?? null });
    if (started.state === 'ready') {
      process.stdout.write(`already ingested: dataset "${started.name}" (id ${started.id}) has the same content, ${started.eventCount} events\n`);
      return;
    }
    const progress = new ProgressLine('unpacking');
    let phase = 'unpacking';
    for await (const step of uploads.progress(started.id)) {
      if (step.phase === 'receiving' || step.phase === 'done') continue;
      if (step.phase !== phase) progress.phase((phase = step.phase));
      progress.update(step.filesDone, step.filesTotal ?? Math.max(step.filesDone, 1));
    }
    progress.done();
    const dataset = await uploads.finished(started.id);
    const out: string[] = [];
    if (dataset.rejectedFiles.length > 0) {
      out.push('refused:');
      for (const rejected of dataset.rejectedFiles) out.push(`  ${rejected.file}: ${rejected.reason}`);
    }
    if (dataset.state === 'ready') {
      const image = dataset.image ? `${dataset.image.width}x${dataset.image.height}, ${dataset.image.channels === 3 ? 'RGB' : 'gray'}` : 'no images';
      const classes = dataset.classes.map((label, i) => `${label.name} ${dataset.classCounts[i]}`).join(', ');
      out.push(`dataset "${dataset.name}" (id ${dataset.id}): ${dataset.eventCount} events (${classes}), images ${image}${dataset.energyEdgesTeV ? ', with energies' : ''}`);
      out.push(`registered ${dataset.eventCount}, refused ${dataset.rejectedFiles.length}`);
    }
    process.stdout.write(out.length > 0 ? `${out.join('\n')}\n` : '');
    if (dataset.state !== 'ready') throw new IngestRejectedError(`nothing usable in ${what}: ${dataset.error ?? dataset.state}`);
  } finally {
    await db.$disconnect();
  }
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The class folders of a Keras-style dataset folder: its sub-folders, sorted by name as Keras orders classes. */
function classFoldersIn(dir: string, InputError: new (message: string) => Error): Array<{ label: string; dir: string }> {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    throw new InputError(`${dir} is not a readable folder`);
  }
  const folders = entries.filter((entry) => entry.isDirectory() && !entry.name.startsWith('.')).map((entry) => entry.name).sort();
  if (folders.length < 2) throw new InputError(`${dir} must hold one folder per class (at least two), found ${folders.length}`);
  return folders.map((name) => ({ label: name, dir: path.join(dir, name) }));
}

function manifestIn(dir: string): string | undefined {
  const names = readdirSync(dir);
  const found = ['manifest.csv', 'events.csv'].find((name) => names.includes(name));
  return found ? path.join(dir, found) : undefined;
}

/** A path as the user most likely typed it: relative to the working directory when inside it. */
function display(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}
