/** Configuration as it may be shown: credentials hidden. */
import type { Config } from './config.js';

/** The effective configuration with credentials hidden, for print-config and logs. */
export function redactedConfig(config: Config): unknown {
  const dsn = config.databend.dsn
    .replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@')
    .replace(/([?&][^=&]*(?:secret|token|password|key)[^=&]*=)[^&]*/gi, '$1***');
  const stageConnection = Object.fromEntries(
    Object.entries(config.databend.stageConnection).map(([k, v]) => [
      k,
      /secret|token|password|key/i.test(k) ? '***' : v,
    ]),
  );
  const sourceUrl = config.reconcile.sourceUrl?.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
  return {
    ...config,
    databend: { ...config.databend, dsn, stageConnection },
    reconcile: { ...config.reconcile, ...(sourceUrl === undefined ? {} : { sourceUrl }) },
  };
}
