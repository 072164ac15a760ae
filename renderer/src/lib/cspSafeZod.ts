import { config } from 'zod';

/**
 * The protocol's schemas (zod) probe for `new Function` to speed up parsing. Under the page's
 * strict CSP the probe fails harmlessly but is reported as a CSP violation; jitless mode skips it.
 * Imported first by main.ts, before any message is parsed.
 */
config({ jitless: true });
