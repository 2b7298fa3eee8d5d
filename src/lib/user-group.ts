/** A uid and gid, as a service runs with them and as `UID:GID` reads in the configuration and install.json. */
export interface UserGroup {
  readonly uid: number;
  readonly gid: number;
}

/** Root, as the images run unless told otherwise. */
export const ROOT: UserGroup = { uid: 0, gid: 0 };

/** `UID:GID` (already checked by the configuration schema) as numbers. */
export function parseUserGroup(text: string): UserGroup {
  const [uid, gid] = text.split(':').map(Number);
  return { uid, gid };
}

/** `UID:GID`. */
export function formatUserGroup(u: UserGroup): string {
  return `${u.uid}:${u.gid}`;
}
