import { readFileSync } from 'node:fs';

/** Variables that hold secrets; each can also come from a file named by <NAME>_FILE (Docker and Kubernetes secrets). */
export const SECRET_VARIABLES = [
  'API_TOKEN',
  'PLAYBACK_SECRET',
  'S3_ACCESS_KEY_ID',
  'S3_SECRET_ACCESS_KEY',
  'SEGMENT_WEBHOOK_SECRET',
  'MQTT_PASSWORD',
  'EVENT_WEBHOOK_SECRET',
] as const;

export class SecretFileError extends Error {
  constructor(variable: string, file: string, cause: Error) {
    super(`${variable}_FILE: cannot read ${file}: ${cause.message}`);
    this.name = 'SecretFileError';
  }
}

/**
 * The environment with every <NAME>_FILE replaced by the file's content (trailing
 * newline removed). A variable set directly and through a file is an error: which
 * one wins would be a guess.
 */
export function resolveSecretFiles(env: Record<string, string | undefined>): Record<string, string | undefined> {
  const resolved = { ...env };
  for (const name of SECRET_VARIABLES) {
    const file = env[`${name}_FILE`];
    if (!file) continue;
    if (env[name]) throw new SecretFileError(name, file, new Error(`both ${name} and ${name}_FILE are set`));
    try {
      resolved[name] = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      throw new SecretFileError(name, file, error as Error);
    }
    delete resolved[`${name}_FILE`];
  }
  return resolved;
}
