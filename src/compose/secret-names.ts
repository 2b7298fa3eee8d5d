/**
 * Which environment variables of a compose file hold secrets, so that their values go to the pod's
 * env file (secretKeys) and never into the written configuration or the report. Broader on purpose
 * than the validator's inline-secret-env rule (src/validate/rules/inline-secret-env.ts), which only
 * judges what is already in a manifest: here a plain key taken for a secret costs one line in the env
 * file, a secret taken for a plain key would be written into a file anyone may read.
 */

/** A secret word anywhere in the name: DB_PASSWORD, NEXTAUTH_SECRET, GITHUB_TOKEN_RO, AWS_ACCESS_KEY_ID. */
const SECRET_WORD = /PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|PRIVATE|API_?KEY|ACCESS_?KEY/;
/** A secret word at the end: PG_PASS, POSTGRES_PWD, REDIS_AUTH, FERNET_KEY, SALT, SENTRY_DSN. */
const SECRET_END = /(^|_)(PASS|PWD|AUTH|KEY|SALT|DSN)$/;
/** Names of where a secret is, not the secret: POSTGRES_PASSWORD_FILE, API_KEY_PATH. */
const REFERENCE_END = /_(FILE|PATH|DIR)$/;

/** The variable's name says it holds a secret. */
export function looksSecret(name: string): boolean {
  const upper = name.toUpperCase();
  if (REFERENCE_END.test(upper)) return false;
  return SECRET_WORD.test(upper) || SECRET_END.test(upper);
}

/** A URL with a password in it: postgresql://user:pass@host/db (not redis://:@host, which has none). */
const URL_CREDENTIALS = /[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:[^\s/@]+@/i;

/** The value carries a credential whatever its name says. */
export function valueLooksSecret(value: string): boolean {
  return URL_CREDENTIALS.test(value);
}
