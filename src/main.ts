#!/usr/bin/env node
/**
 * bend-replicator's command line. `run` is the service; the other commands are operator tools
 * that share its configuration.
 */
import { Command, CommanderError } from 'commander';
import { runBackfill, type BackfillOptions } from './cli/backfill.js';
import { pauseCommand, resumeCommand } from './cli/pause.js';
import { reloadCommand } from './cli/reload.js';
import { planCommand } from './cli/plan.js';
import { purgeCommand } from './cli/purge.js';
import { reconcileCommand } from './cli/reconcile.js';
import { replayCommand } from './cli/replay.js';
import { runService } from './cli/run.js';
import { statusCommand } from './cli/status.js';
import { validateCommand } from './cli/validate.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { redactedConfig } from './config-redaction.js';
import { buildInfo } from './metrics/build-info.js';

const build = buildInfo();

const program = new Command()
  .name('bend-replicator')
  .description(
    'Replicates AWS DMS Parquet changes from S3 into Databend raw and ODS tables, driven by SQS.',
  )
  .version(`${build.version} (commit ${build.commit})`, '-V, --version')
  .option(
    '--config <file>',
    'the configuration file (YAML or JSON); wins over BEND_REPLICATOR_CONFIG',
  )
  .showHelpAfterError();

/** Read when a command runs, after parsing: `--config` may come before or after the command. */
function config(): Config {
  const { config: file } = program.opts<{ config?: string }>();
  return loadConfig(process.env, file);
}

program
  .command('run')
  .description('run the service: consume S3 events from SQS and load each table exactly once')
  .action(async () => runService(config()));

program
  .command('backfill')
  .description(
    'load the files in the bucket that the ledger lacks (full load, then CDC by name, per table), ' +
      'through the same batches as events; exit 1 if any file did not load',
  )
  .option('--prefix <prefix>', 'only keys under this prefix (default: the bucket folder)')
  .option(
    '--table <table>',
    'only this table: <schema>.<table> as DMS names it, or the Databend name',
  )
  .option(
    '--since <time>',
    'only files written since TIME: ISO-8601 (UTC) or an age (90m, 12h, 7d)',
  )
  .option('--dry-run', 'print the files it would load, per table, and load nothing')
  .action(async (options: BackfillOptions) => {
    process.exitCode = await runBackfill(config(), options);
  });

program
  .command('print-config')
  .description('print the effective configuration (file + environment), secrets redacted')
  .action(() => {
    console.log(JSON.stringify(redactedConfig(config()), null, 2));
  });

// Operator commands, each in its own module.
for (const command of [
  reloadCommand,
  validateCommand,
  planCommand,
  replayCommand,
  purgeCommand,
  reconcileCommand,
  statusCommand,
  pauseCommand,
  resumeCommand,
])
  program.addCommand(command(config));

// A usage error (unknown command or option, a missing argument) exits 2, as docs/cli.md says;
// commander would exit 1. Help and --version still exit 0.
for (const command of [program, ...program.commands]) command.exitOverride();

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exitCode = 2;
  } else if (error instanceof CommanderError) {
    // commander has printed the message (and the help) already.
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else {
    throw error;
  }
}
