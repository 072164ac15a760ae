/** What a failed file-system call means for the person using the app, in a few words. */
export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied (the data folder is read-only for this user)';
    case 'EROFS':
      return 'the data folder is on a read-only file system';
    case 'ENOSPC':
      return 'the disk is full: free some space and try again';
    case 'EDQUOT':
      return 'the disk quota is exhausted: free some space and try again';
    case 'ELOOP':
      return 'the path is a symbolic link, which is not followed';
    case 'ENOTDIR':
      return 'a part of the path is a file, not a folder';
    default:
      return err instanceof Error ? err.message : String(err);
  }
}

/** The errno code of a file-system error, if it has one. */
export function fsErrorCode(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
