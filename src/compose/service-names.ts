import { BUILT_IN_SERVICES, SERVICE_NAME } from './declared-service';

/** A compose service's name in the configuration, and why it differs when it does. */
export interface NameChoice {
  readonly name?: string;
  readonly changed?: string;
  readonly problem?: string;
}

/**
 * Configuration names for compose services (1-15 lowercase letters, digits and -; no built-in's
 * name): kept when valid, else lower-cased with _ as -, then shortened by dropping leading words
 * (airflow-dag-processor -> dag-processor: the prefix usually repeats the project's name), else cut.
 * `renames` (--rename old=new) decides where the rule does not suit.
 */
export function chooseNames(composeNames: readonly string[], renames: Readonly<Record<string, string>> = {}): Map<string, NameChoice> {
  const chosen = new Map<string, NameChoice>();
  const taken = new Map<string, string>();
  for (const original of composeNames) {
    let choice = renames[original] !== undefined ? explicit(original, renames[original]) : derive(original);
    if (choice.name && taken.has(choice.name)) {
      choice = { problem: `its configuration name "${choice.name}" is also that of ${taken.get(choice.name)}: choose one with --rename ${original}=NAME` };
    }
    if (choice.name) taken.set(choice.name, original);
    chosen.set(original, choice);
  }
  return chosen;
}

function explicit(original: string, name: string): NameChoice {
  if (!SERVICE_NAME.test(name))
    return { problem: `--rename ${original}=${name}: a service name is 1-15 lowercase letters, digits and - (starting with a letter)` };
  if ((BUILT_IN_SERVICES as readonly string[]).includes(name)) return { problem: `--rename ${original}=${name}: ${name} is a built-in service of the pod` };
  return name === original ? { name } : { name, changed: `renamed to ${name} (--rename)` };
}

function derive(original: string): NameChoice {
  if (SERVICE_NAME.test(original) && !(BUILT_IN_SERVICES as readonly string[]).includes(original)) return { name: original };
  let name = original
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+$/, '');
  while (name.length > 15 && name.includes('-')) name = name.slice(name.indexOf('-') + 1);
  if (name.length > 15) name = name.slice(0, 15).replace(/-+$/, '');
  let why = 'a service name is 1-15 lowercase letters, digits and -';
  if ((BUILT_IN_SERVICES as readonly string[]).includes(name)) {
    name = `${name}-2`;
    why = `${original} is the name of a built-in service of the pod`;
  }
  if (!SERVICE_NAME.test(name)) return { problem: `no valid configuration name can be made of it: choose one with --rename ${original}=NAME` };
  return { name, changed: `renamed to ${name} (${why}); use --rename ${original}=NAME for another` };
}
