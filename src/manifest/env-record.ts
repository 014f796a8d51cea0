/**
 * Environments as records of variables. A variable may have any name, `__proto__`, `constructor` and
 * `toString` included, so a record is made without a prototype (where `__proto__` would set the
 * prototype and be lost) and read by its own names only (where `constructor` would find Object's).
 */
export function environment(from: Readonly<Record<string, string>> = {}): Record<string, string> {
  return Object.assign(Object.create(null) as Record<string, string>, from);
}

/** The variable `name` of `env` (process.env too), or undefined when it has none of that name. */
export function variable(env: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  return Object.hasOwn(env, name) ? env[name] : undefined;
}
