// Command-line parameters of a benchmark: `--kebab-case value` sets the camelCase field of its
// defaults, parsed by the default's type. Unknown names and bad values fail naming the flag.

export type ParamValue = number | boolean | string;

export function applyParams<T extends Readonly<Record<string, ParamValue>>>(
  defaults: T,
  args: readonly string[],
): T {
  const out: Record<string, ParamValue> = { ...defaults };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i] as string;
    if (!flag.startsWith('--')) throw new Error(`expected a --flag, got ${flag}`);
    const name = flag.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    if (!(name in defaults))
      throw new Error(
        `unknown flag ${flag}; known: ${Object.keys(defaults).map(kebab).join(', ')}`,
      );
    const raw = args[++i];
    if (raw === undefined) throw new Error(`${flag} needs a value`);
    const current = defaults[name];
    if (typeof current === 'number') {
      const value = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(value))
        throw new Error(`${flag} takes a number, got ${raw}`);
      out[name] = value;
    } else if (typeof current === 'boolean') {
      if (raw !== 'true' && raw !== 'false')
        throw new Error(`${flag} takes true or false, got ${raw}`);
      out[name] = raw === 'true';
    } else {
      out[name] = raw;
    }
  }
  return out as T;
}

export function kebab(name: string): string {
  return `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}
