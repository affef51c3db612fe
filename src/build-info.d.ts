/** Set by vite.config.ts (`define`): the build's id, e.g. 0.1.0+2026-11-29T19:40Z. */
declare const __TASKMEM_BUILD_ID__: string;
