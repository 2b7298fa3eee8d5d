/**
 * An env name that says it holds a secret: it ends in the secret word (DB_PASSWORD, DD_API_KEY,
 * GITHUB_TOKEN; not PASSWORD_FILE). The validator refuses such a value written in a manifest, and
 * the configuration refuses it in a declared service's plain env.
 */
export const SECRET_NAME = /(^|_)(PASSWORD|PASSWD|PASS|SECRET|TOKEN|API_?KEY|APP_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIALS?|AUTH)$/i;

/** Whether an env name looks like it holds a secret. */
export function looksSecret(name: string): boolean {
  return SECRET_NAME.test(name);
}
