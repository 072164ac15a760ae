/** The file name ending of an exported run (a gzip-compressed tar archive of its folder). */
export const RUN_ARCHIVE_SUFFIX = '.ars-run.tgz';
