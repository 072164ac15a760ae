export type Tab = 'lab' | 'images' | 'race' | 'limits' | 'runs';

/** Which part of the app is on screen. */
export const view = $state<{ tab: Tab }>({ tab: 'lab' });
