// A Config for tests that need one without a target on the stack: every section parseConfig
// requires, each at its defaults, and placeholder endpoints nothing connects to.
import { CONFIG_SECTIONS, parseConfig, type Config } from '../../src/config.js';

/** The minimal tree through parseConfig; `sections` replaces whole sections or adds optional ones. */
export function minimalConfig(sections: Record<string, unknown> = {}): Config {
  return parseConfig({
    ...Object.fromEntries(CONFIG_SECTIONS.map((section) => [section, {}])),
    databend: { dsn: 'databend://root:@127.0.0.1:1/' },
    s3: { bucket: 'bucket', region: 'us-east-1' },
    sqs: { queueUrl: 'http://127.0.0.1/queue' },
    ...sections,
  });
}
