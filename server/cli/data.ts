// `astri data demo` (generate the demo dataset) and `astri data list` (registered datasets per bin).
import path from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { configFrom } from './global-options.ts';
import { ProgressLine } from './progress.ts';

/** A flag combination that makes no sense; the `astri` command prints it as `astri: DemoOptionsError: ...`. */
class DemoOptionsError extends Error {
  override name = 'DemoOptionsError';
}

export function registerDataCommand(program: Command): void {
  const data = program.command('data').description('datasets: generate the demo set, list what is registered');

  data
    .command('demo')
    .description(
      'generate the demo dataset (simulated ASTRI camera images) into data.inferenceDir and register it as "demo"; ' +
        'with --multiclass, write the 4-class demo (gamma, proton, electron, muon) as an upload layout, files only',
    )
    .option('--seed <n>', 'random seed (default: config demo.seed); the same seed gives byte-identical files', parseInteger('--seed', Number.MIN_SAFE_INTEGER))
    .option('--per-bin <n>', 'events of each particle per energy bin (default: config demo.eventsPerBin)', parseInteger('--per-bin', 1))
    .option('--multiclass', 'write <out>/<class>/*.png and <out>/manifest.csv (file,label,energy_tev) for gamma, proton, electron, muon; no database')
    .option('--out <dir>', 'with --multiclass: the folder to write (default: <data.dir>/demo-multiclass)')
    .option('--per-class <n>', 'with --multiclass: events of each class, spread evenly over the energy bins (default 500)', parseInteger('--per-class', 1))
    .action(async (options: { seed?: number; perBin?: number; multiclass?: boolean; out?: string; perClass?: number }) => {
      const config = configFrom(program);
      if (options.multiclass) {
        if (options.perBin !== undefined) throw new DemoOptionsError('--per-bin is for the binary demo; with --multiclass use --per-class');
        const { writeMulticlassDemo } = await import('../data/demo/index.ts');
        const progress = new ProgressLine('generating images');
        const result = await writeMulticlassDemo(options.out ?? path.join(config.data.dir, 'demo-multiclass'), {
          seed: options.seed ?? config.demo.seed,
          eventsPerClass: options.perClass,
          edgesTeV: config.energyBins.edgesTeV,
          onProgress: (done, total) => progress.update(done, total),
        });
        progress.done();
        process.stdout.write(
          `multi-class demo: ${result.events} events (${result.eventsPerClass} x ${result.classes.join(', ')}; seed ${result.seed}) in ${result.outDir}\n` +
            `manifest: ${result.manifestFile}\n` +
            `took ${(result.elapsedMs / 1000).toFixed(1)} s\n`,
        );
        return;
      }
      if (options.out !== undefined || options.perClass !== undefined) throw new DemoOptionsError('--out and --per-class need --multiclass');
      const { openDatabase } = await import('../data/db.ts');
      const { configuredDatabase, describeDatabase } = await import('../data/database-url.ts');
      const { writeDemoDataset } = await import('../data/demo/index.ts');
      const db = await openDatabase(configuredDatabase(config));
      try {
        const progress = new ProgressLine('generating images');
        const result = await writeDemoDataset(config, db, {
          seed: options.seed,
          eventsPerBin: options.perBin,
          onProgress: progress.follow('writing the database'),
        });
        progress.done();
        const bins = config.energyBins.edgesTeV.length - 1;
        process.stdout.write(
          `demo dataset: ${result.events} events (${bins} bins x ${result.eventsPerBin} x gamma, proton; seed ${result.seed}) in ${result.rootDir}\n` +
            `manifest: ${result.manifestFile}\n` +
            `database ${describeDatabase(configuredDatabase(config))}: ${result.inserted} new, ${result.updated} updated, ${result.unchanged} unchanged, ${result.removed} removed\n` +
            `took ${(result.elapsedMs / 1000).toFixed(1)} s\n`,
        );
      } finally {
        await db.$disconnect();
      }
    });

  data
    .command('list')
    .description('registered datasets with their events per energy bin')
    .action(async () => {
      const config = configFrom(program);
      const { openDatabase } = await import('../data/db.ts');
      const { configuredDatabase } = await import('../data/database-url.ts');
      const { DatasetCatalog } = await import('../data/dataset-catalog.ts');
      const db = await openDatabase(configuredDatabase(config));
      try {
        const catalog = new DatasetCatalog(db);
        const datasets = await catalog.list();
        if (datasets.length === 0) process.stdout.write('no dataset registered (astri data demo, or astri ingest)\n');
        for (const dataset of datasets) {
          const classes = dataset.classes.map((label, i) => `${dataset.classCounts[i]} ${label.name}`).join(', ');
          process.stdout.write(`${dataset.name} (${dataset.source}, ${dataset.state}, ${dataset.eventCount} events: ${classes}) in ${dataset.rootDir}\n`);
          for (const bin of await catalog.countByBin(dataset)) {
            const counts = dataset.classes.map((label, i) => `${bin.counts[i]} ${label.name}`).join(', ');
            process.stdout.write(`  bin ${bin.index} [${bin.minTeV}, ${bin.maxTeV}) TeV: ${counts}\n`);
          }
        }
      } finally {
        await db.$disconnect();
      }
    });
}

function parseInteger(flag: string, min: number): (value: string) => number {
  return (value) => {
    const number = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(number) || number < min) {
      throw new InvalidArgumentError(`${flag} must be an integer${min > Number.MIN_SAFE_INTEGER ? ` >= ${min}` : ''}, got "${value}"`);
    }
    return number;
  };
}
